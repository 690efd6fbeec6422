/**
 * The run loop: validate the request, decode the payload, run every policy, execute the workflow through
 * allowlisted connector actions with a write-ahead journal, then sign and durably store the receipt.
 * @module
 */
import { Cause, Clock, Effect, Exit, Schema } from "effect"
import * as Canonical from "./Canonical.ts"
import type { ActionCall } from "./Connector.ts"
import * as ConnectorError from "./ConnectorError.ts"
import type { Engine } from "./Engine.ts"
import { InvalidRequest, UnknownWorkflow } from "./EnactError.ts"
import * as Journal from "./Journal.ts"
import type { ActionResult, Decision, Json, Outcome, PolicyResult, RollbackData, UnsignedReceipt } from "./Model.ts"
import { FORMAT_VERSION } from "./Model.ts"
import * as Policy from "./Policy.ts"
import { scrub } from "./Receipt.ts"
import type { SignerError } from "./Signer.ts"
import * as StoreError from "./StoreError.ts"
import * as Workflow from "./Workflow.ts"
import type { PolicyContext, WorkflowContext } from "./WorkflowContext.ts"

/** A request to run a registered workflow. */
export interface RunRequest {
  readonly workflow: string
  /** Who is acting (the receipt's `user_email`). */
  readonly user: string
  readonly payload: unknown
  /** Role, clearance, team...: passed to every policy. */
  readonly userAttributes?: Readonly<Record<string, Json>> | undefined
  /** Your own run id (e.g. an idempotency key); a UUID by default. */
  readonly runId?: string | undefined
}

/** A request to run one connector action, gated and receipted, without writing a workflow. */
export interface ActionRequest {
  readonly system: string
  readonly action: string
  readonly args: Json
  readonly user: string
  readonly userAttributes?: Readonly<Record<string, Json>> | undefined
  readonly runId?: string | undefined
}

export type RunError = UnknownWorkflow | InvalidRequest | StoreError.StoreError | SignerError

const isJson = Canonical.isJson

const describe = (u: unknown): string =>
  u instanceof Error ? u.message || u.name : typeof u === "string" ? u : (() => {
    try {
      return JSON.stringify(u) ?? String(u)
    } catch {
      return String(u)
    }
  })()

interface Base {
  readonly runId: string
  readonly workflow: string
  readonly user: string
  readonly userAttributes: Readonly<Record<string, Json>>
  readonly payload: Json
  readonly timestamp: string
}

/**
 * Rollback data that held a connector secret cannot be stored (secrets never land in receipts) and so
 * cannot be replayed: the step becomes a manual one instead of restoring a placeholder.
 */
const redactedRollback = (rb: RollbackData): RollbackData => ({
  action: rb.action,
  args: rb.args,
  irreversible: true,
  manual: `The pre-state needed to undo this step contained a connector secret, which receipts never store; ` +
    `restore it by hand (inverse: ${rb.action})`
})

/** Rollback data as it may be stored: unchanged, or made manual when it held a secret. */
const protectRollback = (rb: RollbackData | null, secrets: ReadonlyArray<string>): RollbackData | null => {
  if (rb === null || secrets.length === 0) return rb
  const clean = scrub(rb, secrets)
  return Canonical.encode(clean) === Canonical.encode(rb) ? rb : redactedRollback(clean)
}

const normalizeAction = (a: ActionResult): ActionResult => {
  const base = { action: a.action, already_done: a.already_done }
  const withError = a.error === undefined ? base : { ...base, error: a.error }
  return {
    ...withError,
    output: Canonical.sortKeys(a.output),
    rollback_data: Canonical.sortKeys(a.rollback_data),
    success: a.success,
    system: a.system
  }
}

const normalizePolicy = (p: PolicyResult): PolicyResult =>
  p.shadow === undefined
    ? { passed: p.passed, policy: p.policy, reason: p.reason }
    : { passed: p.passed, policy: p.policy, reason: p.reason, shadow: p.shadow }

/** Builds, signs and stores a receipt; then drops the run's journal. */
export const finish = (
  engine: Engine,
  base: Base,
  fields: {
    readonly policyResults: ReadonlyArray<PolicyResult>
    readonly decision: Decision
    readonly reason: string | null
    readonly actions: ReadonlyArray<ActionResult>
    readonly manualSteps?: UnsignedReceipt["manual_steps"]
    readonly originalRunId?: string | null
  },
  output: unknown,
  journaled: boolean
): Effect.Effect<Outcome, StoreError.StoreError | SignerError> => {
  // Keys are laid out in canonical (sorted) order so signing takes Canonical's fast path.
  const unsigned: UnsignedReceipt = scrub({
    actions_taken: fields.actions.map(normalizeAction),
    decision: fields.decision,
    format_version: FORMAT_VERSION,
    key_id: engine.signer.keyId,
    manual_steps: (fields.manualSteps ?? []).map((m) => ({
      action: m.action,
      reason: m.reason,
      rollback_data: Canonical.sortKeys(m.rollback_data),
      system: m.system
    })),
    original_run_id: fields.originalRunId ?? null,
    payload: Canonical.sortKeys(base.payload),
    policy_results: fields.policyResults.map(normalizePolicy),
    reason: fields.reason,
    run_id: base.runId,
    signature_alg: engine.signer.algorithm,
    timestamp: base.timestamp,
    user_attributes: Canonical.sortKeys(base.userAttributes),
    user_email: base.user,
    workflow: base.workflow
  }, engine.secrets)
  const stored = Effect.flatMap(engine.seal(unsigned), (receipt) =>
    Effect.as(engine.store.put(receipt), {
      receipt,
      result: {
        runId: receipt.run_id,
        workflow: receipt.workflow,
        decision: receipt.decision,
        reason: receipt.reason,
        policyResults: receipt.policy_results,
        actions: receipt.actions_taken,
        manualSteps: receipt.manual_steps,
        output
      }
    }))
  return journaled ? Effect.tap(stored, () => engine.journal.remove(base.runId)) : stored
}

/** Caller-chosen run ids leave room for the rollback receipt ids derived from them (`rb-<id>-<n>`). */
export const MAX_USER_RUN_ID = 100

/** Refuses a caller-chosen run id that already has a receipt or a journal: reuse would act unreceipted. */
const ensureUnused = (engine: Engine, runId: string): Effect.Effect<void, InvalidRequest | StoreError.StoreError> =>
  Effect.flatMap(engine.store.get(runId), (receipt) =>
    receipt._tag === "Some"
      ? Effect.fail(new InvalidRequest({ message: `Run id ${runId} is already used by a stored receipt` }))
      : Effect.flatMap(engine.journal.read(runId), (journal) =>
        journal._tag === "Some"
          ? Effect.fail(new InvalidRequest({ message: `Run id ${runId} has an open journal (a crashed run); roll it back or recover it first` }))
          : Effect.void))

/** Validates the request fields every entry point shares. */
const validate = (
  engine: Engine,
  req: { readonly user: unknown; readonly userAttributes?: unknown; readonly runId?: unknown }
): Effect.Effect<{ runId: string; timestamp: string }, InvalidRequest> => {
  if (typeof req.user !== "string" || req.user.length === 0 || req.user.length > 320) {
    return Effect.fail(new InvalidRequest({ message: "`user` must be a non-empty string of at most 320 characters" }))
  }
  if (req.userAttributes !== undefined && (!isJson(req.userAttributes) || Array.isArray(req.userAttributes) ||
    typeof req.userAttributes !== "object" || req.userAttributes === null)) {
    return Effect.fail(new InvalidRequest({ message: "`userAttributes` must be a plain JSON object" }))
  }
  if (req.runId !== undefined) {
    if (!StoreError.isValidRunId(req.runId) || req.runId.length > MAX_USER_RUN_ID) {
      return Effect.fail(new InvalidRequest({ message: `Cannot use run id ${JSON.stringify(String(req.runId)).slice(0, 80)}: expected 1-${MAX_USER_RUN_ID} of [A-Za-z0-9_-]` }))
    }
    if (req.runId.startsWith("rb-")) {
      return Effect.fail(new InvalidRequest({ message: "Run ids starting with 'rb-' are reserved for rollback receipts" }))
    }
  }
  void engine
  return Effect.map(Clock.currentTimeMillis, (ms) => ({
    runId: (req.runId as string | undefined) ?? globalThis.crypto.randomUUID(),
    timestamp: new Date(ms).toISOString()
  }))
}

/** Runs a registered workflow. */
export const run = (engine: Engine, req: RunRequest): Effect.Effect<Outcome, RunError> => {
  const workflow = engine.workflows.get(req.workflow)
  if (workflow === undefined) {
    return Effect.fail(new UnknownWorkflow({ workflow: String(req.workflow), registered: [...engine.workflows.keys()] }))
  }
  return runWorkflow(engine, workflow, req)
}

/** Runs one action as a single-step workflow named `<system>.<action>`; the payload is the args. */
export const runAction = (engine: Engine, req: ActionRequest): Effect.Effect<Outcome, RunError> =>
  runWorkflow(engine, {
    name: `${req.system}.${req.action}`,
    payload: Schema.Json,
    run: (ctx) => ctx.act(req.system, { action: req.action, args: req.args })
  }, { ...req, workflow: `${req.system}.${req.action}`, payload: req.args })

const runWorkflow = (
  engine: Engine,
  workflow: Workflow.Workflow<unknown>,
  req: RunRequest
): Effect.Effect<Outcome, RunError> =>
  Effect.flatMap(
    req.runId === undefined ? validate(engine, req) : Effect.tap(validate(engine, req), ({ runId }) => ensureUnused(engine, runId)),
    ({ runId, timestamp }) => {
    const jsonPayload = isJson(req.payload)
    const base: Base = {
      runId,
      workflow: workflow.name,
      user: req.user,
      userAttributes: req.userAttributes ?? {},
      payload: jsonPayload ? req.payload as Json : "[payload is not JSON]",
      timestamp
    }
    const block = (policyResults: ReadonlyArray<PolicyResult>) =>
      finish(engine, base, {
        policyResults,
        decision: "BLOCK",
        reason: Policy.blockReason(policyResults),
        actions: []
      }, undefined, false)
    if (!jsonPayload) {
      return block([{ policy: "payload_schema", passed: false, reason: "Payload is not plain JSON" }])
    }
    const decoded = Workflow.decodePayload(workflow.payload, req.payload)
    if (!decoded.ok) {
      const reason = "Invalid payload: " + decoded.issues.map((i) => `${i.path}: ${i.message}`).join("; ")
      return block([{ policy: "payload_schema", passed: false, reason }])
    }
    const payload = decoded.value
    const pctx: PolicyContext = {
      runId,
      workflow: workflow.name,
      user: req.user,
      userAttributes: base.userAttributes,
      payload,
      systems: engine.systems,
      now: new Date(timestamp)
    }
    return Effect.flatMap(Policy.evaluate(engine.policies, pctx), (policyResults) =>
      Policy.allPassed(policyResults)
        ? execute(engine, workflow, base, pctx, policyResults)
        : block(policyResults))
  })

const execute = (
  engine: Engine,
  workflow: Workflow.Workflow<unknown>,
  base: Base,
  pctx: PolicyContext,
  policyResults: ReadonlyArray<PolicyResult>
): Effect.Effect<Outcome, StoreError.StoreError | SignerError> => {
  const actions: Array<ActionResult> = []
  const state = { journaled: false }
  const act = makeAct(engine, base, actions, state)
  const ctx: WorkflowContext = { ...pctx, act }
  let program: Effect.Effect<unknown, unknown>
  try {
    program = workflow.run(ctx)
  } catch (e) {
    program = Effect.die(e)
  }
  return Effect.flatMap(Effect.exit(program), (exit) => {
    const failed = Exit.isFailure(exit)
    const reason = failed ? `Workflow stopped: ${describe(Cause.squash(exit.cause))}` : null
    return finish(engine, base, {
      policyResults,
      decision: failed ? "PARTIAL" : "PASS",
      reason,
      actions
    }, failed ? undefined : exit.value, state.journaled)
  }).pipe(Effect.uninterruptible)
}

/** Signs entries, then appends them durably. */
const journalAppend = (
  engine: Engine,
  runId: string,
  entries: ReadonlyArray<Journal.Entry>
): Effect.Effect<void, StoreError.StoreError> =>
  Effect.flatMap(
    Effect.tryPromise({
      try: () => Promise.all(entries.map((e) => Journal.seal(engine.signer, runId, e))),
      catch: (e) => StoreError.io(`Cannot sign journal entry: ${describe(e)}`)
    }),
    (sealed) => engine.journal.append(runId, sealed)
  )

const makeAct = (
  engine: Engine,
  base: Base,
  actions: Array<ActionResult>,
  state: { journaled: boolean }
) =>
(system: string, call: ActionCall): Effect.Effect<ActionResult, ConnectorError.ConnectorError | StoreError.StoreError> =>
  Effect.suspend(() => {
    const step = actions.length
    const record = (r: ActionResult): ActionResult => {
      const clean = scrub(r, engine.secrets)
      actions[step] = clean
      return clean
    }
    const failWith = (e: ConnectorError.ConnectorError | StoreError.StoreError, rollback: ActionResult["rollback_data"]) => {
      record({
        action: call.action,
        system,
        success: false,
        output: null,
        rollback_data: rollback,
        already_done: false,
        error: e.message
      })
      return Effect.fail(e)
    }
    actions.push(undefined as never) // reserve the step index
    const connector = Object.hasOwn(engine.systems, system) ? engine.systems[system] : undefined
    if (connector === undefined) {
      return failWith(
        ConnectorError.unknownSystem(system, call.action, `No system registered as '${system}' (registered: ${Object.keys(engine.systems).join(", ") || "none"})`),
        null
      )
    }
    if (!connector.allowedActions.has(call.action)) return failWith(ConnectorError.notAllowed(system, call.action), null)
    const def = Object.hasOwn(connector.actions, call.action) ? connector.actions[call.action] : undefined
    if (def === undefined) return failWith(ConnectorError.unknownAction(system, call.action, "No such action"), null)
    return Effect.matchEffect(def.prepare(call.args), {
      onFailure: (e) => failWith(e, null),
      onSuccess: (planned) => {
        const prepared = { ...planned, rollback: protectRollback(planned.rollback, engine.secrets) }
        if (prepared.alreadyDone || !def.mutating) {
          return Effect.matchEffect(prepared.apply, {
            onFailure: (e) => failWith(e, null),
            onSuccess: (output) =>
              Effect.succeed(record({
                action: call.action,
                system,
                success: true,
                output,
                rollback_data: null,
                already_done: prepared.alreadyDone
              }))
          })
        }
        const intent: Array<Journal.Entry> = []
        if (!state.journaled) {
          intent.push({
            type: "begin",
            run_id: base.runId,
            workflow: base.workflow,
            user_email: base.user,
            user_attributes: base.userAttributes,
            payload: base.payload,
            timestamp: base.timestamp
          })
        }
        intent.push({ type: "intent", step, system, action: call.action, args: call.args, rollback_data: prepared.rollback })
        return Effect.matchEffect(journalAppend(engine, base.runId, scrub(intent, engine.secrets)), {
          onFailure: (e) => failWith(e, null),
          onSuccess: () => {
            state.journaled = true
            return Effect.matchEffect(prepared.apply, {
              onFailure: (e) => {
                const r = record({
                  action: call.action,
                  system,
                  success: false,
                  output: null,
                  rollback_data: prepared.rollback,
                  already_done: false,
                  error: e.message
                })
                // Best effort: if this write fails too, the journaled intent alone makes a later
                // recovery treat the step as possibly applied, which is the safe reading.
                return Effect.andThen(
                  Effect.ignore(journalAppend(engine, base.runId, [{ type: "outcome", step, result: r }])),
                  Effect.fail(e)
                )
              },
              onSuccess: (output) => {
                const r = record({
                  action: call.action,
                  system,
                  success: true,
                  output,
                  rollback_data: prepared.rollback,
                  already_done: false
                })
                return Effect.as(journalAppend(engine, base.runId, [{ type: "outcome", step, result: r }]), r)
              }
            })
          }
        })
      }
    })
  })
