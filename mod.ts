/**
 * Enact: the safety layer between AI agents and the systems they touch. Deterministic policies run
 * before anything executes, workflows act through allowlisted connectors, every run leaves a signed
 * receipt, and one call rolls a run back.
 *
 * This entry point is portable (Web APIs only: Node, Deno, browsers, edge functions). `node.ts` adds the
 * Node pieces (file stores, native crypto, the filesystem platform); `testing.ts` the test kit.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { EnactClient, Policy, Workflow } from "./mod.ts"
 * const hello = Workflow.makeAsync({ name: "hello", payload: Schema.Struct({ name: Schema.String }), run: async (ctx) => `hi ${ctx.payload.name}` })
 * const enact = new EnactClient({ secret: "a-secret-of-at-least-32-characters!!", workflows: [hello], policies: [Policy.make("ok", () => Policy.pass("ok"))] })
 * const { result } = await enact.run({ workflow: "hello", user: "agent@co", payload: { name: "Ada" } })
 * await enact.close()
 * ```
 * @module
 */
export { type ClientOptions, EnactClient, type Platform, type Storage, verifyReceipt, type VerifyKey } from "./src/Client.ts"
export * as Connector from "./src/Connector.ts"
export * as ConnectorError from "./src/ConnectorError.ts"
export * as Crypto from "./src/Crypto.ts"
export * as Enact from "./src/Enact.ts"
export * as EnactError from "./src/EnactError.ts"
export * as Journal from "./src/store/Journal.ts"
export * as Model from "./src/Model.ts"
export * as Policies from "./policies/mod.ts"
export * as Policy from "./src/Policy.ts"
export * as Receipt from "./src/receipt/Receipt.ts"
export * as ReceiptStore from "./src/store/ReceiptStore.ts"
export * as Redact from "./src/receipt/Redact.ts"
export * as Signer from "./src/receipt/Signer.ts"
export * as Snapshot from "./src/Snapshot.ts"
export * as StoreError from "./src/store/StoreError.ts"
export * as Workflow from "./src/Workflow.ts"
export type { AsyncWorkflowContext } from "./src/Workflow.ts"
export type { PolicyContext, RunData, WorkflowContext } from "./src/WorkflowContext.ts"
