/**
 * What one Enact instance holds: its registered connectors (their definitions, looked up once from the
 * handles the user passed), policies and workflows, the limits on requests, plus the services it writes
 * through. Shared by the run, read, rollback and recovery modules; never handed to user code.
 * @module
 */
import type { Duration, Effect } from "effect"
import type { Definition } from "./_connectorDefinitions.ts"
import type { JournalService } from "./store/Journal.ts"
import type { Hasher } from "./receipt/Merkle.ts"
import type { Receipt, UnsignedReceipt } from "./Model.ts"
import type { Policy } from "./Policy.ts"
import type { ReceiptStoreService } from "./store/ReceiptStore.ts"
import type { Scrubber } from "./receipt/Redact.ts"
import type { SignerError, SignerService } from "./receipt/Signer.ts"
import type { Limits } from "./Snapshot.ts"
import type * as Workflow from "./Workflow.ts"

export interface Engine {
  /** Connector definitions by the key workflows use. */
  readonly systems: ReadonlyMap<string, Definition>
  readonly policies: ReadonlyArray<Policy>
  readonly workflows: ReadonlyMap<string, Workflow.Workflow<unknown>>
  /** Every secret any connector holds. */
  readonly secrets: ReadonlyArray<string>
  /** Takes those secrets, in every common encoding, out of values and texts (receipts, journals, errors). */
  readonly scrub: Scrubber
  readonly store: ReceiptStoreService
  readonly journal: JournalService
  readonly signer: SignerService
  readonly seal: (u: UnsignedReceipt) => Effect.Effect<Receipt, SignerError>
  readonly hasher: Hasher
  /** Size and depth limits on payloads, user attributes and action arguments. */
  readonly limits: Limits
  /** How long one policy's Effect may run before it fails closed. */
  readonly policyTimeout: Duration.Duration
  /** Makes the id of a run whose caller chose none. */
  readonly newRunId: () => string
  /** Verifies a stored receipt (shape, key, signature), remembering signed roots already checked. */
  readonly verifyStored: (receipt: unknown) => Effect.Effect<boolean>
}
