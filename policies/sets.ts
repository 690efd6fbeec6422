/**
 * Policy sets for common cases, so one import registers a sensible default gate. Each set is a list of
 * built-in policies, or a factory when it needs options (state, a workspace, table names). Spread several
 * into one gate, and add or drop single policies as needed; sets never share state between calls.
 *
 * @example
 * ```ts
 * import { Sets } from "./policies/mod.ts"
 * const policies = [...Sets.codingAgent({ workspace: "/workspace" }), ...Sets.web]
 * ```
 * @module
 */
import type * as Policy from "../src/Policy.ts"
import type { ReceiptStoreService } from "../src/ReceiptStore.ts"
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
 * const policies = codingAgent({
 *   workspace: "/workspace",
 *   allowPackages: [...Shell.DEFAULT_VETTED_PACKAGES, "lodash"],
 *   allow: [{ prefix: "python3 -c" }, "git push origin HEAD:main"]
 * })
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
}

const DEFAULT_PII = ["email", "phone", "ssn", "date_of_birth", "address", "credit_card", "passport_number"]

/**
 * For agents that run SQL (`payload.sql`, `payload.table`, `payload.where`): no schema changes, no
 * DELETE/UPDATE without a real WHERE (these two block a payload with neither `sql` nor `where`, so use
 * this set on data-changing workflows), protected and sensitive tables, no PII writes by contractors, no
 * rename-then-drop of a table within a session.
 *
 * @example
 * ```ts
 * const policies = database({ protectedTables: ["billing.invoices"], sensitiveTables: ["salaries"] })
 * ```
 */
export const database = (options: DatabaseOptions = {}): ReadonlyArray<Policy.Policy> => {
  const searchPath = options.searchPath === undefined ? {} : { searchPath: options.searchPath }
  return [
    Db.blockDdl,
    Db.dontDeleteWithoutWhere,
    Db.dontUpdateWithoutWhere,
    ...(options.protectedTables === undefined ? [] : [Db.protectTables(options.protectedTables, searchPath)]),
    ...(options.sensitiveTables === undefined ? [] : [Access.dontReadSensitiveTables(options.sensitiveTables, searchPath)]),
    Access.contractorCannotWritePii(options.piiFields ?? DEFAULT_PII),
    Shell.blockRenameThenDrop({
      state: options.state ?? Shell.memorySessionState(),
      ...(options.protectedTables === undefined ? {} : { tables: options.protectedTables })
    })
  ]
}

/**
 * For agents that fetch URLs (`payload.url`): https only, no exfiltration services, no abuse-heavy TLDs,
 * no raw IPs, localhost or private ranges (SSRF). Add `Url.webfetchDomainAllowlist([...])` to confine it.
 *
 * @example
 * ```ts
 * const policies = [...web, Url.webfetchDomainAllowlist(["docs.example.com"])]
 * ```
 */
export const web: ReadonlyArray<Policy.Policy> = [
  Url.requireHttps,
  Url.blockDnsExfilDomains,
  Url.blockSuspiciousTlds,
  Url.blockRawIpUrls
]

/** Options of `messaging`. */
export interface MessagingOptions {
  /** Slack channels messages may go to (`require_channel_allowlist`). */
  readonly channels?: ReadonlyArray<string>
  /** The receipt store, to block repeated emails (`no_repeat_emails`). */
  readonly store?: ReceiptStoreService
}

/**
 * For agents that send email or Slack messages: one recipient per email, no Slack DMs, no prompt
 * injection in the message; a channel allowlist and no repeated emails when given a list and a store
 * (the latter reads the store, so the gate runs as an Effect).
 *
 * @example
 * ```ts
 * const policies = messaging({ channels: ["#deploys"], store })
 * ```
 */
export const messaging = (options: MessagingOptions = {}): ReadonlyArray<Policy.Policy> => [
  Email.noMassEmails,
  Slack.blockDms,
  ...(options.channels === undefined ? [] : [Slack.requireChannelAllowlist(options.channels)]),
  ...(options.store === undefined ? [] : [Email.noRepeatEmails({ store: options.store })]),
  PromptInjection.blockPromptInjection
]
