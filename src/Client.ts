/**
 * `EnactClient`: the Promise facade for code that does not use Effect, close to the original quickstart.
 * Receipts go to `receipts/` (durable, one JSON file per run) unless you pass `store: "memory"`.
 *
 * @example
 * ```ts
 * import { EnactClient, Policy, Workflow } from "./mod.ts"
 * const enact = new EnactClient({ secret: process.env.ENACT_SECRET, systems: {}, policies: [], workflows: [] })
 * const { result, receipt } = await enact.run({ workflow: "write_note", user: "agent@co", payload: { path: "a.txt", content: "hi" } })
 * console.log(result.decision, receipt.run_id)
 * await enact.close()
 * ```
 * @module
 */
import { Effect, Layer, ManagedRuntime } from "effect"
import * as Enact from "./Enact.ts"
import * as Journal from "./Journal.ts"
import type { Outcome } from "./Model.ts"
import type { Verification } from "./Receipt.ts"
import * as ReceiptStore from "./ReceiptStore.ts"
import * as Signer from "./Signer.ts"

/** Options of `EnactClient`: what to run, how to sign and where receipts go. */
export interface ClientOptions extends Enact.Config {
  /** HMAC secret (at least 32 characters); defaults to `ENACT_SECRET`. Ignored when `ed25519` is set. */
  readonly secret?: string | undefined
  /** Accept a short secret. Local development only. */
  readonly allowInsecureSecret?: boolean | undefined
  /** Sign with Ed25519 instead of HMAC. */
  readonly ed25519?: Signer.Ed25519KeyPair | undefined
  /** `"memory"`, or a folder for durable receipts (default `{ directory: "receipts" }`). */
  readonly store?: "memory" | { readonly directory?: string } | undefined
}

type Services = ReceiptStore.ReceiptStore | Journal.Journal

const storageLayer = (store: ClientOptions["store"]): Layer.Layer<Services, unknown> => {
  if (store === "memory") return Layer.mergeAll(ReceiptStore.layerMemory, Journal.layerMemory)
  const directory = store?.directory ?? "receipts"
  // Loaded lazily so memory-only users (edge functions) never load Node's file system bindings.
  const files: Effect.Effect<Layer.Layer<Services, unknown>> = Effect.promise(async () => {
    const [files, journal, nodeFs, nodePath] = await Promise.all([
      import("./FileReceiptStore.ts"),
      import("./FileJournal.ts"),
      import("@effect/platform-node/NodeFileSystem"),
      import("@effect/platform-node/NodePath")
    ])
    return Layer.mergeAll(
      files.layer({ directory }),
      journal.layer({ directory: `${directory}/.journal` })
    ).pipe(Layer.provide([nodeFs.layer, nodePath.layer]))
  })
  return Layer.unwrap(files)
}

/** The runtime's native SHA-256 for receipt hashing where `node:crypto` exists (Node, Deno), else none. */
const nativeHasher: Layer.Layer<never> = Layer.unwrap(
  Effect.promise(() => import("./MerkleNode.ts").then((m) => m.layer, () => Layer.empty))
)

/**
 * Runs workflows and actions behind policies, with signed receipts and one-call rollback.
 * Each method returns a Promise that rejects with Enact's typed errors (`UnknownWorkflow`,
 * `RollbackError`, `StoreError`, `SignerError`, ...).
 */
export class EnactClient {
  readonly #runtime: ManagedRuntime.ManagedRuntime<Enact.Enact, unknown>

  constructor(options: ClientOptions = {}) {
    const signer = options.ed25519 !== undefined
      ? Signer.layerEd25519(options.ed25519)
      : Signer.layerHmac({ secret: options.secret, allowInsecureSecret: options.allowInsecureSecret })
    this.#runtime = ManagedRuntime.make(
      Enact.layer(options).pipe(Layer.provide([storageLayer(options.store), signer, nativeHasher]))
    )
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

  /** Receipts the runs a crashed process left in the journal. */
  recover(options?: Enact.RecoverOptions): Promise<Enact.RecoverReport> {
    return this.#runtime.runPromise(Enact.recover(options))
  }

  /** Releases the store and runtime. */
  close(): Promise<void> {
    return this.#runtime.dispose()
  }
}
