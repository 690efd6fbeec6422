/**
 * One call to set up Enact for a test: memory stores (wrapped so a test can make them fail), WebCrypto,
 * a fixed HMAC secret, and run ids `run-1`, `run-2`, … in the order runs start. The stores, the journal
 * and the signer are provided next to `Enact`, so a test asserts on them with the ordinary services.
 *
 * Time comes from Effect's `Clock`: under `@effect/vitest`'s `it.effect` the `TestClock` starts at 0, so
 * the first receipt is stamped `1970-01-01T00:00:00.000Z`, and `TestClock.adjust` / `TestClock.setTime`
 * move the timestamps of the runs that follow (use `it.live` for the real clock).
 *
 * @example
 * ```ts
 * import { assert, it } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { TestClock } from "effect/testing"
 * import { Enact, ReceiptStore } from "../../mod.ts"
 * import { FakeKv, Testing } from "../../testing.ts"
 *
 * const kv = FakeKv.make({ allowedActions: ["set"] })
 * it.effect("a run is receipted with a deterministic id and time", () =>
 *   Effect.gen(function*() {
 *     yield* TestClock.setTime(Date.parse("2026-01-01T00:00:00Z"))
 *     const { receipt } = yield* Enact.runAction({ system: "kv", action: "set", args: { key: "a", value: "1" }, user: "u" })
 *     assert.strictEqual(receipt.run_id, "run-1")
 *     assert.strictEqual(receipt.timestamp, "2026-01-01T00:00:00.000Z")
 *     const stored = yield* (yield* ReceiptStore.ReceiptStore).list()
 *     assert.strictEqual(stored.length, 1)
 *     assert.strictEqual(kv.data.get("a"), "1")
 *   }).pipe(Effect.provide(Testing.layer({ systems: { kv: kv.connector } }))))
 * ```
 * @module
 */
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import * as Crypto from "../Crypto.ts"
import * as Enact from "../Enact.ts"
import * as Journal from "../store/Journal.ts"
import * as ReceiptStore from "../store/ReceiptStore.ts"
import * as Signer from "../receipt/Signer.ts"
import * as StoreFaults from "./StoreFaults.ts"

/** The HMAC secret of the test signer (never use it outside tests). */
export const SECRET = "enact-testing-secret-not-for-production-0001"

/** The memory receipt store layer (a fresh store each time the layer is built). */
export const layerReceiptStore: Layer.Layer<ReceiptStore.ReceiptStore> = ReceiptStore.layerMemory
/** The memory journal layer (a fresh journal each time the layer is built). */
export const layerJournal: Layer.Layer<Journal.Journal> = Journal.layerMemory

/**
 * Run ids `<prefix>-1`, `<prefix>-2`, … in the order they are asked for.
 *
 * @example
 * ```ts
 * import { Testing } from "../../testing.ts"
 * const next = Testing.runIds("job")
 * next() // "job-1"
 * next() // "job-2"
 * ```
 */
export const runIds = (prefix = "run"): () => string => {
  let n = 0
  return () => `${prefix}-${++n}`
}

/** Options of `layer` and `make`. */
export interface Options {
  /** The HMAC secret (default `SECRET`). */
  readonly secret?: string
  /** Use this signer instead of an HMAC one (an Ed25519 signer, a shared one). */
  readonly signer?: Signer.SignerService
  /** Where ids of runs whose caller chose none come from (default `runIds("run")`). */
  readonly runIds?: () => string
  /** The receipt store to wrap (default: a fresh memory store). */
  readonly store?: ReceiptStore.ReceiptStoreService
  /** The journal to wrap (default: a fresh memory journal). */
  readonly journal?: Journal.JournalService
}

/** What `make` returns: the service and everything it was built on, to assert on. */
export interface Harness {
  readonly enact: Enact.EnactService
  readonly store: ReceiptStore.ReceiptStoreService
  readonly journal: Journal.JournalService
  readonly signer: Signer.SignerService
  readonly faults: StoreFaults.Controller
}

/**
 * Builds Enact for a test (in a scope, which holds its background work) and hands back what it runs on. The store and journal are wrapped by one
 * `StoreFaults` controller (`faults`), so a test can make a write fail.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Testing } from "../../testing.ts"
 * const program = Effect.gen(function*() {
 *   const { enact, faults, journal } = yield* Testing.make({ systems: {} })
 *   faults.failNext({ operation: "append", reason: "Io" })
 *   return yield* journal.runs()
 * })
 * ```
 */
export const make: (config: Enact.Config, options?: Options) => Effect.Effect<Harness, Signer.SignerError, Scope.Scope> = Effect.fnUntraced(
  function*(config: Enact.Config, options: Options = {}) {
    const faults = StoreFaults.make()
    const store = StoreFaults.receiptStore(options.store ?? ReceiptStore.makeMemory(), faults)
    const journal = StoreFaults.journal(options.journal ?? Journal.makeMemory(), faults)
    const signer = options.signer ?? (yield* Signer.makeHmac({ secret: options.secret ?? SECRET }).pipe(Effect.provide(Crypto.layerWebCrypto)))
    const enact = yield* Enact.make(config).pipe(
      Effect.provideService(ReceiptStore.ReceiptStore, store),
      Effect.provideService(Journal.Journal, journal),
      Effect.provideService(Signer.Signer, signer),
      Effect.provideService(Enact.RunIds, options.runIds ?? runIds()),
      Effect.provide(Crypto.layerWebCrypto)
    )
    return { enact, store, journal, signer, faults }
  }
)

/** What `layer` provides. */
export type Services = Enact.Enact | ReceiptStore.ReceiptStore | Journal.Journal | Signer.Signer | StoreFaults.StoreFaults

/**
 * Enact over memory stores for a test, with the store, the journal, the signer and the fault controller
 * next to it. Each build is fresh: a layer provided to one test shares nothing with another.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Enact, ReceiptStore } from "../../mod.ts"
 * import { Testing } from "../../testing.ts"
 * const receipts = Effect.gen(function*() {
 *   yield* Enact.runAction({ system: "none", action: "noop", args: {}, user: "u" })
 *   return yield* (yield* ReceiptStore.ReceiptStore).list()
 * }).pipe(Effect.provide(Testing.layer({ systems: {} })))
 * ```
 */
export const layer = (config: Enact.Config, options: Options = {}): Layer.Layer<Services, Signer.SignerError> =>
  Layer.effectContext(Effect.map(make(config, options), (h) =>
    Context.make(Enact.Enact, h.enact).pipe(
      Context.add(ReceiptStore.ReceiptStore, h.store),
      Context.add(Journal.Journal, h.journal),
      Context.add(Signer.Signer, h.signer),
      Context.add(StoreFaults.StoreFaults, h.faults)
    )))
