/**
 * Credential shapes without a vendor prefix (private, used by `_secrets.ts`):
 *
 * - key-value assignments whose key names a credential — `"SecretAccessKey": "…"`, `client_secret=…`,
 *   `DB_PASSWORD=…`, `password: "…"`, `--api-key=…`, `Password=…;` in connection strings — and whose value
 *   is a literal that looks like one (not a placeholder such as `${TOKEN}`, `<password>`, `changeme`, `****`,
 *   not code such as `os.environ["X"]` or a variable name);
 * - `Authorization: Bearer|Basic|Token …` and `Bearer <token>`;
 * - URLs with a password in the userinfo (`postgres://app:s3cret@db/prod`);
 * - JSON Web Tokens;
 * - a high-entropy token (20+ characters of mixed classes) within a few words after a credential word
 *   ("the api token is 8fJ2kL9…").
 *
 * Keys that name credential metadata rather than a credential (`password_hint`, `token_type`, `secret_arn`,
 * `max_tokens`, `NextToken`…) are ignored. This is a heuristic: it misses secrets that look like prose and
 * may flag random strings that follow a credential word. The scan is linear: credential words are found by
 * one regular expression, and each is examined in a bounded window.
 *
 * @example
 * ```ts
 * import { keyValue } from "./_secretShapes.ts"
 * keyValue("client_secret", "9f8e7d6c5b4a39281706") // { kind: "client secret", … }
 * keyValue("token_type", "Bearer")                    // undefined
 * ```
 * @module
 */

/** A secret found in text: its kind, where it starts, and the secret itself (for redaction only). */
export interface Found {
  readonly kind: string
  readonly value: string
  readonly index: number
}

/** Credential words, strongest first, and the kind each names. */
const KEY_KINDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/secretaccesskey/, "AWS secret access key"],
  [/clientsecret/, "client secret"],
  [/privatekey/, "private key"],
  [/passw(?:or)?d|passphrase|(?:db|user|admin|root|mysql|pg|sql|ftp|smtp|mail|redis)pwd$|^pwd$|^pw$|^pass$/, "password"],
  [/apikey|apitoken|accesskey|secretkey|signingkey|encryptionkey|masterkey|licensekey/, "API key"],
  [/sessiontoken|securitytoken/, "session token"],
  [/(?:access|auth|refresh|id|bearer|api|bot|personal|oauth|github|gitlab|slack|npm)token|^token$|token$/, "access token"],
  [/authorization|^auth$|bearer/, "authorization header"],
  [/secret|credential|connectionstring|^dsn$/, "secret"]
]

/** Keys naming metadata about a credential, not a credential. */
const METADATA_KEY =
  /(?:name|arn|type|hint|url|uri|path|file|policy|expir|lastused|lastchanged|length|count|^max|^min|reset|required|field|label|format|rotat|version|enabled|prompt|created|changed|updated|date|age|strength|mode|scope|header|kind|usage|limit|id$|ids$|^next|^page|continuation|^sync|^csrf|^xsrf|nonce|cursor|tokens$|provider|manager|store|vault|ref$|reference)/

const normaliseKey = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, "")

/** The credential kind a key names, or undefined (metadata keys and non-credential keys). */
export const keyKind = (key: string): string | undefined => {
  if (key.length > 64) return undefined
  const k = normaliseKey(key)
  if (k === "" || METADATA_KEY.test(k)) return undefined
  for (const [re, kind] of KEY_KINDS) if (re.test(k)) return kind
  return undefined
}

const PLACEHOLDER_WORDS =
  /^(?:changeme|change_me|password|passwd|secret|example|sample|dummy|fake|test|testing|foo|bar|baz|todo|tbd|none|null|nil|undefined|true|false|string|str|text|number|int|integer|boolean|bool|any|unknown|object|required|optional|hidden|masked|redacted|removed|placeholder|n\/a|na|empty|default|value|token|key|apikey|api_key|xxx+|\*+|\.+|-+|_+|#+)$/i
const PLACEHOLDER_PARTS =
  /your|here|insert|replace|example|placeholder|dummy|redacted|secret|passw|token|test|fake|sample|demo|bench|lorem|<[^>]*>|\{\{|\}\}|^\$|^%[a-z_]+%$|process\.env|os\.environ|getenv|env\[|secrets\.|vars\.|\$\{|^\*{3,}|x{6,}/i
const SAME_CHAR = /^(.)\1*$/

/**
 * Whether a value is a placeholder or a reference to a secret kept elsewhere, not a secret. A random-looking
 * value is never a placeholder for its words alone (`wJalr…EXAMPLEKEY` is still a key).
 */
const placeholder = (v: string): boolean =>
  PLACEHOLDER_WORDS.test(v) || SAME_CHAR.test(v) || (PLACEHOLDER_PARTS.test(v) && (!randomToken(v) || /^\$|\$\{|\{\{/.test(v)))

/** An identifier or member access (`pw`, `config.password`, `req.body.token`): code, not a literal. */
const CODE = /^[A-Za-z_$][\w$]*(?:(?:\.|\?\.|->|::)[A-Za-z_$][\w$]*)*(?:\(\))?$|[()[\]{}]/

/** Shannon entropy in bits per character. */
export const entropy = (s: string): number => {
  const counts = new Map<string, number>()
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1)
  let h = 0
  for (const n of counts.values()) {
    const p = n / s.length
    h -= p * Math.log2(p)
  }
  return h
}

const classes = (s: string): number =>
  Number(/[a-z]/.test(s)) + Number(/[A-Z]/.test(s)) + Number(/[0-9]/.test(s)) + Number(/[^A-Za-z0-9]/.test(s))

/** A random-looking token: 20+ characters, two or more character classes, entropy ≥ 3.5 bits per character. */
export const randomToken = (s: string): boolean =>
  s.length >= 20 && !/\s/.test(s) && /[0-9]/.test(s) && /[A-Za-z]/.test(s) && !wordy(s) && entropy(s) >= 3.5

/** Words joined by separators (`a-secret-of-at-least-32-characters`): made by a person, not random. */
const wordy = (s: string): boolean => {
  const parts = s.split(/[-_.]+/)
  return parts.length >= 3 && parts.every((p) => p.length <= 12)
}

const WEAK_KINDS = new Set(["secret", "access token"])

const AUTH_SCHEME = /^(?:bearer|basic|token|digest|apikey|api-key|sso-key)\s+/i

/**
 * Whether `value` (quoted when `quoted`) is a credential for a key of `kind`; `envStyle` marks an
 * unquoted `UPPER_SNAKE=value` assignment, whose value is a literal.
 */
const secretValue = (kind: string, raw: string, quoted: boolean, literal: boolean): string | undefined => {
  let v = raw.trim()
  if (kind === "authorization header") {
    v = v.replace(AUTH_SCHEME, "")
    if (!/^[A-Za-z0-9._~+/=:-]+$/.test(v)) return undefined
  }
  if (v === "" || placeholder(v) || v.length > WINDOW) return undefined
  const password = kind === "password"
  if (password && /^(?:\/|~\/|\.\/)/.test(v)) return undefined // PWD=/home/dev is a directory
  if (/\s/.test(v) && !(password && quoted)) return undefined
  if (!quoted && !literal && CODE.test(v)) {
    // Code (a variable or member access), unless it looks like a literal: a password-like identifier with a
    // digit (`password: hunter2`), or a random token (`token: 8fJ2kL9xQ3mN7pR4sT6v`).
    if (!/^[A-Za-z0-9_]+$/.test(v) || /pass|pwd|secret|token|key/i.test(v)) return undefined
    return (password && v.length >= 6 && /[0-9]/.test(v)) || randomToken(v) ? v : undefined
  }
  if (password) return v.length >= 6 ? v : undefined
  // "secret" and "credential" name many things that are not secrets: their values must look random.
  if (WEAK_KINDS.has(kind)) return randomToken(v) || (v.length >= 16 && classes(v) >= 3) ? v : undefined
  if (quoted || literal) return v.length >= 8 && classes(v) >= 2 ? v : undefined
  return v.length >= 12 && randomToken(v) ? v : undefined
}

/** A credential held by `key: value` (an object entry, or an assignment found in text). */
export const keyValue = (key: string, value: string, index = 0): Found | undefined => {
  const kind = keyKind(key)
  if (kind === undefined || value.length > 4096) return undefined
  const v = secretValue(kind, value, true, false)
  return v === undefined ? undefined : { kind, value: v, index }
}

// ---------------------------------------------------------------------------------------------------
// Scanning text

const WORD = /passw|passphrase|pwd|(?<![a-z])pw(?![a-z])|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credential|authori[sz]ation|bearer|auth/gi
const IDENT = /[A-Za-z0-9_.\-]/
const WINDOW = 512

const isIdent = (c: string | undefined): boolean => c !== undefined && IDENT.test(c)

const BARE_END = /[\s"'`,;&}{)\]<>]/
const LINE_END = /[\n\r"'`]/
/** An unquoted `KEY=value` in an env file or shell runs to the first space. */
const ENV_END = /[\s"'`;]/

/** The value after a separator at `i`: quoted, bare (to the end of the line for `lineValue`), and where it starts. */
const valueAt = (
  text: string,
  i: number,
  lineValue: boolean,
  envValue = false
): { readonly value: string; readonly quoted: boolean; readonly at: number } | undefined => {
  let j = i
  while (j < text.length && j < i + 8 && (text[j] === " " || text[j] === "\t")) j++
  const q = text[j]
  if (q === "\"" || q === "'" || q === "`") {
    const end = text.indexOf(q, j + 1)
    if (end < 0 || end - j > WINDOW) return undefined
    return { value: text.slice(j + 1, end), quoted: true, at: j + 1 }
  }
  const stop = lineValue ? LINE_END : envValue ? ENV_END : BARE_END
  let k = j
  while (k < text.length && k < j + WINDOW && !stop.test(text[k]!)) k++
  return k > j ? { value: text.slice(j, k), quoted: false, at: j } : undefined
}

const SEPARATOR = /^["'`]?\s{0,4}(?::=|=>|=|:)/
const BEARER = /^\s{1,4}([A-Za-z0-9._~+/-]{16,512}=*)/
const FLAG_VALUE = /^\s{1,4}([^\s"'`-][^\s"'`]{0,255})/
/** "the password is Tr0ub4dor&3" — prose, when the value mixes character classes. */
const PROSE_VALUE = /^\s{1,4}(?:is|was|will be|remains|=|:)\s{1,4}["'`]?([^\s"'`]{6,128}?)["'`]?(?=[\s.,;)]|$)/i
const NEAR_TOKEN = /^[^\n]{0,48}?(?<![A-Za-z0-9+/_=-])([A-Za-z0-9+/_=-]{20,256})(?![A-Za-z0-9+/_=-])/

/** Credentials after credential words: assignments, bearer tokens, random tokens nearby. */
const wordShapes = (text: string, limit: number, out: Array<Found>): void => {
  WORD.lastIndex = 0
  for (let m = WORD.exec(text); m !== null && out.length < limit; m = WORD.exec(text)) {
    let start = m.index
    while (start > 0 && m.index - start < 64 && isIdent(text[start - 1])) start--
    let end = m.index + m[0].length
    while (end < text.length && end - m.index < 64 && isIdent(text[end])) end++
    WORD.lastIndex = end
    const key = text.slice(start, end)
    const after = text.slice(end, end + WINDOW + 16)
    const sep = SEPARATOR.exec(after)
    const kind = keyKind(key)
    if (sep !== null && kind !== undefined) {
      const envStyle = /^[A-Z][A-Z0-9_]*$/.test(key) && sep[0] === "=" && !/^\s/.test(after.slice(1))
      // `key=value` outside a query string runs to the first space (`&` is part of the value there).
      const queryLike = text[start - 1] === "?" || text[start - 1] === "&"
      const v = valueAt(text, end + sep[0].length, kind === "authorization header", sep[0].endsWith("=") && !sep[0].endsWith("=>") && !queryLike)
      const secret = v === undefined ? undefined : secretValue(kind, v.value, v.quoted, envStyle || kind === "authorization header")
      if (secret !== undefined) {
        out.push({ kind, value: secret, index: v!.at + v!.value.indexOf(secret) })
        continue
      }
    }
    if (kind !== undefined && key.startsWith("-")) {
      const flag = FLAG_VALUE.exec(after)
      const secret = flag === null ? undefined : secretValue(kind, flag[1]!, false, true)
      if (secret !== undefined) {
        out.push({ kind, value: secret, index: end + flag!.index + flag![0].length - flag![1]!.length })
        continue
      }
    }
    if (kind === "password") {
      const prose = PROSE_VALUE.exec(after)
      const secret = prose === null || classes(prose[1]!) < 2 ? undefined : secretValue(kind, prose[1]!, false, true)
      if (secret !== undefined) {
        out.push({ kind, value: secret, index: end + prose!.index + prose![0].length - prose![1]!.length })
        continue
      }
    }
    const bearer = /bearer|token/i.test(m[0]) ? BEARER.exec(after) : null
    if (bearer !== null && !placeholder(bearer[1]!) && classes(bearer[1]!) >= 2) {
      out.push({ kind: "bearer token", value: bearer[1]!, index: end + bearer.index + bearer[0].length - bearer[1]!.length })
      continue
    }
    if (kind === undefined && !/^(?:token|secret|password|passw|pwd|credential)/i.test(m[0])) continue
    const near = NEAR_TOKEN.exec(after)
    if (near !== null && randomToken(near[1]!) && !placeholder(near[1]!)) {
      out.push({ kind: `random token after '${m[0].toLowerCase()}'`, value: near[1]!, index: end + near.index + near[0].length - near[1]!.length })
    }
  }
}

const URL_PASSWORD = /\b[a-z][a-z0-9+.-]{1,20}:\/\/([^\s:@/?#]{0,128}):([^\s@/?#]{1,256})@/gi
/** `curl -u user:password`, `--user user:password`, `-uuser:password`. */
const USER_FLAG = /(?:^|\s)(?:-u\s{0,4}|--user[=\s]\s{0,4})["']?([A-Za-z0-9_][A-Za-z0-9._@\\-]{0,127}):([^\s"']{1,256})/g
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g

/** Every credential shape in `text`, in order of discovery (at most `limit`). */
export const shapes = (text: string, limit: number): ReadonlyArray<Found> => {
  const out: Array<Found> = []
  URL_PASSWORD.lastIndex = 0
  for (let m = URL_PASSWORD.exec(text); m !== null && out.length < limit; m = URL_PASSWORD.exec(text)) {
    const password = m[2]!
    if (!placeholder(password) && !placeholder(decodeSafe(password))) {
      out.push({ kind: "password in a URL", value: password, index: m.index + m[0].length - password.length - 1 })
    }
  }
  USER_FLAG.lastIndex = 0
  for (let m = USER_FLAG.exec(text); m !== null && out.length < limit; m = USER_FLAG.exec(text)) {
    const password = m[2]!
    if (!placeholder(password)) out.push({ kind: "password in a -u/--user option", value: password, index: m.index + m[0].length - password.length })
  }
  JWT.lastIndex = 0
  for (let m = JWT.exec(text); m !== null && out.length < limit; m = JWT.exec(text)) {
    out.push({ kind: "JSON Web Token", value: m[0], index: m.index })
  }
  wordShapes(text, limit, out)
  return out
}

const decodeSafe = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}
