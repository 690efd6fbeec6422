/**
 * Registers a conformance suite with `@effect/vitest`: one test per check, each given the services its
 * checks need.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Conformance } from "../../testing.ts"
 * import { ReceiptStore } from "../../mod.ts"
 * import { register } from "./suite.ts"
 * register("memory store", Conformance.receiptStore(Effect.sync(ReceiptStore.makeMemory)), (e) => e)
 * ```
 * @module
 */
import { describe, it } from "@effect/vitest"
import type { Effect } from "effect"
import type { Conformance } from "../../testing.ts"

/** One `it.effect` per check, under `describe(title)`; `provide` supplies what the checks need. */
export const register = <R>(
  title: string,
  checks: ReadonlyArray<Conformance.Check<R>>,
  provide: (run: Effect.Effect<void, Conformance.ConformanceFailure, R>) => Effect.Effect<void, Conformance.ConformanceFailure>,
  options: {
    readonly live?: boolean
    /** Checks known to fail (named by a fragment of their name): registered with `fails`, so a fix shows up. */
    readonly knownFailures?: ReadonlyArray<string>
  } = {}
): void => {
  describe(title, () => {
    for (const check of checks) {
      const runner = options.live === true ? it.live : it.effect
      const known = (options.knownFailures ?? []).some((fragment) => check.name.includes(fragment))
      ;(known ? runner.fails : runner)(check.name, () => provide(check.run))
    }
  })
}
