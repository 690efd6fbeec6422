import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as FilePlatformNode from "../connectors/FilePlatformNode.ts"
import * as FileSystem from "../connectors/FileSystem.ts"
import * as Enact from "../src/Enact.ts"
import * as FileJournal from "../src/FileJournal.ts"
import * as FileReceiptStore from "../src/FileReceiptStore.ts"
import * as Signer from "../src/Signer.ts"

declare const Deno: unknown
const child = fileURLToPath(new URL("./support/crashChild.ts", import.meta.url))

/** Starts the child, waits until it reports the first write, then SIGKILLs it. */
const runAndKill = (root: string, receipts: string, runId: string) =>
  new Promise<void>((resolve, reject) => {
    const args = typeof Deno !== "undefined" ? ["run", "-A", child, root, receipts, runId] : [child, root, receipts, runId]
    const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    const timer = setTimeout(() => {
      p.kill("SIGKILL")
      reject(new Error(`child never reached step 1: ${out} ${err}`))
    }, 20_000)
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString()
      if (out.includes("STEP1 DONE")) p.kill("SIGKILL")
    })
    p.stderr.on("data", (d: Buffer) => (err += d.toString()))
    p.on("exit", (_code, signal) => {
      clearTimeout(timer)
      if (signal === "SIGKILL" && out.includes("STEP1 DONE")) resolve()
      else reject(new Error(`child exited unexpectedly (${signal}): ${out} ${err}`))
    })
  })

const layers = (receipts: string) =>
  Layer.mergeAll(
    FileReceiptStore.layer({ directory: receipts }),
    FileJournal.layer({ directory: join(receipts, ".journal") }),
    Signer.layerHmac({ secret: "crash-test-secret-crash-test-secret!!" }), // the child's secret
    FilePlatformNode.layer
  ).pipe(Layer.provideMerge(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))

describe("a run whose process is killed", () => {
  it.live("between two actions can still be rolled back to the original state", () => {
    const base = mkdtempSync(join(tmpdir(), "enact-crash-"))
    const root = join(base, "root")
    const receipts = join(base, "receipts")
    mkdirSync(root)
    writeFileSync(join(root, "a.txt"), "original A\n")
    const runId = "crash-run-1"
    return Effect.gen(function*() {
      yield* Effect.promise(() => runAndKill(root, receipts, runId))
      // The first action was applied and the process died before a receipt was written.
      assert.strictEqual(readFileSync(join(root, "a.txt"), "utf8"), "agent wrote A\n")
      assert.isFalse(existsSync(join(receipts, `${runId}.json`)))
      assert.isFalse(existsSync(join(root, "b.txt")))

      // A new process (a fresh Enact over the same folders) rolls the run back from the journal.
      const disk = yield* FileSystem.make({ root, allowedActions: ["write_file"] })
      const enact = yield* Enact.make({ systems: { disk } })
      const plan = yield* enact.rollbackPlan(runId)
      assert.deepStrictEqual(plan.steps.map((s) => s.inverse), ["restore_file"])
      const { receipt, result } = yield* enact.rollback(runId)
      assert.strictEqual(result.decision, "ROLLED_BACK")
      assert.strictEqual(receipt.original_run_id, runId)
      assert.strictEqual(readFileSync(join(root, "a.txt"), "utf8"), "original A\n")
      assert.isFalse(existsSync(join(root, "b.txt")))

      // The crashed run now has a signed PARTIAL receipt, and its journal is gone.
      const recovered: unknown = JSON.parse(readFileSync(join(receipts, `${runId}.json`), "utf8"))
      assert.strictEqual((recovered as { decision: string }).decision, "PARTIAL")
      assert.isTrue((yield* enact.verify(recovered)).valid)
      assert.isFalse(existsSync(join(receipts, ".journal", `${runId}.jsonl`)))
      // And it cannot be undone twice.
      const again = yield* Effect.flip(enact.rollback(runId))
      assert.strictEqual(again._tag === "RollbackError" ? again.reason : again._tag, "AlreadyRolledBack")
    }).pipe(
      Effect.provide(layers(receipts)),
      Effect.ensuring(Effect.sync(() => rmSync(base, { recursive: true, force: true })))
    )
  }, 60_000)
})
