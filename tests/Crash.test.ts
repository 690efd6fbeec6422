import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import * as FilePlatformNode from "../connectors/FilePlatformNode.ts"
import * as FileSystem from "../connectors/FileSystem.ts"
import * as Enact from "../src/Enact.ts"
import * as FileJournal from "../src/store/FileJournal.ts"
import * as FileReceiptStore from "../src/store/FileReceiptStore.ts"
import * as Crypto from "../src/Crypto.ts"
import * as Signer from "../src/receipt/Signer.ts"
import * as Workflow from "../src/Workflow.ts"
import { refusal } from "./support/enact.ts"

declare const Deno: unknown
const child = fileURLToPath(new URL("./support/crashChild.ts", import.meta.url))

/** The journal lease's time to live in these tests: short, so expiry can be waited for. */
const TTL = 1_000

/** Starts the child and resolves once it has applied its first write (it then hangs, holding its lease). */
const startChild = (root: string, receipts: string, runId: string) =>
  new Promise<ChildProcess>((resolve, reject) => {
    const args = [child, root, receipts, runId, String(TTL)]
    const p = spawn(process.execPath, typeof Deno !== "undefined" ? ["run", "-A", ...args] : args, { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    const timer = setTimeout(() => {
      p.kill("SIGKILL")
      reject(new Error(`child never reached step 1: ${out} ${err}`))
    }, 20_000)
    p.stdout!.on("data", (d: Buffer) => {
      out += d.toString()
      if (out.includes("STEP1 DONE")) {
        clearTimeout(timer)
        resolve(p)
      }
    })
    p.stderr!.on("data", (d: Buffer) => (err += d.toString()))
    p.on("exit", (_code, signal) => {
      clearTimeout(timer)
      if (!out.includes("STEP1 DONE")) reject(new Error(`child exited unexpectedly (${signal}): ${out} ${err}`))
    })
  })

const kill = (p: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve()
    p.on("exit", () => resolve())
    p.kill("SIGKILL")
  })

const layers = (receipts: string) =>
  Layer.mergeAll(
    FileReceiptStore.layer({ directory: receipts }),
    FileJournal.layer({ directory: join(receipts, ".journal"), leaseTtl: TTL }),
    Signer.layerHmac({ secret: "crash-test-secret-crash-test-secret!!" }).pipe(Layer.provideMerge(Crypto.layerWebCrypto)), // the child's secret
    FilePlatformNode.layer
  ).pipe(Layer.provideMerge(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))

const sandbox = () => {
  const base = mkdtempSync(join(tmpdir(), "enact-crash-"))
  const root = join(base, "root")
  const receipts = join(base, "receipts")
  mkdirSync(root)
  writeFileSync(join(root, "a.txt"), "original A\n")
  return { base, root, receipts }
}

/** The tag of a refusal, or "ok". */
const outcomeOf = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) =>
  Effect.map(Effect.result(effect), (r) => (r._tag === "Success" ? "ok" : refusal(r.failure)))

describe("a run whose process is killed", () => {
  it.live("between two actions: refused while its lease is alive, then rolled back to the original state", () => {
    const { base, receipts, root } = sandbox()
    const runId = "crash-run-1"
    return Effect.gen(function*() {
      const p = yield* Effect.promise(() => startChild(root, receipts, runId))
      yield* Effect.promise(() => kill(p))
      // The first action was applied and the process died before a receipt was written.
      assert.strictEqual(readFileSync(join(root, "a.txt"), "utf8"), "agent wrote A\n")
      assert.isFalse(existsSync(join(receipts, `${runId}.json`)))
      assert.isFalse(existsSync(join(root, "b.txt")))

      // A new process (a fresh Enact over the same folders) rolls the run back from the journal, once
      // the dead run's lease has expired (before that, nothing can tell it from a live one).
      const disk = yield* FileSystem.make({ root, allowedActions: ["write_file"] })
      const enact = yield* Enact.make({ systems: { disk } })
      assert.strictEqual(yield* outcomeOf(enact.rollback(runId)), "RunInProgress")
      yield* Effect.sleep(TTL + 200)
      const plan = yield* enact.rollbackPlan(runId)
      assert.deepStrictEqual(plan.steps.map((s) => s.inverse), ["restore_file"])
      assert.isTrue(plan.fromJournal)
      assert.isFalse(existsSync(join(receipts, `${runId}.json`)), "planning writes nothing")
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
      assert.strictEqual(refusal(again), "AlreadyRolledBack")
    }).pipe(
      Effect.provide(layers(receipts)),
      Effect.ensuring(Effect.sync(() => rmSync(base, { recursive: true, force: true })))
    )
  }, 60_000)

  it.live("a live run in another process is off limits to rollback, planning and recovery for as long as it heartbeats", () => {
    const { base, receipts, root } = sandbox()
    const runId = "live-run-1"
    let p: ChildProcess | undefined
    return Effect.gen(function*() {
      p = yield* Effect.promise(() => startChild(root, receipts, runId))
      const disk = yield* FileSystem.make({ root, allowedActions: ["write_file"] })
      const retry = Workflow.make({
        name: "two_writes",
        payload: Schema.Struct({}),
        run: (ctx) => ctx.act("disk", FileSystem.writeFile({ path: "a.txt", content: "retry wrote A\n" }))
      })
      const enact = yield* Enact.make({ systems: { disk }, workflows: [retry] })
      // Several lease lifetimes pass: the live run's heartbeat keeps its lease alive the whole time.
      for (let i = 0; i < 3; i++) {
        assert.strictEqual(yield* outcomeOf(enact.rollback(runId)), "RunInProgress", `rollback, round ${i}`)
        assert.strictEqual(yield* outcomeOf(enact.rollbackPlan(runId)), "RunInProgress", `plan, round ${i}`)
        const report = yield* enact.recover()
        assert.deepStrictEqual(report.inProgress, [runId])
        assert.deepStrictEqual(report.recovered, [])
        yield* Effect.sleep(TTL)
      }
      assert.strictEqual(readFileSync(join(root, "a.txt"), "utf8"), "agent wrote A\n", "nothing was undone under the live run")
      assert.isFalse(existsSync(join(receipts, `${runId}.json`)), "no PARTIAL receipt was written for the live run")
      // A second run with the same id is refused too, without running anything.
      assert.strictEqual(yield* outcomeOf(enact.run({ workflow: "two_writes", user: "u", payload: {}, runId })), "RunInProgress")
      assert.strictEqual(readFileSync(join(root, "a.txt"), "utf8"), "agent wrote A\n", "the duplicate run did not execute")
      // Once the process is gone and its lease expired, recovery takes over.
      yield* Effect.promise(() => kill(p!))
      yield* Effect.sleep(TTL + 200)
      const report = yield* enact.recover()
      assert.deepStrictEqual(report.recovered.map((o) => o.receipt.run_id), [runId])
      assert.deepStrictEqual(report.inProgress, [])
      const rb = yield* enact.rollback(runId)
      assert.strictEqual(rb.result.decision, "ROLLED_BACK")
      assert.strictEqual(readFileSync(join(root, "a.txt"), "utf8"), "original A\n")
    }).pipe(
      Effect.provide(layers(receipts)),
      Effect.ensuring(Effect.promise(async () => {
        if (p !== undefined) await kill(p)
        rmSync(base, { recursive: true, force: true })
      }))
    )
  }, 60_000)
})
