/**
 * Builds an Enact instance for core tests with the testing kit (`Testing.make`: memory stores, WebCrypto,
 * the kit's test secret, run ids `run-1`, `run-2`, …), and hands the services back so a test can look
 * inside the store and the journal. Kept for the tests written before the kit; new tests use `testing.ts`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { setup } from "./support/enact.ts"
 * const program = Effect.gen(function*() {
 *   const { enact, store } = yield* setup({ systems: {}, policies: [], workflows: [] })
 * })
 * ```
 * @module
 */
import { Effect, Schema } from "effect"
import type { Scope } from "effect"
import type * as Enact from "../../src/Enact.ts"
import type * as Journal from "../../src/store/Journal.ts"
import type { Json, Receipt } from "../../src/Model.ts"
import type * as ReceiptStore from "../../src/store/ReceiptStore.ts"
import * as Crypto from "../../src/Crypto.ts"
import * as Signer from "../../src/receipt/Signer.ts"
import * as Workflow from "../../src/Workflow.ts"
import { Testing } from "../../testing.ts"

/** The HMAC secret the test signer uses: the kit's. */
export const SECRET = Testing.SECRET

/** The test signer. */
export const makeSigner = (secret: string = SECRET) => Signer.makeHmac({ secret }).pipe(Effect.provide(Crypto.layerWebCrypto))

export interface Harness {
  readonly enact: Enact.EnactService
  readonly store: ReceiptStore.ReceiptStoreService
  readonly journal: Journal.JournalService
  readonly signer: Signer.SignerService
}

/** Builds Enact over fresh in-memory services (or the ones given), with `Testing.make`. */
export const setup = (
  config: Enact.Config,
  services: {
    readonly store?: ReceiptStore.ReceiptStoreService
    readonly journal?: Journal.JournalService
    readonly signer?: Signer.SignerService
  } = {}
): Effect.Effect<Harness, Signer.SignerError, Scope.Scope> => Testing.make(config, services)

/** The payload of the `set_many` workflow: key/value pairs set in order on the system `system`. */
export const SetMany = Schema.Struct({
  system: Schema.String,
  pairs: Schema.Array(Schema.Struct({ key: Schema.String, value: Schema.String }))
})

/** Sets each pair in order through `ctx.act(system, set)`. */
export const setMany = Workflow.make({
  name: "set_many",
  payload: SetMany,
  run: (ctx) =>
    Effect.forEach(ctx.payload.pairs, (p) => ctx.act(ctx.payload.system, { action: "set", args: { key: p.key, value: p.value } }), {
      discard: true
    })
})

/** A workflow running the given calls in order on `system`, ignoring its payload. */
export const steps = (
  name: string,
  system: string,
  calls: ReadonlyArray<{ readonly action: string; readonly args: Json }>
): Workflow.Workflow<Json> =>
  Workflow.make({
    name,
    payload: Schema.Json,
    run: (ctx) => Effect.forEach(calls, (c) => ctx.act(system, c), { discard: true })
  })

/** A plain JSON copy of a receipt (what another process would read back). */
export const toJson = (r: Receipt): Record<string, unknown> => JSON.parse(JSON.stringify(r)) as Record<string, unknown>

/** The kv map as a plain sorted object, for exact state comparisons. */
export const stateOf = (data: ReadonlyMap<string, string>): Record<string, string> =>
  Object.fromEntries([...data.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))

/** What a failure refused with: the reason of an `EnactError`, or the tag of any other error. */
export const refusal = (e: { readonly _tag: string }): string =>
  e._tag === "EnactError" ? (e as unknown as { readonly reason: { readonly _tag: string } }).reason._tag : e._tag
