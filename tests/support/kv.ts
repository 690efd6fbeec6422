/**
 * The in-memory key-value connector of the core tests, built on the kit's fake (`FakeKv` in `testing.ts`):
 * idempotent `set`, pre-state captured before mutation, an irreversible `publish`, and the inverse
 * `restore` that compares before it swaps (it puts `value` back only while the key still holds
 * `expected`, what the run left there). On top of the fake: a `fail` action whose change always fails
 * with a transport error, and `log`, the mutations applied, in order.
 *
 * @example
 * ```ts
 * import { makeKv } from "./support/kv.ts"
 * const kv = makeKv({ allowedActions: ["set", "get"] })
 * kv.data.set("a", "0")
 * // register kv.connector; after a run, kv.log holds e.g. ["a=1"]
 * ```
 * @module
 */
import { Effect } from "effect"
import * as Connector from "../../src/Connector.ts"
import * as ConnectorError from "../../src/ConnectorError.ts"
import { FakeKv } from "../../testing.ts"

export interface Kv {
  readonly data: Map<string, string>
  readonly connector: Connector.Connector
  /** Every mutation applied, in order (`key=value`, `key=null` for a removal, `publish key`). */
  readonly log: Array<string>
}

/** A fresh, empty store; `secret` is a secret the connector holds (scrubbed from receipts). */
export const makeKv = (options: { allowedActions: ReadonlyArray<string>; secret?: string; kind?: string }): Kv => {
  const log: Array<string> = []
  const kind = options.kind ?? "kv"
  const fake = FakeKv.make({
    allowedActions: options.allowedActions,
    kind,
    ...(options.secret === undefined ? {} : { secrets: [options.secret] }),
    observe: (call) => {
      if (call.outcome !== "ok") return
      if (call.call === "write") log.push(`${call.key}=${call.value ?? null}`)
      if (call.call === "publish") log.push(`publish ${call.key}`)
    },
    actions: {
      fail: Connector.mutating(() =>
        Effect.succeed({
          alreadyDone: false,
          rollback: { action: "restore", args: { key: "never", value: null, expected: null } },
          apply: Effect.fail(ConnectorError.transport(kind, "fail", "simulated outage"))
        })
      )
    }
  })
  return { data: fake.data, connector: fake.connector, log }
}
