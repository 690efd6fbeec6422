/**
 * Secret detection (private), shared by the credential policies and `dont_commit_api_keys`.
 *
 * `findSecret` knows vendor formats only (low false positives): OpenAI and Anthropic `sk-…`, GitHub
 * `ghp_/gho_/ghu_/ghs_/ghr_/github_pat_…`, GitLab `glpat-…`, Slack `xox[abposr]-…` and webhooks, AWS
 * `AKIA/ASIA…` and assigned secret access keys, Google `AIza…` and `ya29.…`, Stripe live keys, npm, PyPI,
 * Hugging Face, SendGrid, Twilio, DigitalOcean, Shopify, Databricks, Telegram bot tokens and PEM private key
 * blocks, compiled into one regular expression (one pass).
 *
 * `scanText` adds the shapes a credential takes without a vendor prefix (`_secretShapes.ts`): key-value
 * assignments (`"SecretAccessKey": "…"`, `client_secret=…`, `DB_PASSWORD=…`), `Authorization: Bearer …`,
 * connection strings with a password, JSON Web Tokens, and high-entropy tokens right after a credential
 * word. It returns each secret's kind, position and text, so policies can redact the text from receipts
 * while their reasons name only the kind and position.
 *
 * @example
 * ```ts
 * import { findSecret, scanText } from "./_secrets.ts"
 * findSecret("key = AKIAABCDEFGHIJKLMNOP")                  // "AWS access key id"
 * scanText('{"client_secret": "9f8e7d6c5b4a39281706"}')[0] // { kind: "client secret", value: "9f8e7d6c5b4a39281706", index: 19 }
 * ```
 * @module
 */
import * as Shapes from "./_secretShapes.ts"
import { trieRegExp } from "./_trie.ts"

/** A secret format: a name for reasons and a regular expression source without capture groups. */
interface SecretKind {
  readonly name: string
  readonly source: string
}

/** The secret formats, most specific first. */
export const SECRET_KINDS: ReadonlyArray<SecretKind> = [
  { name: "private key block", source: String.raw`-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----` },
  {
    name: "OpenAI/Anthropic API key",
    source: String.raw`(?<![A-Za-z0-9_-])sk-(?:(?:proj|svcacct|admin|ant)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{20,})`
  },
  { name: "GitHub token", source: String.raw`(?<![A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{36,}` },
  { name: "GitHub fine-grained token", source: String.raw`(?<![A-Za-z0-9])github_pat_[A-Za-z0-9_]{22,}` },
  { name: "GitLab token", source: String.raw`(?<![A-Za-z0-9])glpat-[A-Za-z0-9_-]{20,}` },
  { name: "Slack token", source: String.raw`(?<![A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}` },
  { name: "Slack webhook URL", source: String.raw`hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}` },
  { name: "AWS access key id", source: String.raw`(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Z])` },
  {
    name: "AWS secret access key",
    source: String.raw`(?:aws|AWS|Aws)_?(?:secret|SECRET|Secret)_?(?:access|ACCESS|Access)_?(?:key|KEY|Key)["']?\s{0,8}[:=]\s{0,8}["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])`
  },
  { name: "Google API key", source: String.raw`(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}` },
  { name: "Google OAuth token", source: String.raw`(?<![A-Za-z0-9])ya29\.[0-9A-Za-z_-]{30,}` },
  { name: "Stripe live key", source: String.raw`(?<![A-Za-z0-9])(?:sk|rk)_live_[0-9A-Za-z]{20,}` },
  { name: "npm token", source: String.raw`(?<![A-Za-z0-9])npm_[A-Za-z0-9]{36}` },
  { name: "PyPI token", source: String.raw`(?<![A-Za-z0-9])pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{40,}` },
  { name: "Hugging Face token", source: String.raw`(?<![A-Za-z0-9])hf_[A-Za-z]{34}(?![A-Za-z0-9])` },
  { name: "SendGrid API key", source: String.raw`(?<![A-Za-z0-9])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}` },
  { name: "Twilio API key", source: String.raw`(?<![A-Za-z0-9])SK[0-9a-f]{32}(?![0-9a-f])` },
  { name: "DigitalOcean token", source: String.raw`(?<![A-Za-z0-9])do[por]_v1_[a-f0-9]{64}` },
  { name: "Shopify token", source: String.raw`(?<![A-Za-z0-9])shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}` },
  { name: "Databricks token", source: String.raw`(?<![A-Za-z0-9])dapi[a-f0-9]{32}(?![a-f0-9])` },
  { name: "Telegram bot token", source: String.raw`(?<![0-9])[0-9]{8,10}:AA[A-Za-z0-9_-]{33}(?![A-Za-z0-9_-])` }
]

const COMBINED = new RegExp(SECRET_KINDS.map((k) => `(${k.source})`).join("|"))
const COMBINED_G = new RegExp(COMBINED.source, "g")

const kindOf = (m: RegExpExecArray): string => {
  for (let i = 0; i < SECRET_KINDS.length; i++) if (m[i + 1] !== undefined) return SECRET_KINDS[i]!.name
  return "secret"
}

/** The name of the first known vendor secret format found in `text`, or `undefined`. Never returns the secret. */
export const findSecret = (text: string): string | undefined => {
  const m = COMBINED.exec(text)
  return m === null ? undefined : kindOf(m)
}

/** A secret found in text: its kind, where it starts, and the secret itself (for redaction only). */
export type Found = Shapes.Found

/** Shorter text holds no secret this module finds (the shortest shape, `pw=abcdef`, is longer). */
const MIN_SECRET_TEXT = 8

/** Most secrets reported per text (the policy blocks on the first; the rest are for redaction). */
export const MAX_FOUND = 64

const sepVariants = (words: ReadonlyArray<string>): ReadonlyArray<string> =>
  words.flatMap((w) => (w.includes("~") ? ["", "_", "-", ".", " "].map((sep) => w.replace("~", sep)) : [w]))

/**
 * A fragment every vendor format and credential shape contains (a prefix or a credential word; `~` stands
 * for an optional separator), as one trie-shaped expression: text without any of them, and without the
 * marks of a URL password, a `-u` option or a Telegram token, holds no secret this module can find.
 */
const MAY_HOLD = trieRegExp(
  sepVariants([
    "passw", "pwd", "pw", "pass", "secret", "token", "api~key", "access~key", "private~key", "signing~key",
    "encryption~key", "master~key", "license~key", "credential", "connection~string", "dsn", "auth", "bearer",
    "-----begin", "sk-", "sk_", "rk_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat", "glpat-", "xoxa-", "xoxb-",
    "xoxp-", "xoxo-", "xoxs-", "xoxr-", "hooks.slack", "akia", "asia", "aiza", "ya29.", "npm_", "pypi-", "hf_", "sg.", "dapi",
    "dop_v1", "doo_v1", "dor_v1", "shpat_", "shpca_", "shppa_", "shpss_", "eyj"
  ]),
  "i"
)
const URL_PASSWORD = /:\/\/[^\s/@]{0,128}:[^\s/@]{1,256}@/
const USER_OPTION = /(?:^|\s)(?:-u|--user)/
const TELEGRAM = /[0-9]{8}:AA/
const TWILIO = /SK[0-9a-f]{32}/

const mayHold = (text: string): boolean =>
  MAY_HOLD.test(text) ||
  (text.includes("://") && text.includes("@") && URL_PASSWORD.test(text)) ||
  (text.includes("-u") && USER_OPTION.test(text)) ||
  (text.includes(":AA") && TELEGRAM.test(text)) ||
  (text.includes("SK") && TWILIO.test(text))

const BASE64_RUN = /[A-Za-z0-9+/_-]{24,4096}={0,2}/g
const utf8 = new TextDecoder("utf-8", { fatal: true })
const MAX_DECODED_RUNS = 8

/** The text a base64 (or base64url) run encodes, when it is UTF-8 text. */
const decodeBase64 = (run: string): string | undefined => {
  const b64 = run.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "")
  if (b64.length % 4 === 1) return undefined
  try {
    const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4))
    return utf8.decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
  } catch {
    return undefined
  }
}

/** Vendor-format secrets hidden in base64 runs (`Z2hwX…` for a GitHub token): the run and the secret it hides. */
const encodedSecrets = (text: string, limit: number): ReadonlyArray<Found> => {
  const out: Array<Found> = []
  BASE64_RUN.lastIndex = 0
  let runs = 0
  for (let m = BASE64_RUN.exec(text); m !== null && runs < MAX_DECODED_RUNS && out.length < limit; m = BASE64_RUN.exec(text)) {
    if (!/[A-Z]/.test(m[0]) || !/[a-z]/.test(m[0]) || !/[0-9]/.test(m[0])) continue
    runs++
    const decoded = decodeBase64(m[0])
    const hidden = decoded === undefined ? null : COMBINED.exec(decoded)
    if (hidden === null || hidden === undefined) continue
    out.push({ kind: `${kindOf(hidden)}, base64-encoded`, value: m[0], index: m.index })
    out.push({ kind: `${kindOf(hidden)}, base64-encoded`, value: hidden[0], index: -1 })
  }
  return out
}

/** An upper-case letter after a lower-case letter or digit: base64 of text always has one. */
const MIXED_CASE = /[a-z0-9][A-Z]/

/** Every vendor-format secret and credential shape in `text`, in order of position (at most `limit`). */
export const scanText = (text: string, limit = MAX_FOUND): ReadonlyArray<Found> => {
  if (text.length < MIN_SECRET_TEXT) return []
  if (!mayHold(text)) return text.length >= 24 && MIXED_CASE.test(text) ? encodedSecrets(text, limit) : []
  const out: Array<Found> = []
  COMBINED_G.lastIndex = 0
  for (let m = COMBINED_G.exec(text); m !== null && out.length < limit; m = COMBINED_G.exec(text)) {
    out.push({ kind: kindOf(m), value: m[0], index: m.index })
  }
  for (const f of Shapes.shapes(text, limit)) {
    if (out.length >= limit) break
    if (!out.some((o) => f.index < o.index + o.value.length && o.index < f.index + f.value.length)) out.push(f)
  }
  if (out.length < limit && MIXED_CASE.test(text)) out.push(...encodedSecrets(text, limit - out.length))
  return out.sort((a, b) => a.index - b.index)
}

/**
 * A credential held by an object entry: the key names a credential (`SecretAccessKey`, `client_secret`,
 * `password`, `Authorization`) and the value looks like one, or the key itself is a secret.
 */
export const scanEntry = (key: string, value: unknown): Found | undefined => {
  if (key.length < 2 || !mayHold(key)) return undefined
  const inKey = scanText(key, 1)[0]
  if (inKey !== undefined) return { ...inKey, kind: `${inKey.kind} used as an object key` }
  return typeof value === "string" || typeof value === "number" ? Shapes.keyValue(key, String(value), -1) : undefined
}
