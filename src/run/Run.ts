/**
 * The run loop. Read the request once; reserve a caller-chosen run id (its lease, taken exclusively);
 * snapshot the user attributes and payload into frozen plain JSON (refused: a BLOCK receipt naming the
 * field); decode the payload strictly; run every policy; then execute the workflow through `ctx.act`, wait
 * for calls still in flight, and seal the receipt. Whatever the workflow does (throws, dies, returns a
 * Promise or garbage, is interrupted), the run ends in a signed receipt.
 * @module
 */
import { Cause, Clock, Effect, Exit, Schema, Scope } from "effect"
import { runUntrusted } from "./_untrusted.ts"
import * as Act from "./Act.ts"
import type { Engine } from "../Engine.ts"
import * as EnactError from "../EnactError.ts"
import type { Json, Outcome, PolicyRead, PolicyResult } from "../Model.ts"
import * as Policy from "../Policy.ts"
import * as Reads from "./Reads.ts"
import * as Seal from "./Seal.ts"
import type { SignerError } from "../receipt/Signer.ts"
import * as Snapshot from "../Snapshot.ts"
import * as StoreError from "../store/StoreError.ts"
import * as Workflow from "../Workflow.ts"
import type { PolicyContext, WorkflowContext } from "../WorkflowContext.ts"

/** A request to run a registered workflow. */
export interface RunRequest {
  readonly workflow: string
  /** Who is acting (the receipt's `user_email`). */
  readonly user: string
  readonly payload: unknown
  /** Role, clearance, team...: passed to every policy. */
  readonly userAttributes?: Readonly<Record<string, Json>> | undefined
  /** Your own run id (e.g. an idempotency key); a UUID by default. Runs once: a second use is refused. */
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

export type RunError = EnactError.EnactError | StoreError.StoreError | SignerError

/** Caller-chosen run ids leave room for the rollback receipt ids derived from them (`rb-<n>-<id>`). */
export const MAX_USER_RUN_ID = 100

interface Fields {
  readonly workflow: unknown
  readonly user: unknown
  readonly payload: unknown
  readonly userAttributes: unknown
  readonly runId: unknown
}

const invalid = (text: string): EnactError.EnactError => EnactError.refuse("InvalidRequest", null, text)

/** Reads each field of the request exactly once. */
const readRequest = (req: unknown): Fields | EnactError.EnactError => {
  try {
    if (typeof req !== "object" || req === null) return invalid("The request must be an object")
    const r = req as RunRequest
    return { workflow: r.workflow, user: r.user, payload: r.payload, userAttributes: r.userAttributes, runId: r.runId }
  } catch (e) {
    return invalid(`The request could not be read: ${Policy.describe(e)}`)
  }
}

const validate = (f: Fields): Effect.Effect<{ readonly user: string; readonly runId: string | undefined }, EnactError.EnactError> => {
  if (typeof f.user !== "string" || f.user.length === 0 || f.user.length > 320) {
    return Effect.fail(invalid("`user` must be a non-empty string of at most 320 characters"))
  }
  if (f.runId !== undefined) {
    if (!StoreError.isValidRunId(f.runId) || f.runId.length > MAX_USER_RUN_ID) {
      return Effect.fail(invalid(`Cannot use run id ${JSON.stringify(String(f.runId)).slice(0, 80)}: expected 1-${MAX_USER_RUN_ID} of [A-Za-z0-9_-]`))
    }
    if (f.runId.startsWith("rb-")) {
      return Effect.fail(invalid("Run ids starting with 'rb-' are reserved for rollback receipts"))
    }
  }
  return Effect.succeed({ user: f.user, runId: f.runId as string | undefined })
}

/** A live lease on the id means a run or rollback with it is in progress. */
const inProgress = (runId: string) => (e: StoreError.StoreError) =>
  e.reason._tag === "Leased" ? EnactError.refuse("RunInProgress", runId, e.reason.message) : e

/** Reserves a caller-chosen run id: its lease, then a check that it never ran. */
const reserve = (engine: Engine, runId: string, scope: Scope.Scope) =>
  Effect.gen(function*() {
    const lease = yield* Scope.provide(scope)(engine.journal.acquire(runId, { takeOver: false })).pipe(
      Effect.mapError(inProgress(runId))
    )
    if ((yield* engine.store.get(runId))._tag === "Some") {
      return yield* invalid(`Run id ${runId} is already used by a stored receipt`)
    }
    if ((yield* engine.journal.read(runId))._tag === "Some") {
      return yield* invalid(`Run id ${runId} has an open journal (a crashed run); roll it back or recover it first`)
    }
    return lease
  })

/** Runs a registered workflow. */
export const run = (engine: Engine, req: RunRequest): Effect.Effect<Outcome, RunError> =>
  Effect.suspend(() => {
    const fields = readRequest(req)
    if (fields instanceof EnactError.EnactError) return Effect.fail(fields)
    const workflow = typeof fields.workflow === "string" ? engine.workflows.get(fields.workflow) : undefined
    if (workflow === undefined) {
      return Effect.fail(EnactError.unknownWorkflow(String(fields.workflow), [...engine.workflows.keys()]))
    }
    return runWorkflow(engine, workflow, fields)
  })

/** Runs one action as a single-step workflow named `<system>.<action>`; the payload is the args. */
export const runAction = (engine: Engine, req: ActionRequest): Effect.Effect<Outcome, RunError> =>
  Effect.suspend(() => {
    let system: unknown, action: unknown, fields: Fields
    try {
      system = req.system
      action = req.action
      fields = { workflow: undefined, user: req.user, payload: req.args, userAttributes: req.userAttributes, runId: req.runId }
    } catch (e) {
      return Effect.fail(invalid(`The request could not be read: ${Policy.describe(e)}`))
    }
    if (typeof system !== "string" || typeof action !== "string" || !/^[A-Za-z0-9_.:-]{1,60}$/.test(`${system}.${action}`)) {
      return Effect.fail(invalid("`system` and `action` must be names of letters, digits and _ . : -"))
    }
    const name = `${system}.${action}`
    return runWorkflow(engine, {
      name,
      payload: Schema.Json,
      run: (ctx) => ctx.act(system, { action, args: ctx.payload as Json })
    }, fields)
  })

const runWorkflow = (engine: Engine, workflow: Workflow.Workflow<unknown>, fields: Fields): Effect.Effect<Outcome, RunError> =>
  Effect.scoped(Effect.gen(function*() {
    const { runId: chosen, user } = yield* validate(fields)
    const scope = yield* Effect.scope
    const lease = chosen === undefined ? undefined : yield* reserve(engine, chosen, scope)
    const runId = chosen ?? engine.newRunId()
    const timestamp = new Date(yield* Clock.currentTimeMillis).toISOString()
    const attributes = Snapshot.takeObject(fields.userAttributes ?? {}, "userAttributes", engine.limits)
    const payload = Snapshot.take(fields.payload, "payload", engine.limits)
    const base: Seal.Base = {
      runId,
      workflow: workflow.name,
      user,
      userAttributes: attributes.ok ? attributes.value : {},
      payload: payload.ok ? payload.value : null,
      timestamp
    }
    const block = (policyResults: ReadonlyArray<PolicyResult>, extra: Omit<Seal.Fields, "policyResults" | "decision" | "reason" | "actions"> = {}, redact: ReadonlyArray<string> = []) =>
      Seal.finish(engine, base, { ...extra, policyResults, decision: "BLOCK", reason: Policy.blockReason(policyResults), actions: [] }, undefined, { redact })
    const refused = !attributes.ok ? attributes : !payload.ok ? payload : undefined
    if (refused !== undefined) {
      const policy = refused.limit ? "request_limits" : "request_snapshot"
      const why = refused.limit ? Snapshot.describe(refused) : `${Snapshot.describe(refused)}; the request must be plain JSON data`
      return yield* block([{ policy, passed: false, reason: why }])
    }
    const decoded = Workflow.decodePayload(workflow.payload, base.payload)
    if (!decoded.ok) {
      const reason = "Invalid payload: " + decoded.issues.map((i) => `${i.path}: ${i.message}`).join("; ")
      return yield* block([{ policy: "payload_schema", passed: false, reason }])
    }
    const ms = Date.parse(timestamp)
    const reader = Reads.make(engine, runId)
    // Plain decoded data is frozen and shared; anything else is decoded afresh for each reader.
    const first = decoded.value
    const payloadOf = deepFreeze(first) ? () => first : () => {
      const again = Workflow.decodePayload(workflow.payload, base.payload)
      return again.ok ? again.value : first
    }
    const pctx: PolicyContext = Object.freeze({
      runId,
      workflow: workflow.name,
      user,
      userAttributes: base.userAttributes,
      get payload() {
        return payloadOf()
      },
      get now() {
        return new Date(ms)
      },
      read: reader.read,
      history: reader.history
    })
    const gate = yield* Policy.gate(engine.policies, pctx, { onPolicy: reader.attribute, timeout: engine.policyTimeout })
    yield* reader.close
    const reads = { policyReads: reader.reads }
    if (!Policy.allPassed(gate.results)) return yield* block(gate.results, reads, gate.redact)
    const state = Act.makeState(base, scope, gate.redact, lease)
    return yield* execute(engine, workflow, state, { runId, ms, payloadOf }, gate.results, reads.policyReads)
  }))

/**
 * Freezes a decoded payload made of plain objects and arrays (Schema may build fresh ones); false when it
 * holds anything else (class instances, Dates, URLs), which cannot be frozen and so must not be shared.
 */
const deepFreeze = (value: unknown): boolean => {
  if (typeof value !== "object" || value === null) return true
  const proto = Object.getPrototypeOf(value)
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return false
  if (Array.isArray(value) && proto !== Array.prototype) return false
  Object.freeze(value)
  for (const v of Object.values(value)) if (!deepFreeze(v)) return false
  return true
}

/** Starts the workflow; anything but an Effect becomes a failure, without running anything. */
const start = (workflow: Workflow.Workflow<unknown>, ctx: WorkflowContext): Effect.Effect<unknown, unknown> => {
  let out: unknown
  try {
    out = workflow.run(ctx)
  } catch (e) {
    return Effect.die(e)
  }
  let effect = false
  try {
    effect = Effect.isEffect(out)
  } catch {
    effect = false
  }
  if (effect) return out as Effect.Effect<unknown, unknown>
  let promise = false
  try {
    promise = typeof out === "object" && out !== null && typeof (out as { then?: unknown }).then === "function"
    if (promise) (out as Promise<unknown>).then(undefined, () => undefined) // never an unhandled rejection
  } catch {
    // a hostile thenable: treated as a non-Effect below
  }
  return Effect.die(new TypeError(
    promise
      ? "The workflow returned a Promise, not an Effect: write async workflows with Workflow.makeAsync"
      : "The workflow returned something that is not an Effect"
  ))
}

const execute = (
  engine: Engine,
  workflow: Workflow.Workflow<unknown>,
  state: Act.RunState,
  run: { readonly runId: string; readonly ms: number; readonly payloadOf: () => unknown },
  policyResults: ReadonlyArray<PolicyResult>,
  policyReads: ReadonlyArray<PolicyRead>
): Effect.Effect<Outcome, StoreError.StoreError | SignerError> =>
  Effect.uninterruptibleMask((restore) =>
    Effect.gen(function*() {
      const ctx: WorkflowContext = Object.freeze({
        runId: run.runId,
        workflow: workflow.name,
        user: state.base.user,
        userAttributes: state.base.userAttributes,
        payload: run.payloadOf(),
        get now() {
          return new Date(run.ms)
        },
        act: Act.make(engine, state)
      })
      // The workflow runs in a child fiber that sees no engine or application service, and stays
      // interruptible; whatever happens to it, the run goes on to seal a receipt.
      const awaited = yield* Effect.exit(restore(runUntrusted(() => start(workflow, ctx))))
      const exit = Exit.isSuccess(awaited) ? awaited.value : awaited
      yield* Act.close(state)
      const failed = Exit.isFailure(exit)
      const reason = failed
        ? Cause.hasInterruptsOnly(exit.cause)
          ? "Workflow stopped: the run was interrupted"
          : `Workflow stopped: ${Policy.describe(Cause.squash(exit.cause))}`
        : null
      return yield* Seal.finish(engine, state.base, {
        policyResults,
        policyReads,
        decision: failed ? "PARTIAL" : "PASS",
        reason,
        actions: Act.recorded(state)
      }, failed ? undefined : exit.value, { journaled: state.journaled, redact: state.redact })
    })
  )
