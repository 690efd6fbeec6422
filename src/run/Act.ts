/**
 * `ctx.act`: how a workflow runs one connector action. The call is snapshotted once; the action must be
 * on the instance's allowlist; `prepare` captures the pre-state; for a mutating action the run's lease is
 * taken (once) and the intent with its rollback data is appended to the signed journal chain before
 * `apply` runs, and the outcome after. Every call, refused or not, lands in the receipt's
 * `actions_taken` with its arguments. Connector secrets and the credentials policies found are taken
 * out of what is recorded and of the errors handed back. Once the run has finished, `act` runs nothing.
 *
 * @example
 * ```ts
 * import * as Act from "./Act.ts"
 * declare const engine: import("../Engine.ts").Engine
 * declare const run: Act.RunState
 * const act = Act.make(engine, run) // what the workflow gets as ctx.act
 * ```
 * @module
 */
import { Cause, Effect, Latch, Schema, Scope, Semaphore } from "effect"
import type { ActionCall, Prepared } from "../Connector.ts"
import * as ConnectorError from "../ConnectorError.ts"
import type { Engine } from "../Engine.ts"
import type { Body, Lease } from "../store/Journal.ts"
import * as JournalChain from "../store/JournalChain.ts"
import { type ActionResult, type Json, RollbackData } from "../Model.ts"
import { describe } from "../Policy.ts"
import { readCall } from "./Reads.ts"
import * as Redact from "../receipt/Redact.ts"
import type { Base } from "./Seal.ts"
import * as Snapshot from "../Snapshot.ts"
import * as StoreError from "../store/StoreError.ts"

/** The mutable state of one run while its workflow executes. Owned by the engine. */
export interface RunState {
  readonly base: Base
  /** Actions in call order; a slot is reserved when a call starts. */
  readonly actions: Array<ActionResult | undefined>
  readonly cursor: JournalChain.Cursor
  journaled: boolean
  lease: Lease | undefined
  /** Lives as long as the run: holds its lease. */
  readonly scope: Scope.Scope
  /** Strings policies found in the request (credentials), kept out of the journal and receipt. */
  readonly redact: ReadonlyArray<string>
  closed: boolean
  inFlight: number
  /** Open while no call is in flight. */
  readonly idle: Latch.Latch
  /** One journal writer at a time: the chain must stay in order. */
  readonly writing: Semaphore.Semaphore
}

/** A fresh run state. */
export const makeState = (base: Base, scope: Scope.Scope, redact: ReadonlyArray<string>, lease?: Lease): RunState => ({
  base,
  actions: [],
  cursor: JournalChain.start(),
  journaled: false,
  lease,
  scope,
  redact,
  closed: false,
  inFlight: 0,
  idle: Latch.makeUnsafe(true),
  writing: Semaphore.makeUnsafe(1)
})

/** Stops `act` from running anything new, then waits for calls still in flight. */
export const close = (run: RunState): Effect.Effect<void> =>
  Effect.suspend(() => {
    run.closed = true
    return run.idle.await
  })

/** The recorded actions, in order. */
export const recorded = (run: RunState): ReadonlyArray<ActionResult> =>
  run.actions.filter((a): a is ActionResult => a !== undefined)

/**
 * Rollback data that held a secret (a connector's, or a credential a policy found in the request) cannot
 * be stored as it is, so it cannot be replayed: it becomes a manual step instead of restoring a placeholder.
 */
const protectRollback = (rb: RollbackData | null, hide: <A>(value: A) => A): RollbackData | null => {
  if (rb === null) return rb
  const clean = hide(rb)
  return clean === rb ? rb : {
    action: rb.action,
    args: clean.args,
    irreversible: true,
    manual: `The pre-state needed to undo this step held a secret, which receipts and journals never store; ` +
      `restore it by hand (inverse: ${rb.action})`
  }
}

const isRollbackData = Schema.is(RollbackData)

/** Reads a connector's plan once; `undefined` fields mean it returned something that is not a plan. */
const readPlan = (
  prepared: unknown,
  limits: Snapshot.Limits
): { readonly ok: true; readonly plan: Prepared } | { readonly ok: false; readonly why: string } => {
  try {
    const p = prepared as Prepared
    const alreadyDone: unknown = p.alreadyDone
    const rollback: unknown = p.rollback
    const apply: unknown = p.apply
    const settle: unknown = p.settle
    if (typeof alreadyDone !== "boolean" || !Effect.isEffect(apply)) return { ok: false, why: "it returned an invalid plan" }
    if (settle !== undefined && typeof settle !== "function") return { ok: false, why: "its plan's settle is not a function" }
    let rb: RollbackData | null = null
    if (rollback !== null) {
      const taken = Snapshot.take(rollback, "rollback", limits)
      if (!taken.ok || !isRollbackData(taken.value)) return { ok: false, why: "its rollback data is not plain JSON rollback data" }
      rb = taken.value
    }
    return {
      ok: true,
      plan: { alreadyDone, rollback: rb, apply: apply as Prepared["apply"], settle: settle as Prepared["settle"] }
    }
  } catch (e) {
    return { ok: false, why: `its plan could not be read: ${describe(e)}` }
  }
}

/** Builds `ctx.act` for one run. */
export const make = (engine: Engine, run: RunState) => {
  const { base } = run
  const found = run.redact.length === 0 ? undefined : Redact.makeFoundRedactor(run.redact)
  const hideValue = <A>(value: A): A => {
    const clean = engine.scrub.value(value)
    return found === undefined ? clean : found.value(clean)
  }
  const hideError = (e: ConnectorError.ConnectorError) => ConnectorError.mapText(e, hideValue)
  const signerIo = Effect.mapError((e: { readonly message: string }) => StoreError.io(`Cannot sign journal entry: ${e.message}`))

  /** Appends entries to the run's journal chain, taking the run's lease first if it has none. */
  const journal = (bodies: ReadonlyArray<Body>): Effect.Effect<void, StoreError.StoreError> =>
    run.writing.withPermit(Effect.gen(function*() {
      if (run.lease === undefined) {
        run.lease = yield* Scope.provide(run.scope)(engine.journal.acquire(base.runId, { takeOver: false }))
      }
      yield* run.lease.check
      const all: Array<Body> = run.journaled ? [] : [{
        type: "begin",
        run_id: base.runId,
        workflow: base.workflow,
        user_email: base.user,
        user_attributes: base.userAttributes,
        payload: base.payload,
        timestamp: base.timestamp
      }]
      all.push(...bodies)
      // The chain moves on only once the entries are durable: a failed append leaves no gap behind it.
      const next = { ...run.cursor }
      const entries = yield* signerIo(JournalChain.seal(engine.signer, base.runId, next, hideValue(all)))
      yield* engine.journal.append(base.runId, entries)
      run.cursor.seq = next.seq
      run.cursor.prev = next.prev
      run.journaled = true
    }))

  const step = (system: unknown, call: unknown): Effect.Effect<ActionResult, ConnectorError.ConnectorError | StoreError.StoreError> => {
    const sys = typeof system === "string" ? system : "(unknown)"
    const parsed = readCall(call, engine.limits)
    const action = parsed.action
    const args: Json = parsed.ok ? parsed.args : null
    const index = run.actions.length
    run.actions.push(undefined)
    const record = (r: Omit<ActionResult, "action" | "system" | "args">): ActionResult => {
      const clean = Snapshot.freezeDeep(hideValue({ action, system: sys, args, ...r }))
      run.actions[index] = clean
      return clean
    }
    const failWith = (e: ConnectorError.ConnectorError | StoreError.StoreError, rollback: RollbackData | null) => {
      const shown = e._tag === "ConnectorError" ? hideError(e) : e
      record({ success: false, output: null, rollback_data: rollback, already_done: false, error: shown.message })
      return Effect.fail(shown)
    }
    const defect = (d: unknown) => Effect.fail(ConnectorError.transport(sys, action, `The connector failed: ${describe(d)}`))
    const asConnectorError = (cause: Cause.Cause<unknown>) => {
      const e = Cause.squash(cause)
      return e instanceof ConnectorError.ConnectorError ? ConnectorError.locate(e, sys, action) : ConnectorError.transport(sys, action, describe(e))
    }
    const output = (value: unknown): { readonly output: Json; readonly note?: string } => {
      const taken = Snapshot.take(value, "output", engine.limits)
      return taken.ok ? { output: taken.value } : { output: null, note: `Output not recorded: ${Snapshot.describe(taken)}` }
    }
    const succeeded = (out: { readonly output: Json; readonly note?: string }, rb: RollbackData | null, alreadyDone: boolean) =>
      record(out.note === undefined
        ? { success: true, output: out.output, rollback_data: rb, already_done: alreadyDone }
        : { success: true, output: out.output, rollback_data: rb, already_done: alreadyDone, error: out.note })

    /** From the journaled intent to the recorded outcome: runs to the end once started. */
    const commit = (plan: Prepared, rollback: RollbackData | null) =>
      Effect.gen(function*() {
        const intent = yield* Effect.exit(journal([{ type: "intent", step: index, system: sys, action, args, rollback_data: rollback }]))
        if (intent._tag === "Failure") return yield* failWith(Cause.squash(intent.cause) as StoreError.StoreError, null)
        const fenced = yield* Effect.exit(run.lease!.check)
        if (fenced._tag === "Failure") return yield* failWith(Cause.squash(fenced.cause) as StoreError.StoreError, rollback)
        const done = yield* Effect.exit(Effect.suspend(() => plan.apply).pipe(Effect.catchDefect(defect)))
        if (done._tag === "Failure") {
          const e = hideError(asConnectorError(done.cause))
          const r = record({ success: false, output: null, rollback_data: rollback, already_done: false, error: e.message })
          // If this write fails too, the journaled intent alone makes recovery treat the step as possibly
          // applied, which is the safe reading (inverses compare before they swap).
          yield* Effect.ignore(journal([{ type: "outcome", step: index, result: r }]))
          return yield* Effect.fail(e)
        }
        let final = rollback
        if (plan.settle !== undefined) {
          const settled = settleRollback(plan.settle, done.value, engine.limits)
          final = settled.ok ? protectRollback(settled.rollback, hideValue) : rollback
        }
        const r = succeeded(output(done.value), final, false)
        yield* journal([{ type: "outcome", step: index, result: r }])
        return r
      })

    return Effect.gen(function*() {
      if (!parsed.ok) return yield* failWith(ConnectorError.invalidArgs(sys, action, parsed.message), null)
      const def = engine.systems.get(sys)
      if (def === undefined) {
        const known = [...engine.systems.keys()].join(", ") || "none"
        return yield* failWith(ConnectorError.unknownSystem(sys, action, `No system registered as '${sys}' (registered: ${known})`), null)
      }
      if (!def.allowed.has(action)) return yield* failWith(ConnectorError.notAllowed(sys, action), null)
      const actionDef = Object.hasOwn(def.actions, action) ? def.actions[action] : undefined
      if (actionDef === undefined) return yield* failWith(ConnectorError.unknownAction(sys, action, "No such action"), null)
      const prepared = yield* Effect.exit(Effect.suspend(() => actionDef.prepare(args)).pipe(Effect.catchDefect(defect)))
      if (prepared._tag === "Failure") return yield* failWith(asConnectorError(prepared.cause), null)
      const read = readPlan(prepared.value, engine.limits)
      if (!read.ok) return yield* failWith(ConnectorError.transport(sys, action, `The connector failed: ${read.why}`), null)
      const plan = read.plan
      if (plan.alreadyDone || !actionDef.mutating) {
        const done = yield* Effect.exit(Effect.suspend(() => plan.apply).pipe(Effect.catchDefect(defect)))
        if (done._tag === "Failure") return yield* failWith(asConnectorError(done.cause), null)
        return succeeded(output(done.value), null, plan.alreadyDone)
      }
      return yield* Effect.uninterruptible(commit(plan, protectRollback(plan.rollback, hideValue)))
    }).pipe(
      // Interrupted before it committed to anything: recorded as such, never dropped from the receipt.
      Effect.onInterrupt(() =>
        Effect.sync(() => {
          if (run.actions[index] === undefined) {
            record({ success: false, output: null, rollback_data: null, already_done: false, error: "Interrupted before it changed anything" })
          }
        })
      )
    )
  }

  return (system: string, call: ActionCall): Effect.Effect<ActionResult, ConnectorError.ConnectorError | StoreError.StoreError> =>
    Effect.suspend(() => {
      if (run.closed) {
        return Effect.fail(ConnectorError.notAllowed(
          typeof system === "string" ? system : "(unknown)",
          "(any)",
          `Run ${base.runId} has finished; act runs nothing after its receipt is sealed`
        ))
      }
      run.inFlight++
      run.idle.closeUnsafe()
      return Effect.ensuring(
        step(system, call),
        Effect.sync(() => {
          if (--run.inFlight === 0) run.idle.openUnsafe()
        })
      )
    })
}

/** Runs a connector's `settle` on the output; its result must be rollback data or null. */
const settleRollback = (
  settle: (output: Json) => RollbackData | null,
  output: unknown,
  limits: Snapshot.Limits
): { readonly ok: true; readonly rollback: RollbackData | null } | { readonly ok: false } => {
  try {
    const value = settle(output as Json)
    if (value === null) return { ok: true, rollback: null }
    const taken = Snapshot.take(value, "rollback", limits)
    return taken.ok && isRollbackData(taken.value) ? { ok: true, rollback: taken.value } : { ok: false }
  } catch {
    return { ok: false }
  }
}
