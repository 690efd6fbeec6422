/**
 * The narrow paths policies use to look at the world before anything executes:
 * - `read(system, call)`: a read-only action that the connector instance allows, with snapshotted
 *   arguments; recorded in the receipt's `policy_reads` with its output or error. Mutating, disallowed or
 *   unknown actions fail with `NotAllowed`/`UnknownAction` and run nothing. Reads are refused once the
 *   gate has finished (a policy cannot keep a reader for later).
 * - `history(filter)`: earlier receipts from the store, keeping only those whose signature verifies.
 *
 * @example
 * ```ts
 * import * as Reads from "./Reads.ts"
 * declare const engine: import("../Engine.ts").Engine
 * const reader = Reads.make(engine, "run-1")
 * // reader.read is what policies get as ctx.read; reader.reads lists what they read
 * ```
 * @module
 */
import { Cause, Effect, Latch } from "effect"
import type { ActionCall } from "../Connector.ts"
import * as ConnectorError from "../ConnectorError.ts"
import type { Engine } from "../Engine.ts"
import type { Json, PolicyRead, Receipt } from "../Model.ts"
import type { Policy } from "../Policy.ts"
import * as Policy_ from "../Policy.ts"
import type { ListFilter } from "../store/ReceiptStore.ts"
import * as Snapshot from "../Snapshot.ts"
import type { StoreError } from "../store/StoreError.ts"

/** One run's reader: the functions policies get, and the log of what they read. */
export interface Reader {
  readonly read: (system: string, call: ActionCall) => Effect.Effect<Json, ConnectorError.ConnectorError>
  readonly history: (filter?: ListFilter) => Effect.Effect<ReadonlyArray<Receipt>, StoreError>
  /** Attributes the next reads to this policy (the gate calls it before each check). */
  readonly attribute: (policy: Policy) => void
  /** Refuses every later read, then waits for reads still in flight (they are recorded too). */
  readonly close: Effect.Effect<void>
  readonly reads: ReadonlyArray<PolicyRead>
}

/** Reads the action name and arguments of a call exactly once. */
export const readCall = (
  call: unknown,
  limits: Snapshot.Limits
): { readonly ok: true; readonly action: string; readonly args: Json } | { readonly ok: false; readonly action: string; readonly message: string } => {
  let action: unknown
  let args: unknown
  try {
    action = (call as ActionCall).action
    args = (call as ActionCall).args
  } catch (e) {
    return { ok: false, action: "(unknown)", message: `The call could not be read: ${Policy_.describe(e)}` }
  }
  if (typeof action !== "string" || action.length === 0 || action.length > 128) {
    return { ok: false, action: "(unknown)", message: "The call names no action (expected { action: string, args })" }
  }
  const taken = Snapshot.take(args, "args", limits)
  if (!taken.ok) return { ok: false, action, message: `Invalid arguments: ${Snapshot.describe(taken)}` }
  return { ok: true, action, args: taken.value }
}

/** Builds the reader of one run. */
export const make = (engine: Engine, runId: string): Reader => {
  const reads: Array<PolicyRead> = []
  let current = "(unknown)"
  let closed = false
  let inFlight = 0
  const idle = Latch.makeUnsafe(true)
  const hide = (e: ConnectorError.ConnectorError) => ConnectorError.mapText(e, engine.scrub.value)
  const readOnce = (system: string, call: ActionCall): Effect.Effect<Json, ConnectorError.ConnectorError> =>
    Effect.gen(function*() {
      const policy = current
      const sys = typeof system === "string" ? system : "(unknown)"
      const parsed = readCall(call, engine.limits)
      const action = parsed.action
      const args: Json = parsed.ok ? parsed.args : null
      const log = (success: boolean, output: Json, error?: string) => {
        reads.push(engine.scrub.value(
          error === undefined
            ? { policy, system: sys, action, args, success, output }
            : { policy, system: sys, action, args, success, output, error }
        ))
      }
      const refuse = (e: ConnectorError.ConnectorError) => {
        log(false, null, e.message)
        return Effect.fail(hide(e))
      }
      if (!parsed.ok) return yield* refuse(ConnectorError.invalidArgs(sys, action, parsed.message))
      const def = engine.systems.get(sys)
      if (def === undefined) return yield* refuse(ConnectorError.unknownSystem(sys, action, `No system registered as '${sys}'`))
      const actionDef = Object.hasOwn(def.actions, action) ? def.actions[action] : undefined
      if (actionDef === undefined) return yield* refuse(ConnectorError.unknownAction(sys, action, "No such action"))
      if (!def.allowed.has(action)) return yield* refuse(ConnectorError.notAllowed(sys, action))
      if (actionDef.mutating) {
        return yield* refuse(ConnectorError.notAllowed(sys, action, `'${action}' changes '${sys}'; policies may only read`))
      }
      const exit = yield* Effect.exit(Effect.suspend(() => actionDef.prepare(args)).pipe(
        Effect.flatMap((prepared) => prepared.apply),
        Effect.catchDefect((d) => Effect.fail(ConnectorError.transport(sys, action, `The connector failed: ${Policy_.describe(d)}`)))
      ))
      if (exit._tag === "Failure") {
        const error = Cause.squash(exit.cause)
        return yield* refuse(
          error instanceof ConnectorError.ConnectorError ? ConnectorError.locate(error, sys, action) : ConnectorError.transport(sys, action, Policy_.describe(error))
        )
      }
      const taken = Snapshot.take(exit.value, "output", engine.limits)
      if (!taken.ok) return yield* refuse(ConnectorError.transport(sys, action, `The connector returned ${Snapshot.describe(taken)}`))
      log(true, taken.value)
      return taken.value
    })
  const read = (system: string, call: ActionCall): Effect.Effect<Json, ConnectorError.ConnectorError> =>
    Effect.suspend(() => {
      if (closed) {
        return Effect.fail(ConnectorError.notAllowed(typeof system === "string" ? system : "(unknown)", "(any)", "The policy gate has finished; reads are closed"))
      }
      inFlight++
      idle.closeUnsafe()
      return Effect.ensuring(
        readOnce(system, call),
        Effect.sync(() => {
          if (--inFlight === 0) idle.openUnsafe()
        })
      )
    })
  const history = (filter: ListFilter = {}): Effect.Effect<ReadonlyArray<Receipt>, StoreError> =>
    Effect.flatMap(engine.store.list(filter), (receipts) =>
      Effect.map(
        Effect.forEach(receipts, (r) => Effect.map(engine.verifyStored(r), (ok) => (ok && r.run_id !== runId ? [r] : []))),
        (kept) => kept.flat()
      ))
  return {
    read,
    history,
    attribute: (policy) => {
      current = policy.name
    },
    close: Effect.suspend(() => {
      closed = true
      return idle.await
    }),
    reads
  }
}
