/**
 * `EnactClient`: the Promise facade for code that does not use Effect, close to the original quickstart.
 * This one is portable (Web APIs only): receipts live in memory unless you pass storage layers, and
 * crypto is WebCrypto. `node.ts` exports the same class with Node defaults: durable receipts in
 * `receipts/` and native crypto.
 *
 * @example
 * ```ts
 * import { EnactClient } from "../mod.ts"
 * const enact = new EnactClient({ secret: "a-secret-of-at-least-32-characters!!", systems: {}, policies: [], workflows: [] })
 * const { result, receipt } = await enact.run({ workflow: "write_note", user: "agent@co", payload: { path: "a.txt", content: "hi" } })
 * console.log(result.decision, receipt.run_id)
 * await enact.close()
 * ```
 * @module
 */
import { Effect, Layer, ManagedRuntime, Option } from "effect"
import * as Crypto from "./Crypto.ts"
import * as Enact from "./Enact.ts"
import * as Journal from "./store/Journal.ts"
import * as Merkle from "./receipt/Merkle.ts"
import type { Outcome, Receipt } from "./Model.ts"
import * as ReceiptModule from "./receipt/Receipt.ts"
import type { Verification } from "./receipt/Receipt.ts"
import * as ReceiptStore from "./store/ReceiptStore.ts"
import * as Signer from "./receipt/Signer.ts"

/** Where receipts and the journal go, as layers (e.g. `FileReceiptStore` + `FileJournal` from `node.ts`). */
export type Storage = Layer.Layer<ReceiptStore.ReceiptStore | Journal.Journal, unknown>

/** Options of `EnactClient`: what to run, how to sign and where receipts go. */
export interface ClientOptions extends Enact.Config {
  /** HMAC secret (at least 32 characters); defaults to `ENACT_SECRET`. Ignored when `ed25519` is set. */
  readonly secret?: string | undefined
  /** Accept a short secret. Local development only. */
  readonly allowInsecureSecret?: boolean | undefined
  /** Sign with Ed25519 instead of HMAC. */
  readonly ed25519?: Signer.Ed25519KeyPair | undefined
  /**
   * `"memory"`, storage layers, or (with `node.ts`) a folder for durable receipts. Portable default:
   * `"memory"`; Node default: `{ directory: "receipts" }`.
   */
  readonly store?: "memory" | { readonly directory?: string } | Storage | undefined
  /** Read-only services policies may use, e.g. a DNS resolver: `Policies.Dns.layer(resolver)`. */
  readonly services?: Layer.Layer<never> | undefined
}

/** What a runtime supplies: its crypto layer and how it turns `store` into layers. */
export interface Platform {
  readonly crypto: Layer.Layer<Crypto.Services>
  readonly storage: (store: ClientOptions["store"]) => Storage
}

const memory: Storage = Layer.mergeAll(ReceiptStore.layerMemory, Journal.layerMemory)

/** The portable platform: WebCrypto, memory storage or the layers given. */
export const portable: Platform = {
  crypto: Crypto.layerWebCrypto,
  storage: (store) => {
    if (store === undefined || store === "memory") return memory
    if (Layer.isLayer(store)) return store as Storage
    throw new TypeError("A folder for receipts needs the Node entry point: import { EnactClient } from \"enact/node\" (node.ts)")
  }
}

/** Checks the signing configuration now, so a missing or weak secret fails at construction. */
const checkSigning = (options: ClientOptions): void => {
  if (options.ed25519 !== undefined) {
    const { privateKey, publicKey } = options.ed25519
    if (!(privateKey instanceof Uint8Array) || !(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
      throw new Signer.SignerError({ reason: "InvalidKey", message: "ed25519 needs { privateKey, publicKey } as bytes (32-byte public key)" })
    }
    return
  }
  const checked = Effect.runSync(Effect.result(Signer.secretOf({ secret: options.secret, allowInsecureSecret: options.allowInsecureSecret })))
  if (checked._tag === "Failure") throw checked.failure
}

/**
 * Runs workflows and actions behind policies, with signed receipts and one-call rollback. The
 * constructor throws a `SignerError` for a missing or weak secret; each method returns a Promise that
 * rejects with Enact's typed errors (`EnactError` with a tagged reason, `StoreError`, `SignerError`).
 */
export class EnactClient {
  readonly #runtime: ManagedRuntime.ManagedRuntime<Enact.Enact | ReceiptStore.ReceiptStore, unknown>

  constructor(options: ClientOptions = {}, platform: Platform = portable) {
    checkSigning(options)
    const signer = options.ed25519 !== undefined
      ? Signer.layerEd25519(options.ed25519)
      : Signer.layerHmac({ secret: options.secret, allowInsecureSecret: options.allowInsecureSecret })
    const services = Layer.mergeAll(platform.storage(options.store), signer, options.services ?? Layer.empty).pipe(
      Layer.provideMerge(platform.crypto)
    )
    this.#runtime = ManagedRuntime.make(Layer.provideMerge(Enact.layer(options), services))
  }

  /** Resolves once signer and store are ready; rejects with the configuration error otherwise. */
  ready(): Promise<void> {
    return this.#runtime.runPromise(Effect.void)
  }

  /** Runs a registered workflow. */
  run(req: Enact.RunRequest): Promise<Outcome> {
    return this.#runtime.runPromise(Enact.run(req))
  }

  /** Runs one connector action, gated by every policy and receipted. */
  runAction(req: Enact.ActionRequest): Promise<Outcome> {
    return this.#runtime.runPromise(Enact.runAction(req))
  }

  /** Rolls a run back from its verified receipt. */
  rollback(runId: string, options?: Enact.RollbackOptions): Promise<Outcome> {
    return this.#runtime.runPromise(Enact.rollback(runId, options))
  }

  /** What `rollback` would do, without doing it. */
  rollbackPlan(runId: string): Promise<Enact.Plan> {
    return this.#runtime.runPromise(Enact.rollbackPlan(runId))
  }

  /** Verifies a receipt's integrity and signature. */
  verify(receipt: unknown): Promise<Verification> {
    return this.#runtime.runPromise(Enact.verify(receipt))
  }

  /** A stored receipt, or `undefined`. */
  get(runId: string): Promise<Receipt | undefined> {
    return this.#runtime.runPromise(
      Effect.flatMap(Effect.service(ReceiptStore.ReceiptStore), (store) => Effect.map(store.get(runId), Option.getOrUndefined))
    )
  }

  /** Stored receipts matching every filter given, newest first. */
  list(filter: ReceiptStore.ListFilter = {}): Promise<ReadonlyArray<Receipt>> {
    return this.#runtime.runPromise(Effect.flatMap(Effect.service(ReceiptStore.ReceiptStore), (store) => store.list(filter)))
  }

  /** Receipts the runs a crashed process left in the journal, and audits the store. */
  recover(options?: Enact.RecoverOptions): Promise<Enact.RecoverReport> {
    return this.#runtime.runPromise(Enact.recover(options))
  }

  /** Releases the store and runtime. */
  close(): Promise<void> {
    return this.#runtime.dispose()
  }
}

/** How an auditor verifies: the HMAC secret, or an Ed25519 public key alone. */
export type VerifyKey = { readonly secret: string } | { readonly ed25519PublicKey: Uint8Array }

/**
 * Verifies one receipt without running anything: for auditors, who need only the public key (Ed25519) or
 * the shared secret (HMAC).
 *
 * @example
 * ```ts
 * import { verifyReceipt } from "../mod.ts"
 * declare const receipt: unknown
 * declare const publicKey: Uint8Array
 * const { valid } = await verifyReceipt(receipt, { ed25519PublicKey: publicKey })
 * ```
 */
export const verifyReceipt = (receipt: unknown, key: VerifyKey, crypto: Layer.Layer<Crypto.Services> = Crypto.layerWebCrypto): Promise<Verification> =>
  Effect.runPromise(
    Effect.gen(function*() {
      const signer = yield* ("secret" in key
        ? Signer.makeHmac({ secret: key.secret, allowInsecureSecret: true })
        : Signer.makeEd25519Verifier(key.ed25519PublicKey))
      return yield* ReceiptModule.verifyWith(signer, receipt, yield* Merkle.hasher)
    }).pipe(Effect.provide(crypto))
  )
