/**
 * Running code Enact does not trust (a policy's Effect, a workflow): in a child fiber, so that even a
 * malformed "Effect" that kills its fiber cannot skip the engine's receipt and cleanup, and with a context
 * holding only harmless services (clock, configuration, randomness, tracing and logging settings), so that it cannot
 * reach the Enact service, the stores, the journal, the signer or any other service of the application
 * to act around the checks.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { runUntrusted } from "./_untrusted.ts"
 * const exit = runUntrusted(() => Effect.succeed(1)) // Effect<Exit<number>>
 * ```
 * @module
 */
import { Clock, ConfigProvider, Context, Effect, Fiber, Option, Random, References, Tracer } from "effect"
import type { Duration, Exit } from "effect"

/** Services policy authors declared read-only and safe to share (e.g. a DNS resolver). */
const shared = new Set<Context.Key<never, unknown>>()

const base: ReadonlyArray<Context.Key<never, unknown>> = [
  Clock.Clock,
  ConfigProvider.ConfigProvider,
  Random.Random,
  Tracer.Tracer,
  References.TracerEnabled,
  References.CurrentLoggers,
  References.MinimumLogLevel,
  References.CurrentLogLevel,
  References.LogToStderr
] as unknown as ReadonlyArray<Context.Key<never, unknown>>

/** The keys a restricted context keeps, in a fixed order. */
let kept: ReadonlyArray<Context.Key<never, unknown>> = base

/**
 * Lets policies and workflows see a service from the caller's context: only for read-only services that
 * cannot be used to act around the checks (a DNS resolver, a clock). Enact's own services never are.
 */
export const share = <I, S>(key: Context.Key<I, S>): void => {
  shared.add(key as unknown as Context.Key<never, unknown>)
  kept = [...base, ...shared]
  last = undefined
}

// Every run has a context of its own (its scope, at least), but the services kept are nearly always the
// same ones: the view is rebuilt only when one of them differs from the last view's. Only the kept keys
// are looked up; the rest of the caller's context is never copied.
let last: { readonly kept: ReadonlyArray<Context.Key<never, unknown>>; readonly values: Array<unknown>; readonly view: Context.Context<never> } | undefined
const safe = (context: Context.Context<never>): Context.Context<never> => {
  const keys = kept
  const values = new Array<unknown>(keys.length)
  for (let i = 0; i < keys.length; i++) values[i] = Context.getOrUndefined(context, keys[i]!)
  if (last !== undefined && last.kept === keys && values.every((v, i) => v === last!.values[i])) return last.view
  const map = new Map<string, unknown>()
  for (let i = 0; i < keys.length; i++) if (values[i] !== undefined) map.set(keys[i]!.key, values[i])
  const view = Context.makeUnsafe<never>(map)
  last = { kept: keys, values, view }
  return view
}

/**
 * Starts `make()` in a fiber of its own with the safe services only; the caller decides how long to wait
 * for it and interrupts it. Detached, so that a fiber that refuses to stop cannot hold up the one that
 * started it when that one ends.
 */
export const forkUntrusted = <A, E>(make: () => Effect.Effect<A, E>): Effect.Effect<Fiber.Fiber<A, E>> =>
  Effect.contextWith((context: Context.Context<never>) =>
    Effect.forkDetach(Effect.setContext(Effect.suspend(make), safe(context)), { startImmediately: true, uninterruptible: false })
  )

/** Runs `make()` in a child fiber with the safe services only, and returns how it ended. Never fails. */
export const runUntrusted = <A, E>(make: () => Effect.Effect<A, E>): Effect.Effect<Exit.Exit<A, E>> =>
  Effect.flatMap(forkUntrusted(make), (fiber) => Effect.onInterrupt(Fiber.await(fiber), () => Fiber.interrupt(fiber)))

/**
 * Waits for an untrusted fiber while it keeps making progress: each time `budget` passes, `progress()`
 * must have moved on (a policy finished), or the fiber is given up on: interrupted in the background
 * (never waited for: it may refuse to stop) and `"timeout"` returned. Interrupting the wait interrupts the
 * fiber the same way.
 */
export const awaitWhileProgressing = <A, E>(
  fiber: Fiber.Fiber<A, E>,
  budget: Duration.Duration,
  progress: () => unknown
): Effect.Effect<Exit.Exit<A, E> | "timeout"> => {
  const abandon = Effect.asVoid(Effect.forkDetach(Fiber.interrupt(fiber)))
  const wait: Effect.Effect<Exit.Exit<A, E> | "timeout"> = Effect.suspend(() => {
    // Most policy Effects have already finished when they are first awaited: no timer for those.
    const done = fiber.pollUnsafe()
    if (done !== undefined) return Effect.succeed(done)
    const before = progress()
    return Effect.flatMap(Effect.timeoutOption(Fiber.await(fiber), budget), (done) => {
      if (Option.isSome(done)) return Effect.succeed(done.value)
      return progress() === before ? Effect.as(abandon, "timeout" as const) : wait
    })
  })
  return Effect.onInterrupt(wait, () => abandon)
}
