/**
 * One snapshot of the request. Everything a caller hands Enact (payload, user attributes, action
 * arguments) is copied into frozen, plain JSON exactly once, at entry; policies, the workflow, the
 * journal and the receipt all see that copy and nothing else. Reading the input once closes every way a
 * live object could show the checks one value and the executor another: getters that change between
 * reads, Proxies, class instances, `toJSON` methods.
 *
 * What is copied: strings, finite numbers (`-0` becomes `0`), booleans, `null`, arrays without holes, and
 * objects whose prototype is `Object.prototype` or `null`, through their own enumerable string-keyed data
 * properties (a `__proto__` key is kept as data). Properties whose value is `undefined` are left out, as
 * JSON does. Everything else is refused with the path of the offending field: accessors (getters/setters),
 * class instances (including `Date`, `Map`), functions, symbols, BigInt, `NaN`/`Infinity`, `undefined` in
 * an array, sparse arrays, cycles, anything that throws while being read (a revoked Proxy), nesting deeper
 * than `maxDepth` and input larger than `maxBytes` (counted as the UTF-8 length of its JSON text, without
 * escapes).
 *
 * @example
 * ```ts
 * import { Snapshot } from "../mod.ts"
 * const s = Snapshot.take({ path: "a.txt", n: -0 }, "payload")
 * if (s.ok) console.log(s.value) // { path: "a.txt", n: 0 } (frozen)
 * const bad = Snapshot.take({ when: new Date(0) }, "payload")
 * if (!bad.ok) console.log(bad.path, bad.message) // payload.when is a Date, not plain JSON
 * ```
 * @module
 */
import type { Json } from "./Model.ts"

/** How large and how deep a request may be. */
export interface Limits {
  /** Largest accepted input, in UTF-8 bytes of its JSON text. Default 1 MiB. */
  readonly maxBytes: number
  /** Deepest accepted nesting of arrays and objects. Default 64. */
  readonly maxDepth: number
}

/** 1 MiB and 64 levels. */
export const defaultLimits: Limits = { maxBytes: 1024 * 1024, maxDepth: 64 }

/** Why an input could not be snapshotted: the field, what is wrong with it, and whether it was a limit. */
export interface Refusal {
  readonly ok: false
  /** Path of the offending field, e.g. `payload.items[2].name`. */
  readonly path: string
  readonly message: string
  /** The input is over `maxBytes` or `maxDepth`. */
  readonly limit: boolean
}

/** A snapshot: frozen plain JSON and its size. */
export interface Taken {
  readonly ok: true
  readonly value: Json
  readonly bytes: number
}

class Refused {
  readonly path: string
  readonly message: string
  readonly limit: boolean
  constructor(path: string, message: string, limit: boolean) {
    this.path = path
    this.message = message
    this.limit = limit
  }
}

const describeThrown = (e: unknown): string => {
  try {
    if (e instanceof Error) return String(e.message).slice(0, 200)
    return typeof e === "string" ? e.slice(0, 200) : typeof e
  } catch {
    return "unreadable error"
  }
}

const keyPath = (path: string, key: string): string =>
  /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`

/** UTF-8 length of a string, without allocating. */
const utf8Length = (s: string): number => {
  let n = s.length
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) continue
    if (c < 0x800) n += 1
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2 // a pair: 4 bytes for 2 code units
        i++
        continue
      }
      n += 2
    } else n += 2
  }
  return n
}

const kindOf = (proto: unknown, value: object): string => {
  try {
    const ctor = (proto as { readonly constructor?: { readonly name?: unknown } } | null)?.constructor
    const name = typeof ctor === "function" && typeof ctor.name === "string" && ctor.name !== "" ? ctor.name : undefined
    return name !== undefined ? `a ${name}` : `an object with a custom prototype`
  } catch {
    return `an object (${Object.prototype.toString.call(value)})`
  }
}

const article = (t: string): string => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)

/**
 * Copies `input` into frozen plain JSON, reading every field exactly once. `root` names the input in
 * refusals (`"payload"`, `"userAttributes"`, `"args"`).
 */
export const take = (input: unknown, root: string, limits: Limits = defaultLimits): Taken | Refusal => {
  let bytes = 0
  const ancestors = new Set<object>()
  const add = (n: number, path: string): void => {
    bytes += n
    if (bytes > limits.maxBytes) {
      throw new Refused(path, `is over the size limit: the input is larger than ${limits.maxBytes} bytes`, true)
    }
  }
  const copy = (value: unknown, path: string, depth: number): Json | undefined => {
    switch (typeof value) {
      case "string":
        // UTF-8 never takes fewer bytes than UTF-16 code units: a string that long is refused unread.
        if (value.length + 2 > limits.maxBytes - bytes) add(value.length + 2, path)
        add(utf8Length(value) + 2, path)
        return value
      case "number":
        if (!Number.isFinite(value)) throw new Refused(path, `is ${value}, which JSON cannot represent`, false)
        add(value === 0 ? 1 : String(value).length, path)
        return value === 0 ? 0 : value
      case "boolean":
        add(value ? 4 : 5, path)
        return value
      case "undefined":
        return undefined
      case "bigint":
        throw new Refused(path, "is a BigInt, which JSON cannot represent", false)
      case "function":
        throw new Refused(path, "is a function, not data", false)
      case "symbol":
        throw new Refused(path, "is a symbol, not data", false)
      default:
        break
    }
    if (value === null) {
      add(4, path)
      return null
    }
    const object = value as object
    if (depth >= limits.maxDepth) {
      throw new Refused(path, `is nested deeper than the limit of ${limits.maxDepth} levels`, true)
    }
    if (ancestors.has(object)) throw new Refused(path, "refers back to an object that contains it (a cycle)", false)
    ancestors.add(object)
    try {
      return Array.isArray(object) ? copyArray(object, path, depth) : copyObject(object, path, depth)
    } catch (e) {
      // A Proxy trap or a hostile accessor threw while this field was read.
      if (e instanceof Refused) throw e
      throw new Refused(path, `could not be read: ${describeThrown(e)}`, false)
    } finally {
      ancestors.delete(object)
    }
  }
  const copyArray = (array: ReadonlyArray<unknown>, path: string, depth: number): Json => {
    const proto = Object.getPrototypeOf(array)
    if (proto !== Array.prototype) throw new Refused(path, `is ${kindOf(proto, array)}, not a plain array`, false)
    const length = array.length
    if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) {
      throw new Refused(path, "is an array with an unreadable length", false)
    }
    add(2 + Math.max(0, length - 1), path)
    const out: Array<Json> = new Array(length)
    for (let i = 0; i < length; i++) {
      const at = `${path}[${i}]`
      const d = Object.getOwnPropertyDescriptor(array, i)
      if (d === undefined) throw new Refused(at, "is a hole in a sparse array", false)
      if (!("value" in d)) throw new Refused(at, "is a getter/setter, not data", false)
      const v = copy(d.value, at, depth + 1)
      if (v === undefined) throw new Refused(at, "is undefined, which JSON cannot represent in an array", false)
      out[i] = v
    }
    return Object.freeze(out)
  }
  const copyObject = (object: object, path: string, depth: number): Json => {
    const proto = Object.getPrototypeOf(object)
    if (proto !== Object.prototype && proto !== null) {
      throw new Refused(path, `is ${kindOf(proto, object)}, not plain JSON`, false)
    }
    const keys = Reflect.ownKeys(object)
    const out: Record<string, Json> = {}
    add(2, path)
    let first = true
    for (const key of keys) {
      if (typeof key !== "string") continue // symbol keys are not data, as in JSON
      const at = keyPath(path, key)
      add(1, at) // every key visited costs, even one left out, so a huge object is refused early
      const d = Object.getOwnPropertyDescriptor(object, key)
      if (d === undefined || d.enumerable !== true) continue
      if (!("value" in d)) throw new Refused(at, "is a getter/setter, not data", false)
      const v = copy(d.value, at, depth + 1)
      if (v === undefined) continue
      add(utf8Length(key) + (first ? 2 : 3), at)
      first = false
      if (key === "__proto__") {
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true })
      } else out[key] = v
    }
    return Object.freeze(out)
  }
  try {
    const value = copy(input, root, 0)
    if (value === undefined) return { ok: false, path: root, message: "is undefined, not JSON", limit: false }
    return { ok: true, value, bytes }
  } catch (e) {
    if (e instanceof Refused) return { ok: false, path: e.path, message: e.message, limit: e.limit }
    return { ok: false, path: root, message: `could not be read: ${describeThrown(e)}`, limit: false }
  }
}

/** The refusal as one sentence: `payload.when is a Date, not plain JSON`. */
export const describe = (refusal: Refusal): string => `${refusal.path} ${refusal.message}`

/** The plain-JSON object case: a snapshot that must be an object (user attributes). */
export const takeObject = (
  input: unknown,
  root: string,
  limits: Limits = defaultLimits
): { readonly ok: true; readonly value: Readonly<Record<string, Json>>; readonly bytes: number } | Refusal => {
  const taken = take(input, root, limits)
  if (!taken.ok) return taken
  const v = taken.value
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    return { ok: false, path: root, message: `is ${v === null ? "null" : Array.isArray(v) ? "an array" : article(typeof v)}, not a JSON object`, limit: false }
  }
  return { ok: true, value: v as Readonly<Record<string, Json>>, bytes: taken.bytes }
}

/**
 * Freezes a value built from snapshots (a recorded action, a sealed receipt) all the way down, so what the
 * engine hands out cannot be edited into what it records.
 *
 * @example
 * ```ts
 * import * as Snapshot from "./Snapshot.ts"
 * const record = Snapshot.freezeDeep({ args: { key: "a" } })
 * Object.isFrozen(record.args) // true
 * ```
 */
export const freezeDeep = <A>(value: A): A => {
  if (typeof value === "object" && value !== null) {
    if (!Object.isFrozen(value)) Object.freeze(value)
    for (const v of Object.values(value)) freezeDeep(v)
  }
  return value
}
