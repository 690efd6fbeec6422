/**
 * What well-known programs do, for the shell guard (private): which package a runner runs, which files
 * hold secrets, which paths are a home or system directory, which commands fetch code and which run it,
 * which send messages or cancel subscriptions. Everything works on the unwrapped commands of `_shell.ts`.
 *
 * @example
 * ```ts
 * secretOf(pathOf("~/.ssh/id_rsa", undefined)) // "an SSH private key"
 * packageOf("lodash@^4")                        // { _tag: "Name", name: "lodash" }
 * ```
 * @module
 */
import * as Paths from "./_paths.ts"
import { show } from "./_payload.ts"
import * as Sh from "./_shell.ts"

type Command = Sh.Command

const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))

// ---------------------------------------------------------------------------------------------------
// Package runners

const NPX_VALUED = set("-p --package -c --call --cache --userconfig --registry --prefix --workspace -w --loglevel")
const RUNNERS = set("npx pnpx bunx")

/** A package spec without its version: `@scope/x@1` → `@scope/x`, `x@^2` → `x`. */
const withoutVersion = (spec: string): string =>
  spec.startsWith("@") ? `@${spec.slice(1).split("@")[0]}` : spec.split("@")[0]!

/** Whether a command is a package manager or runner (npm, npx, pnpm, yarn, bun, bunx, pnpx). */
export const runsPackages = (c: Command): boolean => PACKAGE_MANAGERS.has(c.name)
const PACKAGE_MANAGERS = set("npm npx pnpm pnpx yarn bun bunx")

/**
 * The tool a command runs, through a package runner or not: `npx prisma@5 db push` and `pnpm exec
 * prisma db push` give `["prisma", "db", "push"]`; anything else gives its own argv.
 */
export const toolArgv = (c: Command): ReadonlyArray<string> => {
  const a = c.argv
  let rest: ReadonlyArray<string> | undefined
  if (RUNNERS.has(c.name)) rest = a.slice(Sh.skipOptions(a, 1, NPX_VALUED))
  else if (
    (c.name === "npm" && (a[1] === "exec" || a[1] === "x")) || ((c.name === "pnpm" || c.name === "yarn") && (a[1] === "exec" || a[1] === "dlx")) ||
    (c.name === "bun" && a[1] === "x")
  ) rest = a.slice(Sh.skipOptions(a, 2, NPX_VALUED))
  else if ((c.name === "yarn" || c.name === "pnpm" || c.name === "bun") && a[1] === "run") rest = a.slice(2)
  else if ((c.name === "yarn" || c.name === "pnpm") && a[1] !== undefined && !a[1].startsWith("-")) rest = a.slice(1)
  if (rest === undefined || rest.length === 0) return a
  return [withoutVersion(rest[0]!), ...rest.slice(1)]
}

const NPM_VALUED = set(
  "--prefix --registry --tag --workspace -w --omit --include --cache --userconfig --globalconfig --save-prefix --otp --loglevel --scope --install-strategy --before --location --cpu --os --libc"
)
const PNPM_VALUED = set("--filter -F --dir -C --store-dir --registry --reporter --virtual-store-dir --modules-dir --lockfile-dir --config")
const YARN_VALUED = set("--cwd --registry --modules-folder --cache-folder --network-timeout --mutex --use-yarnrc")
const BUN_VALUED = set("--cwd --registry --backend --cache-dir --config")
const NPM_INSTALL = set("install i in ins inst insta instal isnt isnta isntal isntall add install-test it install-ci-test cit")

/** `npm init vite` runs `create-vite`; `@scope` runs `@scope/create`, `@scope/x` runs `@scope/create-x`. */
const initializer = (name: string | undefined): ReadonlyArray<string> => {
  if (name === undefined || name.startsWith("-")) return []
  if (name.startsWith("@")) {
    const [scope, rest] = withoutVersion(name).split("/")
    return [rest === undefined ? `${scope}/create` : `${scope}/create-${rest}`]
  }
  return /^[.\/~]|:/.test(name) ? [name] : [`create-${withoutVersion(name)}`]
}

/** What a runner runs: the `-p`/`--package` values, else its first positional. */
const runnerSpecs = (a: ReadonlyArray<string>, from: number): ReadonlyArray<string> => {
  const i = Sh.skipOptions(a, from, NPX_VALUED)
  const packages = Sh.optionValues(a.slice(from, i), "p", "package")
  return packages.length > 0 ? packages : a[i] === undefined ? [] : [a[i]!]
}

/** The package specs a command installs or runs from the registry (empty for anything else). */
export const installedSpecs = (c: Command): ReadonlyArray<string> => {
  const a = c.argv
  if (RUNNERS.has(c.name)) return runnerSpecs(a, 1)
  const valued = c.name === "npm" ? NPM_VALUED : c.name === "pnpm" ? PNPM_VALUED : c.name === "yarn" ? YARN_VALUED : c.name === "bun" ? BUN_VALUED : undefined
  if (valued === undefined) return []
  let i = Sh.skipOptions(a, 1, valued)
  let sub = a[i]
  if (c.name === "yarn" && sub === "global") sub = a[++i]
  const rest = a.slice(i + 1)
  if (sub === "exec" && c.name === "npm" || sub === "x" && (c.name === "npm" || c.name === "bun") || sub === "dlx") return runnerSpecs(a, i + 1)
  if (sub === "init" || sub === "create" || sub === "innit") return initializer(Sh.positionals(rest, valued)[0])
  if (sub === "add" || sub === "a" && c.name === "bun" || (c.name === "npm" ? NPM_INSTALL.has(sub ?? "") : sub === "install" || sub === "i")) {
    return Sh.positionals(rest, valued)
  }
  return []
}

/** What a package spec installs from. */
export type Package =
  | { readonly _tag: "Name"; readonly name: string }
  | { readonly _tag: "Source"; readonly source: string }
  | { readonly _tag: "Local" }

const LOCAL = /^(?:\.{1,2}(?:\/|$)|\/|~\/|file:|link:|workspace:|portal:)/i
const REMOTE = /^(?:https?:|git\+|git:|git@|ssh:|github:|gitlab:|bitbucket:|gist:)/i

/** Reads a package spec: a registry name (lower-cased, version dropped), a remote source, or a local path. */
export const packageOf = (spec: string): Package => {
  const s = spec.trim()
  if (LOCAL.test(s)) return { _tag: "Local" }
  if (REMOTE.test(s)) return { _tag: "Source", source: s.startsWith("http") ? "a URL" : "a git repository" }
  const alias = /^(?:@?[^@]+@)?npm:(.+)$/.exec(s)
  if (alias !== null) return packageOf(alias[1]!)
  if (/\.(?:tgz|tar\.gz|tar)$/i.test(s)) return { _tag: "Local" }
  if (!s.startsWith("@") && s.includes("/")) return { _tag: "Source", source: "a GitHub repository" }
  return { _tag: "Name", name: withoutVersion(s).toLowerCase() }
}

// ---------------------------------------------------------------------------------------------------
// Secret files

const TEMPLATE_ENV = /\.(?:example|sample|template|tpl|dist|defaults?|schema)$/
const SSH_PUBLIC = set("known_hosts known_hosts.old config authorized_keys authorized_keys2 environment")
const KEY_NAMES = set("id_rsa id_dsa id_ecdsa id_ed25519 id_ecdsa_sk id_ed25519_sk identity")
const SECRET_NAMES: ReadonlyMap<string, string> = new Map([
  [".netrc", "a .netrc file"], ["_netrc", "a .netrc file"], [".pgpass", "a .pgpass file"],
  [".git-credentials", "git credentials"], [".vault-token", "a Vault token"], [".pypirc", "a PyPI token file"],
  ["application_default_credentials.json", "Google Cloud credentials"], ["credentials.json", "a credentials file"],
  ["accesstokens.json", "Azure tokens"], ["msal_token_cache.json", "Azure tokens"], ["credentials.db", "Google Cloud credentials"],
  ["access_tokens.db", "Google Cloud credentials"], [".htpasswd", "a password file"]
])
const SECRET_DIRS: ReadonlyMap<string, string> = new Map([
  [".ssh", "the SSH key directory"], [".aws", "the AWS credentials directory"], [".gnupg", "the GnuPG key directory"],
  [".kube", "Kubernetes credentials"], [".docker", "Docker registry credentials"], [".azure", "Azure credentials"],
  [".password-store", "the password store"]
])
const KEY_EXTENSIONS = /\.(?:key|p12|pfx|ppk|jks|keystore|p8)$/
const SYSTEM_SECRETS = set("/etc/shadow /etc/gshadow /etc/master.passwd /etc/security/opasswd")
const GLOB = /[*?[]/

/** Whether a name (or a glob of one, with at least two literal characters unless `loose`) matches. */
const nameIs = (name: string, test: (n: string) => boolean, samples: ReadonlyArray<string>, loose = false): boolean => {
  if (!GLOB.test(name)) return test(name)
  const { literals, re } = Paths.globComponent(name)
  return (loose || literals >= 2) && samples.some((s) => re.test(s))
}

const isEnvFile = (n: string): boolean => (n === ".env" || n.startsWith(".env.") || n.endsWith(".env")) && !TEMPLATE_ENV.test(n)

/** What secret a resolved path names: an env file, an SSH key, AWS credentials, a credentials folder…; or undefined. */
export const secretOf = (path: string): string | undefined => {
  const lower = path.toLowerCase()
  if (SYSTEM_SECRETS.has(lower)) return `the system password file ${lower}`
  const segs = Paths.segments(lower)
  const base = segs[segs.length - 1] ?? ""
  const parent = segs[segs.length - 2] ?? ""
  const inDir = (dir: string) => segs.slice(0, -1).some((s) => nameIs(s, (n) => n === dir, [dir], true))
  if (nameIs(base, isEnvFile, [".env", ".env.local", ".env.production"])) return `an env file`
  if (segs[0] === "proc" && base === "environ") return "a process environment"
  if (inDir(".ssh")) {
    if (nameIs(base, (n) => !SSH_PUBLIC.has(n) && !n.endsWith(".pub"), ["id_rsa", "id_ed25519"], true)) return "an SSH private key"
  } else if (nameIs(base, (n) => KEY_NAMES.has(n), ["id_rsa", "id_ed25519"])) return "an SSH private key"
  if (inDir(".aws") && nameIs(base, (n) => n === "credentials" || parent === "cache", ["credentials"], true)) return "AWS credentials"
  if (inDir(".gnupg")) return "GnuPG private keys"
  if ((inDir(".kube") && base === "config") || (inDir(".docker") && base === "config.json")) return "cluster or registry credentials"
  const named = SECRET_NAMES.get(base)
  if (named !== undefined) return named
  if (base === ".npmrc" && Paths.isWithin(lower, "/home")) return "an npm token file"
  if (KEY_EXTENSIONS.test(base) || (base.endsWith(".pem") && /key|priv/.test(base))) return "a private key file"
  const dir = SECRET_DIRS.get(base)
  if (dir !== undefined) return dir
  if (GLOB.test(base) && segs.slice(0, -1).some((s) => SECRET_DIRS.has(s))) return "files in a credentials directory"
  return undefined
}

const SECRET_IN_CODE: ReadonlyArray<readonly [RegExp, string]> = [
  [/(?:^|[\s'"`/(=])\.env(?:\.(?!example|sample|template|dist)[\w-]+)?(?=['"`\s)]|$)/, "an env file"],
  [/\.ssh\/(?!known_hosts|config|authorized_keys)[\w.-]+|\bid_(?:rsa|dsa|ecdsa|ed25519)\b(?!\.pub)/, "an SSH private key"],
  [/\.aws\/credentials/, "AWS credentials"],
  [/\/etc\/shadow|\.netrc\b|\.pgpass\b|\.git-credentials\b/, "a credentials file"]
]

/** The secret file inline interpreter code mentions, if any (a text scan: the code is not shell). */
export const secretInCode = (code: string): string | undefined => SECRET_IN_CODE.find(([re]) => re.test(code))?.[1]

// ---------------------------------------------------------------------------------------------------
// Home and system directories

const SYSTEM_DIRS = set(
  "bin boot dev etc home lib lib32 lib64 libx32 opt proc root sbin srv sys usr var users system applications library private snap mnt media nix"
)
/** `$VAR/` or `"$VAR/"*`: `/` or `/*` when the variable is empty (the Steam installer bug). `${VAR:?}/` is safe. */
const EMPTY_VAR_ROOT = /^\$(?!HOME\b)([A-Za-z_][A-Za-z0-9_]*)\/(?:\*|\.\*)?$/

/** What deleting `word` would destroy, when it is a home or system directory or all of its contents. */
export const destructionTarget = (
  word: string,
  cwd: string | undefined
): { readonly what: string; readonly contents: boolean } | undefined => {
  const empty = EMPTY_VAR_ROOT.exec(word)
  if (empty !== null) return { what: `everything under '/' if $${empty[1]} is empty or unset (${show(word)})`, contents: true }
  const path = Sh.pathOf(word, cwd)
  if (Sh.isRelativeUnknown(path)) return undefined
  const segs = Paths.segments(path.toLowerCase())
  const last = segs[segs.length - 1]
  const contents = last !== undefined && GLOB.test(last) && !/[a-z0-9]/.test(last.replace(/^\./, ""))
  const dir = contents ? segs.slice(0, -1) : segs
  let what: string | undefined
  if (dir.length === 0) what = "the root directory"
  else if (dir.length === 1 && SYSTEM_DIRS.has(dir[0]!)) what = `the system directory /${dir[0]}`
  else if (dir.length === 2 && dir[0] === "home" && dir[1] === "~") what = "your home directory"
  else if (dir.length === 2 && (dir[0] === "home" || dir[0] === "users")) what = `the home directory /${dir.join("/")}`
  if (what === undefined) return undefined
  return { what: contents ? `everything in ${what}` : what, contents }
}

// ---------------------------------------------------------------------------------------------------
// Remote code

const DOWNLOADERS = set(
  "curl wget fetch http https xh aria2c lwp-download lwp-request get iwr irm invoke-webrequest invoke-restmethod nc ncat netcat socat telnet"
)
const EVALUATORS = set("eval source . iex invoke-expression")

/** Whether a command fetches data from the network, or decodes data, that could be code. */
const isSource = (c: Command): boolean => {
  const a = c.args
  return DOWNLOADERS.has(c.name) ||
    ((c.name === "base64" || c.name === "base32" || c.name === "basenc") && Sh.hasOption(a, "d", "decode")) ||
    (c.name === "base64" && Sh.hasOption(a, "D")) || (c.name === "xxd" && Sh.hasOption(a, "r", "revert")) ||
    (c.name === "openssl" && (a.includes("base64") || a.includes("enc")) && a.includes("-d"))
}

/** Whether a shell or interpreter takes its program from standard input (`sh`, `bash -s`, `python3 -`). */
const programFromStdin = (c: Command): boolean => {
  if (c.name === "iex" || c.name === "invoke-expression") return true
  if (c.name === "source" || c.name === ".") return ["/dev/stdin", "-", "/proc/self/fd/0"].includes(c.argv[1] ?? "")
  if (!Sh.isInterpreter(c.name) || c.code !== undefined && c.code !== c.stdin) return false
  const a = c.args
  if (a.some((w) => /^-[A-Za-z]*c[A-Za-z]*$/.test(w)) && Sh.SHELLS.has(c.name)) return false
  if (a.includes("-m")) return false
  const script = Sh.positionals(a, set("-W -X -o -O --rcfile --init-file"))[0]
  return script === undefined || script === "-" || script === "/dev/stdin" || (Sh.SHELLS.has(c.name) && Sh.hasOption(a, "s"))
}

/** Why a command runs code it fetched or decoded (piped in, or through a substitution), if it does. */
export const runsRemoteCode = (c: Command): string | undefined => {
  if (c.upstream.length === 0 && c.substitutions.length === 0) return undefined
  const runner = Sh.isInterpreter(c.name) || EVALUATORS.has(c.name)
  const piped = programFromStdin(c) ? c.upstream.find(isSource) : undefined
  if (piped !== undefined) return `${Sh.shown(piped)} is piped into ${show(c.name)}, which runs whatever it receives`
  const sub = runner || c.runsSubstitution ? c.substitutions.find(isSource) : undefined
  if (sub !== undefined) return `${Sh.shown(c)} runs the output of ${Sh.shown(sub)}, code fetched at run time`
  return undefined
}

/** The file name a download keeps by default: the last segment of the URL path. */
const urlFileName = (u: string): string => {
  try {
    return new URL(u).pathname.split("/").pop() || "index.html"
  } catch {
    return u.split("/").pop() ?? u
  }
}

/** Why a command list downloads a file and then runs it (`curl -o i.sh … && sh i.sh`), if it does. */
export const downloadThenRun = (commands: ReadonlyArray<Command>): string | undefined => {
  const downloaded = new Map<string, Command>()
  for (const c of commands) {
    if (downloaded.size === 0 && !DOWNLOADERS.has(c.name)) continue
    const a = c.args
    if (DOWNLOADERS.has(c.name)) {
      const named = c.name === "curl" ? Sh.optionValues(a, "o", "output") : Sh.optionValues(a, "O", "output-document")
      const remoteName = c.name === "wget" ? named.length === 0 : Sh.hasOption(a, "O", "remote-name")
      const files = [
        ...named, ...c.redirects.filter((r) => r.op === ">" || r.op === ">>").map((r) => r.target),
        ...(remoteName ? Sh.positionals(a).filter((w) => /^[a-z]+:\/\//i.test(w)).map(urlFileName) : [])
      ]
      for (const f of files) if (f !== "-") downloaded.set(Sh.pathOf(f, c.cwd), c)
      continue
    }
    const target = Sh.isInterpreter(c.name) || c.name === "source" || c.name === "."
      ? Sh.positionals(a, set("-m -W -X -o -O"))[0]
      : c.argv[0]?.includes("/") === true ? c.argv[0] : undefined
    const from = target === undefined ? undefined : downloaded.get(Sh.pathOf(target, c.cwd))
    if (from !== undefined) return `${Sh.shown(c)} runs ${show(target!)}, which ${Sh.shown(from)} just downloaded`
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------------
// Messages and cancellations

const MAILERS = set("mail mailx s-nail sendmail mutt neomutt msmtp ssmtp swaks")
const FROM_OPTIONS = set("-r -f -F --from --source --from-email-address --sender")
const EMAIL = /^[^@\s,;<>"'()]+@[^@\s,;<>"'()]+\.[a-z]{2,}$/i
const HTTP_CLIENTS = set("curl wget http https xh")
const MESSAGING_URL = new RegExp(
  [
    "slack\\.com/api/chat\\.(?:postmessage|postephemeral|schedulemessage|memessage)", "hooks\\.slack\\.com/",
    "api\\.sendgrid\\.com/v3/mail/send", "api\\.mailgun\\.net/v3/[^/]+/messages", "api\\.postmarkapp\\.com/email",
    "api\\.resend\\.com/emails", "api\\.sparkpost\\.com/api/v1/transmissions", "mandrillapp\\.com/api/[^/]+/messages/send",
    "api\\.twilio\\.com/[^/]+/accounts/[^/]+/messages", "graph\\.microsoft\\.com/[^/]+/(?:me|users/[^/]+)/sendmail",
    "gmail\\.googleapis\\.com/gmail/v1/users/[^/]+/messages/send", "api\\.telegram\\.org/bot[^/]*/sendmessage",
    "discord(?:app)?\\.com/api/(?:v\\d+/)?webhooks/", "api\\.(?:brevo|sendinblue)\\.com/v3/smtp/email"
  ].join("|"),
  "i"
)

/** The email addresses among a command's arguments, not counting sender options. */
const recipients = (a: ReadonlyArray<string>): ReadonlySet<string> => {
  const out = new Set<string>()
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!
    if (FROM_OPTIONS.has(w)) {
      i++
      continue
    }
    if (/^--(?:from|source|sender|from-email-address)=/.test(w)) continue
    for (const part of w.split(/[,;=\s]+/)) if (EMAIL.test(part)) out.add(part.toLowerCase())
  }
  return out
}

/** A message-sending command: what it sends, and why it is bulk by itself (several recipients, a bulk API). */
export const messageSend = (c: Command): { readonly kind: string; readonly bulk: string | undefined } | undefined => {
  if (!SENDERS.has(c.name)) return undefined
  const a = c.args
  if (MAILERS.has(c.name)) {
    const to = recipients(a)
    return { kind: "email", bulk: to.size > 1 ? `emails ${to.size} recipients at once` : undefined }
  }
  if (HTTP_CLIENTS.has(c.name) && a.some((w) => MESSAGING_URL.test(w))) return { kind: "messages", bulk: undefined }
  if (c.name === "aws") {
    const p = Sh.positionals(a)
    const i = p.findIndex((w) => w === "ses" || w === "sesv2" || w === "sns")
    const op = p[i + 1] ?? ""
    if (i < 0) return undefined
    if (p[i] === "sns" && op === "publish") {
      return { kind: "notifications", bulk: Sh.hasOption(a, undefined, "topic-arn") ? "publishes to an SNS topic, which reaches every subscriber" : undefined }
    }
    if (op.startsWith("send-")) {
      const to = recipients(a)
      return {
        kind: "email",
        bulk: op.includes("bulk") ? `uses the bulk API ${op}` : to.size > 1 ? `emails ${to.size} recipients at once` : undefined
      }
    }
  }
  if (c.name === "slack" && (a.includes("send") || a.includes("chat"))) return { kind: "Slack messages", bulk: undefined }
  if (c.name === "twilio" && a.some((w) => w.startsWith("api:core:messages:create"))) return { kind: "SMS", bulk: undefined }
  return undefined
}

const SENDERS = new Set([...MAILERS, ...HTTP_CLIENTS, "aws", "slack", "twilio"])
const STRIPE_SUBSCRIPTION = /api\.stripe\.com\/v1\/subscriptions\/|^\/v1\/subscriptions\//i

/** For a Stripe subscription cancellation, how many subscription ids it names (0 when given by variable); else undefined. */
export const stripeCancel = (c: Command): number | undefined => {
  if (c.name !== "stripe" && !HTTP_CLIENTS.has(c.name)) return undefined
  const a = c.args
  const ids = a.filter((w) => /^sub_[A-Za-z0-9]+$/.test(w)).length
  if (c.name === "stripe") {
    const p = Sh.positionals(a)
    if (p[0] === "subscriptions" && (p[1] === "cancel" || p[1] === "delete")) return ids
    if (p[0] === "delete" && STRIPE_SUBSCRIPTION.test(p[1] ?? "")) return Math.max(ids, 1)
  }
  if (HTTP_CLIENTS.has(c.name) && a.some((w) => STRIPE_SUBSCRIPTION.test(w))) {
    const method = [...Sh.optionValues(a, "X", "request")].map((m) => m.toUpperCase())
    if (method.includes("DELETE") || c.name !== "curl" && a.includes("DELETE")) return Math.max(ids, 1)
  }
  return undefined
}
