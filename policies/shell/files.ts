/**
 * What file paths in commands mean (private): which files hold secrets, which paths are a home or system
 * directory (or all of its contents), and which files a command writes. Globs are matched with the
 * linear matcher in `glob.ts`; text not known before the command runs (`UNKNOWN`) is read as `*` when
 * looking for secrets, and as "could be anything" when judging what a destructive command deletes.
 *
 * @example
 * ```ts
 * import { destructionTarget, secretOf } from "./files.ts"
 * import { pathOf } from "./model.ts"
 * secretOf(pathOf("~/.ssh/id_rsa", undefined))   // "an SSH private key"
 * destructionTarget("~/*", undefined)?.what      // "everything in your home directory"
 * ```
 * @module
 */
import * as Paths from "../_paths.ts"
import { show } from "../_payload.ts"
import { compileGlob, globMatch, isGlob } from "./glob.ts"
import { sedEffects, sedScripts } from "./awkSed.ts"
import { type Command, gitArgs, hasOption, isRelativeUnknown, optionValues, pathOf, positionals, programName, showWord, UNKNOWN } from "./model.ts"
import { runsPackages, toolArgv } from "./packages.ts"

const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))

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

const SECRET_MARKERS = /env|ssh|id_|identity|aws|gnupg|kube|docker|netrc|pgpass|credential|vault|pypirc|token|htpasswd|npmrc|azure|password|shadow|passwd|\.(?:key|p12|pfx|ppk|jks|keystore|p8|pem)|[*?[\uE000]/i

/**
 * Whether `word` run from `cwd` could name a secret at all: resolving a path only removes components, so
 * a word and directory with none of the markers `secretOf` needs cannot (a cheap check before resolving).
 */
export const maySecret = (word: string, cwd: string | undefined): boolean => SECRET_MARKERS.test(word) || (cwd !== undefined && SECRET_MARKERS.test(cwd))

/** Whether a name (or a glob of one, with at least two literal characters unless `loose`) matches. */
const nameIs = (name: string, test: (n: string) => boolean, samples: ReadonlyArray<string>, loose = false): boolean => {
  if (!isGlob(name)) return test(name)
  const g = compileGlob(name)
  return (loose || g.literals >= 2) && samples.some((s) => globMatch(g, s))
}

const isEnvFile = (n: string): boolean => (n === ".env" || n.startsWith(".env.") || n.endsWith(".env")) && !TEMPLATE_ENV.test(n)

/** What secret a resolved path names: an env file, an SSH key, AWS credentials, a credentials folder…; or undefined. */
export const secretOf = (resolved: string): string | undefined => {
  const path = resolved.includes(UNKNOWN) ? resolved.replaceAll(UNKNOWN, "*") : resolved
  const lower = path.toLowerCase()
  // Every rule below needs one of these markers (or a glob): most paths are ruled out by this one scan.
  if (!SECRET_MARKERS.test(lower)) return undefined
  if (SYSTEM_SECRETS.has(lower)) return `the system password file ${lower}`
  const segs = Paths.segments(lower)
  const base = segs.length > 0 ? segs[segs.length - 1]! : ""
  const parent = segs.length > 1 ? segs[segs.length - 2]! : ""
  const inDir = (dir: string) => segs.slice(0, -1).some((s) => nameIs(s, (n) => n === dir, [dir], true))
  if (nameIs(base, isEnvFile, [".env", ".env.local", ".env.production"])) return "an env file"
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
  if (isGlob(base) && segs.slice(0, -1).some((s) => SECRET_DIRS.has(s))) return "files in a credentials directory"
  return undefined
}

const SECRET_IN_CODE: ReadonlyArray<readonly [RegExp, string]> = [
  [/(?:^|[\s'"`/(=])\.env(?:\.(?!example|sample|template|dist)[\w-]{1,40})?(?=['"`\s)]|$)/, "an env file"],
  [/\.ssh\/(?!known_hosts|config|authorized_keys)[\w.-]|\bid_(?:rsa|dsa|ecdsa|ed25519)\b(?!\.pub)/, "an SSH private key"],
  [/\.aws\/credentials/, "AWS credentials"],
  [/\/etc\/shadow|\.netrc\b|\.pgpass\b|\.git-credentials\b/, "a credentials file"]
]

/** The secret file inline interpreter code mentions, if any (a text scan: the code is not shell). */
export const secretInCode = (code: string): string | undefined => SECRET_IN_CODE.find(([re]) => re.test(code))?.[1]

// ---------------------------------------------------------------------------------------------------
// Home and system directories

const SYSTEM_DIRS = [
  ..."bin boot dev etc home lib lib32 lib64 libx32 opt proc root sbin srv sys usr var users system applications library private snap mnt media nix".split(" ")
]
const SYSTEM_SET = new Set(SYSTEM_DIRS)

/** What deleting a path would destroy. `unknown` when the path itself is not known before it runs. */
export interface Destruction {
  readonly what: string
  /** It is every entry of a directory (`~/*`), which counts even without a recursive flag. */
  readonly contents: boolean
  readonly unknown: boolean
  /** It is a folder directly in a home directory (`~/Documents`): deleting it counts, moving it does not. */
  readonly homeFolder?: boolean
}

/** Folders directly in a home directory that hold only caches, which agents clear routinely. */
const HOME_CACHES = new Set([".cache", ".npm", ".yarn", ".pnpm-store", ".bun", ".nuget"])

const matches = (segment: string, names: ReadonlyArray<string>): string | undefined => {
  if (!isGlob(segment)) return names.includes(segment) ? segment : undefined
  const g = compileGlob(segment)
  return names.find((n) => globMatch(g, n))
}

/**
 * What deleting `word` (run from `cwd`) would destroy, when it is a home or system directory, all of its
 * contents, or a path that is not known before the command runs; undefined for anything else.
 */
export const destructionTarget = (word: string, cwd: string | undefined): Destruction | undefined => {
  if (word.includes(UNKNOWN) || (cwd?.includes(UNKNOWN) === true && !/^(?:\/|~)/.test(word))) {
    return { what: `a path that is not known until it runs (${showWord(word.includes(UNKNOWN) ? word : `${cwd}/${word}`)})`, contents: false, unknown: true }
  }
  const path = pathOf(word, cwd)
  if (isRelativeUnknown(path)) return undefined
  const segs = Paths.segments(path.toLowerCase())
  const last = segs.length === 0 ? undefined : segs[segs.length - 1]
  const contents = last !== undefined && isGlob(last) && !/[a-z0-9]/.test(last.replace(/^\./, ""))
  const dir = contents ? segs.slice(0, -1) : segs
  let what: string | undefined
  if (dir.length === 0) what = "the root directory"
  else if (dir.length === 1) {
    const hit = matches(dir[0]!, SYSTEM_DIRS)
    if (hit !== undefined) what = SYSTEM_SET.has(dir[0]!) ? `the system directory /${hit}` : `system directories such as /${hit} (${show(word)})`
  } else if (dir.length === 2 && matches(dir[0]!, ["home", "users"]) !== undefined) {
    what = dir[0] === "home" && dir[1] === "~" ? "your home directory" : `the home directory /${dir.join("/")}`
  } else if (dir.length === 3 && matches(dir[0]!, ["home", "users"]) !== undefined && !HOME_CACHES.has(dir[2]!)) {
    const folder = `${dir[0] === "home" && dir[1] === "~" ? "your" : `the ${dir[1]}`} home directory`
    const what = `${contents ? "everything in " : ""}the folder ${show(word)} directly in ${folder}`
    return { what, contents, unknown: false, homeFolder: true }
  }
  if (what === undefined) return undefined
  return { what: contents ? `everything in ${what}` : what, contents, unknown: false }
}

// ---------------------------------------------------------------------------------------------------
// Files a command writes

const WRITE_OPS = set("> >> >| &> &>> <> >&")
const ALL_POSITIONALS = set("tee sponge mv rm unlink shred truncate touch mkdir rmdir patch")
const LAST_POSITIONAL = set("cp install ln rsync scp")

const WRITING = new Set([
  ...ALL_POSITIONALS, ...LAST_POSITIONAL, "sed", "gsed", "perl", "yq", "dd", "curl", "wget", "unzip", "tar", "find", "git", "prettier",
  "npm", "npx", "pnpm", "pnpx", "yarn", "bun", "bunx"
])
const NOTHING: ReadonlyArray<string> = []

/** The files and directories a command writes, as written (see `Command.writes`, which holds this). */
export const writeTargets = (c: Command): ReadonlyArray<string> => {
  if (c.redirects.length === 0 && !WRITING.has(c.name)) return NOTHING
  const out: Array<string> = []
  for (const r of c.redirects) if (WRITE_OPS.has(r.op) && !/^\d+$|^-$/.test(r.target)) out.push(r.target)
  if (c.argv.length < 2) return out
  const a = c.args
  if (ALL_POSITIONALS.has(c.name)) out.push(...positionals(a))
  else if (LAST_POSITIONAL.has(c.name)) out.push(...positionals(a).slice(-1), ...optionValues(a, "t", "target-directory"))
  else if ((c.name === "sed" || c.name === "gsed") && hasOption(a, "i", "in-place")) out.push(...positionals(a).slice(sedScripts(c.argv).length > 0 && !a.some((w) => w === "-e" || w.startsWith("--expression")) ? 1 : 0))
  else if ((c.name === "perl" || c.name === "yq") && hasOption(a, "i", "in-place")) out.push(...positionals(a))
  else if (c.name === "dd") out.push(...a.filter((w) => w.startsWith("of=")).map((w) => w.slice(3)))
  else if (c.name === "curl") out.push(...optionValues(a, "o", "output"))
  else if (c.name === "wget") out.push(...optionValues(a, "O", "output-document"), ...optionValues(a, "P", "directory-prefix"))
  else if (c.name === "unzip") out.push(...optionValues(a, "d", undefined))
  else if (c.name === "tar") out.push(...optionValues(a, "C", "directory"))
  else if (c.name === "find") {
    for (let i = 0; i < a.length; i++) if (/^-f(?:print0?|printf|ls)$/.test(a[i]!)) out.push(a[i + 1] ?? "")
  } else if (c.name === "git" && a.some((w) => w === "rm" || w === "mv" || w === "checkout" || w === "restore")) {
    const g = gitArgs(c)
    if (g !== undefined && ["rm", "mv", "checkout", "restore"].includes(g[0] ?? "")) out.push(...positionals(g.slice(1)))
  } else if (c.name === "prettier" || runsPackages(c)) {
    const tool = toolArgv(c)
    if (programName(tool[0]) === "prettier" && hasOption(tool, undefined, "write")) out.push(...positionals(tool.slice(1)))
  }
  if (c.name === "sed" || c.name === "gsed") for (const s of sedScripts(c.argv)) out.push(...sedEffects(s).writes)
  return out
}

/** The files a sed script reads with `r`/`R` (secret reads hide there: `sed 'r .env'`). */
export const sedReads = (c: Command): ReadonlyArray<string> =>
  c.name === "sed" || c.name === "gsed" ? sedScripts(c.argv).flatMap((s) => sedEffects(s).reads) : []
