/**
 * What users test their agents with (the full kit is being assembled): the in-memory stores.
 *
 * @example
 * ```ts
 * import * as Testing from "./testing.ts"
 * const stores = Testing.layerMemoryStores
 * ```
 * @module
 */
import { Layer } from "effect"
import * as Journal from "./src/Journal.ts"
import * as ReceiptStore from "./src/ReceiptStore.ts"

/** The memory receipt store and the memory journal. */
export const layerMemoryStores: Layer.Layer<ReceiptStore.ReceiptStore | Journal.Journal> = Layer.mergeAll(ReceiptStore.layerMemory, Journal.layerMemory)
