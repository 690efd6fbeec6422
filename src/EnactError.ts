/**
 * Errors of the Enact entry points (run, runAction, rollback), with tagged reasons.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Enact } from "./mod.ts"
 * const safe = Enact.rollback("run-1").pipe(
 *   Effect.catchTag("RollbackError", (e) => Effect.succeed(`refused: ${e.reason}`))
 * )
 * ```
 * @module
 */
import { Schema } from "effect"

/** `run` was asked for a workflow that is not registered. Lists the registered names. */
export class UnknownWorkflow extends Schema.TaggedError<UnknownWorkflow>()("UnknownWorkflow", {
  workflow: Schema.String,
  registered: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `Unknown workflow '${this.workflow}'. Registered workflows: ${this.registered.join(", ") || "(none)"}`
  }
}

/** The request itself is malformed (no user, a bad run id, attributes that are not JSON). */
export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()("InvalidRequest", {
  message: Schema.String
}) {}

/**
 * The run is live: a run with this id is executing, or being rolled back or recovered, in this process
 * or another (its lease is alive). Nothing was done; try again once it has finished.
 */
export class RunInProgress extends Schema.TaggedError<RunInProgress>()("RunInProgress", {
  runId: Schema.String,
  message: Schema.String
}) {}

/** Why a rollback was refused or could not start. */
export const RollbackReason = Schema.Literals([
  "NotFound",
  "InvalidSignature",
  "Blocked",
  "AlreadyRolledBack",
  "IsRollback",
  "TooManyAttempts",
  "Corrupt"
])
export type RollbackReason = typeof RollbackReason.Type

/** Rollback refused: nothing was undone. */
export class RollbackError extends Schema.TaggedError<RollbackError>()("RollbackError", {
  runId: Schema.String,
  reason: RollbackReason,
  message: Schema.String
}) {}
