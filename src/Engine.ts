/**
 * What one Enact instance holds: its registered connectors, policies and workflows, plus the services it
 * writes through. Shared by the run, rollback and recovery modules.
 * @module
 */
import type { Effect } from "effect"
import type { Connector } from "./Connector.ts"
import type { JournalService } from "./Journal.ts"
import type { Hasher } from "./Merkle.ts"
import type { Receipt, UnsignedReceipt } from "./Model.ts"
import type { Policy } from "./Policy.ts"
import type { ReceiptStoreService } from "./ReceiptStore.ts"
import type { SignerError, SignerService } from "./Signer.ts"
import type * as Workflow from "./Workflow.ts"

export interface Engine {
  readonly systems: Readonly<Record<string, Connector>>
  readonly policies: ReadonlyArray<Policy>
  readonly workflows: ReadonlyMap<string, Workflow.Workflow<unknown>>
  /** Every secret any connector holds: scrubbed from receipts and journals. */
  readonly secrets: ReadonlyArray<string>
  readonly store: ReceiptStoreService
  readonly journal: JournalService
  readonly signer: SignerService
  readonly seal: (u: UnsignedReceipt) => Effect.Effect<Receipt, SignerError>
  readonly hasher: Hasher
  /** Run ids with a rollback in progress in this process. */
  readonly rollingBack: Set<string>
}
