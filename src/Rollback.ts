/**
 * Rollback: load the receipt → verify its signature (refuse if invalid) → refuse BLOCKed runs, rollbacks
 * and runs already rolled back → walk successful, not-already-done actions in reverse → dispatch each
 * recorded inverse through the connector registered under that system key → sign a rollback receipt
 * linking the original. Irreversible steps are reported with what to fix by hand, never skipped silently.
 * Runs whose process died mid-way are first receipted from the write-ahead journal (decision PARTIAL).
 * @module
 */
import { Cause, Clock, Effect, Exit, Option } from "effect"
import type { Engine } from "./Engine.ts"
import { RollbackError } from "./EnactError.ts"
import * as Journal from "./Journal.ts"
import type { ActionResult, Json, ManualStep, Outcome, Receipt, RollbackData } from "./Model.ts"
import { verifyWith } from "./Receipt.ts"
import { finish } from "./Run.ts"
import type { SignerError } from "./Signer.ts"
import * as StoreError from "./StoreError.ts"

/** One step of a rollback plan, in the order it would run (last action first). */
export interface PlannedStep {
  /** Index of the original action in the receipt's `actions_taken`. */
  readonly step: number
  readonly system: string
  readonly action: string
  readonly inverse: string
  readonly args: Json
  /** True when rollback cannot undo this step; `manual` says what to do by hand. */
  readonly irreversible: boolean
  readonly manual: string | null
}

/** What rollback would do, without doing it. */
export interface Plan {
  readonly runId: string
  readonly workflow: string
  readonly steps: ReadonlyArray<PlannedStep>
}

export type Error = RollbackError | StoreError.StoreError | SignerError

const MAX_ATTEMPTS = 20
const attemptId = (runId: string, n: number): string => (n === 1 ? `rb-${runId}` : `rb-${runId}-${n}`)

const refuse = (runId: string, reason: RollbackError["reason"], message: string) =>
  Effect.fail(new RollbackError({ runId, reason, message }))

/** Writes a signed PARTIAL receipt for a run that only has a journal (its process died mid-run). */
export const recoverRun = (engine: Engine, runId: string): Effect.Effect<Option.Option<Outcome>, StoreError.StoreError | SignerError> =>
  Effect.gen(function*() {
    const entries = yield* engine.journal.read(runId)
    if (Option.isNone(entries)) return Option.none()
    const existing = yield* engine.store.get(runId)
    if (Option.isSome(existing)) {
      yield* engine.journal.remove(runId)
      return Option.none()
    }
    const bad = yield* Effect.promise(() => Journal.firstUnverified(engine.signer, runId, entries.value))
    if (bad !== -1) {
      return yield* StoreError.corrupt(
        `Journal of ${runId}: entry ${bad} is not signed by this signer; refusing to receipt or undo it`
      )
    }
    const { begin, steps } = Journal.replay(entries.value)
    if (begin === undefined) return yield* StoreError.corrupt(`Journal of ${runId} has no begin record`)
    const actions: Array<ActionResult> = steps.map((s) =>
      s.outcome ?? {
        action: s.action,
        system: s.system,
        success: true,
        output: null,
        rollback_data: s.rollback_data,
        already_done: false,
        error: "Outcome unknown: the process stopped after journaling this action; treated as applied"
      }
    )
    const outcome = yield* finish(engine, {
      runId,
      workflow: begin.workflow,
      user: begin.user_email,
      userAttributes: begin.user_attributes,
      payload: begin.payload,
      timestamp: begin.timestamp
    }, {
      policyResults: [],
      decision: "PARTIAL",
      reason: "Process stopped mid-run; receipt recovered from the write-ahead journal",
      actions
    }, undefined, true)
    return Option.some(outcome)
  })

/** What `recover` did: the runs it receipted, and the journals it refused (each left in place). */
export interface RecoverReport {
  readonly recovered: ReadonlyArray<Outcome>
  readonly refused: ReadonlyArray<{ readonly runId: string; readonly reason: string }>
}

/**
 * Receipts every crashed run left in the journal. Call at start-up. A journal that cannot be trusted or
 * read (unsigned, edited, torn before its first record) is reported in `refused` and left for a human;
 * it does not stop the others from being recovered. Fails only if the journal cannot be listed, or a
 * receipt cannot be signed or stored.
 */
export const recoverAll = (engine: Engine): Effect.Effect<RecoverReport, StoreError.StoreError | SignerError> =>
  Effect.flatMap(engine.journal.runs(), (ids) =>
    Effect.map(
      Effect.forEach(ids, (id) =>
        recoverRun(engine, id).pipe(
          Effect.map((o) => ({ id, outcome: o, refused: null as string | null })),
          Effect.catchIf(
            (e): e is StoreError.StoreError => e._tag === "StoreError" && e.reason._tag === "Corrupt",
            (e) => Effect.succeed({ id, outcome: Option.none<Outcome>(), refused: e.message as string | null })
          )
        ), { concurrency: 1 }),
      (results) => ({
        recovered: results.flatMap((r) => (Option.isSome(r.outcome) ? [r.outcome.value] : [])),
        refused: results.flatMap((r) => (r.refused === null ? [] : [{ runId: r.id, reason: r.refused }]))
      })
    ))

interface Loaded {
  readonly receipt: Receipt
  readonly attempts: ReadonlyArray<Receipt>
}

const load = (engine: Engine, runId: string): Effect.Effect<Loaded, Error> =>
  Effect.gen(function*() {
    if (!StoreError.isValidRunId(runId)) return yield* StoreError.invalidRunId(runId)
    let found = yield* engine.store.get(runId)
    if (Option.isNone(found)) {
      const recovered = yield* recoverRun(engine, runId)
      if (Option.isSome(recovered)) found = Option.some(recovered.value.receipt)
    }
    if (Option.isNone(found)) return yield* refuse(runId, "NotFound", `No receipt or journal for run ${runId}`)
    const receipt = found.value
    const check = yield* Effect.promise(() => verifyWith(engine.signer, receipt, engine.hasher))
    if (!check.valid) return yield* refuse(runId, "InvalidSignature", `Refusing to roll back: ${check.reason}`)
    if (receipt.decision === "BLOCK") return yield* refuse(runId, "Blocked", "Run was BLOCKed: nothing was executed")
    if (receipt.original_run_id !== null) {
      return yield* refuse(runId, "IsRollback", "Refusing to roll back a rollback; run the original workflow again")
    }
    const attempts: Array<Receipt> = []
    for (let n = 1; n <= MAX_ATTEMPTS; n++) {
      const prior = yield* engine.store.get(attemptId(runId, n))
      if (Option.isNone(prior)) break
      const ok = yield* Effect.promise(() => verifyWith(engine.signer, prior.value, engine.hasher))
      if (!ok.valid) return yield* refuse(runId, "InvalidSignature", `Earlier rollback receipt is invalid: ${ok.reason}`)
      if (prior.value.decision === "ROLLED_BACK") {
        return yield* refuse(runId, "AlreadyRolledBack", `Run was already rolled back by ${prior.value.run_id}`)
      }
      attempts.push(prior.value)
    }
    if (attempts.length >= MAX_ATTEMPTS) {
      return yield* refuse(runId, "TooManyAttempts", `Rollback was attempted ${MAX_ATTEMPTS} times; finish it by hand`)
    }
    return { receipt, attempts }
  })

const stepsDoneBefore = (attempts: ReadonlyArray<Receipt>): Set<number> => {
  const done = new Set<number>()
  for (const a of attempts) {
    for (const r of a.actions_taken) {
      const o = r.output
      if (!r.success || typeof o !== "object" || o === null || Array.isArray(o)) continue
      const step = (o as { readonly reversed_step?: unknown }).reversed_step
      if (typeof step === "number") done.add(step)
    }
  }
  return done
}

const planOf = (receipt: Receipt, skip: Set<number>): ReadonlyArray<PlannedStep> => {
  const steps: Array<PlannedStep> = []
  for (let i = receipt.actions_taken.length - 1; i >= 0; i--) {
    const a = receipt.actions_taken[i]!
    if (!a.success || a.already_done || skip.has(i)) continue
    const rb: RollbackData | null = a.rollback_data
    if (rb === null) continue // read-only action: nothing to undo
    steps.push({
      step: i,
      system: a.system,
      action: a.action,
      inverse: rb.action,
      args: rb.args,
      irreversible: rb.irreversible === true,
      manual: rb.irreversible === true ? rb.manual ?? `Undo '${a.action}' on '${a.system}' by hand` : null
    })
  }
  return steps
}

/** Shows what `rollback(runId)` would do, after the same checks, without doing anything. */
export const plan = (engine: Engine, runId: string): Effect.Effect<Plan, Error> =>
  Effect.map(load(engine, runId), ({ attempts, receipt }) => ({
    runId,
    workflow: receipt.workflow,
    steps: planOf(receipt, stepsDoneBefore(attempts))
  }))

/** Options for `rollback`. */
export interface RollbackOptions {
  /** Who asks for the rollback (defaults to the original run's user). */
  readonly user?: string | undefined
}

/** Rolls a run back. See the module doc for the checks. */
export const rollback = (engine: Engine, runId: string, options: RollbackOptions = {}): Effect.Effect<Outcome, Error> =>
  Effect.suspend(() => {
    if (engine.rollingBack.has(runId)) return refuse(runId, "InProgress", "A rollback of this run is already running")
    engine.rollingBack.add(runId)
    return Effect.ensuring(execute(engine, runId, options), Effect.sync(() => engine.rollingBack.delete(runId)))
  })

const execute = (engine: Engine, runId: string, options: RollbackOptions): Effect.Effect<Outcome, Error> =>
  Effect.gen(function*() {
    const { attempts, receipt } = yield* load(engine, runId)
    const steps = planOf(receipt, stepsDoneBefore(attempts))
    const reversed: Array<ActionResult> = []
    const manual: Array<ManualStep> = []
    let stopped: string | null = null
    for (const s of steps) {
      const original = receipt.actions_taken[s.step]!
      if (stopped !== null) {
        manual.push({ action: s.action, system: s.system, reason: `Not attempted: ${stopped}`, rollback_data: original.rollback_data })
        continue
      }
      if (s.irreversible) {
        manual.push({ action: s.action, system: s.system, reason: s.manual ?? "Irreversible", rollback_data: original.rollback_data })
        continue
      }
      const connector = Object.hasOwn(engine.systems, s.system) ? engine.systems[s.system] : undefined
      const inverse = connector !== undefined && Object.hasOwn(connector.inverses, s.inverse)
        ? connector.inverses[s.inverse]
        : undefined
      if (inverse === undefined) {
        stopped = `no connector registered as '${s.system}' offers the inverse '${s.inverse}'`
        manual.push({ action: s.action, system: s.system, reason: `Cannot undo: ${stopped}`, rollback_data: original.rollback_data })
        continue
      }
      const exit = yield* Effect.exit(Effect.suspend(() => inverse(s.args)))
      if (Exit.isSuccess(exit)) {
        reversed.push({
          action: s.inverse,
          system: s.system,
          success: true,
          output: { reversed_step: s.step, result: exit.value },
          rollback_data: null,
          already_done: false
        })
      } else {
        const err = Cause.squash(exit.cause)
        const message = err instanceof Error ? err.message : String(err)
        reversed.push({
          action: s.inverse,
          system: s.system,
          success: false,
          output: { reversed_step: s.step },
          rollback_data: null,
          already_done: false,
          error: message
        })
        stopped = `undoing step ${s.step} (${s.action}) failed: ${message}`
        manual.push({ action: s.action, system: s.system, reason: `Undo failed: ${message}`, rollback_data: original.rollback_data })
      }
    }
    const complete = manual.length === 0
    const ms = yield* Clock.currentTimeMillis
    return yield* finish(engine, {
      runId: attemptId(runId, attempts.length + 1),
      workflow: receipt.workflow,
      user: options.user ?? receipt.user_email,
      userAttributes: {},
      payload: { original_run_id: runId },
      timestamp: new Date(ms).toISOString()
    }, {
      policyResults: [],
      decision: complete ? "ROLLED_BACK" : "ROLLBACK_PARTIAL",
      reason: complete ? null : `${manual.length} step(s) need manual attention`,
      actions: reversed,
      manualSteps: manual,
      originalRunId: runId
    }, undefined, false)
  }).pipe(Effect.uninterruptible)
