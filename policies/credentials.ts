/**
 * Credential policies: keep agents from copying, hunting for, or misusing secrets. They read
 * `payload.content`, `payload.grep_pattern`, `payload.glob_pattern`, `payload.credential_purpose` and
 * `payload.resource_target`; each passes when its field is absent.
 *
 * @example
 * ```ts
 * import * as Credentials from "./policies/credentials.ts"
 * const policies = [Credentials.dontCopyApiKeys, Credentials.blockGlobCredentialsDirs]
 * ```
 * @module
 */
import * as Policy from "../src/Policy.ts"
import { forEachString, readField, readString, show } from "./_payload.ts"
import * as Paths from "./_paths.ts"
import { findSecret } from "./_secrets.ts"

/**
 * Blocks writing content that holds a known secret format (OpenAI, GitHub, Slack, AWS, Google, Stripe,
 * private key blocks) in `payload.content`, a string or nested values holding strings: `dontCopyApiKeys`.
 */
export const dontCopyApiKeys: Policy.Policy = Policy.make("dont_copy_api_keys", (ctx) => {
  const content = readField(ctx.payload, "content")
  if (content._tag === "Invalid") return Policy.fail(content.reason)
  if (content._tag === "Absent") return Policy.pass("No content given")
  let kind: string | undefined
  const r = forEachString(content.value, (s) => (kind = findSecret(s)) !== undefined)
  if (r === "too-deep") return Policy.fail("payload.content is nested too deeply to scan for secrets")
  return kind === undefined
    ? Policy.pass("No API key patterns detected in the content")
    : Policy.fail(`Possible ${kind} detected in payload.content: writing credentials to files is not permitted`)
})

// ---------------------------------------------------------------------------------------------------
// Grep

const GREP_SIGNATURES: ReadonlyArray<readonly [string, RegExp]> = [
  ["an AWS secret key name", /aws_?secret_?access_?key/i],
  ["an API key name", /(?<![a-z0-9])api[_-]?keys?(?![a-z0-9])/i],
  ["a password field", /(?<![a-z0-9])passw(?:or)?ds?(?![a-z0-9])/i],
  ["a secret key name", /secret[_-]?key/i],
  ["a client secret", /client[_-]?secret/i],
  ["a private key", /private[_\s-]?key/i],
  ["an access token", /(?:access|auth|refresh)[_-]?token/i],
  ["a bearer token", /bearer\s+token|authorization:\s*bearer/i],
  ["a vendor key prefix", /(?<![A-Za-z0-9])(?:sk-|[sr]k_live_|gh[pousr]_|github_pat_|xox[abposr]-|AKIA|ASIA[0-9A-Z[]|AIza|ya29\.)/]
]

/** Secret words that count even inside other text once regex syntax is stripped (`[Pp]assword`). */
const STRIPPED_SIGNATURE = /passw(?:or)?d|secretkey|privatekey|apikey|accesstoken|awssecret|clientsecret/i

/** The pattern without regex syntax and separators: `[Pp]ass.?word` → `Ppassword`. */
const strip = (pattern: string): string =>
  pattern.replace(/\\[sSdDwWbB]|[\\[\](){}?*+.|^$_\-\s]/g, "")

/**
 * Blocks searches for credentials: a `payload.grep_pattern` naming secrets (`aws_secret_access_key`,
 * `password`, `API_KEY`, `BEGIN … PRIVATE KEY`, `sk-`, `ghp_`, …): `blockGrepSecretPatterns`.
 */
export const blockGrepSecretPatterns: Policy.Policy = Policy.make("block_grep_secret_patterns", (ctx) => {
  const pattern = readString(ctx.payload, "grep_pattern")
  if (pattern._tag === "Invalid") return Policy.fail(pattern.reason)
  if (pattern._tag === "Absent" || pattern.value === "") return Policy.pass("No grep pattern given")
  const p = pattern.value
  const hit = GREP_SIGNATURES.find(([, re]) => re.test(p))?.[0] ??
    (STRIPPED_SIGNATURE.test(strip(p)) ? "a secret name" : undefined) ??
    (findSecret(p) === undefined ? undefined : "a literal secret")
  return hit === undefined
    ? Policy.pass(`Grep pattern ${show(p)} is not a known secret signature`)
    : Policy.fail(`Grep pattern ${show(p)} searches for ${hit}: searching for credentials is not permitted`)
})

// ---------------------------------------------------------------------------------------------------
// Glob

/** Names of credential files and folders a glob component is tested against. */
const CREDENTIAL_NAMES = [
  ".aws", ".ssh", ".gnupg", ".kube", ".docker", ".netrc", "_netrc", ".pgpass", ".git-credentials", ".npmrc",
  ".pypirc", ".vault-token", "kubeconfig", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "authorized_keys",
  "credentials", ".env", ".env.local", "x.pem", "x.key", "x.pfx", "x.p12", "x.crt", "x.ppk", "x.jks", "x.keystore", "x.p8"
]
const CREDENTIAL_EXACT = new Set(CREDENTIAL_NAMES.filter((n) => !n.startsWith("x.")))
const CREDENTIAL_EXT = /\.(?:pem|key|pfx|p12|crt|ppk|jks|keystore|p8)$/
const MAX_ALTERNATIVES = 64

/** Expands `{a,b}` alternatives (nested too), up to `MAX_ALTERNATIVES`; undefined when there are more. */
const expandBraces = (glob: string): Array<string> | undefined => {
  const out: Array<string> = []
  const queue = [glob]
  while (queue.length > 0) {
    const g = queue.pop()!
    let open = -1
    let depth = 0
    let commas: Array<number> = []
    let done = false
    for (let i = 0; i < g.length && !done; i++) {
      const c = g[i]
      if (c === "\\") i++
      else if (c === "{") {
        if (depth === 0) {
          open = i
          commas = []
        }
        depth++
      } else if (c === "}" && depth > 0) {
        depth--
        if (depth === 0 && commas.length > 0) {
          const bounds = [open, ...commas, i]
          for (let k = 0; k + 1 < bounds.length; k++) {
            queue.push(g.slice(0, open) + g.slice(bounds[k]! + 1, bounds[k + 1]) + g.slice(i + 1))
          }
          done = true
        }
      } else if (c === "," && depth === 1) commas.push(i)
    }
    if (!done) out.push(g)
    if (out.length + queue.length > MAX_ALTERNATIVES) return undefined
  }
  return out
}

/** The credential name a lower-cased glob component targets, if any. */
const credentialTarget = (component: string): string | undefined => {
  if (component.includes("credential")) return component
  if (!/[*?[]/.test(component)) {
    return CREDENTIAL_EXACT.has(component) || CREDENTIAL_EXT.test(component) ? component : undefined
  }
  const { literals, re } = Paths.globComponent(component)
  if (literals < 2) return undefined
  return CREDENTIAL_NAMES.find((n) => re.test(n))?.replace(/^x\./, "*.")
}

/**
 * Blocks globs that enumerate credentials: `.aws`, `.ssh`, `.gnupg`, `.kube`, `.docker`, `id_rsa`,
 * `*.pem`, `*.key`, `**\/credentials`… in `payload.glob_pattern`, braces and wildcards included
 * (`**\/.{aws,ssh}/*`, `.?sh`): `blockGlobCredentialsDirs`. Bare `*` and `**\/*` pass.
 */
export const blockGlobCredentialsDirs: Policy.Policy = Policy.make("block_glob_credentials_dirs", (ctx) => {
  const glob = readString(ctx.payload, "glob_pattern")
  if (glob._tag === "Invalid") return Policy.fail(glob.reason)
  if (glob._tag === "Absent" || glob.value === "") return Policy.pass("No glob pattern given")
  const alternatives = expandBraces(glob.value.toLowerCase())
  if (alternatives === undefined) {
    return Policy.fail(`Glob pattern ${show(glob.value)} has too many alternatives to check (fail closed)`)
  }
  for (const alternative of alternatives) {
    for (const component of alternative.split("/")) {
      const target = credentialTarget(component)
      if (target !== undefined) {
        return Policy.fail(`Glob pattern ${show(glob.value)} targets credential files (${show(target)}): enumeration is not permitted`)
      }
    }
  }
  return Policy.pass(`Glob pattern ${show(glob.value)} does not target credentials`)
})

// ---------------------------------------------------------------------------------------------------
// Credential scope

const SCOPES: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["dns", ["domain", "dns", "registrar", "nameserver"]],
  ["storage", ["volume", "storage", "disk", "bucket", "blob", "snapshot", "backup"]],
  ["compute", ["compute", "vm", "container", "instance", "cluster"]],
  ["billing", ["billing", "subscription", "invoice", "payment"]],
  ["identity", ["user", "auth", "team", "iam", "role", "permission"]],
  ["database", ["database", "postgres", "mysql", "sql"]]
]

/** The scopes a description names (`volumeDelete` → storage), by word prefix. */
const scopesOf = (text: string): ReadonlyArray<string> => {
  const words = text.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== "")
  return SCOPES.filter(([, keywords]) => words.some((w) => keywords.some((k) => w.startsWith(k)))).map(([s]) => s)
}

/**
 * Blocks (for a human to approve) when `payload.credential_purpose` and `payload.resource_target`
 * classify into different scopes, e.g. a "domain registration" token used for "volume delete":
 * `pauseOnResourcePurposeMismatch`. Passes when either is absent or unclassified.
 */
export const pauseOnResourcePurposeMismatch: Policy.Policy = Policy.make("pause_on_resource_purpose_mismatch", (ctx) => {
  const purpose = readString(ctx.payload, "credential_purpose")
  const target = readString(ctx.payload, "resource_target")
  if (purpose._tag === "Invalid") return Policy.fail(purpose.reason)
  if (target._tag === "Invalid") return Policy.fail(target.reason)
  if (purpose._tag === "Absent" || target._tag === "Absent") return Policy.pass("No credential purpose or resource target given")
  const held = scopesOf(purpose.value)
  const needed = scopesOf(target.value)
  if (held.length === 0 || needed.length === 0) {
    return Policy.pass(`Credential purpose ${show(purpose.value)} or resource target ${show(target.value)} is in no known scope`)
  }
  if (needed.some((s) => held.includes(s))) {
    return Policy.pass(`Credential purpose ${show(purpose.value)} covers resource target ${show(target.value)} (${needed.join(", ")})`)
  }
  return Policy.fail(
    `Credential scope mismatch: a credential for ${show(purpose.value)} (${held.join(", ")}) is being used on ${
      show(target.value)
    } (${needed.join(", ")}); request a credential scoped to ${needed.join(" or ")} and have a human approve`
  )
})
