/**
 * A counter connector for rollback tests: `bump` adds one and records `set` back to the value before as
 * its inverse; what `set` does is the test's choice (undo, fail, count calls).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { makeCounter } from "./support/counter.ts"
 * const { connector, state } = makeCounter((n, state) => Effect.sync(() => { state.value = n; return null }))
 * ```
 * @module
 */
import { Effect } from "effect"
import * as Connector from "../../src/Connector.ts"
import type * as ConnectorError from "../../src/ConnectorError.ts"
import type { Json } from "../../src/Model.ts"

export interface CounterState {
  value: number
}

/** A `counter` system allowing `bump`; its inverse `set` runs `undo` with the value to go back to. */
export const makeCounter = (
  undo: (n: number, state: CounterState) => Effect.Effect<null, ConnectorError.ConnectorError>
): { readonly connector: Connector.Connector; readonly state: CounterState } => {
  const state: CounterState = { value: 0 }
  const connector = Connector.make({
    kind: "counter",
    allowedActions: ["bump"],
    actions: {
      bump: Connector.mutating(() =>
        Effect.succeed({
          alreadyDone: false,
          rollback: { action: "set", args: { n: state.value } },
          apply: Effect.sync(() => ({ n: ++state.value }))
        })
      )
    },
    inverses: {
      set: (args: Json) => undo((args as { readonly n: number }).n, state)
    }
  })
  return { connector, state }
}
