/**
 * The journal is a chain (issue 6, item 7) and inverses compare before they swap (item 8): a journal
 * edited on disk (a line deleted, reordered, duplicated, spliced in from another run) is refused as a
 * whole, and no rollback overwrites a change made after the run.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema } from "effect"
import * as fsp from "node:fs/promises"
import * as nodePath from "node:path"
import * as FileJournal from "../src/store/FileJournal.ts"
import type * as Journal from "../src/store/Journal.ts"
import * as JournalChain from "../src/store/JournalChain.ts"
import * as Workflow from "../src/Workflow.ts"
import { setup, stateOf, refusal } from "./support/enact.ts"
import { makeKv } from "./support/kv.ts"
import { tempDir } from "./support/tempDir.ts"

const NodeLayer = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

/** What a process that set a=new then b=new and died before its receipt leaves in the journal. */
const bodies = (runId: string): ReadonlyArray<Journal.Body> => {
  const step = (i: number, key: string, previous: string | null): ReadonlyArray<Journal.Body> => {
    const args = { key, value: "new" }
    const rollback_data = { action: "restore", args: { key, value: previous, expected: "new" } }
    return [
      { type: "intent", step: i, system: "store", action: "set", args, rollback_data },
      {
        type: "outcome",
        step: i,
        result: { action: "set", system: "store", args, success: true, output: args, rollback_data, already_done: false }
      }
    ]
  }
  return [
    { type: "begin", run_id: runId, workflow: "set_many", user_email: "u", user_attributes: {}, payload: {}, timestamp: "2026-01-01T00:00:00.000Z" },
    ...step(0, "a", "old"),
    ...step(1, "b", null)
  ]
}

const world = Effect.gen(function*() {
  const dir = nodePath.join(yield* tempDir("enact-chain-"), "journal")
  const journal = yield* FileJournal.make({ directory: dir, leaseTtl: "30 seconds" })
  const kv = makeKv({ allowedActions: ["set"] })
  const h = yield* setup({ systems: { store: kv.connector }, workflows: [] }, { journal })
  /** Journals a crashed run the honest way, and sets the world as that run left it. */
  const crash = (runId: string) =>
    Effect.gen(function*() {
      const entries = yield* JournalChain.seal(h.signer, runId, JournalChain.start(), bodies(runId))
      yield* journal.append(runId, entries)
      kv.data.set("a", "new")
      kv.data.set("b", "new")
    })
  const file = (runId: string) => nodePath.join(dir, `${runId}.jsonl`)
  const lines = (runId: string) => Effect.promise(async () => (await fsp.readFile(file(runId), "utf8")).split("\n").filter((l) => l !== ""))
  const rewrite = (runId: string, ls: ReadonlyArray<string>) => Effect.promise(() => fsp.writeFile(file(runId), ls.map((l) => l + "\n").join("")))
  return { ...h, kv, crash, file, lines, rewrite }
}).pipe(Effect.provide(NodeLayer))

const refusedAsCorrupt = (e: { readonly _tag: string }) => refusal(e) === "Corrupt"

describe("a journal edited on disk is refused as a whole", () => {
  const edits: ReadonlyArray<readonly [string, (ls: ReadonlyArray<string>) => ReadonlyArray<string>]> = [
    ["a signed outcome line deleted from the middle", (ls) => [ls[0]!, ls[1]!, ls[3]!, ls[4]!]],
    ["two lines swapped", (ls) => [ls[0]!, ls[2]!, ls[1]!, ls[3]!, ls[4]!]],
    ["the last two steps reordered", (ls) => [ls[0]!, ls[3]!, ls[4]!, ls[1]!, ls[2]!]],
    ["a line duplicated", (ls) => [...ls.slice(0, 3), ls[2]!, ...ls.slice(3)]],
    ["the begin line removed", (ls) => ls.slice(1)],
    ["one field of a signed line changed", (ls) => [ls[0]!, ls[1]!.replace('"old"', '"attacker"'), ...ls.slice(2)]]
  ]
  for (const [label, edit] of edits) {
    it.effect(`${label}: rollback and planning refuse it, nothing is receipted or undone`, () =>
      Effect.gen(function*() {
        const w = yield* world
        yield* w.crash("run-1")
        w.kv.data.set("a", "human fix") // someone repaired `a` after the crash
        yield* w.rewrite("run-1", edit(yield* w.lines("run-1")))
        const e = yield* Effect.flip(w.enact.rollback("run-1"))
        assert.isTrue(refusedAsCorrupt(e), `${e._tag}: ${e.message}`)
        const p = yield* Effect.flip(w.enact.rollbackPlan("run-1"))
        assert.isTrue(refusedAsCorrupt(p), `${p._tag}: ${p.message}`)
        assert.deepStrictEqual(stateOf(w.kv.data), { a: "human fix", b: "new" })
        assert.isTrue(Option.isNone(yield* w.store.get("run-1")))
        const report = yield* w.enact.recover()
        assert.deepStrictEqual(report.refused.map((r) => r.runId), ["run-1"])
      }))
  }

  it.effect("entries spliced in from another run's journal are refused", () =>
    Effect.gen(function*() {
      const w = yield* world
      yield* w.crash("run-1")
      yield* w.crash("run-2")
      const mine = yield* w.lines("run-1")
      const theirs = yield* w.lines("run-2")
      yield* w.rewrite("run-1", [...mine.slice(0, 3), ...theirs.slice(3)])
      const e = yield* Effect.flip(w.enact.rollback("run-1"))
      assert.isTrue(refusedAsCorrupt(e), e.message)
    }))

  it.effect("an honest journal rolls back; whole entries cut off its end only make a step count as applied", () =>
    Effect.gen(function*() {
      const w = yield* world
      yield* w.crash("run-1")
      const ls = yield* w.lines("run-1")
      yield* w.rewrite("run-1", ls.slice(0, 4)) // the last outcome is gone: as if the process died before writing it
      const rb = yield* w.enact.rollback("run-1")
      assert.strictEqual(rb.result.decision, "ROLLED_BACK")
      assert.deepStrictEqual(stateOf(w.kv.data), { a: "old" })
    }))

  it.effect("a torn final line (a crash mid-write) is dropped; the rest of the chain still verifies", () =>
    Effect.gen(function*() {
      const w = yield* world
      yield* w.crash("run-1")
      const ls = yield* w.lines("run-1")
      // the last line lost its end and its newline: the write that was cut short was never acknowledged
      yield* Effect.promise(() => fsp.writeFile(w.file("run-1"), ls.slice(0, -1).map((l) => l + "\n").join("") + ls.at(-1)!.slice(0, 30)))
      const plan = yield* w.enact.rollbackPlan("run-1")
      assert.deepStrictEqual(plan.steps.map((s) => s.step), [1, 0])
    }))
})

describe("inverses compare before they swap", () => {
  const put = Workflow.make({
    name: "put",
    payload: Schema.Struct({ key: Schema.String, value: Schema.String }),
    run: (ctx) => ctx.act("store", { action: "set", args: ctx.payload })
  })

  it.effect("a change made after the run is never overwritten: the step becomes a manual one with both states", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      kv.data.set("price", "10")
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [put] })
      const run = yield* enact.run({ workflow: "put", user: "agent", payload: { key: "price", value: "0" } })
      kv.data.set("price", "12") // a human fixed the agent's mistake, differently
      const rb = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(rb.result.decision, "ROLLBACK_PARTIAL")
      assert.strictEqual(kv.data.get("price"), "12", "the human's fix stands")
      const step = rb.receipt.manual_steps[0]
      assert.include(step?.reason ?? "", "Changed since the run")
      assert.deepStrictEqual(step?.changed, { expected: "0", current: "12" })
      assert.deepStrictEqual(yield* enact.verify(rb.receipt), { valid: true })
    }))

  it.effect("a target already back at its pre-state counts as undone, without writing", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      kv.data.set("k", "before")
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [put] })
      const run = yield* enact.run({ workflow: "put", user: "agent", payload: { key: "k", value: "after" } })
      kv.data.set("k", "before")
      kv.log.length = 0
      const rb = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(rb.result.decision, "ROLLED_BACK")
      assert.deepStrictEqual(kv.log, [], "nothing was written")
    }))

  it.effect("a step that changed is left alone while the other steps are still undone; a retry after the human resolves it finishes", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const two = Workflow.make({
        name: "two",
        payload: Schema.Struct({}),
        run: (ctx) =>
          Effect.andThen(ctx.act("store", { action: "set", args: { key: "a", value: "1" } }), ctx.act("store", { action: "set", args: { key: "b", value: "1" } }))
      })
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [two] })
      const run = yield* enact.run({ workflow: "two", user: "agent", payload: {} })
      kv.data.set("b", "edited")
      const first = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(first.result.decision, "ROLLBACK_PARTIAL")
      assert.deepStrictEqual(stateOf(kv.data), { b: "edited" }, "a was undone, b was left as the human set it")
      assert.deepStrictEqual(first.receipt.manual_steps.map((m) => m.reason.split(":")[0]), ["Changed since the run"])
      kv.data.delete("b") // the human puts b back the way it was before the run
      const second = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(second.result.decision, "ROLLED_BACK")
      assert.deepStrictEqual(stateOf(kv.data), {})
    }))
})
