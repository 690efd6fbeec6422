/**
 * Safe readers for policy payloads and options. A payload is `unknown`: the readers never throw, treat
 * a missing key (or `null`) as absent, and turn a value of the wrong type into a failing verdict (fail
 * closed). Option parsers run when a policy is built and throw a configuration error instead.
 *
 * @example
 * ```ts
 * const url = string(ctx.payload, "url")
 * if (url === undefined) return Policy.pass("No URL in the payload")
 * if (typeof url !== "string") return url // a failing verdict naming the wrong type
 * ```
 * @module
 */
import { Duration } from "effect"
import * as Policy from "../src/Policy.ts"

/** True for a non-null, non-array object. */
export const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/** Stands for a field whose getter threw: every type check rejects it, and `describeType` names it. */
const UNREADABLE: unique symbol = Symbol("unreadable")

/**
 * The value of `payload[key]` as an own property, or `undefined` when the payload is not an object, or
 * the key is missing or `null`. Never throws: a field whose getter throws reads as an unreadable value.
 */
export const get = (payload: unknown, key: string): unknown => {
  if (!isRecord(payload)) return undefined
  try {
    if (!Object.hasOwn(payload, key)) return undefined
    const value = payload[key]
    return value === null ? undefined : value
  } catch {
    return UNREADABLE
  }
}

/** How a value reads in a sentence: "a number", "an array", "an object"... */
export const describeType = (u: unknown): string => {
  if (u === UNREADABLE) return "unreadable (reading it threw)"
  if (u === null) return "null"
  if (Array.isArray(u)) return "an array"
  const t = typeof u
  return t === "object" || t === "undefined" ? `an ${t}` : `a ${t}`
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

/** Quotes a value for a reason, clipped to `max` characters. */
export const quote = (s: string, max = 80): string => `'${s.length > max ? s.slice(0, max) + "…" : s}'`

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
