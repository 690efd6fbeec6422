/**
 * Enact: the safety layer between AI agents and the systems they touch. Deterministic policies run
 * before anything executes, workflows act through allowlisted connectors, every run leaves a signed
 * receipt, and one call rolls a run back.
 *
 * @example
 * ```ts
 * import { EnactClient, Policy } from "./mod.ts"
 * import * as FileSystem from "./connectors/FileSystemNode.ts"
 * ```
 * @module
 */
export { EnactClient, type ClientOptions } from "./src/Client.ts"
export * as Canonical from "./src/Canonical.ts"
export * as Connector from "./src/Connector.ts"
export * as ConnectorError from "./src/ConnectorError.ts"
export * as Enact from "./src/Enact.ts"
export * as EnactError from "./src/EnactError.ts"
export * as FileJournal from "./src/FileJournal.ts"
export * as FileReceiptStore from "./src/FileReceiptStore.ts"
export * as Journal from "./src/Journal.ts"
export * as Merkle from "./src/Merkle.ts"
export * as Model from "./src/Model.ts"
export * as Policy from "./src/Policy.ts"
export * as Policies from "./policies/mod.ts"
export * as Receipt from "./src/Receipt.ts"
export * as ReceiptStore from "./src/ReceiptStore.ts"
export * as Redact from "./src/Redact.ts"
export * as Signer from "./src/Signer.ts"
export * as Snapshot from "./src/Snapshot.ts"
export * as StoreError from "./src/StoreError.ts"
export * as Workflow from "./src/Workflow.ts"
export type { PolicyContext, WorkflowContext } from "./src/WorkflowContext.ts"
export type { AsyncWorkflowContext } from "./src/Workflow.ts"
