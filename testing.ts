/**
 * What you test your agents, policies and connectors with: Enact over memory stores in one call
 * (`Testing`), stores and journals that fail on demand (`StoreFaults`), fake systems that behave like the
 * real ones, failures and inverses included (`FakeKv`, and `FilePlatformMemory` to run the real
 * filesystem connector on an in-memory tree), and conformance suites for the stores, journals and
 * connectors you write yourself (`Conformance`). Portable: no `node:` import.
 *
 * @example
 * ```ts
 * import { assert, it } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { Enact } from "./mod.ts"
 * import { FakeKv, Testing } from "./testing.ts"
 *
 * it.effect("rollback puts the old value back", () => {
 *   const kv = FakeKv.make({ allowedActions: ["set"] })
 *   kv.data.set("plan", "free")
 *   return Effect.gen(function*() {
 *     const run = yield* Enact.runAction({ system: "crm", action: "set", args: { key: "plan", value: "pro" }, user: "agent@co" })
 *     yield* Enact.rollback(run.receipt.run_id)
 *     assert.strictEqual(kv.data.get("plan"), "free")
 *   }).pipe(Effect.provide(Testing.layer({ systems: { crm: kv.connector } })))
 * })
 * ```
 * @module
 */
export * as Conformance from "./src/testing/Conformance.ts"
export * as FakeKv from "./src/testing/FakeKv.ts"
export * as FilePlatformMemory from "./connectors/FilePlatformMemory.ts"
export * as StoreFaults from "./src/testing/StoreFaults.ts"
export * as Testing from "./src/testing/Testing.ts"
