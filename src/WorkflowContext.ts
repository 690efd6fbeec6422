/**
 * The bag of data every policy and workflow receives: who asked, what for, and the connectors they may use.
 * Policies get a `PolicyContext` (no way to act); workflows get a `WorkflowContext` whose `act` runs a
 * connector action through the allowlist, the journal and the run's action log.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FileSystem } from "./mod.ts"
 * const step = (ctx: WorkflowContext<{ path: string }>) =>
 *   ctx.act("files", FileSystem.deleteFile({ path: ctx.payload.path }))
 * ```
 * @module
 */
import type { Effect } from "effect"
import type { ActionCall, Connector } from "./Connector.ts"
import type { ConnectorError } from "./ConnectorError.ts"
import type { ActionResult, Json } from "./Model.ts"
import type { StoreError } from "./StoreError.ts"

/** What policies see. `payload` is the decoded payload when the workflow declares a Schema. */
export interface PolicyContext<P = unknown> {
  readonly runId: string
  readonly workflow: string
  /** The acting user or agent (the receipt's `user_email`). */
  readonly user: string
  /** Role, clearance, team...: whatever the caller vouches for. */
  readonly userAttributes: Readonly<Record<string, Json>>
  readonly payload: P
  readonly systems: Readonly<Record<string, Connector>>
  /** The run's start time. */
  readonly now: Date
}

/** What workflows see: the policy context plus `act`. */
export interface WorkflowContext<P = unknown> extends PolicyContext<P> {
  /**
   * Runs one action on the connector registered under `system`. The result is recorded in the receipt
   * whether it succeeds or fails; a failure also fails the effect, so the workflow stops unless it
   * handles the error.
   */
  readonly act: (system: string, call: ActionCall) => Effect.Effect<ActionResult, ConnectorError | StoreError>
}
