/**
 * The one text form of a stored receipt: its RFC 8785 canonical encoding (`Canonical.encode`) and a final
 * newline, as UTF-8 without a byte-order mark. Stores write exactly these bytes and read back only bytes
 * that are exactly the canonical encoding of what they parse to: duplicate keys, `1.0`, `-0`, `0e5`,
 * `\u0041` escapes, whitespace, reordered keys, a BOM, a second JSON value, a field the schema does not know:
 * each is a different byte string for the same (or an ambiguous) value, so each is refused. One receipt then
 * has one byte form, and what a verifier checked is what every reader sees.
 *
 * @example
 * ```ts
 * import * as ReceiptText from "./_receiptText.ts"
 * const parsed = ReceiptText.parse(new TextEncoder().encode('{"a": 1}\n'))
 * parsed.ok // false: parsed.problem says where it differs from its canonical form
 * ```
 * @module
 */
import { Schema } from "effect"
import * as Canonical from "../receipt/Canonical.ts"
import * as Snapshot from "../Snapshot.ts"
import { Receipt } from "../Model.ts"
import * as StoreError from "./StoreError.ts"

/** A parsed receipt, or what is wrong with the bytes (a sentence fragment: "is not valid UTF-8"). */
export type Parsed =
  | { readonly ok: true; readonly receipt: Receipt; readonly text: string }
  | { readonly ok: false; readonly problem: string }

const utf8 = new TextEncoder()
// fatal: invalid UTF-8 is an error, not U+FFFD; ignoreBOM: a BOM stays in the text (and is then refused).
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
const decodeStrict = Schema.decodeUnknownResult(Receipt, { onExcessProperty: "error" })

const NEWLINE = 0x0a

const fail = (problem: string): Parsed => ({ ok: false, problem })

/** Byte-for-byte equality. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** Where and how `found` differs from `canonical`, for an error message. */
const difference = (found: string, canonical: string): string => {
  let i = 0
  while (i < found.length && i < canonical.length && found[i] === canonical[i]) i++
  const show = (s: string) => (i >= s.length ? "the end" : JSON.stringify(s.slice(i, i + 16)))
  return `is not in canonical form (RFC 8785): at character ${i} it has ${show(found)} where the canonical encoding has ${
    show(canonical)
  }`
}

/**
 * Checks a JSON value parsed from the canonical text `text` is a receipt: it matches the schema with no
 * unknown field (anywhere in its structs), and its run id is valid. The receipt schema has no
 * transformations, so the decoded receipt encodes to `text` again (the store tests check this round trip).
 */
const checkReceipt = (value: unknown, text: string): Parsed => {
  const decoded = decodeStrict(value)
  if (decoded._tag === "Failure") return fail(`does not match the receipt schema: ${decoded.failure.message}`)
  const receipt = decoded.success
  if (!StoreError.isValidRunId(receipt.run_id)) {
    return fail(`holds an invalid run id ${JSON.stringify(String(receipt.run_id)).slice(0, 80)}`)
  }
  return { ok: true, receipt, text }
}

/**
 * Parses the bytes of a stored receipt (file or log record), accepting only `Canonical.encode(receipt) + "\n"`.
 * Incomplete bytes (no final newline) are a problem too; callers that treat them as absent check first.
 */
export const parse = (bytes: Uint8Array): Parsed => {
  if (bytes.length === 0 || bytes[bytes.length - 1] !== NEWLINE) return fail("does not end with a newline")
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return fail("starts with a byte-order mark")
  }
  let found: string
  try {
    found = strictUtf8.decode(bytes.subarray(0, bytes.length - 1))
  } catch {
    return fail("is not valid UTF-8")
  }
  let value: unknown
  try {
    value = JSON.parse(found)
  } catch (e) {
    return fail(`is not one JSON value: ${e instanceof Error ? e.message : String(e)}`)
  }
  let canonical: string
  try {
    canonical = Canonical.encode(value)
  } catch (e) {
    return fail(`holds a value JSON cannot represent: ${e instanceof Error ? e.message : String(e)}`)
  }
  // The strings are equal exactly when the bytes are (UTF-8 is a bijection on well-formed text).
  if (found !== canonical) return fail(difference(found, canonical))
  return checkReceipt(value, canonical)
}

/** Receipts the engine sealed (deeply frozen, so they cannot have changed since), with their canonical text. */
const sealed = new WeakMap<object, string>()

/**
 * Freezes a receipt the engine has just signed and remembers its canonical text, so a store does not parse
 * and check it again: it was built from checked parts, and being frozen it cannot have changed since.
 * `text`, when the signer already has it, must be `Canonical.encode(receipt)`.
 */
export const seal = <R extends Receipt>(receipt: R, text?: string): R => {
  Snapshot.freezeDeep(receipt)
  sealed.set(receipt, text ?? Canonical.encode(receipt))
  return receipt
}

/**
 * The canonical text of a receipt (without the newline), or why it cannot be stored: not a receipt by the
 * schema (unknown fields included), an invalid run id, or a value that does not survive encoding.
 */
export const encode = (receipt: Receipt): Parsed => {
  const known = sealed.get(receipt)
  if (known !== undefined && StoreError.isValidRunId(receipt.run_id)) return { ok: true, receipt, text: known }
  let text: string
  try {
    text = Canonical.encode(receipt)
  } catch (e) {
    return fail(`cannot be encoded: ${e instanceof Error ? e.message : String(e)}`)
  }
  // Decode what will be stored, not the object handed in: getters, prototypes and `undefined` fields then
  // cannot make the stored receipt differ from the one checked.
  return checkReceipt(JSON.parse(text), text)
}

/** The bytes a store writes for a receipt whose canonical text is `text`. */
export const toBytes = (text: string): Uint8Array => utf8.encode(text + "\n")
