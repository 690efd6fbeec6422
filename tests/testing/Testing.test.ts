/**
 * `Testing.layer` / `Testing.make`: Enact over memory stores in one call, with deterministic run ids,
 * timestamps from the test clock, the stores and journal reachable for assertions, and stores that fail
 * on demand (`StoreFaults`).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { TestClock } from "effect/testing"
import * as Crypto from "../../src/Crypto.ts"
import * as Enact from "../../src/Enact.ts"
import * as Journal from "../../src/store/Journal.ts"
import * as Receipt from "../../src/receipt/Receipt.ts"
import * as ReceiptStore from "../../src/store/ReceiptStore.ts"
import * as Signer from "../../src/receipt/Signer.ts"
import { FakeKv, StoreFaults, Testing } from "../../testing.ts"

const set = (key: string, value: string, runId?: string) =>
  Enact.runAction({ system: "kv", action: "set", args: { key, value }, user: "u", ...(runId === undefined ? {} : { runId }) })

describe("Testing.layer", () => {
  it.effect("run ids are run-1, run-2, … in the order runs start, and rollback ids follow from them", () => {
    const kv = FakeKv.make({ allowedActions: ["set"] })
    return Effect.gen(function*() {
      const ids = [(yield* set("a", "1")).receipt.run_id, (yield* set("b", "1")).receipt.run_id]
      assert.deepStrictEqual(ids, ["run-1", "run-2"])
      assert.strictEqual((yield* set("c", "1", "chosen")).receipt.run_id, "chosen", "a caller's own id is kept")
      assert.strictEqual((yield* set("d", "1")).receipt.run_id, "run-3")
      assert.strictEqual((yield* Enact.rollback("run-1")).receipt.run_id, "rb-1-run-1")
    }).pipe(Effect.provide(Testing.layer({ systems: { kv: kv.connector } })))
  })

  it.effect("each build is fresh: ids restart and no receipt is shared", () => {
    const kv = FakeKv.make({ allowedActions: ["set"] })
    const once = Effect.gen(function*() {
      const { receipt } = yield* set("a", String(Math.random()))
      return { id: receipt.run_id, stored: (yield* (yield* ReceiptStore.ReceiptStore).ids()).length }
    }).pipe(Effect.provide(Testing.layer({ systems: { kv: kv.connector } })))
    return Effect.gen(function*() {
      assert.deepStrictEqual([yield* once, yield* once], [{ id: "run-1", stored: 1 }, { id: "run-1", stored: 1 }])
    })
  })

  it.effect("timestamps come from the test clock: 1970 at first, then wherever TestClock is moved", () => {
    const kv = FakeKv.make({ allowedActions: ["set"] })
    return Effect.gen(function*() {
      assert.strictEqual((yield* set("a", "1")).receipt.timestamp, "1970-01-01T00:00:00.000Z")
      yield* TestClock.adjust("90 minutes")
      assert.strictEqual((yield* set("a", "2")).receipt.timestamp, "1970-01-01T01:30:00.000Z")
      yield* TestClock.setTime(Date.parse("2026-11-30T09:00:00.000Z"))
      const last = yield* set("a", "3")
      assert.strictEqual(last.receipt.timestamp, "2026-11-30T09:00:00.000Z")
      const recent = yield* (yield* ReceiptStore.ReceiptStore).list({ since: "2026-01-01T00:00:00.000Z" })
      assert.deepStrictEqual(recent.map((r) => r.run_id), ["run-3"])
    }).pipe(Effect.provide(Testing.layer({ systems: { kv: kv.connector } })))
  })

  it.effect("the store, the journal and the signer are the ones Enact uses: receipts verify with the test secret", () => {
    const kv = FakeKv.make({ allowedActions: ["set"] })
    return Effect.gen(function*() {
      const { receipt } = yield* set("a", "1")
      const stored = yield* (yield* ReceiptStore.ReceiptStore).get(receipt.run_id)
      assert.deepStrictEqual(Option.getOrUndefined(stored), receipt)
      assert.deepStrictEqual(yield* (yield* Journal.Journal).runs(), [], "the journal is dropped once the receipt is stored")
      assert.isTrue(yield* Receipt.verify(receipt).pipe(Effect.provide(Crypto.layerWebCrypto)))
      const outsider = yield* Signer.makeHmac({ secret: "another-secret-of-at-least-32-characters" }).pipe(Effect.provide(Crypto.layerWebCrypto))
      assert.isFalse(yield* Receipt.verify(receipt).pipe(Effect.provideService(Signer.Signer, outsider), Effect.provide(Crypto.layerWebCrypto)))
    }).pipe(Effect.provide(Testing.layer({ systems: { kv: kv.connector } })))
  })

  it.effect("a store that refuses the put: the run fails with the StoreError, and the journal keeps the run for recovery", () => {
    const kv = FakeKv.make({ allowedActions: ["set"] })
    return Effect.gen(function*() {
      const faults = yield* StoreFaults.StoreFaults
      faults.failNext({ operation: "put", reason: "Io", message: "disk full" })
      const e = yield* Effect.flip(set("a", "1"))
      assert.isTrue(e._tag === "StoreError" && e.reason._tag === "Io" && e.message.includes("disk full"), e.message)
      assert.deepStrictEqual(faults.triggered(), [{ operation: "put", runId: "run-1" }])
      assert.deepStrictEqual(yield* (yield* ReceiptStore.ReceiptStore).ids(), [])
      assert.deepStrictEqual(yield* (yield* Journal.Journal).runs(), ["run-1"])
      const report = yield* Enact.recover()
      assert.deepStrictEqual(report.recovered.map((o) => [o.receipt.run_id, o.receipt.decision]), [["run-1", "PARTIAL"]])
    }).pipe(Effect.provide(Testing.layer({ systems: { kv: kv.connector } })))
  })

  it.effect("an applied fault: the write lands, then the caller is told it failed", () =>
    Effect.gen(function*() {
      const faults = StoreFaults.make()
      const journal = StoreFaults.journal(Journal.makeMemory(), faults)
      faults.failNext({ operation: "append", runId: "r1", applied: true })
      faults.failNext({ operation: "append", runId: "other" })
      const begin = { type: "begin", run_id: "r1", workflow: "w", user_email: "u", user_attributes: {}, payload: null, timestamp: "t", seq: 0, prev: "", sig: "s" } as const
      assert.strictEqual((yield* Effect.flip(journal.append("r1", [begin]))).reason._tag, "Io")
      assert.deepStrictEqual(Option.getOrUndefined(yield* journal.read("r1")), [begin])
      assert.strictEqual(faults.pending(), 1, "the fault for another run is still armed")
      faults.clear()
      yield* journal.append("other", [begin])
      assert.strictEqual(faults.pending(), 0)
    }))

  it("a controller not built by StoreFaults.make is refused (its faults could never fire)", () => {
    const foreign: StoreFaults.Controller = { failNext: () => {}, pending: () => 0, clear: () => {}, triggered: () => [] }
    assert.throws(() => StoreFaults.receiptStore(ReceiptStore.makeMemory(), foreign), /StoreFaults\.make/)
    assert.throws(() => StoreFaults.journal(Journal.makeMemory(), foreign), /StoreFaults\.make/)
  })

  it.effect("options: another secret, run id prefix, and a store of your own", () => {
    const kv = FakeKv.make({ allowedActions: ["set"] })
    const mine = ReceiptStore.makeMemory()
    return Effect.gen(function*() {
      const h = yield* Testing.make({ systems: { kv: kv.connector } }, { secret: "a-second-test-secret-of-32-characters!", runIds: Testing.runIds("job"), store: mine })
      const { receipt } = yield* h.enact.runAction({ system: "kv", action: "set", args: { key: "a", value: "1" }, user: "u" })
      assert.strictEqual(receipt.run_id, "job-1")
      assert.isTrue(Option.isSome(yield* mine.get("job-1")), "the receipt is in the store given")
      const defaultSigner = yield* Signer.makeHmac({ secret: Testing.SECRET }).pipe(Effect.provide(Crypto.layerWebCrypto))
      assert.notStrictEqual(receipt.key_id, defaultSigner.keyId)
    })
  })
})
