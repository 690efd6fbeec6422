/**
 * Safe readers for payload and user-attribute fields, and for policy options. Policies receive `unknown`
 * payloads: a field may be missing, `null`, the wrong type, nested, or behind a throwing getter. These
 * readers never throw; they say whether the field is absent (missing or `null`), present with the
 * expected type, or invalid (with a sentence saying what was seen), so every policy can pass when absent
 * and fail closed on a wrong type. Two shapes are offered: `Read` results (`readString`, `readField`…)
 * and plain values with a failing verdict for a wrong type (`string`, `get` + `wrongType`). Option
 * parsers (`windowMillis`) run when a policy is built and throw a configuration error instead.
 *
 * @example
 * ```ts
 * import * as Policy from "../src/Policy.ts"
 * import { readString, string } from "./_payload.ts"
 * const policy = Policy.make("branch_and_url", (ctx) => {
 *   const branch = readString(ctx.payload, "branch")
 *   if (branch._tag === "Invalid") return Policy.fail(branch.reason) // { branch: 7 }: "payload.branch must be a string, got a number"
 *   const url = string(ctx.payload, "url")
 *   if (typeof url === "object") return url // { url: 7 }: "Payload field 'url' is a number, expected a string"
 *   return Policy.pass(branch._tag === "Absent" ? "No branch" : `Branch ${branch.value}, url ${url ?? "none"}`)
 * })
 * ```
 * @module
 */
import { Duration } from "effect"
import * as Policy from "../src/Policy.ts"

/** What reading one field found. */
export type Read<A> =
  | { readonly _tag: "Absent" }
  | { readonly _tag: "Present"; readonly value: A }
  | { readonly _tag: "Invalid"; readonly reason: string }

/** The field is missing or `null`. */
export const absent: Read<never> = { _tag: "Absent" }

/** A present value. */
export const present = <A>(value: A): Read<A> => ({ _tag: "Present", value })

/** An invalid value, with the reason the policy will report. */
export const invalid = (reason: string): Read<never> => ({ _tag: "Invalid", reason })

/** True for a plain object (not an array, not null). */
export const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** Stands for a field whose getter threw: every type check rejects it, and `describeType` names it. */
const THREW: unique symbol = Symbol("threw")

/**
 * The own property `key` of `record` (never an inherited one such as `constructor`), `undefined` when
 * `record` is not a plain object or the key is missing or `null`. Never throws: a field whose getter
 * throws reads as an unreadable value that no type check accepts.
 */
export const get = (record: unknown, key: string): unknown => {
  if (!isRecord(record)) return undefined
  try {
    if (!Object.hasOwn(record, key)) return undefined
    const value = record[key]
    return value === null ? undefined : value
  } catch {
    return THREW
  }
}

/** Names the type of a value for reasons: "a number", "an array", "an object". */
export const describeType = (u: unknown): string => {
  if (u === THREW) return "unreadable (reading it threw)"
  if (u === null) return "null"
  if (Array.isArray(u)) return "an array"
  const t = typeof u
  return t === "object" || t === "undefined" ? `an ${t}` : `a ${t}`
}

const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/g

/** Quotes a value seen in a payload for a reason: control characters escaped, long values cut. */
export const show = (s: string, max = 80): string => {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s
  return `'${cut.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}'`
}

/** A failing verdict for a payload field of the wrong type. */
export const wrongType = (key: string, expected: string, got: unknown): Policy.Verdict =>
  Policy.fail(`Payload field '${key}' is ${describeType(got)}, expected ${expected}`)

/** Reads a string field: `undefined` when absent, the string, or a failing verdict when it has another type. */
export const string = (payload: unknown, key: string): string | undefined | Policy.Verdict => {
  const value = get(payload, key)
  if (value === undefined || typeof value === "string") return value
  return wrongType(key, "a string", value)
}

/** Reads any field: absent, or present with its raw value (only a throwing getter is invalid). */
export const readField = (record: unknown, key: string, label = `payload.${key}`): Read<unknown> => {
  const value = get(record, key)
  if (value === THREW) return invalid(`Reading ${label} failed`)
  return value === undefined ? absent : present(value)
}

/** Reads a string field. Any other type is invalid. */
export const readString = (record: unknown, key: string, label = `payload.${key}`): Read<string> => {
  const value = get(record, key)
  if (value === undefined) return absent
  if (typeof value === "string") return present(value)
  if (value === THREW) return invalid(`Reading ${label} failed`)
  return invalid(`${label} must be a string, got ${describeType(value)}`)
}

/** Reads a field holding one string or an array of strings. Anything else is invalid. */
export const readStrings = (
  record: unknown,
  key: string,
  label = `payload.${key}`
): Read<ReadonlyArray<string>> => {
  const value = get(record, key)
  if (value === undefined) return absent
  if (typeof value === "string") return present([value])
  if (value === THREW) return invalid(`Reading ${label} failed`)
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (typeof value[i] !== "string") {
        return invalid(`${label}[${i}] must be a string, got ${describeType(value[i])}`)
      }
    }
    return present(value as ReadonlyArray<string>)
  }
  return invalid(`${label} must be a string or an array of strings, got ${describeType(value)}`)
}

/** How deep `forEachString` and `forEachKey` descend before giving up (fail closed). */
export const MAX_DEPTH = 32

/**
 * Calls `visit` on every string inside `value` (the value itself, array items, object values),
 * depth first, until `visit` returns true. Returns "found" when it did, "done" when every string was
 * visited, and "too-deep" when nesting exceeded `MAX_DEPTH` or the payload holds more than `MAX_ENTRIES`
 * values (callers fail closed on that).
 */
export const forEachString = (
  value: unknown,
  visit: (s: string) => boolean,
  depth = 0,
  budget: { left: number } = { left: MAX_ENTRIES }
): "found" | "done" | "too-deep" => {
  if (typeof value === "string") return visit(value) ? "found" : "done"
  if (typeof value !== "object" || value === null) return "done"
  if (depth >= MAX_DEPTH) return "too-deep"
  try {
    const items = Array.isArray(value) ? value : Object.values(value)
    if ((budget.left -= items.length) < 0) return "too-deep"
    for (const item of items) {
      const r = forEachString(item, visit, depth + 1, budget)
      if (r !== "done") return r
    }
  } catch {
    return "too-deep"
  }
  return "done"
}

/**
 * Calls `visit` on every object key inside `value` (nested objects and arrays of objects included)
 * until it returns true. Same results as `forEachString`.
 */
export const forEachKey = (
  value: unknown,
  visit: (key: string) => boolean,
  depth = 0,
  budget: { left: number } = { left: MAX_ENTRIES }
): "found" | "done" | "too-deep" => {
  if (typeof value !== "object" || value === null) return "done"
  if (depth >= MAX_DEPTH) return "too-deep"
  try {
    if (Array.isArray(value)) {
      if ((budget.left -= value.length) < 0) return "too-deep"
      for (const item of value) {
        const r = forEachKey(item, visit, depth + 1, budget)
        if (r !== "done") return r
      }
      return "done"
    }
    const entries = Object.entries(value)
    if ((budget.left -= entries.length) < 0) return "too-deep"
    for (const [k, v] of entries) {
      if (visit(k)) return "found"
      const r = forEachKey(v, visit, depth + 1, budget)
      if (r !== "done") return r
    }
  } catch {
    return "too-deep"
  }
  return "done"
}

/** Parses a window option (`"7 days"`, a number of milliseconds...) to milliseconds, or throws a configuration error. */
export const windowMillis = (policy: string, window: Duration.Input): number => {
  let ms = Number.NaN
  try {
    const d = Duration.fromInput(window)
    if (d._tag === "Some" && Duration.isFinite(d.value)) ms = Duration.toMillis(d.value)
  } catch {
    ms = Number.NaN
  }
  if (!(ms > 0)) {
    throw new TypeError(`Cannot build ${policy}: the window must be a positive, finite duration such as "24 hours"`)
  }
  return ms
}

/** Most values (array items, object entries) the walkers visit in one payload; more fails closed. */
export const MAX_ENTRIES = 20_000

/** One visited value: its path (`payload.content.Credentials[0]`), the object key it sits under, and the value. */
export interface Entry {
  readonly path: string
  readonly key: string | undefined
  readonly value: unknown
}

/**
 * Visits every value under `root` (itself first), depth first, with its path and key, until `visit`
 * returns true. Strings count towards `maxChars` (keys included), and values towards `MAX_ENTRIES`: past
 * either the walk stops with "too-large". Nesting past `MAX_DEPTH` stops it with "too-deep", a throwing
 * getter with "unreadable" (callers fail closed on all three). Iterative, so deep payloads cannot overflow
 * the stack.
 */
export const walkEntries = (
  root: unknown,
  rootPath: string,
  visit: (entry: Entry) => boolean,
  maxChars = Number.POSITIVE_INFINITY
): "found" | "done" | "too-deep" | "too-large" | "unreadable" => {
  const stack: Array<Entry & { readonly depth: number }> = [{ path: rootPath, key: undefined, value: root, depth: 0 }]
  let chars = 0
  let entries = 0
  try {
    while (stack.length > 0) {
      const entry = stack.pop()!
      const v = entry.value
      if (typeof v === "string") chars += v.length
      if (entry.key !== undefined) chars += entry.key.length
      if (chars > maxChars || ++entries > MAX_ENTRIES) return "too-large"
      if (visit(entry)) return "found"
      if (typeof v !== "object" || v === null) continue
      if (entry.depth >= MAX_DEPTH) return "too-deep"
      const depth = entry.depth + 1
      if (Array.isArray(v)) {
        if (entries + stack.length + v.length > MAX_ENTRIES) return "too-large"
        for (let i = v.length - 1; i >= 0; i--) stack.push({ path: `${entry.path}[${i}]`, key: undefined, value: v[i], depth })
      } else {
        const keys = Object.keys(v)
        if (entries + stack.length + keys.length > MAX_ENTRIES) return "too-large"
        for (let i = keys.length - 1; i >= 0; i--) {
          const k = keys[i]!
          stack.push({ path: `${entry.path}.${k}`, key: k, value: (v as Record<string, unknown>)[k], depth })
        }
      }
    }
  } catch {
    return "unreadable"
  }
  return "done"
}
