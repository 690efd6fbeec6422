/**
 * Keeps secrets out of receipts, journals and error messages.
 *
 * A secret is found in any string of a JSON value (object keys included, and numbers by their decimal text,
 * which become the redacted string) not only verbatim but in every form
 * an agent, a connector or an HTTP library is likely to hand back: case-changed; percent-encoded
 * (`encodeURIComponent`, form encoding with `+` for spaces, any mix of escaped and literal characters, upper- or
 * lower-case hex); hex of its UTF-8 bytes; base64 and base64url, padded or not, also embedded in a longer
 * encoded string at any byte alignment (`Authorization: Basic base64(user:secret)`). Every span that matches
 * any form of any secret is replaced; overlapping spans (one secret inside another, or two sharing text) are
 * merged and replaced whole, so no part of the longer one survives.
 *
 * Not covered: forms nested twice (base64 of hex, percent-encoded base64), base64 broken across lines,
 * base64 of a case-changed secret, and the edge characters of a base64 core, which mix in a neighbour's bits.
 * Secrets shorter than 4 characters are ignored (they would redact ordinary text), and in base64 the secret
 * must determine at least 8 characters (6 bytes or more).
 *
 * @example
 * ```ts
 * import { Redact } from "../../mod.ts"
 * const scrubber = Redact.makeScrubber(["s3cr3t-token"])
 * scrubber.value({ auth: "Bearer S3CR3T-TOKEN" }) // { auth: "Bearer [REDACTED]" }
 * scrubber.text("failed: url=/x?t=s3cr3t%2Dtoken") // "failed: url=/x?t=[REDACTED]"
 * ```
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js"
import { bytesToHex } from "@noble/hashes/utils.js"
import * as SecretPatterns from "./_secretPatterns.ts"

/** What replaces a secret. */
export const REDACTED = "[REDACTED]"

/** Secrets shorter than this are ignored. */
export const MIN_SECRET_LENGTH: number = SecretPatterns.MIN_SECRET_LENGTH

/** Redacts secrets from values and text; built once per secret list by `makeScrubber`. */
export interface Scrubber {
  /**
   * Returns the value with every form of every secret replaced in its strings and keys (a number whose
   * digits hold one becomes the redacted string, so the static type is then loose). A value with nothing to
   * redact is returned as is; otherwise a copy, sharing the subtrees that had nothing to redact.
   */
  readonly value: <A>(value: A) => A
  /** Returns the text with every form of every secret replaced (for error messages and logs). */
  readonly text: (text: string) => string
}

const identity: Scrubber = { value: (v) => v, text: (t) => t }

interface Needle {
  readonly regex: RegExp
  /** Index of the secret it finds. */
  readonly secret: number
}

/** Builds a scrubber whose marker for secret i is `labels[i]`. */
const build = (secrets: ReadonlyArray<string>, labelOf: (secret: string) => string): Scrubber => {
  const unique = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH)
  if (unique.length === 0) return identity
  unique.sort((a, b) => b.length - a.length) // longest first: it wins a tie for a span's marker
  const labels = unique.map(labelOf)
  const needles: Array<Needle> = []
  const sources: Array<string> = []
  unique.forEach((secret, i) => {
    for (const source of SecretPatterns.sourcesOf(secret)) {
      needles.push({ regex: new RegExp(source, "giu"), secret: i })
      sources.push(source)
    }
  })
  // One pass answers "anything here?" for the usual string that holds no secret.
  const any = new RegExp(sources.join("|"), "iu")

  const text = (s: string): string => {
    if (!any.test(s)) return s
    // Every match of every needle, overlapping ones included: [start, end, secret].
    const spans: Array<readonly [number, number, number]> = []
    for (const { regex, secret } of needles) {
      regex.lastIndex = 0
      for (let m = regex.exec(s); m !== null; m = regex.exec(s)) {
        spans.push([m.index, m.index + m[0].length, secret])
        regex.lastIndex = m.index + 1
      }
    }
    spans.sort((a, b) => a[0] - b[0] || b[1] - a[1])
    let out = ""
    let at = 0
    for (let i = 0; i < spans.length;) {
      const [start] = spans[i]!
      let [, end, secret] = spans[i]!
      let longest = end - start
      for (i++; i < spans.length && spans[i]![0] < end; i++) {
        const [s2, e2, secret2] = spans[i]!
        if (e2 - s2 > longest) [longest, secret] = [e2 - s2, secret2]
        if (e2 > end) end = e2
      }
      out += s.slice(at, start) + labels[secret]!
      at = end
    }
    return out + s.slice(at)
  }

  const go = (v: unknown): unknown => {
    if (typeof v === "string") return text(v)
    if (typeof v === "number") {
      // A numeric secret (a PIN, an account number) held as a JSON number becomes the redacted string.
      const digits = String(v)
      const redacted = text(digits)
      return redacted === digits ? v : redacted
    }
    if (typeof v !== "object" || v === null) return v
    if (Array.isArray(v)) {
      let copy: Array<unknown> | undefined
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i]
        const y = go(x)
        if (y !== x && copy === undefined) copy = v.slice(0, i)
        if (copy !== undefined) copy.push(y)
      }
      return copy ?? v
    }
    const keys = Object.keys(v)
    let changed = false
    const pairs: Array<readonly [string, unknown]> = []
    for (const k of keys) {
      const x: unknown = (v as Record<string, unknown>)[k]
      const k2 = text(k)
      const y = go(x)
      if (k2 !== k || y !== x) changed = true
      pairs.push([k2, y])
    }
    if (!changed) return v
    const out: Record<string, unknown> = {}
    for (const [k, y] of pairs) define(out, k, y)
    return out
  }

  return { value: <A>(value: A): A => go(value) as A, text }
}

/**
 * Sets `key` on a fresh object as plain data (`__proto__` included). Two keys that redact to the same text
 * both survive: the later one gets a `~2`, `~3`... suffix.
 */
const define = (out: Record<string, unknown>, key: string, value: unknown): void => {
  let k = key
  for (let n = 2; Object.hasOwn(out, k); n++) k = `${key}~${n}`
  Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true })
}

/**
 * Builds a scrubber for a list of secrets, compiling their patterns once: reuse it for every value.
 *
 * @example
 * ```ts
 * import { Redact } from "../../mod.ts"
 * const scrubber = Redact.makeScrubber(["sk_live_51HxYz"])
 * scrubber.text("token c2tfbGl2ZV81MUh4WXo= rejected") // "token [REDACTED]o= rejected" (the last character is partial)
 * ```
 */
export const makeScrubber = (secrets: ReadonlyArray<string>): Scrubber => build(secrets, () => REDACTED)

/** Scrubbers built by `scrub` and `scrubText`, by secret list; the oldest is dropped beyond `CACHE_SIZE`. */
const cache = new Map<string, Scrubber>()
const CACHE_SIZE = 16

/** A scrubber for `secrets`, reusing one built for the same list. */
const scrubberFor = (secrets: ReadonlyArray<string>): Scrubber => {
  if (secrets.length === 0) return identity
  const key = JSON.stringify(secrets)
  let scrubber = cache.get(key)
  if (scrubber === undefined) {
    scrubber = makeScrubber(secrets)
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!)
    cache.set(key, scrubber)
  }
  return scrubber
}

/**
 * Returns a JSON value with every form of each secret replaced by `[REDACTED]` in every string and key.
 *
 * @example
 * ```ts
 * import { Redact } from "../../mod.ts"
 * Redact.scrub({ url: "https://x.io/?key=AbCd-1234-EfGh" }, ["abcd-1234-efgh"]) // { url: "https://x.io/?key=[REDACTED]" }
 * ```
 */
export const scrub = <A>(value: A, secrets: ReadonlyArray<string>): A => scrubberFor(secrets).value(value)

/**
 * Returns text with every form of each secret replaced by `[REDACTED]`.
 *
 * @example
 * ```ts
 * import { Redact } from "../../mod.ts"
 * Redact.scrubText("401 for token 68696464656e2d746f6b656e", ["hidden-token"]) // "401 for token [REDACTED]"
 * ```
 */
export const scrubText = (text: string, secrets: ReadonlyArray<string>): string => scrubberFor(secrets).text(text)

const utf8 = new TextEncoder()

/**
 * The first 8 hex digits of SHA-256 of a secret: enough to tell whether two receipts held the same
 * credential, not to recover it.
 *
 * @example
 * ```ts
 * import { Redact } from "../../mod.ts"
 * Redact.fingerprint("AKIAIOSFODNN7EXAMPLE").length // 8
 * ```
 */
export const fingerprint = (secret: string): string => bytesToHex(sha256(utf8.encode(secret)).subarray(0, 4))

/**
 * Builds a scrubber for credentials a policy found in a request: each is replaced (in every form, as by
 * `makeScrubber`) by `[REDACTED:<fingerprint>]`.
 *
 * @example
 * ```ts
 * import { Redact } from "../../mod.ts"
 * const redactor = Redact.makeFoundRedactor(["ghp_abcdefghijklmnop"])
 * redactor.value({ body: "token ghp_abcdefghijklmnop" }) // { body: "token [REDACTED:…8 hex…]" }
 * ```
 */
export const makeFoundRedactor = (found: ReadonlyArray<string>): Scrubber =>
  build(found, (secret) => `[REDACTED:${fingerprint(secret)}]`)

/**
 * Returns a JSON value with every form of each found credential replaced by `[REDACTED:<fingerprint>]`.
 *
 * @example
 * ```ts
 * import { Redact } from "../../mod.ts"
 * const stored = Redact.redactFound({ cmd: "curl -H 'x-api-key: sk-12345678abcd'" }, ["sk-12345678abcd"])
 * ```
 */
export const redactFound = <A>(value: A, found: ReadonlyArray<string>): A => makeFoundRedactor(found).value(value)
