/**
 * Assertions of the conformance suites (private): each failed expectation is a `ConformanceFailure`
 * saying what was expected and what came instead, so a suite runs under any test framework.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Expect from "./_expect.ts"
 * const checked = Expect.sameJson({ a: 1 }, { a: 1 }, "the value read back")
 * ```
 * @module
 */
import { Effect, Schema } from "effect"
import type { Cause } from "effect"
import * as Canonical from "../receipt/Canonical.ts"

const failureFields = { check: Schema.String, message: Schema.String }
const ConformanceFailureBase: Schema.Class<ConformanceFailure, Schema.TaggedStruct<"ConformanceFailure", typeof failureFields>, Cause.YieldableError> =
  Schema.TaggedError<ConformanceFailure>()("ConformanceFailure", failureFields)
/** A conformance check failed: `check` names it, `message` says what was expected and what came instead. */
export class ConformanceFailure extends ConformanceFailureBase {}

/** One check of a suite: run it in your test framework (it needs no services but the ones your `make` needs). */
export interface Check<R = never> {
  readonly name: string
  readonly run: Effect.Effect<void, ConformanceFailure, R>
}

/** A failed expectation (the check's name is filled in by `named`). */
export const fail = (message: string): Effect.Effect<never, ConformanceFailure> =>
  Effect.fail(new ConformanceFailure({ check: "", message }))

/** Fails with `message` unless `ok`. */
export const that = (ok: boolean, message: string): Effect.Effect<void, ConformanceFailure> => (ok ? Effect.void : fail(message))

/** A short, stable rendering of a value for a message. */
export const show = (value: unknown): string => {
  let text: string
  try {
    text = value === undefined ? "undefined" : Canonical.encode(value)
  } catch {
    text = String(value)
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}

/** Equality of JSON values, key order aside. Values JSON cannot hold are never equal. */
export const jsonEqual = (a: unknown, b: unknown): boolean => {
  try {
    return Canonical.encode(a) === Canonical.encode(b)
  } catch {
    return false
  }
}

/** Fails unless `actual` and `expected` are the same JSON value. */
export const sameJson = (actual: unknown, expected: unknown, what: string): Effect.Effect<void, ConformanceFailure> =>
  that(jsonEqual(actual, expected), `${what}: expected ${show(expected)}, got ${show(actual)}`)

/** What an unexpected error says. */
export const describe = (e: unknown): string =>
  typeof e === "object" && e !== null && "message" in e && typeof e.message === "string" && e.message.length > 0
    ? `${(e as { readonly _tag?: unknown })._tag ?? "Error"}: ${e.message}`
    : String(e)

/** Runs `effect`, expecting it to fail; returns the error. */
export const failure = <A, E, R>(effect: Effect.Effect<A, E, R>, what: string): Effect.Effect<E, ConformanceFailure, R> =>
  Effect.flatMap(Effect.result(effect), (r) =>
    r._tag === "Failure" ? Effect.succeed(r.failure) : fail(`${what}: expected a failure, got success ${show(r.success)}`))

/** Runs `effect`, expecting a `StoreError` whose reason is `tag`. */
export const storeReason = <A, R>(
  effect: Effect.Effect<A, { readonly _tag: string; readonly reason?: { readonly _tag: string } }, R>,
  tag: string,
  what: string
): Effect.Effect<void, ConformanceFailure, R> =>
  Effect.flatMap(failure(effect, what), (e) =>
    that(e._tag === "StoreError" && e.reason?._tag === tag, `${what}: expected StoreError ${tag}, got ${describe(e)}`))

/** Turns an unexpected error of the code under test into a failure of the check. */
export const unexpected = <A, E, R>(effect: Effect.Effect<A, E, R>, what: string): Effect.Effect<A, ConformanceFailure, R> =>
  Effect.mapError(effect, (e) => (e instanceof ConformanceFailure ? e : new ConformanceFailure({ check: "", message: `${what}: ${describe(e)}` })))

/** A check named `name`: its failures carry the name, and the implementation's own errors become failures. */
export const named = <R>(name: string, run: Effect.Effect<void, unknown, R>): Check<R> => ({
  name,
  run: Effect.mapError(run, (e) =>
    e instanceof ConformanceFailure
      ? new ConformanceFailure({ check: name, message: e.message })
      : new ConformanceFailure({ check: name, message: `Unexpected error: ${describe(e)}` }))
})
