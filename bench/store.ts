/**
 * Micro-benchmark of durable receipt stores: receipts/s for sequential puts and with 64 puts in flight, on
 * ~600-byte receipts, for the file store (`FileReceiptStore`) and the designs it was chosen over:
 * - `log+link`: the same group-committed log, but each file published atomically through a temp file and a
 *   hard link (then the temp name removed), so readers never see a file being written;
 * - `file-per-receipt+group`: temp file, fsync, link, then one folder fsync shared by the puts waiting for it;
 * - `file-per-receipt`: the same with a folder fsync per put;
 * - `log only`: the group-committed log alone, no file per run (the upper bound);
 * - `memory`: `ReceiptStore.layerMemory`, the overhead of the harness.
 * For the file store it also prints how long closing takes (the last checkpoint: fsync of every file since).
 *
 * Run with `node bench/store.ts` (Node 22) or `deno run -A bench/store.ts`. Env: BENCH_SEQ (default 2000),
 * BENCH_PAR (default 20000), BENCH_ONLY (comma-separated names), BENCH_DIR (parent folder, default the OS temp
 * dir), BENCH_KEEP=1 (keep the folders), BENCH_SEGMENT (records per log segment of the file store).
 * On ext4 without a journal (this VM's disk) creating a file gets slow for minutes after many files were
 * deleted nearby (the allocator skips recently freed inodes), so compare runs made on a quiet disk.
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Context, Effect, FileSystem, Layer, Path } from "effect"
import type { Scope } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as GroupCommit from "../src/store/_groupCommit.ts"
import * as LogFrame from "../src/store/_logFrame.ts"
import * as FileReceiptStore from "../src/store/FileReceiptStore.ts"
import type { Receipt } from "../src/Model.ts"
import * as ReceiptStore from "../src/store/ReceiptStore.ts"

const N_SEQ = Number(process.env.BENCH_SEQ ?? 2_000)
const N_PAR = Number(process.env.BENCH_PAR ?? 20_000)
const FLIGHT = 64
const ONLY = process.env.BENCH_ONLY?.split(",")
const PARENT = process.env.BENCH_DIR ?? tmpdir()
const SEGMENT = process.env.BENCH_SEGMENT === undefined ? {} : { segmentRecords: Number(process.env.BENCH_SEGMENT) }

const receipt = (runId: string, i: number): Receipt => ({
  format_version: 2,
  run_id: runId,
  workflow: "deploy_preview",
  user_email: "agent@example.com",
  user_attributes: { team: "platform" },
  payload: { repo: "acme/web", branch: `agent/feature-${i}` },
  policy_results: [{ policy: "dont_push_to_main", passed: true, reason: "Branch is not main" }],
  policy_reads: [],
  decision: "PASS",
  reason: null,
  actions_taken: [{
    action: "create_branch",
    system: "github",
    args: { branch: `agent/feature-${i}` },
    success: true,
    output: { ref: `agent/feature-${i}` },
    rollback_data: { action: "delete_branch", args: { branch: `agent/feature-${i}` } },
    already_done: false
  }],
  manual_steps: [],
  original_run_id: null,
  timestamp: new Date(1_700_000_000_000 + i).toISOString(),
  signature_alg: "hmac-sha256",
  key_id: "k1",
  signature: "9f".repeat(16),
  signature_proof: []
})

type Put = (r: Receipt) => Effect.Effect<void, unknown>
type Env = FileSystem.FileSystem | Path.Path | Scope.Scope
const bytesOf = (r: Receipt) => new TextEncoder().encode(JSON.stringify(r) + "\n")

const fsyncPath = (fs: FileSystem.FileSystem, p: string) =>
  Effect.scoped(Effect.flatMap(fs.open(p, { flag: "r" }), (f) => f.sync))

/** A group-committed log in `dir`, as the file store uses it (without rotation or checkpoints). */
const groupLog = (dir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = yield* fs.open(`${dir}/bench.log`, { flag: "a" })
    let first = true
    const commit = yield* GroupCommit.make((items: ReadonlyArray<Uint8Array>) =>
      Effect.suspend(() => {
        const frames = LogFrame.encode(items, first)
        first = false
        return Effect.andThen(file.writeAll(frames), file.sync)
      })
    )
    return commit.submit
  })

const logOnly = (dir: string) => Effect.map(groupLog(dir), (append): Put => (r) => append(bytesOf(r)))

/** The log, then each file published with a temp file and a hard link. */
const logAndLink = (dir: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const append = yield* groupLog(dir)
    let n = 0
    const put: Put = (r) =>
      Effect.gen(function*() {
        const bytes = bytesOf(r)
        const tmp = `${dir}/.${r.run_id}.${n++}.tmp`
        yield* Effect.all([fs.writeFile(tmp, bytes, { flag: "wx" }), append(bytes)], { concurrency: 2 })
        yield* fs.link(tmp, `${dir}/${r.run_id}.json`)
        yield* fs.remove(tmp)
      })
    return put
  })

/** One fsynced file per receipt; `group` shares folder fsyncs between the puts waiting for one. */
const perFile = (dir: string, group: boolean) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const syncDir = group
      ? (yield* GroupCommit.make((_: ReadonlyArray<void>) => fsyncPath(fs, dir))).submit(undefined)
      : fsyncPath(fs, dir)
    let n = 0
    const put: Put = (r) =>
      Effect.gen(function*() {
        const tmp = `${dir}/.${r.run_id}.${n++}.tmp`
        yield* Effect.scoped(Effect.flatMap(fs.open(tmp, { flag: "wx" }), (f) => Effect.andThen(f.writeAll(bytesOf(r)), f.sync)))
        yield* fs.link(tmp, `${dir}/${r.run_id}.json`)
        yield* fs.remove(tmp)
        yield* syncDir
      })
    return put
  })

const fromStore = (layer: Layer.Layer<ReceiptStore.ReceiptStore, unknown, FileSystem.FileSystem | Path.Path>) =>
  Effect.map(Layer.build(layer), (ctx): Put => Context.get(ctx, ReceiptStore.ReceiptStore).put)

const made: Array<string> = []
const rate = (count: number, ms: number) => `${Math.round(count / (ms / 1000)).toLocaleString("en-US")}/s`

const measure = (name: string, make: (dir: string) => Effect.Effect<Put, unknown, Env>) =>
  Effect.gen(function*() {
    if (ONLY !== undefined && !ONLY.includes(name)) return
    const results: Array<string> = []
    for (const [label, count, flight] of [["sequential", N_SEQ, 1], [`${FLIGHT} in flight`, N_PAR, FLIGHT]] as const) {
      const dir = mkdtempSync(join(PARENT, "enact-bench-"))
      made.push(dir) // deleted at the end: deletions would slow the file creations of the next measurement
      let closing = 0
      const ms = yield* Effect.scoped(Effect.gen(function*() {
        const put = yield* make(dir)
        yield* Effect.addFinalizer(() => Effect.sync(() => (closing = performance.now()))) // runs first
        const start = performance.now()
        yield* Effect.forEach(Array.from({ length: count }, (_, i) => i), (i) => put(receipt(`bench-${i}`, i)), {
          concurrency: flight,
          discard: true
        })
        return performance.now() - start
      }))
      const close = Math.round(performance.now() - closing)
      results.push(`${label}: ${rate(count, ms)}${close >= 5 ? ` (close ${close} ms)` : ""}`)
    }
    console.log(`${name.padEnd(24)} ${results.join("   ")}`)
  })

const program = Effect.gen(function*() {
  const size = bytesOf(receipt("bench-0", 0)).length
  console.log(`receipts of ${size} bytes; ${N_SEQ} sequential, ${N_PAR} with ${FLIGHT} in flight`)
  yield* measure("memory", () => fromStore(ReceiptStore.layerMemory))
  yield* measure("FileReceiptStore", (directory) => fromStore(FileReceiptStore.layer({ directory, ...SEGMENT })))
  yield* measure("log+link", logAndLink)
  yield* measure("log only", logOnly)
  yield* measure("file-per-receipt+group", (dir) => perFile(dir, true))
  yield* measure("file-per-receipt", (dir) => perFile(dir, false))
}).pipe(
  Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)),
  Effect.ensuring(Effect.sync(() => {
    if (process.env.BENCH_KEEP === undefined) made.forEach((dir) => rmSync(dir, { recursive: true, force: true }))
    else console.log(`kept ${made.join(" ")}`)
  }))
)

Effect.runPromise(program).catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
