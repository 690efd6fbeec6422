/**
 * The regular expressions that find a secret in text, in every form `Redact` covers:
 *
 * - as text, case-insensitively, with any mix of its characters percent-encoded (`encodeURIComponent`,
 *   `URLSearchParams` and fully escaped forms, upper- or lower-case hex, `+` for a space): one pattern whose
 *   every character is `(?:%XX…|c)`, so the verbatim and case-changed forms are the no-escape case;
 * - as hex of its UTF-8 bytes (case-insensitive);
 * - as base64 of its UTF-8 bytes at each of the three byte alignments it can have inside a longer encoded
 *   string (`Basic base64(user:secret)`), standard or URL-safe alphabet, padded or not: only the characters
 *   fully determined by the secret's bytes are matched (the first and last may mix in a neighbour's bits), and
 *   an alignment whose determined core is shorter than `MIN_BASE64_CORE` characters is left out.
 *
 * @example
 * ```ts
 * import * as SecretPatterns from "./_secretPatterns.ts"
 * const sources = SecretPatterns.sourcesOf("hunter2-password")
 * new RegExp(sources[0]!, "iu").test("HUNTER2%2Dpassword") // true
 * ```
 * @module
 */

/** Secrets shorter than this (in UTF-16 code units) are ignored: they would redact ordinary text. */
export const MIN_SECRET_LENGTH = 4

/** Base64 alignments whose fully determined part is shorter than this are not searched for. */
export const MIN_BASE64_CORE = 8

const utf8 = new TextEncoder()
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/** Escapes a character for use in a `u`-flag pattern outside a class. */
const escapeChar = (c: string): string => (/[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c)

const hex2 = (b: number): string => b.toString(16).padStart(2, "0")

/** `(?:%XX%YY|c)`: one character, verbatim or as the percent-escapes of its UTF-8 bytes. */
const percentOrChar = (c: string): string => {
  const escaped = Array.from(utf8.encode(c), (b) => `%${hex2(b)}`).join("")
  const alternatives = c === " " ? [escaped, "\\+", " "] : [escaped, escapeChar(c)]
  return `(?:${alternatives.join("|")})`
}

/** The secret as text, any character of it percent-encoded or not. */
const textual = (secret: string): string => Array.from(secret, percentOrChar).join("")

/** The lower-case hex of the secret's UTF-8 bytes (matched case-insensitively). */
const hex = (bytes: Uint8Array): string => Array.from(bytes, hex2).join("")

/** Standard base64 of `bytes` without padding. */
const base64 = (bytes: Uint8Array): string => {
  let out = ""
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    const chars = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2
    for (let k = 0; k < chars; k++) out += BASE64[(n >> (18 - 6 * k)) & 63]
  }
  return out
}

/**
 * The base64 characters fully determined by the secret when it starts `alignment` bytes (0, 1 or 2) after
 * a 3-byte boundary of the encoded data: character k covers bits [6k, 6k + 6), the secret bits
 * [8·alignment, 8·(alignment + n)).
 */
export const base64Core = (bytes: Uint8Array, alignment: number): string => {
  const padded = new Uint8Array(alignment + bytes.length)
  padded.set(bytes, alignment)
  const first = Math.ceil((8 * alignment) / 6)
  const end = Math.floor((8 * (alignment + bytes.length)) / 6)
  return end > first ? base64(padded).slice(first, end) : ""
}

/** A base64 core as a pattern accepting both alphabets (`+/` standard, `-_` URL-safe). */
const base64Pattern = (core: string): string =>
  Array.from(core, (c) => (c === "+" ? "[+\\-]" : c === "/" ? "[/_]" : c)).join("")

/**
 * The pattern sources (for `new RegExp(source, "iu")`) that find `secret`: textual first, then hex, then the
 * base64 cores long enough to search for. Empty for a secret under `MIN_SECRET_LENGTH`.
 */
export const sourcesOf = (secret: string): ReadonlyArray<string> => {
  if (secret.length < MIN_SECRET_LENGTH) return []
  const bytes = utf8.encode(secret)
  const out = [textual(secret), hex(bytes)]
  for (let alignment = 0; alignment < 3; alignment++) {
    const core = base64Core(bytes, alignment)
    if (core.length >= MIN_BASE64_CORE) out.push(base64Pattern(core))
  }
  return out
}
