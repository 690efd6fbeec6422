/**
 * The whole product as a user wires it: Enact over the filesystem connector, the durable file store and
 * journal, and an HMAC signer. Rollback must put every file back exactly, undoing in reverse order, and
 * concurrent runs must all land in the store.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import * as fsp from "node:fs/promises"
import * as nodePath from "node:path"
import * as FilePlatformNode from "../connectors/FilePlatformNode.ts"
import * as FileSystem from "../connectors/FileSystem.ts"
import * as Enact from "../src/Enact.ts"
import * as FileJournal from "../src/store/FileJournal.ts"
import * as FileReceiptStore from "../src/store/FileReceiptStore.ts"
import * as Policy from "../src/Policy.ts"
import { ReceiptStore } from "../src/store/ReceiptStore.ts"
import * as Crypto from "../src/Crypto.ts"
import * as Signer from "../src/receipt/Signer.ts"
import * as Workflow from "../src/Workflow.ts"
import { snapshot, tempDir, writeText } from "./support/tempDir.ts"

const SECRET = "end-to-end-secret-end-to-end-secret!!"

const stores = (receipts: string) =>
  Layer.mergeAll(
    FileReceiptStore.layer({ directory: receipts }),
    FileJournal.layer({ directory: nodePath.join(receipts, ".journal") }),
    Signer.layerHmac({ secret: SECRET }).pipe(Layer.provideMerge(Crypto.layerWebCrypto)),
    FilePlatformNode.layer
  ).pipe(Layer.provideMerge(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))

/** Rewrites one file twice, creates another and deletes a third: four steps whose undo order matters. */
const reshuffle = Workflow.make({
  name: "reshuffle",
  payload: Schema.Struct({ tag: Schema.String }),
  run: (ctx) =>
    Effect.gen(function*() {
      yield* ctx.act("disk", FileSystem.writeFile({ path: "notes/a.md", content: `first ${ctx.payload.tag}\n` }))
      yield* ctx.act("disk", FileSystem.writeFile({ path: "notes/a.md", content: `second ${ctx.payload.tag}\n` }))
      yield* ctx.act("disk", FileSystem.writeFile({ path: "new.txt", content: "created\n" }))
      yield* ctx.act("disk", FileSystem.deleteFile({ path: "old.txt" }))
    })
})

describe("Enact over real files", () => {
  it.live("rollback restores every file byte for byte, undoing the steps in reverse order", () =>
    Effect.gen(function*() {
      const base = yield* tempDir("enact-e2e-")
      const root = nodePath.join(base, "root")
      yield* writeText(root, "notes/a.md", "original a\r\nwith CRLF and ünïcode ✓\n")
      yield* writeText(root, "old.txt", "old file\n")
      const before = yield* snapshot(root)
      const program = Effect.gen(function*() {
        const disk = yield* FileSystem.make({ root, allowedActions: ["write_file", "delete_file"] })
        const enact = yield* Enact.make({ systems: { disk }, workflows: [reshuffle] })
        const { receipt, result } = yield* enact.run({ workflow: "reshuffle", user: "agent@co", payload: { tag: "x" } })
        assert.strictEqual(result.decision, "PASS")
        assert.notDeepEqual(yield* snapshot(root), before)
        const plan = yield* enact.rollbackPlan(receipt.run_id)
        assert.deepStrictEqual(plan.steps.map((s) => [s.step, s.inverse]), [
          [3, "restore_file"],
          [2, "remove_file"],
          [1, "restore_file"],
          [0, "restore_file"]
        ])
        const undone = yield* enact.rollback(receipt.run_id)
        assert.strictEqual(undone.result.decision, "ROLLED_BACK")
        assert.deepStrictEqual(
          undone.result.actions.map((a) => (a.output as { reversed_step: number }).reversed_step),
          [3, 2, 1, 0]
        )
        assert.deepStrictEqual(yield* snapshot(root), before)
        // The receipt on disk is the one returned, and it verifies.
        const stored = JSON.parse(yield* Effect.promise(() => fsp.readFile(nodePath.join(base, "receipts", `${receipt.run_id}.json`), "utf8")))
        assert.isTrue((yield* enact.verify(stored)).valid)
      })
      yield* program.pipe(Effect.provide(stores(nodePath.join(base, "receipts"))))
    }).pipe(Effect.scoped))

  it.live("64 concurrent runs against one file store lose no receipt", () =>
    Effect.gen(function*() {
      const base = yield* tempDir("enact-e2e-")
      const root = nodePath.join(base, "root")
      const receipts = nodePath.join(base, "receipts")
      yield* writeText(root, "keep.txt", "keep\n")
      const touch = Workflow.make({
        name: "touch",
        payload: Schema.Struct({ n: Schema.Int }),
        run: (ctx) => ctx.act("disk", FileSystem.writeFile({ path: `f${ctx.payload.n}.txt`, content: `${ctx.payload.n}\n` }))
      })
      const noOdd = Policy.make("no_odd_numbers", (ctx) =>
        Policy.check((ctx.payload as { n: number }).n % 2 === 0, "even", "odd numbers are blocked"))
      const ids = yield* Effect.gen(function*() {
        const disk = yield* FileSystem.make({ root, allowedActions: ["write_file"] })
        const enact = yield* Enact.make({ systems: { disk }, policies: [noOdd], workflows: [touch] })
        const outcomes = yield* Effect.forEach(
          Array.from({ length: 200 }, (_, n) => n),
          (n) => enact.run({ workflow: "touch", user: "agent@co", payload: { n } }),
          { concurrency: 64 }
        )
        return outcomes.map((o) => [o.receipt.run_id, o.result.decision] as const)
      }).pipe(Effect.provide(stores(receipts)))
      assert.strictEqual(ids.filter(([, d]) => d === "PASS").length, 100)
      assert.strictEqual(ids.filter(([, d]) => d === "BLOCK").length, 100)
      // A fresh store over the same folder (another process's view) sees every receipt, each valid.
      const listed = yield* Effect.gen(function*() {
        const store = yield* ReceiptStore
        const enact = yield* Enact.make({})
        const all = yield* store.list()
        const valid = yield* Effect.forEach(all, (r) => enact.verify(r))
        return { runIds: all.map((r) => r.run_id).sort(), valid: valid.every((v) => v.valid) }
      }).pipe(Effect.provide(stores(receipts)))
      assert.deepStrictEqual(listed.runIds, ids.map(([id]) => id).sort())
      assert.isTrue(listed.valid)
    }).pipe(Effect.scoped))
})
