/**
 * Hostile values for attacking Enact's entry points: objects that answer differently each time they are
 * read, Proxies whose traps lie or throw, errors whose fields throw, values that look like Effects, and
 * a walker that lists every function reachable from a value (to check that nothing callable leaks).
 *
 * @example
 * ```ts
 * import { flipping, revoked } from "./support/hostile.ts"
 * const payload = flipping("path", "notes/a.md", "/etc/passwd") // first read "notes/a.md", then "/etc/passwd"
 * const dead = revoked() // every operation on it throws
 * ```
 * @module
 */

/** A revoked Proxy: every operation on it (including `instanceof` and `typeof x.then`) throws. */
export const revoked = (): object => {
  const r = Proxy.revocable({}, {})
  r.revoke()
  return r.proxy
}

/** An `Error` whose `message`, `name` and `stack` getters throw. */
export const hostileError = (): Error => {
  const e = new Error("hostile")
  for (const key of ["message", "name", "stack"]) {
    Object.defineProperty(e, key, {
      get() {
        throw new Error(`reading ${key} of a hostile error`)
      }
    })
  }
  return e
}

/** An object whose `key` is an enumerable getter: `first` on the first read, `then` on every later one. */
export const flipping = (key: string, first: unknown, then: unknown): Record<string, unknown> => {
  let reads = 0
  const o: Record<string, unknown> = {}
  Object.defineProperty(o, key, {
    enumerable: true,
    configurable: true,
    get: () => (reads++ === 0 ? first : then)
  })
  return o
}

/**
 * A Proxy that reports `key` as an ordinary data property whose value is `first` the first time any trap
 * is asked for it and `then` afterwards, through `get` and `getOwnPropertyDescriptor` alike.
 */
export const lyingProxy = (key: string, first: unknown, then: unknown): Record<string, unknown> => {
  let reads = 0
  const next = () => (reads++ === 0 ? first : then)
  return new Proxy({ [key]: first } as Record<string, unknown>, {
    get: (t, k, r) => (k === key ? next() : Reflect.get(t, k, r)),
    getOwnPropertyDescriptor: (t, k) =>
      k === key ? { value: next(), writable: true, enumerable: true, configurable: true } : Reflect.getOwnPropertyDescriptor(t, k)
  })
}

/**
 * Something that passes `Effect.isEffect` (it carries Effect's type id) but has no body: a fiber asked to
 * run it cannot.
 */
export const fakeEffect = (): object => ({ "~effect/Effect": { _A: (a: unknown) => a } })

/** A function found inside a value, and the path to it. */
export interface Found {
  readonly path: string
  readonly fn: (...args: ReadonlyArray<unknown>) => unknown
}

/**
 * Every function reachable from `root` through own properties (string and symbol keys, enumerable or not;
 * getters are called and what they return is followed; setters are not counted), sorted by path. Prototypes are not followed: a
 * shared prototype's methods act only on the object they are called on.
 */
export const functionsIn = (root: unknown, maxDepth = 12): Array<Found> => {
  const found: Array<Found> = []
  const seen = new Set<unknown>()
  const visit = (value: unknown, path: string, depth: number): void => {
    if (typeof value === "function") {
      found.push({ path, fn: value as Found["fn"] })
      return
    }
    if (typeof value !== "object" || value === null || seen.has(value) || depth > maxDepth) return
    seen.add(value)
    if (value instanceof Set || value instanceof Map) {
      let i = 0
      for (const entry of value) visit(entry, `${path}<${i++}>`, depth + 1)
    }
    for (const key of Reflect.ownKeys(value)) {
      const d = Object.getOwnPropertyDescriptor(value, key)
      if (d === undefined) continue
      const at = `${path === "" ? "" : `${path}.`}${String(key)}`
      if ("value" in d) visit(d.value, at, depth + 1)
      else {
        // A setter only stores a value on its own object; what a getter hands out is followed.
        if (d.get === undefined) continue
        let got: unknown
        try {
          got = d.get.call(value)
        } catch {
          continue
        }
        visit(got, at, depth + 1)
      }
    }
  }
  visit(root, "", 0)
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** The paths of `functionsIn(root)`. */
export const functionPaths = (root: unknown): Array<string> => functionsIn(root).map((f) => f.path)

/** Collects unhandled promise rejections while `body` runs and for `settleMs` after it. */
export const collectUnhandled = async <A>(body: () => Promise<A>, settleMs = 50): Promise<{ readonly value: A; readonly unhandled: ReadonlyArray<unknown> }> => {
  const { default: process } = await import("node:process")
  const unhandled: Array<unknown> = []
  const onRejection = (reason: unknown) => {
    unhandled.push(reason)
  }
  process.on("unhandledRejection", onRejection)
  try {
    const value = await body()
    await new Promise((resolve) => setTimeout(resolve, settleMs))
    return { value, unhandled }
  } finally {
    process.off("unhandledRejection", onRejection)
  }
}
