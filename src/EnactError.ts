/**
 * The one error of Enact's entry points (`run`, `runAction`, `rollback`, `rollbackPlan`), with a tagged
 * reason: the same refusal has the same shape whichever path found it (a bad run id is `InvalidRequest`
 * for `run` and for `rollback`; a tampered receipt is `InvalidSignature`, a tampered journal `Corrupt`, an
 * unknown run `NotFound`). Storage and signing failures stay `StoreError` and `SignerError`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Enact } from "../mod.ts"
 * const safe = Enact.rollback("run-1").pipe(
 *   Effect.catchTag("EnactError", (e) => Effect.succeed(`refused: ${e.reason._tag}`))
 * )
 * ```
 * @module
 */
import { Schema } from "effect"
import type { Cause } from "effect"

const message = { message: Schema.String }
type Message = typeof message

const unknownWorkflowFields: {
  readonly message: typeof Schema.String
  readonly workflow: typeof Schema.String
  readonly registered: Schema.$Array<typeof Schema.String>
} = { message: Schema.String, workflow: Schema.String, registered: Schema.Array(Schema.String) }

/** `run` was asked for a workflow that is not registered; lists the registered names. */
export const UnknownWorkflow: Schema.TaggedStruct<"UnknownWorkflow", typeof unknownWorkflowFields> = Schema.TaggedStruct(
  "UnknownWorkflow",
  unknownWorkflowFields
)
/** The request itself is malformed (no user, a bad run id, a reused run id). */
export const InvalidRequest: Schema.TaggedStruct<"InvalidRequest", Message> = Schema.TaggedStruct("InvalidRequest", message)
/**
 * The run is live: a run with this id is executing, or being rolled back or recovered, in this process or
 * another (its lease is alive). Nothing was done; try again once it has finished.
 */
export const RunInProgress: Schema.TaggedStruct<"RunInProgress", Message> = Schema.TaggedStruct("RunInProgress", message)
/** No receipt or journal for the run. */
export const NotFound: Schema.TaggedStruct<"NotFound", Message> = Schema.TaggedStruct("NotFound", message)
/** A receipt (the run's or an earlier rollback's) does not verify: nothing is undone on its word. */
export const InvalidSignature: Schema.TaggedStruct<"InvalidSignature", Message> = Schema.TaggedStruct("InvalidSignature", message)
/** The run was BLOCKed: nothing was executed, nothing to undo. */
export const Blocked: Schema.TaggedStruct<"Blocked", Message> = Schema.TaggedStruct("Blocked", message)
/** A rollback receipt already says ROLLED_BACK. */
export const AlreadyRolledBack: Schema.TaggedStruct<"AlreadyRolledBack", Message> = Schema.TaggedStruct("AlreadyRolledBack", message)
/** The run is itself a rollback. */
export const IsRollback: Schema.TaggedStruct<"IsRollback", Message> = Schema.TaggedStruct("IsRollback", message)
/** Rollback was attempted too many times; finish it by hand. */
export const TooManyAttempts: Schema.TaggedStruct<"TooManyAttempts", Message> = Schema.TaggedStruct("TooManyAttempts", message)
/** A journal or stored record is edited, reordered, truncated in the middle or unreadable. */
export const Corrupt: Schema.TaggedStruct<"Corrupt", Message> = Schema.TaggedStruct("Corrupt", message)

/** Why Enact refused. */
export const Reason: Schema.Union<[
  typeof UnknownWorkflow,
  typeof InvalidRequest,
  typeof RunInProgress,
  typeof NotFound,
  typeof InvalidSignature,
  typeof Blocked,
  typeof AlreadyRolledBack,
  typeof IsRollback,
  typeof TooManyAttempts,
  typeof Corrupt
]> = Schema.Union([
  UnknownWorkflow,
  InvalidRequest,
  RunInProgress,
  NotFound,
  InvalidSignature,
  Blocked,
  AlreadyRolledBack,
  IsRollback,
  TooManyAttempts,
  Corrupt
])
export type Reason = typeof Reason.Type

const fields: { readonly runId: Schema.NullOr<typeof Schema.String>; readonly reason: typeof Reason } = {
  runId: Schema.NullOr(Schema.String),
  reason: Reason
}
const EnactErrorBase: Schema.Class<EnactError, Schema.TaggedStruct<"EnactError", typeof fields>, Cause.YieldableError> =
  Schema.TaggedError<EnactError>()("EnactError", fields)

/** Enact refused: nothing was run or undone. `runId` names the run when there is one. */
export class EnactError extends EnactErrorBase {
  override get message(): string {
    return `${this.reason._tag}: ${this.reason.message}`
  }
}

type Simple = Exclude<Reason["_tag"], "UnknownWorkflow">

/** Builds a refusal. */
export const refuse = (tag: Simple, runId: string | null, text: string): EnactError =>
  new EnactError({ runId, reason: { _tag: tag, message: text } })

/** `UnknownWorkflow`, listing the registered names. */
export const unknownWorkflow = (workflow: string, registered: ReadonlyArray<string>): EnactError =>
  new EnactError({
    runId: null,
    reason: {
      _tag: "UnknownWorkflow",
      workflow,
      registered: [...registered],
      message: `Unknown workflow '${workflow}'. Registered workflows: ${registered.join(", ") || "(none)"}`
    }
  })
