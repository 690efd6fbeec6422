/**
 * A run id runs once (issue 6, item 4), live runs are off limits (item 5, in one process) and rollback
 * receipt ids cannot collide (item 6).
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Option, Schema } from "effect"
import type { Scope } from "effect"
import * as nodePath from "node:path"
import * as FileJournal from "../src/store/FileJournal.ts"
import type * as Journal from "../src/store/Journal.ts"
import * as Rollback from "../src/run/Rollback.ts"
import * as Workflow from "../src/Workflow.ts"
import { setup, stateOf, refusal } from "./support/enact.ts"
import { makeKv } from "./support/kv.ts"
import { tempDir } from "./support/tempDir.ts"

/** A workflow that sets `key` then waits for `gate` before finishing: runs that overlap in time. */
const held = (gate: Deferred.Deferred<void>, started: Deferred.Deferred<void>) =>
  Workflow.make({
    name: "held",
    payload: Schema.Struct({ key: Schema.String, value: Schema.String }),
    run: (ctx) =>
      Effect.gen(function*() {
        yield* ctx.act("store", { action: "set", args: { key: ctx.payload.key, value: ctx.payload.value } })
        yield* Deferred.succeed(started, undefined)
        yield* Deferred.await(gate)
      })
  })

const tagOf = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.result(effect), (r) => (r._tag === "Success" ? "ok" : refusal(r.failure)))

const fileJournal = Effect.gen(function*() {
  const dir = nodePath.join(yield* tempDir("enact-leases-"), "journal")
  return yield* FileJournal.make({ directory: dir, leaseTtl: "30 seconds" })
}).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))

const journals: ReadonlyArray<readonly [string, Effect.Effect<Journal.JournalService | undefined, never, Scope.Scope>]> = [
  ["memory journal", Effect.succeed(undefined)],
  ["file journal", Effect.orDie(fileJournal)]
]

for (const [label, makeJournal] of journals) {
  describe(`a run id runs once (${label})`, () => {
    it.effect("two concurrent runs with the same caller-chosen id: exactly one executes, the other is refused", () =>
      Effect.gen(function*() {
        const journal = yield* makeJournal
        const kv = makeKv({ allowedActions: ["set"] })
        const gate = yield* Deferred.make<void>()
        const started = yield* Deferred.make<void>()
        const { enact, store } = yield* setup({ systems: { store: kv.connector }, workflows: [held(gate, started)] }, journal === undefined ? {} : { journal })
        const first = yield* Effect.forkChild(enact.run({ workflow: "held", user: "u", runId: "job-7", payload: { key: "a", value: "first" } }))
        yield* Deferred.await(started)
        // the retry arrives while the original is still running
        const retry = yield* Effect.flip(enact.run({ workflow: "held", user: "u", runId: "job-7", payload: { key: "a", value: "retry" } }))
        assert.strictEqual(refusal(retry), "RunInProgress")
        yield* Deferred.succeed(gate, undefined)
        const done = yield* Effect.exit(Fiber.join(first))
        assert.strictEqual(done._tag, "Success")
        assert.deepStrictEqual(kv.log, ["a=first"], "the retry ran nothing")
        // afterwards the id is taken for good: a third attempt is refused without running
        const third = yield* Effect.flip(enact.run({ workflow: "held", user: "u", runId: "job-7", payload: { key: "a", value: "third" } }))
        assert.strictEqual(refusal(third), "InvalidRequest")
        assert.deepStrictEqual(kv.log, ["a=first"])
        assert.strictEqual((yield* store.list()).length, 1)
      }))

    it.effect("many concurrent runs racing for one id: one receipt, one execution", () =>
      Effect.gen(function*() {
        const journal = yield* makeJournal
        const kv = makeKv({ allowedActions: ["set"] })
        const wf = Workflow.make({
          name: "once",
          payload: Schema.Struct({ n: Schema.Number }),
          run: (ctx) => Effect.andThen(Effect.yieldNow, ctx.act("store", { action: "set", args: { key: "k", value: String(ctx.payload.n) } }))
        })
        const { enact, store } = yield* setup({ systems: { store: kv.connector }, workflows: [wf] }, journal === undefined ? {} : { journal })
        const results = yield* Effect.all(
          Array.from({ length: 12 }, (_, n) => tagOf(enact.run({ workflow: "once", user: "u", runId: "race-1", payload: { n } }))),
          { concurrency: "unbounded" }
        )
        assert.strictEqual(results.filter((r) => r === "ok").length, 1, results.join(","))
        assert.isTrue(results.every((r) => r === "ok" || r === "RunInProgress" || r === "InvalidRequest"), results.join(","))
        assert.strictEqual(kv.log.length, 1)
        assert.strictEqual((yield* store.list()).length, 1)
      }))

    it.effect("a run still executing cannot be rolled back, planned or recovered; afterwards it can", () =>
      Effect.gen(function*() {
        const journal = yield* makeJournal
        const kv = makeKv({ allowedActions: ["set"] })
        kv.data.set("a", "before")
        const gate = yield* Deferred.make<void>()
        const started = yield* Deferred.make<void>()
        const { enact, store } = yield* setup({ systems: { store: kv.connector }, workflows: [held(gate, started)] }, journal === undefined ? {} : { journal })
        const running = yield* Effect.forkChild(enact.run({ workflow: "held", user: "u", runId: "live-1", payload: { key: "a", value: "agent" } }))
        yield* Deferred.await(started)
        assert.strictEqual(yield* tagOf(enact.rollback("live-1")), "RunInProgress")
        assert.strictEqual(yield* tagOf(enact.rollbackPlan("live-1")), "RunInProgress")
        const report = yield* enact.recover()
        assert.deepStrictEqual(report.inProgress, ["live-1"])
        assert.deepStrictEqual(report.recovered, [])
        assert.isTrue(Option.isNone(yield* store.get("live-1")), "no PARTIAL receipt for a live run")
        assert.strictEqual(kv.data.get("a"), "agent", "nothing undone under the live run")
        yield* Deferred.succeed(gate, undefined)
        const outcome = yield* Effect.exit(Fiber.join(running))
        assert.strictEqual(outcome._tag, "Success")
        const rb = yield* enact.rollback("live-1")
        assert.strictEqual(rb.result.decision, "ROLLED_BACK")
        assert.strictEqual(kv.data.get("a"), "before")
      }))
  })
}

describe("rollback receipt ids cannot collide", () => {
  it.effect("run `job`'s second attempt and run `job-2`'s rollback get distinct receipts, each linked to its own run", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      // `job` writes a; its first rollback fails (the system is down), its second succeeds.
      const wf = Workflow.make({
        name: "put",
        payload: Schema.Struct({ key: Schema.String, value: Schema.String }),
        run: (ctx) => ctx.act("store", { action: "set", args: ctx.payload })
      })
      const { enact, store } = yield* setup({ systems: { store: kv.connector }, workflows: [wf] })
      yield* enact.run({ workflow: "put", user: "u", runId: "job", payload: { key: "a", value: "job" } })
      yield* enact.run({ workflow: "put", user: "u", runId: "job-2", payload: { key: "b", value: "job-2" } })
      // The first attempt at undoing `job` stops: someone changed the key since the run.
      kv.data.set("a", "someone else")
      const first = yield* enact.rollback("job")
      assert.strictEqual(first.result.decision, "ROLLBACK_PARTIAL")
      kv.data.set("a", "job")
      const second = yield* enact.rollback("job")
      assert.strictEqual(second.result.decision, "ROLLED_BACK")
      const other = yield* enact.rollback("job-2")
      assert.strictEqual(other.result.decision, "ROLLED_BACK")
      const ids = [first.receipt.run_id, second.receipt.run_id, other.receipt.run_id]
      assert.deepStrictEqual(ids, [Rollback.attemptId("job", 1), Rollback.attemptId("job", 2), Rollback.attemptId("job-2", 1)])
      assert.strictEqual(new Set(ids).size, 3)
      assert.deepStrictEqual([first, second, other].map((o) => o.receipt.original_run_id), ["job", "job", "job-2"])
      assert.deepStrictEqual(stateOf(kv.data), {}, "both runs are really undone")
      assert.strictEqual((yield* store.list({ originalRunId: "job" })).length, 2)
      assert.strictEqual((yield* store.list({ originalRunId: "job-2" })).length, 1)
    }))

  it.effect("a receipt sitting at a rollback id but linked to another run is refused, not taken as an attempt", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const wf = Workflow.make({
        name: "put",
        payload: Schema.Struct({ key: Schema.String, value: Schema.String }),
        run: (ctx) => ctx.act("store", { action: "set", args: ctx.payload })
      })
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [wf] })
      yield* enact.run({ workflow: "put", user: "u", runId: "victim", payload: { key: "v", value: "1" } })
      yield* enact.run({ workflow: "put", user: "u", runId: "other", payload: { key: "o", value: "1" } })
      // A genuine, signed rollback receipt of `other`... cannot be mistaken for one of `victim`:
      const rb = yield* enact.rollback("other")
      assert.strictEqual(rb.receipt.original_run_id, "other")
      assert.notStrictEqual(rb.receipt.run_id, Rollback.attemptId("victim", 1))
      const undo = yield* enact.rollback("victim")
      assert.strictEqual(undo.result.decision, "ROLLED_BACK")
      assert.strictEqual(undo.receipt.run_id, Rollback.attemptId("victim", 1))
    }))

  it.effect("caller-chosen ids cannot take the rollback namespace", () =>
    Effect.gen(function*() {
      const { enact } = yield* setup({ workflows: [] })
      const e = yield* Effect.flip(enact.runAction({ system: "s", action: "a", args: {}, user: "u", runId: "rb-1-job" }))
      assert.strictEqual(refusal(e), "InvalidRequest")
    }))
})
