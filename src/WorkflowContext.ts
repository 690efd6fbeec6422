/**
 * What every policy and workflow receives: who asked, what for, and narrow, recorded ways to touch
 * systems. Nothing here is a live connector: policies read through `read` (read-only actions the instance
 * allows, recorded in the receipt) and `history` (receipts that verify); workflows act through `act`.
 * The payload and user attributes come from a frozen snapshot taken once, at entry; a payload decoded
 * into class instances (which cannot be frozen) is decoded afresh for each policy and for the workflow,
 * so no one can change what another checks or executes.
 *
 * @example
 * ```ts
 * import type { WorkflowContext } from "../mod.ts"
 * import * as FileSystem from "../connectors/FileSystem.ts"
 * const step = (ctx: WorkflowContext<{ path: string }>) =>
 *   ctx.act("files", FileSystem.deleteFile({ path: ctx.payload.path }))
 * ```
 * @module
 */
import type { Effect } from "effect"
import type { ActionCall } from "./Connector.ts"
import type { ConnectorError } from "./ConnectorError.ts"
import type { ActionResult, Json, Receipt } from "./Model.ts"
import type { ListFilter } from "./store/ReceiptStore.ts"
import type { StoreError } from "./store/StoreError.ts"

/** Who asked for the run and with what: the part of every context that is data. */
export interface RunData<P = unknown> {
  readonly runId: string
  readonly workflow: string
  /** The acting user or agent (the receipt's `user_email`). */
  readonly user: string
  /** Role, clearance, team...: whatever the caller vouches for (a frozen snapshot). */
  readonly userAttributes: Readonly<Record<string, Json>>
  /** The decoded payload (the workflow's Schema applied to the snapshot). */
  readonly payload: P
  /** The run's start time. */
  readonly now: Date
}

/** What policies see: the run's data, and narrow, recorded ways to look at the world. */
export interface PolicyContext<P = unknown> extends RunData<P> {
  /**
   * Runs a read-only action that the connector registered under `system` allows, and returns its output.
   * The call and its result are recorded in the receipt (`policy_reads`). A mutating or disallowed action
   * fails with `NotAllowed` and runs nothing.
   */
  readonly read: (system: string, call: ActionCall) => Effect.Effect<Json, ConnectorError>
  /**
   * Receipts of earlier runs matching `filter`, newest first, keeping only those whose signature
   * verifies: a forged or edited receipt in the store never counts as evidence.
   */
  readonly history: (filter?: ListFilter) => Effect.Effect<ReadonlyArray<Receipt>, StoreError>
}

/**
 * What workflows see: the run's data and `act`. A workflow reads through read-only actions of its own
 * connectors (`act` records them in the receipt like every other action).
 */
export interface WorkflowContext<P = unknown> extends RunData<P> {
  /**
   * Runs one action on the connector registered under `system`. The result is recorded in the receipt
   * whether it succeeds or fails; a failure also fails the effect, so the workflow stops unless it
   * handles the error. Once the run has finished, `act` refuses to run anything.
   */
  readonly act: (system: string, call: ActionCall) => Effect.Effect<ActionResult, ConnectorError | StoreError>
}
