/**
 * Credential policies: keep agents from copying, hunting for, or misusing secrets. They read
 * `payload.content`, `payload.grep_pattern`, `payload.glob_pattern`, `payload.credential_purpose` and
 * `payload.resource_target` (`block_secrets_in_payload` reads every field); each passes when its field is
 * absent.
 *
 * Secrets are recognised by vendor format and by shape (key-value assignments such as
 * `"SecretAccessKey": "…"`, `Authorization: Bearer …`, passwords in connection strings, JSON Web Tokens,
 * random tokens after a credential word; see `_secrets.ts`), in object keys as well as values. Every
 * secret a policy finds is returned in the verdict's `redact` (so the receipt stores a fingerprint, not
 * the secret), whether the policy blocks or runs in shadow mode; reasons name the kind and position,
 * never the secret. Vendor formats are exact; the shapes are heuristics.
 *
 * @example
 * ```ts
 * import * as Credentials from "./credentials.ts"
 * const policies = [Credentials.dontCopyApiKeys, Credentials.blockGlobCredentialsDirs]
 * ```
 * @module
 */
import * as Policy from "../src/Policy.ts"
import { type Entry, readField, readString, show, walkEntries } from "./_payload.ts"
import * as Paths from "./_paths.ts"
import { searchesFor } from "./_regexSearch.ts"
import { type Found, scanEntry, scanText, SECRET_KINDS } from "./_secrets.ts"

/** Most characters scanned for secrets in one payload (keys included); more blocks, naming the size. */
export const MAX_SCAN_CHARS = 512 * 1024
/** Past `MAX_SCAN_CHARS`, vendor formats are still looked for (to redact them) up to this many characters. */
const MAX_REDACT_CHARS = 8 * 1024 * 1024
const VENDOR = new RegExp(SECRET_KINDS.map((k) => k.source).join("|"), "g")

/** What scanning a payload value found: secrets with where they were, or why the scan stopped. */
interface Scan {
  readonly found: ReadonlyArray<readonly [where: string, found: Found]>
  readonly stopped: string | undefined
}

/** Vendor-format secrets in an oversized value, for redaction only (the policy blocks anyway). */
const vendorSecrets = (value: unknown): ReadonlyArray<string> => {
  const out: Array<string> = []
  let budget = MAX_REDACT_CHARS
  walkEntries(value, "", (e) => {
    for (const text of [e.key, e.value]) {
      if (typeof text !== "string" || (budget -= text.length) < 0) continue
      VENDOR.lastIndex = 0
      for (let m = VENDOR.exec(text); m !== null && out.length < 256; m = VENDOR.exec(text)) out.push(m[0])
    }
    return budget < 0 || out.length >= 256
  })
  return out
}

/** Scans every key and string under `value` (keys as secrets, entries as key-value credentials). */
const scanValue = (value: unknown, root: string): Scan => {
  const found: Array<readonly [string, Found]> = []
  const visit = (e: Entry): boolean => {
    if (e.key !== undefined) {
      const entry = scanEntry(e.key, e.value)
      if (entry !== undefined) found.push([e.path, entry])
    }
    if (typeof e.value === "string") {
      for (const f of scanText(e.value)) {
        if (!found.some(([w, x]) => w === e.path && x.value === f.value)) found.push([e.path, f])
      }
    }
    return found.length >= 64
  }
  const r = walkEntries(value, root, visit, MAX_SCAN_CHARS)
  const stopped = r === "too-large"
    ? `${root} is too large to scan for credentials (more than ${MAX_SCAN_CHARS} characters or entries)`
    : r === "too-deep"
    ? `${root} is nested too deeply to scan for credentials`
    : r === "unreadable"
    ? `Part of ${root} could not be read, so it cannot be scanned for credentials`
    : undefined
  return { found, stopped }
}

/** "at character 12" for a string value; "as the value of key 'x'" when found in an entry. */
const position = (where: string, f: Found): string => (f.index >= 0 ? `${where}, at character ${f.index}` : where)

const redactions = (found: Scan["found"], extra: ReadonlyArray<string> = []): ReadonlyArray<string> => [
  ...new Set([...found.map(([, f]) => f.value), ...extra])
]

/** A verdict that redacts `secrets`, with any of them that a path (an object key) put in the reason masked. */
const withRedactions = (v: Policy.Verdict, secrets: ReadonlyArray<string>): Policy.Verdict => {
  if (secrets.length === 0) return v
  let reason = v.reason
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) reason = reason.split(s).join("[secret]")
  return { ...v, reason, redact: secrets }
}

/** The verdict of a credential scan: fails on the first secret (or an incomplete scan), redacting every one. */
const verdictOf = (scan: Scan, value: unknown, what: string, pass: string): Policy.Verdict => {
  if (scan.stopped !== undefined) {
    return withRedactions(Policy.fail(`${scan.stopped} (fail closed)`), redactions(scan.found, vendorSecrets(value)))
  }
  const first = scan.found[0]
  if (first === undefined) return Policy.pass(pass)
  const more = scan.found.length > 1 ? ` (and ${scan.found.length - 1} more)` : ""
  return withRedactions(Policy.fail(`Possible ${first[1].kind} in ${position(first[0], first[1])}${more}: ${what}`), redactions(scan.found))
}

/**
 * Blocks writing content that holds a credential in `payload.content` (a string, or nested values and
 * keys): vendor formats (OpenAI, GitHub, Slack, AWS, Google, Stripe, private key blocks…) and credential
 * shapes (`"SecretAccessKey": "…"`, `client_secret=…`, `Authorization: Bearer …`): `dontCopyApiKeys`.
 */
export const dontCopyApiKeys: Policy.Policy = Policy.make("dont_copy_api_keys", (ctx) => {
  const content = readField(ctx.payload, "content")
  if (content._tag === "Invalid") return Policy.fail(content.reason)
  if (content._tag === "Absent") return Policy.pass("No content given")
  return verdictOf(
    scanValue(content.value, "payload.content"),
    content.value,
    "writing credentials to files is not permitted",
    "No credential found in the content"
  )
})

/**
 * Blocks a payload carrying a credential anywhere — any field, key or nested value — such as a token in a
 * URL's query, a password in a message, or AWS keys in a tool's output: `blockSecretsInPayload`. Registered
 * in shadow mode it blocks nothing but still has every secret it finds redacted from the receipt.
 */
export const blockSecretsInPayload: Policy.Policy = Policy.make("block_secrets_in_payload", (ctx) =>
  verdictOf(
    scanValue(ctx.payload, "payload"),
    ctx.payload,
    "credentials must not leave through an agent's action",
    "No credential found in the payload"
  ))

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
  ["a vendor key prefix", /(?<![A-Za-z0-9])(?:sk-|[sr]k_live_|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|AKIA|ASIA|AIza|ya29\.)/]
]

/** Secret words that count even inside other text once regex syntax is stripped (`[Pp]assword`). */
const STRIPPED_SIGNATURE = /passw(?:or)?d|secretkey|privatekey|apikey|accesstoken|awssecret|clientsecret/i

/** The pattern without regex syntax and separators: `[Pp]ass.?word` → `Ppassword`. */
const strip = (pattern: string): string => pattern.replace(/\\[sSdDwWbB]|[\\[\](){}?*+.|^$_\-\s]/g, "")

/** The pattern without regex syntax only (separators kept): `gh[p]_` → `ghp_`, `s.k-` → `sk-`, `AK[I]A` → `AKIA`. */
const stripSyntax = (pattern: string): string => pattern.replace(/\\[sSdDwWbB<>]|[\\[\](){}?*+.|^$]/g, "")

/** Longest grep pattern inspected. */
export const MAX_PATTERN_LENGTH = 1024

/** What secret a grep pattern searches for, if any. */
const grepTarget = (p: string): string | undefined => {
  const direct = GREP_SIGNATURES.find(([, re]) => re.test(p))?.[0]
  if (direct !== undefined) return direct
  const syntaxFree = stripSyntax(p)
  const viaStrip = GREP_SIGNATURES.find(([, re]) => re.test(syntaxFree))?.[0] ??
    (STRIPPED_SIGNATURE.test(strip(p)) ? "a secret name" : undefined)
  if (viaStrip !== undefined) return `${viaStrip} (written as a regular expression)`
  const viaAutomaton = searchesFor(p)
  if (viaAutomaton !== undefined && viaAutomaton !== "unsupported") return `${viaAutomaton} (written as a regular expression)`
  return scanText(p, 1).length > 0 ? "a literal secret" : undefined
}

/**
 * Blocks searches for credentials: a `payload.grep_pattern` naming secrets (`aws_secret_access_key`,
 * `password`, `API_KEY`, `BEGIN … PRIVATE KEY`, `sk-`, `ghp_`, …), including regular expressions that
 * spell them out (`gh[p]_`, `AK[I]A`, `s.k-`, `p.ssw.rd`, `gh(p|o)_`): `blockGrepSecretPatterns`. A literal
 * secret in the pattern is redacted from the receipt.
 */
export const blockGrepSecretPatterns: Policy.Policy = Policy.make("block_grep_secret_patterns", (ctx) => {
  const pattern = readString(ctx.payload, "grep_pattern")
  if (pattern._tag === "Invalid") return Policy.fail(pattern.reason)
  if (pattern._tag === "Absent" || pattern.value === "") return Policy.pass("No grep pattern given")
  const p = pattern.value
  if (p.length > MAX_PATTERN_LENGTH) {
    return Policy.fail(`Grep pattern is ${p.length} characters long, more than the ${MAX_PATTERN_LENGTH} inspected (fail closed)`)
  }
  const secrets = scanText(p).map((f) => f.value)
  const hit = grepTarget(p)
  const shown = secrets.length > 0 ? "the grep pattern" : `Grep pattern ${show(p)}`
  const v = hit === undefined
    ? Policy.pass(`${shown} is not a known secret signature`)
    : Policy.fail(`${shown} searches for ${hit}: searching for credentials is not permitted`)
  return withRedactions(v, secrets)
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
/** Longest glob pattern inspected (longer than any path a system accepts). */
export const MAX_GLOB_LENGTH = 4096

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
  if (glob.value.length > MAX_GLOB_LENGTH) {
    return Policy.fail(`Glob pattern is ${glob.value.length} characters long, more than the ${MAX_GLOB_LENGTH} inspected (fail closed)`)
  }
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
