/**
 * Enact: the safety layer between AI agents and the systems they touch.
 * @module
 */
export * as Connector from "./src/Connector.ts"
export * as ConnectorError from "./src/ConnectorError.ts"
export * as Journal from "./src/Journal.ts"
export * as Model from "./src/Model.ts"
export * as Policy from "./src/Policy.ts"
export * as ReceiptStore from "./src/ReceiptStore.ts"
export * as StoreError from "./src/StoreError.ts"
export type { PolicyContext, WorkflowContext } from "./src/WorkflowContext.ts"
