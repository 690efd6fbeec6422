/**
 * Where signed receipts live. A store is a service with an in-memory layer here, a durable filesystem
 * layer in `FileReceiptStore.ts` and a PostgreSQL layer in its own module; all validate run ids before a
 * path or query sees them, and receipts are write-once.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReceiptStore } from "../../mod.ts"
 * const passes = Effect.gen(function*() {
 *   const store = yield* ReceiptStore.ReceiptStore
 *   return yield* store.list({ decision: "PASS", limit: 10 })
 * }).pipe(Effect.provide(ReceiptStore.layerMemory))
 * ```
 * @module
 */
import { Context, Effect, Layer, Option } from "effect"
import * as ReceiptText from "./_receiptText.ts"
import type { Decision, Receipt } from "../Model.ts"
import * as StoreError from "./StoreError.ts"

/** Filters for `list`. Times are ISO-8601 strings compared against `timestamp`; `until` is exclusive. */
export interface ListFilter {
  readonly workflow?: string
  readonly decision?: Decision
  readonly user?: string
  readonly originalRunId?: string
  readonly since?: string
  readonly until?: string
  /** Newest first; at most this many. */
  readonly limit?: number
}

export interface ReceiptStoreService {
  /** Durably stores a receipt. Fails with `AlreadyExists` if the run id is taken. */
  readonly put: (receipt: Receipt) => Effect.Effect<void, StoreError.StoreError>
  /** Loads a receipt, or `None`. */
  readonly get: (runId: string) => Effect.Effect<Option.Option<Receipt>, StoreError.StoreError>
  /**
   * Lists receipts matching every given filter, newest first. Stored entries that are not valid canonical
   * receipts (a forged or edited file) are skipped: `ids` and `get` show which.
   */
  readonly list: (filter?: ListFilter) => Effect.Effect<ReadonlyArray<Receipt>, StoreError.StoreError>
  /**
   * Every run id the store holds an entry for, valid or not, sorted: an auditor can `get` each and see which
   * are refused (`Corrupt`) or incomplete (`None`).
   */
  readonly ids: () => Effect.Effect<ReadonlyArray<string>, StoreError.StoreError>
}

/** The receipt store service. */
const ReceiptStoreBase: Context.ServiceClass<ReceiptStore, "enact/ReceiptStore", ReceiptStoreService> =
  Context.Service<ReceiptStore, ReceiptStoreService>()("enact/ReceiptStore")
export class ReceiptStore extends ReceiptStoreBase {}

/** True when a receipt matches a filter (shared by the stores that filter in memory). */
export const matches = (r: Receipt, f: ListFilter): boolean =>
  (f.workflow === undefined || r.workflow === f.workflow) &&
  (f.decision === undefined || r.decision === f.decision) &&
  (f.user === undefined || r.user_email === f.user) &&
  (f.originalRunId === undefined || r.original_run_id === f.originalRunId) &&
  (f.since === undefined || r.timestamp >= f.since) &&
  (f.until === undefined || r.timestamp < f.until)

/** Sorts newest first and applies `limit`. */
export const newestFirst = (rs: ReadonlyArray<Receipt>, limit: number | undefined): ReadonlyArray<Receipt> => {
  const sorted = [...rs].sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : 0))
  return limit === undefined ? sorted : sorted.slice(0, Math.max(0, limit))
}

/**
 * Builds an in-memory store (each call gets its own map). Receipts are kept as their canonical text (as the
 * file store writes them, checked the same way): a store holding many receipts then costs the garbage
 * collector one string each instead of a graph of objects, and `get` returns a fresh copy every time.
 */
export const makeMemory = (): ReceiptStoreService => {
  const receipts = new Map<string, string>()
  const decode = (text: string): Receipt => JSON.parse(text) as Receipt
  return {
    put: (receipt) => Effect.suspend(() => {
      if (!StoreError.isValidRunId(receipt.run_id)) return Effect.fail(StoreError.invalidRunId(receipt.run_id))
      if (receipts.has(receipt.run_id)) {
        return Effect.fail(StoreError.alreadyExists(`Receipt ${receipt.run_id} already exists`))
      }
      const encoded = ReceiptText.encode(receipt)
      if (!encoded.ok) return Effect.fail(StoreError.corrupt(`Receipt ${receipt.run_id} ${encoded.problem}`))
      receipts.set(receipt.run_id, encoded.text)
      return Effect.void
    }),
    get: (runId) => Effect.suspend(() => {
      if (!StoreError.isValidRunId(runId)) return Effect.fail(StoreError.invalidRunId(runId))
      const text = receipts.get(runId)
      return Effect.succeed(text === undefined ? Option.none() : Option.some(decode(text)))
    }),
    ids: () => Effect.sync(() => [...receipts.keys()].sort()),
    list: (filter = {}) =>
      Effect.sync(() => newestFirst([...receipts.values()].map(decode).filter((r) => matches(r, filter)), filter.limit))
  }
}

/** An in-memory store: for tests, demos and benchmarks. Lost when the process exits. */
export const layerMemory: Layer.Layer<ReceiptStore> = Layer.sync(ReceiptStore, makeMemory)
