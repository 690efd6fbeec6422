/**
 * Policy sets for common cases, so one import registers a sensible default gate. Each set is a list of
 * built-in policies, or a factory when it needs options (state, a workspace, table names). Spread several
 * into one gate, and add or drop single policies as needed; sets never share state between calls.
 *
 * @example
 * ```ts
 * import { Sets } from "./mod.ts"
 * const policies = [...Sets.codingAgent({ workspace: "/workspace" }), ...Sets.web]
 * ```
 *
 * The `database`, `web` (`webWith`) and `messaging` sets take an `allow` option for forms their guards
 * block that a deployment means to permit; a pass granted that way says "allowed by configuration: …" in
 * its reason, so the receipt records it.
 * @module
 */
import type * as Policy from "../src/Policy.ts"
import * as Access from "./access.ts"
import * as Credentials from "./credentials.ts"
import * as Db from "./db.ts"
import * as Email from "./email.ts"
import * as FileSystem from "./filesystem.ts"
import * as Git from "./git.ts"
import * as PromptInjection from "./promptInjection.ts"
import * as Shell from "./shell.ts"
import * as Slack from "./slack.ts"
import * as Url from "./url.ts"
import { allowing } from "./_allow.ts"
import * as Payload from "./_payload.ts"

/** Options of `codingAgent`. */
export interface CodingAgentOptions extends Shell.ShellGuardOptions {
  /**
   * The agent's working directory: relative paths resolve against it, and file paths must stay inside
   * it (`restrict_paths`). Without it, relative paths resolve against `/` and paths are not confined.
   */
  readonly workspace?: string
  /** Extra directories file paths may be in, besides the workspace. */
  readonly allowedDirs?: ReadonlyArray<string>
}

/**
 * For coding agents (shell, git and file tools). What it blocks:
 * - in `payload.command` (the shell guard, `Shell.codingAgentShellGuard`): infrastructure destroys
 *   (terraform/pulumi destroy, destructive ORM pushes, recursive bucket deletes, IAM user, namespace,
 *   volume and DNS deletion), `git reset --hard` and equivalents, forced `git clean`, recursive `chmod 777`,
 *   database drops, unvetted package installs, bulk messages and Stripe cancels, unbounded PII selects,
 *   secret file reads, CI/CD file writes, home or system directory wipes, running downloaded code,
 *   rename-then-drop of a protected table, `.gitignore` edits that expose files, and every command the
 *   shell model cannot resolve (an unknown program or script, `eval` of unknown text, interpreter
 *   one-liners, functions and aliases defined in the command, unresolvable git aliases or configuration);
 * - pushes or merges to main/master (refspecs, `--all`, `--mirror`, configuration and aliases normalised
 *   first), force pushes, API keys in commits (add `Git.requireMeaningfulCommitMessage` for message rules);
 * - `.env`, CI/CD, `.gitignore` and home-directory paths, and paths outside the workspace when given;
 *   copying, grepping or globbing for credentials; prompt injection in any field.
 *
 * `allow` permits commands the shell and git policies would block: an exact simple command or
 * `{ prefix }` of its words, matched against what runs (wrappers stripped). A policy that blocks only
 * because of an allowed command passes with a reason starting "allowed by configuration: …", so the
 * receipt records the allowance.
 *
 * @example
 * ```ts
 * import { codingAgent } from "./sets.ts"
 * import * as Shell from "./shell.ts"
 * const policies = codingAgent({
 *   workspace: "/workspace",
 *   allowPackages: [...Shell.DEFAULT_VETTED_PACKAGES, "lodash"],
 *   allow: [{ prefix: "python3 -c" }, "git push origin HEAD:main"]
 * }) // "git push origin HEAD:main" passes, "allowed by configuration: …"; "git push origin HEAD:master" still blocks
 * ```
 */
export const codingAgent = (options: CodingAgentOptions = {}): ReadonlyArray<Policy.Policy> => {
  const cwd = options.workspace
  const paths = cwd === undefined ? {} : { cwd }
  const git = options.allow === undefined ? {} : { allow: options.allow }
  return [
    ...Shell.codingAgentShellGuard(options),
    Git.makeDontPushToMain(git),
    Git.dontMergeToMain,
    Git.makeDontForcePush(git),
    Git.dontCommitApiKeys,
    ...(cwd === undefined ? [] : [FileSystem.restrictPaths([cwd, ...(options.allowedDirs ?? [])], paths)]),
    FileSystem.dontReadEnv,
    FileSystem.dontTouchCiCd,
    FileSystem.dontEditGitignore,
    FileSystem.dontAccessHomeDir(paths),
    Credentials.dontCopyApiKeys,
    Credentials.blockGrepSecretPatterns,
    Credentials.blockGlobCredentialsDirs,
    PromptInjection.blockPromptInjection
  ]
}

/** Options of `database`. */
export interface DatabaseOptions {
  /** Tables no statement may touch (`protect_tables`). */
  readonly protectedTables?: ReadonlyArray<string>
  /** Tables that may not be read (`dont_read_sensitive_tables`). */
  readonly sensitiveTables?: ReadonlyArray<string>
  /** PII fields contractors may not write (`contractor_cannot_write_pii`; default: common PII names). */
  readonly piiFields?: ReadonlyArray<string>
  /** The session's search_path, to resolve unqualified table names. */
  readonly searchPath?: ReadonlyArray<string>
  /** Session state for rename-then-drop (default: a fresh in-memory state owned by this set). */
  readonly state?: Shell.SessionState
  /**
   * Forms to let through although the guard blocks them, each recorded as "allowed by configuration":
   * `tables` the agent may change wholesale (a DELETE/UPDATE without a narrowing WHERE, TRUNCATE, DDL on
   * them), `functions` that reach outside the database (`dblink`…), exact `statements`. Protected and
   * sensitive tables stay blocked whatever is allowed here.
   */
  readonly allow?: Db.DbAllow
}

const DEFAULT_PII = ["email", "phone", "ssn", "date_of_birth", "address", "credit_card", "passport_number"]

/**
 * For agents that run SQL (`payload.sql`, `payload.table`, `payload.where`). Blocks:
 * - schema and privilege changes (DROP, TRUNCATE, ALTER, CREATE, SELECT INTO, GRANT, REVOKE), functions
 *   that reach outside the database (`dblink*`, `pg_read_file`, `lo_import`/`lo_export`, `COPY … PROGRAM`,
 *   `http_*`…), `DO` blocks, `PREPARE`/`EXECUTE`, and SQL run from strings it cannot read (`block_ddl`);
 * - a DELETE or UPDATE whose WHERE does not provably narrow the rows — only comparisons of a column with a
 *   constant or parameter count, in every OR branch (`dont_delete_without_where`,
 *   `dont_update_without_where`; these block a payload with neither `sql` nor `where`, so use this set on
 *   data-changing workflows);
 * - any statement touching `protectedTables`, and reads of `sensitiveTables`, also through
 *   `query_to_xml('…')`-style functions;
 * - PII writes by contractors; a drop, truncation or DELETE of a table renamed from another earlier in
 *   the session (`block_rename_then_drop`);
 * - SQL the parser cannot read, with a reason that says so.
 *
 * @example
 * ```ts
 * import { database } from "./sets.ts"
 * const policies = database({ protectedTables: ["billing.invoices"], sensitiveTables: ["salaries"], allow: { tables: ["scratch_results"] } })
 * // { sql: "DELETE FROM scratch_results" } passes, "allowed by configuration: …"; { sql: "DELETE FROM orders" } blocks
 * ```
 */
export const database = (options: DatabaseOptions = {}): ReadonlyArray<Policy.Policy> => {
  const searchPath = options.searchPath === undefined ? {} : { searchPath: options.searchPath }
  const allow = options.allow === undefined ? {} : { allow: options.allow }
  return [
    Db.blockDdlWith(allow),
    Db.dontDeleteWithoutWhereWith(allow),
    Db.dontUpdateWithoutWhereWith(allow),
    ...(options.protectedTables === undefined ? [] : [Db.protectTables(options.protectedTables, searchPath)]),
    ...(options.sensitiveTables === undefined ? [] : [Access.dontReadSensitiveTables(options.sensitiveTables, searchPath)]),
    Access.contractorCannotWritePii(options.piiFields ?? DEFAULT_PII),
    Shell.blockRenameThenDrop({
      state: options.state ?? Shell.memorySessionState(),
      ...(options.protectedTables === undefined ? {} : { tables: options.protectedTables })
    })
  ]
}

/** Options of `webWith`. */
export interface WebOptions {
  /**
   * `hosts`: domains (their subdomains included) and IPs whose URLs pass every check of the set — plain
   * http to a local dev server, an internal API the agent is meant to reach — each recorded as "allowed by
   * configuration".
   */
  readonly allow?: { readonly hosts?: ReadonlyArray<string> }
}

/**
 * For agents that fetch URLs (`payload.url`), with `allow.hosts` as an escape hatch. Blocks: URLs that are
 * not https; exfiltration services (paste sites, file drops, request catchers, tunnels, Discord webhooks,
 * the Telegram Bot API); abuse-heavy TLDs; raw IPs in any spelling and names that are addresses in
 * disguise (`localhost`, `lvh.me`, `127.0.0.1.nip.io`); hosts that are or resolve to loopback, private,
 * link-local, CGNAT or cloud-metadata addresses (`block_ssrf`, which resolves names when a `Dns` layer
 * is provided); and credentials anywhere in the payload (a token in a query string).
 * Add `Url.webfetchDomainAllowlist([...])` to confine it further.
 *
 * @example
 * ```ts
 * import { webWith } from "./sets.ts"
 * const policies = webWith({ allow: { hosts: ["localhost", "api.internal.example"] } })
 * // { url: "http://localhost:3000/health" } passes, "allowed by configuration: …"; { url: "http://127.0.0.1:3000/" } blocks
 * ```
 */
export const webWith = (options: WebOptions = {}): ReadonlyArray<Policy.Policy> => {
  const policies = [
    Url.requireHttps,
    Url.blockDnsExfilDomains,
    Url.blockSuspiciousTlds,
    Url.blockRawIpUrls,
    Url.blockSsrf,
    Credentials.blockSecretsInPayload
  ]
  const hosts = options.allow?.hosts ?? []
  if (hosts.length === 0) return policies
  const match = Url.hostMatcher(hosts)
  return policies.map((p) =>
    allowing(p, (ctx) => {
      const url = Payload.get(ctx.payload, "url")
      const hit = typeof url === "string" ? match(url) : undefined
      return hit === undefined ? undefined : `host '${hit}' is on the web set's allow list`
    })
  )
}

/** The web set with no allow list: `webWith()`. */
export const web: ReadonlyArray<Policy.Policy> = webWith()

/** Options of `messaging`. */
export interface MessagingOptions {
  /** Slack channels messages may go to (`require_channel_allowlist`). */
  readonly channels?: ReadonlyArray<string>
  /** Block repeated emails (`no_repeat_emails`, read from verified receipts): `true` or its options. */
  readonly noRepeatEmails?: boolean | Email.NoRepeatEmailsOptions
  /**
   * Forms to let through, each recorded as "allowed by configuration": `recipients` (addresses, or
   * `@domain` for a whole domain) an email may go to together although there is more than one, and
   * `directMessages` (Slack user ids, `@names`, DM channel ids) the agent may message directly.
   */
  readonly allow?: {
    readonly recipients?: ReadonlyArray<string>
    readonly directMessages?: ReadonlyArray<string>
  }
}

/**
 * For agents that send email or Slack messages. Blocks: emails to more than one recipient; Slack DMs (user
 * ids, `@names`, DM and group-DM channels); prompt injection anywhere in the message; credentials
 * anywhere in the payload; and, when given, channels off the allowlist and the same email to the same
 * recipient again when `noRepeatEmails` is set (it reads earlier receipts that verify, so the gate runs as an Effect). `allow` lets listed
 * recipients and DM targets through.
 *
 * @example
 * ```ts
 * import { messaging } from "./sets.ts"
 * const policies = messaging({
 *   channels: ["#deploys", "U0123ONCALL"], // a DM target passes require_channel_allowlist only when listed here too
 *   noRepeatEmails: true,
 *   allow: { recipients: ["@mycompany.com"], directMessages: ["U0123ONCALL"] }
 * })
 * // { to: "a@mycompany.com", cc: ["b@mycompany.com"] } and { channel: "U0123ONCALL" } pass; { channel: "#random" } blocks
 * ```
 */
export const messaging = (options: MessagingOptions = {}): ReadonlyArray<Policy.Policy> => {
  const recipients = (options.allow?.recipients ?? []).map((r) => r.trim().toLowerCase())
  const dms = new Set((options.allow?.directMessages ?? []).map((d) => Slack.channelKey(d) ?? d))
  const recipientAllowed = (a: string): boolean =>
    recipients.some((r) => (r.startsWith("@") ? a.endsWith(r) : a === r))
  const mass = recipients.length === 0 ? Email.noMassEmails : allowing(Email.noMassEmails, (ctx) => {
    const all = Email.recipientsOf(ctx.payload)
    if (!(all instanceof Set) || all.size === 0) return undefined
    return [...all].every(recipientAllowed) ? `every recipient (${all.size}) is on the messaging set's allow list` : undefined
  })
  const directMessages = dms.size === 0 ? Slack.blockDms : allowing(Slack.blockDms, (ctx) => {
    const channel = Payload.get(ctx.payload, "channel")
    const key = typeof channel === "string" ? Slack.channelKey(channel) : undefined
    return key !== undefined && dms.has(key) ? `direct messages to '${key}' are on the messaging set's allow list` : undefined
  })
  return [
    mass,
    directMessages,
    ...(options.channels === undefined ? [] : [Slack.requireChannelAllowlist(options.channels)]),
    ...(options.noRepeatEmails === undefined || options.noRepeatEmails === false
      ? []
      : [Email.noRepeatEmails(options.noRepeatEmails === true ? {} : options.noRepeatEmails)]),
    PromptInjection.blockPromptInjection,
    Credentials.blockSecretsInPayload
  ]
}
