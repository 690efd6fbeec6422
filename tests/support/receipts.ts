/**
 * Receipts with filler values, for tests that need a receipt but read only a few of its fields, and a
 * memory store holding some. Neither the stores nor the policies verify signatures, so the filler one
 * (`"00"`) will do wherever a test does not check it.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { storedReceipt, storeWith } from "./support/receipts.ts"
 * const program = Effect.gen(function*() {
 *   const store = yield* storeWith(storedReceipt({ run_id: "r1", payload: { to: "ann@co.com" } }))
 * })
 * ```
 * @module
 */
import { Effect } from "effect"
import type { Receipt, UnsignedReceipt } from "../../src/Model.ts"
import * as ReceiptStore from "../../src/store/ReceiptStore.ts"
import type * as StoreError from "../../src/store/StoreError.ts"

/**
 * The signed fields of a receipt: run `r0` of workflow `w` by `u`, payload `null`, passed, did nothing,
 * at 2026-01-01T00:00:00Z, HMAC key `test`; `fields` replace any of them (the key order stays this one).
 */
export const unsignedReceipt = (fields: Partial<UnsignedReceipt> = {}): UnsignedReceipt => ({
  format_version: 2,
  run_id: "r0",
  workflow: "w",
  user_email: "u",
  user_attributes: {},
  payload: null,
  policy_results: [],
  policy_reads: [],
  decision: "PASS",
  reason: null,
  actions_taken: [],
  manual_steps: [],
  original_run_id: null,
  timestamp: "2026-01-01T00:00:00.000Z",
  signature_alg: "hmac-sha256",
  key_id: "test",
  ...fields
})

/** A receipt as a store holds it: `unsignedReceipt`'s defaults, signature `"00"` with no proof; `fields` replace any of them. */
export const storedReceipt = (fields: Partial<Receipt> = {}): Receipt => ({
  ...unsignedReceipt(),
  signature: "00",
  signature_proof: [],
  ...fields
})

/** A fresh memory receipt store holding `receipts`. */
export const storeWith = (
  ...receipts: ReadonlyArray<Receipt>
): Effect.Effect<ReceiptStore.ReceiptStoreService, StoreError.StoreError> =>
  Effect.gen(function*() {
    const store = ReceiptStore.makeMemory()
    for (const r of receipts) yield* store.put(r)
    return store
  })
