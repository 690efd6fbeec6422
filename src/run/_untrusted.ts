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
import { Clock, ConfigProvider, Context, Effect, Fiber, Random, References, Tracer } from "effect"
import type { Exit } from "effect"

/** Services policy authors declared read-only and safe to share (e.g. a DNS resolver). */
const shared = new Set<Context.Key<never, unknown>>()

/**
 * Lets policies and workflows see a service from the caller's context: only for read-only services that
 * cannot be used to act around the checks (a DNS resolver, a clock). Enact's own services never are.
 */
export const share = <I, S>(key: Context.Key<I, S>): void => {
  shared.add(key as unknown as Context.Key<never, unknown>)
  views = new WeakMap()
}

const base = [
  Clock.Clock,
  ConfigProvider.ConfigProvider,
  Random.Random,
  Tracer.Tracer,
  References.TracerEnabled,
  References.CurrentLoggers,
  References.MinimumLogLevel,
  References.CurrentLogLevel,
  References.LogToStderr
] as const

// Contexts are immutable: the restricted view of one is computed once (until a service is shared).
let views = new WeakMap<object, Context.Context<never>>()
const safe = (context: Context.Context<never>): Context.Context<never> => {
  let view = views.get(context)
  if (view === undefined) {
    view = Context.pick(...base, ...shared)(context) as Context.Context<never>
    views.set(context, view)
  }
  return view
}

/** Runs `make()` in a child fiber with the safe services only, and returns how it ended. Never fails. */
export const runUntrusted = <A, E>(make: () => Effect.Effect<A, E>): Effect.Effect<Exit.Exit<A, E>> =>
  Effect.contextWith((context: Context.Context<never>) =>
    Effect.flatMap(
      Effect.forkChild(Effect.setContext(Effect.suspend(make), safe(context)), { startImmediately: true, uninterruptible: false }),
      (fiber) => Effect.onInterrupt(Fiber.await(fiber), () => Fiber.interrupt(fiber))
    )
  )
