/**
 * Sealing a receipt: lay out the fields in canonical order, take secrets out (connector secrets, and the
 * credentials policies found in the request), sign, store durably, then drop the run's journal. Shared by
 * runs, recovery and rollback.
 *
 * @example
 * ```ts
 * import * as Seal from "./Seal.ts"
 * declare const engine: import("../Engine.ts").Engine
 * const outcome = Seal.finish(engine, {
 *   runId: "r1", workflow: "w", user: "a@b", userAttributes: {}, payload: {}, timestamp: new Date(0).toISOString()
 * }, { policyResults: [], decision: "BLOCK", reason: "nothing", actions: [] })
 * ```
 * @module
 */
import { Effect } from "effect"
import * as Canonical from "../receipt/Canonical.ts"
import type { Engine } from "../Engine.ts"
import type {
  ActionResult,
  Decision,
  Json,
  ManualStep,
  Outcome,
  PolicyRead,
  PolicyResult,
  UnsignedReceipt
} from "../Model.ts"
import { FORMAT_VERSION } from "../Model.ts"
import * as Redact from "../receipt/Redact.ts"
import type { SignerError } from "../receipt/Signer.ts"
import type * as StoreError from "../store/StoreError.ts"

/** Who ran what, when: the part of a receipt fixed when the run starts. */
export interface Base {
  readonly runId: string
  readonly workflow: string
  readonly user: string
  readonly userAttributes: Readonly<Record<string, Json>>
  readonly payload: Json
  readonly timestamp: string
}

/** What the run decided and did. */
export interface Fields {
  readonly policyResults: ReadonlyArray<PolicyResult>
  readonly policyReads?: ReadonlyArray<PolicyRead>
  readonly decision: Decision
  readonly reason: string | null
  readonly actions: ReadonlyArray<ActionResult>
  readonly manualSteps?: ReadonlyArray<ManualStep>
  readonly originalRunId?: string | null
}

/** How to seal. */
export interface Options {
  /** The run wrote a journal: drop it once the receipt is stored. */
  readonly journaled?: boolean
  /** Strings policies found in the request (credentials): stored as `[REDACTED:<fingerprint>]`. */
  readonly redact?: ReadonlyArray<string>
}

const sorted = Canonical.sortKeys

const normalizeAction = (a: ActionResult): ActionResult => {
  const head = { action: a.action, already_done: a.already_done, args: sorted(a.args) }
  const withError = a.error === undefined ? head : { ...head, error: a.error }
  return { ...withError, output: sorted(a.output), rollback_data: sorted(a.rollback_data), success: a.success, system: a.system }
}

const normalizeRead = (r: PolicyRead): PolicyRead => {
  const head = { action: r.action, args: sorted(r.args) }
  const withError = r.error === undefined ? head : { ...head, error: r.error }
  return { ...withError, output: sorted(r.output), policy: r.policy, success: r.success, system: r.system }
}

const normalizePolicy = (p: PolicyResult): PolicyResult =>
  p.shadow === undefined
    ? { passed: p.passed, policy: p.policy, reason: p.reason }
    : { passed: p.passed, policy: p.policy, reason: p.reason, shadow: p.shadow }

const normalizeManual = (m: ManualStep): ManualStep => {
  const head = { action: m.action }
  const withChanged = m.changed === undefined
    ? head
    : { ...head, changed: { current: sorted(m.changed.current), expected: sorted(m.changed.expected) } }
  return { ...withChanged, reason: m.reason, rollback_data: sorted(m.rollback_data), system: m.system }
}

/** Builds, signs and stores a receipt; then drops the run's journal. */
export const finish = (
  engine: Engine,
  base: Base,
  fields: Fields,
  output?: unknown,
  options: Options = {}
): Effect.Effect<Outcome, StoreError.StoreError | SignerError> => {
  const found = options.redact ?? []
  const hide: <A>(value: A) => A = found.length === 0 ? (value) => value : Redact.makeFoundRedactor(found).value
  // Keys are laid out in canonical (sorted) order so signing takes Canonical's fast path.
  const unsigned: UnsignedReceipt = engine.scrub.value({
    actions_taken: hide(fields.actions.map(normalizeAction)),
    decision: fields.decision,
    format_version: FORMAT_VERSION,
    key_id: engine.signer.keyId,
    manual_steps: hide((fields.manualSteps ?? []).map(normalizeManual)),
    original_run_id: fields.originalRunId ?? null,
    payload: hide(sorted(base.payload)),
    policy_reads: hide((fields.policyReads ?? []).map(normalizeRead)),
    policy_results: hide(fields.policyResults.map(normalizePolicy)),
    reason: hide(fields.reason),
    run_id: base.runId,
    signature_alg: engine.signer.algorithm,
    timestamp: base.timestamp,
    user_attributes: hide(sorted(base.userAttributes)),
    user_email: base.user,
    workflow: base.workflow
  })
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
  return options.journaled === true ? Effect.tap(stored, () => engine.journal.remove(base.runId)) : stored
}
