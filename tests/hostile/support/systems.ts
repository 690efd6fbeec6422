/**
 * Connectors for the hostile tests: one that records exactly what it received (to compare with what the
 * receipt says it received), and a key-value store whose writes land at once but whose answer is slow
 * (a remote system that applied the change and has not replied yet).
 *
 * @example
 * ```ts
 * import { makeEcho, makeSlowKv } from "./support/systems.ts"
 * const echo = makeEcho() // echo.received: canonical JSON of every args object the connector was given
 * const slow = makeSlowKv(40) // slow.data changes as soon as `set` applies; the reply comes 40 ms later
 * ```
 * @module
 */
import { Effect } from "effect"
import * as Canonical from "../../../src/receipt/Canonical.ts"
import * as Connector from "../../../src/Connector.ts"
import * as ConnectorError from "../../../src/ConnectorError.ts"
import type { Json } from "../../../src/Model.ts"

export interface Echo {
  readonly connector: Connector.Connector
  /** Canonical JSON of the args of every `echo`/`peek` call that reached the connector, in order. */
  readonly received: Array<string>
  /** How many times `apply` ran (echo and peek). */
  readonly applied: { n: number }
}

/**
 * `echo` (mutating) and `peek` (read-only) record their args and return `output(args)` (default: the
 * args). The inverse `unecho` does nothing but count.
 */
export const makeEcho = (options: { readonly output?: (args: Json) => unknown; readonly kind?: string } = {}): Echo => {
  const received: Array<string> = []
  const applied = { n: 0 }
  const kind = options.kind ?? "echo"
  const output = options.output ?? ((args: Json) => args)
  const plan = (args: Json, rollback: { readonly action: string; readonly args: Json } | null) =>
    Effect.sync(() => {
      received.push(Canonical.encode(args))
      return {
        alreadyDone: false,
        rollback,
        apply: Effect.sync(() => {
          applied.n++
          return output(args) as Json
        })
      }
    })
  const connector = Connector.make({
    kind,
    allowedActions: ["echo", "peek"],
    actions: {
      echo: Connector.mutating((args) => plan(args, { action: "unecho", args: { n: received.length } })),
      peek: Connector.readOnly((args) => plan(args, null))
    },
    inverses: { unecho: () => Effect.succeed(null) }
  })
  return { connector, received, applied }
}

export interface SlowKv {
  readonly connector: Connector.Connector
  readonly data: Map<string, string>
  /** How many times `get` and `set` applied. */
  readonly applied: { get: number; set: number }
  /** Completes once `set` has applied `n` times (its change is made, its answer may still be pending). */
  readonly setsApplied: (n: number) => Effect.Effect<void>
}

/**
 * A key-value store (`kind` `slow`) whose `set` changes the data at once, then takes `delayMs` to answer;
 * `get` (read-only) likewise answers after `delayMs`. The inverse `restore` puts the previous value back.
 */
export const makeSlowKv = (delayMs: number, allowedActions: ReadonlyArray<string> = ["get", "set"]): SlowKv => {
  const data = new Map<string, string>()
  const applied = { get: 0, set: 0 }
  const field = (args: Json, name: string): string | undefined => {
    const v = typeof args === "object" && args !== null && !Array.isArray(args) ? (args as Record<string, Json>)[name] : undefined
    return typeof v === "string" ? v : undefined
  }
  const connector = Connector.make({
    kind: "slow",
    allowedActions,
    actions: {
      get: Connector.readOnly((args) =>
        Effect.succeed({
          alreadyDone: false,
          rollback: null,
          apply: Effect.sync(() => {
            applied.get++
          }).pipe(Effect.andThen(Effect.sleep(delayMs)), Effect.as({ value: data.get(field(args, "key") ?? "") ?? null }))
        })
      ),
      set: Connector.mutating((args) => {
        const key = field(args, "key")
        const value = field(args, "value")
        if (key === undefined || value === undefined) {
          return Effect.fail(ConnectorError.invalidArgs("slow", "set", "key and value must be strings"))
        }
        const previous = data.get(key) ?? null
        return Effect.succeed({
          alreadyDone: false,
          rollback: { action: "restore", args: { key, value: previous } },
          apply: Effect.sync(() => {
            applied.set++
            data.set(key, value)
          }).pipe(Effect.andThen(Effect.sleep(delayMs)), Effect.as({ key, value }))
        })
      })
    },
    inverses: {
      restore: (args) =>
        Effect.sync(() => {
          const key = field(args, "key") ?? ""
          const value = field(args, "value")
          if (value === undefined) data.delete(key)
          else data.set(key, value)
          return { key }
        })
    }
  })
  const setsApplied = (n: number): Effect.Effect<void> =>
    Effect.suspend(() => (applied.set >= n ? Effect.void : Effect.andThen(Effect.sleep(1), setsApplied(n))))
  return { connector, data, applied, setsApplied }
}
