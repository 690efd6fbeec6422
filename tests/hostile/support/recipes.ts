/**
 * Generated hostile inputs for the snapshot properties. A `Recipe` is plain data (so fast-check can shrink
 * and print it); `build` turns it into a live value full of traps: getters, Proxies whose traps lie, keys
 * that vanish, non-enumerable and symbol-keyed fields, class instances, `toJSON`, revoked Proxies, holes.
 *
 * Every trap answers honestly the *first* time it is asked and lies afterwards. A value read exactly once
 * (what Enact promises) therefore has one well-defined plain-JSON reading, which `expected` computes from
 * the recipe alone: either that JSON, or a refusal when something in it cannot be JSON. Anything that
 * reads an input twice sees the lie.
 *
 * @example
 * ```ts
 * import fc from "fast-check"
 * import { build, expected, recipe } from "./support/recipes.ts"
 * fc.assert(fc.property(recipe, (r) => { const live = build(r); const want = expected(r) }))
 * ```
 * @module
 */
import fc from "fast-check"
import * as Canonical from "../../../src/receipt/Canonical.ts"
import type { Json } from "../../../src/Model.ts"

export const objectModes = [
  "plain", "nullProto", "frozen", "getter", "lyingGet", "lyingDesc", "shuffleKeys", "hidden", "symbol", "toJSON", "classy",
  "revoked", "protoKey"
] as const
export const arrayModes = ["plain", "frozen", "lyingLength", "lyingIndex", "holey", "extraProp", "subclass", "getterIndex"] as const
export const badLeaves = ["bigint", "nan", "infinity", "function", "symbol", "date", "map"] as const

export type Recipe =
  | { readonly t: "leaf"; readonly v: string | number | boolean | null }
  | { readonly t: "bad"; readonly k: typeof badLeaves[number] }
  | { readonly t: "obj"; readonly mode: typeof objectModes[number]; readonly entries: ReadonlyArray<readonly [string, Recipe]> }
  | { readonly t: "arr"; readonly mode: typeof arrayModes[number]; readonly items: ReadonlyArray<Recipe> }

const key = fc.oneof(
  fc.constantFrom("a", "b", "path", "__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "", "0", "1", "10", "é", "\u{1F600}"),
  fc.string({ maxLength: 4 })
)

const leaf: fc.Arbitrary<Recipe> = fc.oneof(
  fc.string({ maxLength: 8, unit: "binary" }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null)
).map((v) => ({ t: "leaf", v }))

/** A generated hostile value (as a recipe), up to a few levels deep. */
export const recipe: fc.Arbitrary<Recipe> = fc.letrec<{ node: Recipe }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { arbitrary: leaf, weight: 6 },
    { arbitrary: fc.constantFrom(...badLeaves).map((k): Recipe => ({ t: "bad", k })), weight: 1 },
    {
      arbitrary: fc.record({
        t: fc.constant("obj" as const),
        mode: fc.constantFrom(...objectModes),
        entries: fc.uniqueArray(fc.tuple(key, tie("node")), { maxLength: 4, selector: ([k]) => k })
      }),
      weight: 3
    },
    {
      arbitrary: fc.record({ t: fc.constant("arr" as const), mode: fc.constantFrom(...arrayModes), items: fc.array(tie("node"), { maxLength: 4 }) }),
      weight: 2
    }
  )
})).node

/** A recipe whose root is an object (for user attributes). */
export const objectRecipe: fc.Arbitrary<Recipe> = fc.record({
  t: fc.constant("obj" as const),
  mode: fc.constantFrom(...objectModes),
  entries: fc.uniqueArray(fc.tuple(key, recipe), { maxLength: 4, selector: ([k]) => k })
})

const LIE = "LIE: read twice"

class Thing {}
class MyArray<A> extends Array<A> {}

/** Answers `honest()` the first time, `LIE` after. */
const once = <A>(honest: () => A) => {
  let asked = false
  return (): A | typeof LIE => {
    if (asked) return LIE
    asked = true
    return honest()
  }
}

const setOwn = (target: object, k: string, value: unknown): void => {
  Object.defineProperty(target, k, { value, enumerable: true, writable: true, configurable: true })
}

/** Builds a fresh live value from a recipe (fresh traps, so one build can be read once). */
export const build = (r: Recipe): unknown => {
  switch (r.t) {
    case "leaf":
      return r.v
    case "bad":
      switch (r.k) {
        case "bigint":
          return 10n
        case "nan":
          return Number.NaN
        case "infinity":
          return Number.NEGATIVE_INFINITY
        case "function":
          return () => "code"
        case "symbol":
          return Symbol("s")
        case "date":
          return new Date(0)
        case "map":
          return new Map([["a", 1]])
      }
      break
    case "obj":
      return buildObject(r.mode, r.entries)
    case "arr":
      return buildArray(r.mode, r.items)
  }
}

const buildObject = (mode: typeof objectModes[number], entries: ReadonlyArray<readonly [string, Recipe]>): unknown => {
  const target: Record<string, unknown> = mode === "nullProto" ? Object.create(null) : mode === "classy" ? new Thing() as Record<string, unknown> : {}
  for (const [k, v] of entries) {
    if (mode === "getter") {
      const value = once(() => build(v))
      Object.defineProperty(target, k, { enumerable: true, configurable: true, get: value })
    } else setOwn(target, k, build(v))
  }
  switch (mode) {
    case "frozen":
      return Object.freeze(target)
    case "hidden":
      Object.defineProperty(target, "hidden", { value: "HIDDEN", enumerable: false, configurable: true })
      return target
    case "symbol":
      ;(target as Record<symbol, unknown>)[Symbol("secret")] = "SYMBOL"
      return target
    case "toJSON":
      setOwn(target, "toJSON", () => "replaced")
      return target
    case "protoKey":
      if (!Object.hasOwn(target, "__proto__")) setOwn(target, "__proto__", { admin: true })
      return target
    case "revoked": {
      const r = Proxy.revocable(target, {})
      r.revoke()
      return r.proxy
    }
    case "lyingGet":
      return new Proxy(target, { get: () => LIE })
    case "lyingDesc": {
      const asked = new Set<string | symbol>()
      return new Proxy(target, {
        getOwnPropertyDescriptor: (t, k) => {
          const d = Reflect.getOwnPropertyDescriptor(t, k)
          if (d === undefined || !asked.has(k)) {
            asked.add(k)
            return d
          }
          return { value: LIE, writable: true, enumerable: true, configurable: true }
        }
      })
    }
    case "shuffleKeys": {
      const keys = once(() => Reflect.ownKeys(target).reverse())
      return new Proxy(target, {
        ownKeys: (t) => {
          const k = keys()
          return k === LIE ? Reflect.ownKeys(t).slice(1) : k
        }
      })
    }
    default:
      return target
  }
}

const buildArray = (mode: typeof arrayModes[number], items: ReadonlyArray<Recipe>): unknown => {
  const target: Array<unknown> = mode === "subclass" ? new MyArray<unknown>() : []
  for (const item of items) target.push(build(item))
  switch (mode) {
    case "frozen":
      return Object.freeze(target)
    case "holey":
      target.length = target.length + 1
      return target
    case "extraProp":
      ;(target as unknown as Record<string, unknown>).extra = "EXTRA"
      return target
    case "getterIndex":
      if (target.length > 0) {
        const first = once(() => target[0])
        Object.defineProperty(target, 0, { enumerable: true, configurable: true, get: first })
      }
      return target
    case "lyingLength": {
      const length = once(() => target.length)
      return new Proxy(target, {
        get: (t, k, r) => {
          if (k !== "length") return Reflect.get(t, k, r)
          const n = length()
          return n === LIE ? t.length + 3 : n
        }
      })
    }
    case "lyingIndex": {
      const asked = new Set<string | symbol>()
      return new Proxy(target, {
        getOwnPropertyDescriptor: (t, k) => {
          const d = Reflect.getOwnPropertyDescriptor(t, k)
          if (k === "length" || d === undefined || !asked.has(k)) {
            asked.add(k)
            return d
          }
          return { value: LIE, writable: true, enumerable: true, configurable: true }
        }
      })
    }
    default:
      return target
  }
}

/** What reading the built value once yields: its plain JSON, or `refused` when part of it is not JSON. */
export type Expected = { readonly refused: false; readonly value: Json } | { readonly refused: true }

const REFUSED: Expected = { refused: true }

export const expected = (r: Recipe): Expected => {
  switch (r.t) {
    case "leaf":
      return { refused: false, value: r.v === 0 ? 0 : r.v }
    case "bad":
      return REFUSED
    case "obj": {
      if (r.mode === "toJSON" || r.mode === "classy" || r.mode === "revoked") return REFUSED
      if (r.mode === "getter" && r.entries.length > 0) return REFUSED
      const out: Record<string, Json> = {}
      for (const [k, v] of r.entries) {
        const e = expected(v)
        if (e.refused) return REFUSED
        Canonical.setKey(out, k, e.value)
      }
      if (r.mode === "protoKey" && !r.entries.some(([k]) => k === "__proto__")) Canonical.setKey(out, "__proto__", { admin: true })
      return { refused: false, value: out }
    }
    case "arr": {
      if (r.mode === "holey" || r.mode === "subclass") return REFUSED
      if (r.mode === "getterIndex" && r.items.length > 0) return REFUSED
      const out: Array<Json> = []
      for (const item of r.items) {
        const e = expected(item)
        if (e.refused) return REFUSED
        out.push(e.value)
      }
      return { refused: false, value: out }
    }
  }
}

/** Canonical JSON of a value (what the receipt is signed over). */
export const canonical = (value: unknown): string => Canonical.encode(value)
