/**
 * The data that flows through Enact: policy results, action results, receipts and run results.
 * Everything that lands in a receipt is plain JSON, described by a Schema, so a receipt written by one
 * process can be decoded, verified and rolled back by another days later.
 *
 * @example
 * ```ts
 * import { Model } from "../mod.ts"
 * const r: Model.PolicyResult = { policy: "dont_push_to_main", passed: true, reason: "Branch is not main" }
 * ```
 * @module
 */
import { Schema } from "effect"

/** Any JSON value. */
export type Json = Schema.Json
/** A JSON object. */
export type JsonObject = Schema.JsonObject

/**
 * The receipt format this library writes. Readers refuse versions they do not know.
 * Version 2 records each action's arguments and the reads policies made.
 */
export const FORMAT_VERSION: 2 = 2

type Str = typeof Schema.String
type Bool = typeof Schema.Boolean
type J = typeof Schema.Json
type Opt<S extends Schema.Top> = Schema.optionalKey<S>

/** A run or rollback decision. PARTIAL: the workflow stopped part-way (failure, defect, crash). */
export const Decision: Schema.Literals<readonly ["PASS", "BLOCK", "PARTIAL", "ROLLED_BACK", "ROLLBACK_PARTIAL"]> = Schema.Literals(
  ["PASS", "BLOCK", "PARTIAL", "ROLLED_BACK", "ROLLBACK_PARTIAL"] as const
)
export type Decision = typeof Decision.Type

/** What one policy said about one run. `shadow` policies are recorded but never change the decision. */
export const PolicyResult: Schema.Struct<{ readonly policy: Str; readonly passed: Bool; readonly reason: Str; readonly shadow: Opt<Bool> }> =
  Schema.Struct({
    policy: Schema.String,
    passed: Schema.Boolean,
    reason: Schema.String,
    shadow: Schema.optionalKey(Schema.Boolean)
  })
export type PolicyResult = typeof PolicyResult.Type

/**
 * How to undo one action, as data: the connector registered under `system` runs `action` with `args`.
 * An irreversible action records `irreversible: true` and says what a human must do instead.
 */
export const RollbackData: Schema.Struct<{ readonly action: Str; readonly args: J; readonly irreversible: Opt<Bool>; readonly manual: Opt<Str> }> =
  Schema.Struct({
    action: Schema.String,
    args: Schema.Json,
    irreversible: Schema.optionalKey(Schema.Boolean),
    manual: Schema.optionalKey(Schema.String)
  })
export type RollbackData = typeof RollbackData.Type

/** The record of one connector action, forward or inverse, with the arguments it ran with. */
export const ActionResult: Schema.Struct<{
  readonly action: Str
  readonly system: Str
  readonly args: J
  readonly success: Bool
  readonly output: J
  readonly rollback_data: Schema.NullOr<typeof RollbackData>
  readonly already_done: Bool
  readonly error: Opt<Str>
}> = Schema.Struct({
  action: Schema.String,
  system: Schema.String,
  args: Schema.Json,
  success: Schema.Boolean,
  output: Schema.Json,
  rollback_data: Schema.NullOr(RollbackData),
  already_done: Schema.Boolean,
  error: Schema.optionalKey(Schema.String)
})
export type ActionResult = typeof ActionResult.Type

/**
 * The target of an inverse changed after the run: what the run left there (`expected`) and what is there
 * now (`current`). The inverse left it alone.
 */
export const StateChange: Schema.Struct<{ readonly expected: J; readonly current: J }> = Schema.Struct({
  expected: Schema.Json,
  current: Schema.Json
})
export type StateChange = typeof StateChange.Type

/**
 * A step rollback could not undo by itself, with what a human has to do. `changed` is set when the
 * step was not undone because its target changed since the run (compare before swap).
 */
export const ManualStep: Schema.Struct<{
  readonly action: Str
  readonly system: Str
  readonly reason: Str
  readonly rollback_data: Schema.NullOr<typeof RollbackData>
  readonly changed: Opt<typeof StateChange>
}> = Schema.Struct({
  action: Schema.String,
  system: Schema.String,
  reason: Schema.String,
  rollback_data: Schema.NullOr(RollbackData),
  changed: Schema.optionalKey(StateChange)
})
export type ManualStep = typeof ManualStep.Type

/**
 * A read a policy made through `ctx.read` before the decision: which read-only action of which system,
 * with what arguments, and what it returned (or why it failed).
 */
export const PolicyRead: Schema.Struct<{
  readonly policy: Str
  readonly system: Str
  readonly action: Str
  readonly args: J
  readonly success: Bool
  readonly output: J
  readonly error: Opt<Str>
}> = Schema.Struct({
  policy: Schema.String,
  system: Schema.String,
  action: Schema.String,
  args: Schema.Json,
  success: Schema.Boolean,
  output: Schema.Json,
  error: Schema.optionalKey(Schema.String)
})
export type PolicyRead = typeof PolicyRead.Type

type UnsignedFields = {
  readonly format_version: Schema.Literal<2>
  readonly run_id: Str
  readonly workflow: Str
  readonly user_email: Str
  readonly user_attributes: Schema.$Record<Str, J>
  readonly payload: J
  readonly policy_results: Schema.$Array<typeof PolicyResult>
  readonly policy_reads: Schema.$Array<typeof PolicyRead>
  readonly decision: typeof Decision
  readonly reason: Schema.NullOr<Str>
  readonly actions_taken: Schema.$Array<typeof ActionResult>
  readonly manual_steps: Schema.$Array<typeof ManualStep>
  readonly original_run_id: Schema.NullOr<Str>
  readonly timestamp: Str
  readonly signature_alg: Schema.Literals<readonly ["hmac-sha256", "ed25519"]>
  readonly key_id: Str
}

/** Fields of a receipt covered by the signature (everything but `signature` and `signature_proof`). */
export const UnsignedReceipt: Schema.Struct<UnsignedFields> = Schema.Struct({
  format_version: Schema.Literal(FORMAT_VERSION),
  run_id: Schema.String,
  workflow: Schema.String,
  user_email: Schema.String,
  user_attributes: Schema.Record(Schema.String, Schema.Json),
  payload: Schema.Json,
  policy_results: Schema.Array(PolicyResult),
  policy_reads: Schema.Array(PolicyRead),
  decision: Decision,
  reason: Schema.NullOr(Schema.String),
  actions_taken: Schema.Array(ActionResult),
  manual_steps: Schema.Array(ManualStep),
  original_run_id: Schema.NullOr(Schema.String),
  timestamp: Schema.String,
  signature_alg: Schema.Literals(["hmac-sha256", "ed25519"] as const),
  key_id: Schema.String
})
export type UnsignedReceipt = typeof UnsignedReceipt.Type

/**
 * A signed receipt. `signature` is the hex signature of a Merkle root (receipts signed together share
 * one signature); `signature_proof` is this receipt's audit path to that root (empty when signed alone).
 */
export const Receipt: Schema.Struct<UnsignedFields & { readonly signature: Str; readonly signature_proof: Schema.$Array<Str> }> = Schema.Struct({
  ...UnsignedReceipt.fields,
  signature: Schema.String,
  signature_proof: Schema.Array(Schema.String)
})
export type Receipt = typeof Receipt.Type

/** What `run` and `rollback` return next to the receipt. */
export interface RunResult {
  readonly runId: string
  readonly workflow: string
  readonly decision: Decision
  readonly reason: string | null
  readonly policyResults: ReadonlyArray<PolicyResult>
  readonly actions: ReadonlyArray<ActionResult>
  readonly manualSteps: ReadonlyArray<ManualStep>
  /** The workflow's own return value (PASS only). */
  readonly output: unknown
}

/** The pair every entry point returns. */
export interface Outcome {
  readonly result: RunResult
  readonly receipt: Receipt
}
