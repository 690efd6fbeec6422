/**
 * Rollback: take the run's lease (refused with `RunInProgress` while the run, or another rollback of it,
 * is live) → load the receipt, or receipt a crashed run from its verified journal chain → verify the
 * signature (refuse if invalid) → refuse BLOCKed runs, rollbacks and runs already rolled back → walk
 * successful, not-already-done actions in reverse → dispatch each recorded inverse through the connector
 * registered under that system key → sign a rollback receipt `rb-<attempt>-<run id>` whose signed
 * `original_run_id` links it to the run. Inverses compare before they swap: a step whose target changed
 * since the run is left alone and reported as a manual step with both states; the other steps still run.
 * A step whose inverse fails for another reason (the system is down) stops the rollback: the steps
 * before it are reported "not attempted", and a retry later picks up where it stopped.
 * Irreversible steps are reported with what to fix by hand, never skipped silently.
 * @module
 */
import { Cause, Clock, Effect, Exit, Option } from "effect"
import * as Audit from "./Audit.ts"
import * as ConnectorError from "../ConnectorError.ts"
import type { Engine } from "../Engine.ts"
import * as EnactError from "../EnactError.ts"
import * as JournalChain from "../store/JournalChain.ts"
import type { ActionResult, Json, ManualStep, Outcome, Receipt, RollbackData } from "../Model.ts"
import { describe } from "../Policy.ts"
import * as Seal from "./Seal.ts"
import type { SignerError } from "../receipt/Signer.ts"
import * as StoreError from "../store/StoreError.ts"

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

/** What rollback would do, without doing it. `fromJournal`: the run crashed and has no receipt yet. */
export interface Plan {
  readonly runId: string
  readonly workflow: string
  readonly steps: ReadonlyArray<PlannedStep>
  readonly fromJournal: boolean
}

export type Error = EnactError.EnactError | StoreError.StoreError | SignerError

const MAX_ATTEMPTS = 20

/**
 * The id of a rollback attempt's receipt: `rb-<attempt>-<run id>`. Unambiguous (the attempt number holds
 * no `-`), and never parsed: attempts are found by building ids and checking the signed `original_run_id`.
 */
export const attemptId = (runId: string, n: number): string => `rb-${n}-${runId}`

const refuse = (runId: string, reason: Exclude<EnactError.Reason["_tag"], "UnknownWorkflow">, message: string) =>
  Effect.fail(EnactError.refuse(reason, runId, message))

const leasedToInProgress = (runId: string) => (e: StoreError.StoreError) =>
  e.reason._tag === "Leased" ? EnactError.refuse("RunInProgress", runId, e.reason.message) : e

/** A crashed run's journal, verified and folded into actions. */
const fromJournal = (engine: Engine, runId: string) =>
  Effect.gen(function*() {
    const entries = yield* engine.journal.read(runId)
    if (Option.isNone(entries)) return Option.none()
    const replay = yield* JournalChain.verify(engine.signer, runId, entries.value)
    const actions: Array<ActionResult> = replay.steps.map((s) =>
      s.outcome ?? {
        action: s.action,
        system: s.system,
        args: s.args,
        success: true,
        output: null,
        rollback_data: s.rollback_data,
        already_done: false,
        error: "Outcome unknown: the process stopped after journaling this action; treated as applied"
      }
    )
    return Option.some({ replay, actions })
  })

/**
 * Writes a signed PARTIAL receipt for a run that only has a journal (its process died mid-run). The
 * caller must hold the run's lease.
 */
const recoverRun = (engine: Engine, runId: string): Effect.Effect<Option.Option<Outcome>, StoreError.StoreError | SignerError> =>
  Effect.gen(function*() {
    const journal = yield* fromJournal(engine, runId)
    if (Option.isNone(journal)) return Option.none()
    if (Option.isSome(yield* engine.store.get(runId))) {
      yield* engine.journal.remove(runId) // a finished run whose cleanup was cut short
      return Option.none()
    }
    const { actions, replay: { begin } } = journal.value
    const outcome = yield* Seal.finish(engine, {
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
    }, undefined, { journaled: true })
    return Option.some(outcome)
  })

/**
 * What `recover` did: runs receipted, journals refused (each left in place), runs still live (skipped),
 * and stored receipts that cannot be trusted (forged, edited, or signed with another key).
 */
export interface RecoverReport {
  readonly recovered: ReadonlyArray<Outcome>
  readonly refused: ReadonlyArray<{ readonly runId: string; readonly reason: string }>
  readonly inProgress: ReadonlyArray<string>
  readonly untrusted: ReadonlyArray<Audit.Untrusted>
}

/** Options of `recover`. */
export interface RecoverOptions {
  /** Also read and verify every stored receipt (one pass over the store). Default true. */
  readonly audit?: boolean | undefined
}

/**
 * Receipts every crashed run left in the journal. Call at start-up. A run whose lease is alive is running
 * (here or in another process) and is skipped. A journal that cannot be trusted (unsigned, edited,
 * reordered, truncated in the middle) is reported in `refused` and left for a human; it does not stop the
 * others. Then every stored receipt is verified (unless `audit: false`) and the ones that cannot be
 * trusted are listed in `untrusted`. Fails only if the journal or store cannot be read, or a receipt
 * cannot be signed or stored.
 */
export const recoverAll = (engine: Engine, options: RecoverOptions = {}): Effect.Effect<RecoverReport, StoreError.StoreError | SignerError> =>
  Effect.gen(function*() {
    const recovered: Array<Outcome> = []
    const refused: Array<{ runId: string; reason: string }> = []
    const inProgress: Array<string> = []
    for (const id of yield* engine.journal.runs()) {
      const result = yield* Effect.scoped(Effect.gen(function*() {
        yield* engine.journal.acquire(id, { takeOver: true })
        return yield* recoverRun(engine, id)
      })).pipe(Effect.result)
      if (result._tag === "Success") {
        if (Option.isSome(result.success)) recovered.push(result.success.value)
        continue
      }
      const e = result.failure
      if (e._tag === "StoreError" && e.reason._tag === "Leased") inProgress.push(id)
      else if (e._tag === "StoreError" && e.reason._tag === "Corrupt") refused.push({ runId: id, reason: e.message })
      else return yield* Effect.fail(e)
    }
    const untrusted = options.audit === false ? [] : yield* Audit.untrustedReceipts(engine)
    return { recovered, refused, inProgress, untrusted }
  })

interface Loaded {
  readonly receipt: Receipt
  readonly attempts: ReadonlyArray<Receipt>
}

const checkReceipt = (engine: Engine, runId: string, receipt: Receipt) =>
  Effect.gen(function*() {
    if (!(yield* engine.verifyStored(receipt))) {
      return yield* refuse(runId, "InvalidSignature", "Refusing to roll back: the receipt's signature does not verify")
    }
    if (receipt.run_id !== runId) return yield* refuse(runId, "InvalidSignature", `The receipt stored as ${runId} is for run ${receipt.run_id}`)
    if (receipt.decision === "BLOCK") return yield* refuse(runId, "Blocked", "Run was BLOCKed: nothing was executed")
    if (receipt.original_run_id !== null) {
      return yield* refuse(runId, "IsRollback", "Refusing to roll back a rollback; run the original workflow again")
    }
  })

/** Earlier rollback attempts, each verified and checked to be linked to `runId` by its signed field. */
const attemptsOf = (engine: Engine, runId: string) =>
  Effect.gen(function*() {
    const attempts: Array<Receipt> = []
    for (let n = 1; n <= MAX_ATTEMPTS; n++) {
      const prior = yield* engine.store.get(attemptId(runId, n))
      if (Option.isNone(prior)) break
      if (!(yield* engine.verifyStored(prior.value))) {
        return yield* refuse(runId, "InvalidSignature", `Earlier rollback receipt ${attemptId(runId, n)} does not verify`)
      }
      if (prior.value.original_run_id !== runId) {
        return yield* refuse(runId, "Corrupt", `Receipt ${attemptId(runId, n)} is not a rollback of ${runId}`)
      }
      if (prior.value.decision === "ROLLED_BACK") {
        return yield* refuse(runId, "AlreadyRolledBack", `Run was already rolled back by ${prior.value.run_id}`)
      }
      attempts.push(prior.value)
    }
    if (attempts.length >= MAX_ATTEMPTS) {
      return yield* refuse(runId, "TooManyAttempts", `Rollback was attempted ${MAX_ATTEMPTS} times; finish it by hand`)
    }
    return attempts
  })

/** Loads and checks the receipt, recovering it from the journal if the run crashed (lease held). */
const load = (engine: Engine, runId: string): Effect.Effect<Loaded, Error> =>
  Effect.gen(function*() {
    let found = yield* engine.store.get(runId)
    if (Option.isNone(found)) {
      const recovered = yield* recoverRun(engine, runId)
      if (Option.isSome(recovered)) found = Option.some(recovered.value.receipt)
    }
    if (Option.isNone(found)) return yield* refuse(runId, "NotFound", `No receipt or journal for run ${runId}`)
    yield* checkReceipt(engine, runId, found.value)
    return { receipt: found.value, attempts: yield* attemptsOf(engine, runId) }
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

const planOf = (actions: ReadonlyArray<ActionResult>, skip: Set<number>): ReadonlyArray<PlannedStep> => {
  const steps: Array<PlannedStep> = []
  for (let i = actions.length - 1; i >= 0; i--) {
    const a = actions[i]!
    // A step that failed after it was journaled may still have taken effect (its answer was lost): it is
    // undone too. Its inverse compares before it swaps, so a change that never landed is left as it is.
    if (a.already_done || skip.has(i)) continue
    const rb: RollbackData | null = a.rollback_data
    if (rb === null) continue // read-only, or refused before it ran: nothing to undo
    steps.push({
      step: i,
      system: a.system,
      action: a.action,
      inverse: rb.action,
      args: rb.args,
      irreversible: rb.irreversible === true,
      manual: rb.irreversible === true
        ? `${a.success ? "" : "The step failed, but may have taken effect. "}${rb.manual ?? `Undo '${a.action}' on '${a.system}' by hand`}`
        : null
    })
  }
  return steps
}

/**
 * Shows what `rollback(runId)` would do, after the same checks, without writing or undoing anything:
 * from the receipt, or for a crashed run from its verified journal (no PARTIAL receipt is written).
 * Refused with `RunInProgress` while the run's lease is alive.
 */
export const plan = (engine: Engine, runId: string): Effect.Effect<Plan, Error> =>
  Effect.gen(function*() {
    if (!StoreError.isValidRunId(runId)) return yield* refuse(String(runId).slice(0, 80), "InvalidRequest", StoreError.invalidRunId(runId).reason.message)
    if ((yield* engine.journal.leaseState(runId)) === "alive") {
      return yield* refuse(runId, "RunInProgress", `Run ${runId} is running or being rolled back; plan it once it has finished`)
    }
    const found = yield* engine.store.get(runId)
    if (Option.isSome(found)) {
      yield* checkReceipt(engine, runId, found.value)
      const attempts = yield* attemptsOf(engine, runId)
      return { runId, workflow: found.value.workflow, steps: planOf(found.value.actions_taken, stepsDoneBefore(attempts)), fromJournal: false }
    }
    const journal = yield* fromJournal(engine, runId).pipe(
      Effect.catchIf((e) => e.reason._tag === "Corrupt", (e) => refuse(runId, "Corrupt", e.message))
    )
    if (Option.isNone(journal)) return yield* refuse(runId, "NotFound", `No receipt or journal for run ${runId}`)
    const { actions, replay } = journal.value
    return { runId, workflow: replay.begin.workflow, steps: planOf(actions, new Set()), fromJournal: true }
  })

/** Options for `rollback`. */
export interface RollbackOptions {
  /** Who asks for the rollback (defaults to the original run's user). */
  readonly user?: string | undefined
}

/** Rolls a run back. See the module doc for the checks. */
export const rollback = (engine: Engine, runId: string, options: RollbackOptions = {}): Effect.Effect<Outcome, Error> =>
  Effect.gen(function*() {
    if (!StoreError.isValidRunId(runId)) return yield* refuse(String(runId).slice(0, 80), "InvalidRequest", StoreError.invalidRunId(runId).reason.message)
    yield* engine.journal.acquire(runId, { takeOver: true }).pipe(Effect.mapError(leasedToInProgress(runId)))
    const loaded = yield* load(engine, runId).pipe(
      Effect.catchIf(
        (e): e is StoreError.StoreError => e._tag === "StoreError" && e.reason._tag === "Corrupt",
        (e) => refuse(runId, "Corrupt", e.message)
      )
    )
    return yield* undo(engine, runId, loaded, options)
  }).pipe(Effect.scoped, Effect.uninterruptible)

const undo = (engine: Engine, runId: string, loaded: Loaded, options: RollbackOptions): Effect.Effect<Outcome, Error> =>
  Effect.gen(function*() {
    const { attempts, receipt } = loaded
    const reversed: Array<ActionResult> = []
    const manual: Array<ManualStep> = []
    let stopped: string | null = null
    for (const s of planOf(receipt.actions_taken, stepsDoneBefore(attempts))) {
      const original = receipt.actions_taken[s.step]!
      const pending = (reason: string, changed?: ManualStep["changed"]) =>
        manual.push({ action: s.action, system: s.system, reason, rollback_data: original.rollback_data, ...(changed === undefined ? {} : { changed }) })
      if (stopped !== null) {
        pending(`Not attempted: ${stopped}`)
        continue
      }
      if (s.irreversible) {
        pending(s.manual ?? "Irreversible")
        continue
      }
      const def = engine.systems.get(s.system)
      const inverse = def !== undefined && Object.hasOwn(def.inverses, s.inverse) ? def.inverses[s.inverse] : undefined
      if (inverse === undefined) {
        stopped = `no connector registered as '${s.system}' offers the inverse '${s.inverse}'`
        pending(`Cannot undo: ${stopped}`)
        continue
      }
      const exit = yield* Effect.exit(Effect.suspend(() => inverse(s.args)).pipe(
        Effect.catchDefect((d) => Effect.fail(ConnectorError.transport(s.system, s.inverse, `The connector failed: ${describe(d)}`)))
      ))
      if (Exit.isSuccess(exit)) {
        reversed.push({
          action: s.inverse,
          system: s.system,
          args: s.args,
          success: true,
          output: { reversed_step: s.step, result: engine.scrub.value(exit.value) },
          rollback_data: null,
          already_done: false
        })
        continue
      }
      const squashed = Cause.squash(exit.cause)
      const err = squashed instanceof ConnectorError.ConnectorError ? ConnectorError.locate(squashed, s.system, s.inverse) : squashed
      const message = engine.scrub.text(describe(err))
      reversed.push({
        action: s.inverse,
        system: s.system,
        args: s.args,
        success: false,
        output: { reversed_step: s.step },
        rollback_data: null,
        already_done: false,
        error: message
      })
      if (err instanceof ConnectorError.ConnectorError && err.reason._tag === "Changed") {
        // Someone changed this target after the run: it is left alone, and the other steps still run.
        pending(`Changed since the run: ${message}. Left as it is; undo by hand if still wanted`, {
          expected: engine.scrub.value(err.reason.expected),
          current: engine.scrub.value(err.reason.current)
        })
      } else {
        stopped = `undoing step ${s.step} (${s.action}) failed: ${message}`
        pending(`Undo failed: ${message}`)
      }
    }
    const complete = manual.length === 0
    const ms = yield* Clock.currentTimeMillis
    return yield* Seal.finish(engine, {
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
    })
  })
