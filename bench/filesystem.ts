/**
 * Benchmark: the filesystem connector's actions on a file three directories deep (every call walks the
 * path from the root handle, checks identities and, for writes, syncs a temp file and the directory).
 * Prints ops/s and p50/p99 latency in µs per action, sequentially. Run with `node bench/filesystem.ts`
 * or `deno run -A bench/filesystem.ts`; `BENCH_FS_N` sets the count (default 2000).
 */
import { Effect } from "effect"
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as FilePlatformNode from "../connectors/FilePlatformNode.ts"
import * as FileSystem from "../connectors/FileSystem.ts"
import type { Json } from "../src/Model.ts"
import { definitionOf } from "../tests/support/connectorAccess.ts"

const N = Number(process.env.BENCH_FS_N ?? 2000)
const root = realpathSync(mkdtempSync(join(tmpdir(), "enact-bench-fs-")))
mkdirSync(join(root, "a/b/c"), { recursive: true })
writeFileSync(join(root, "a/b/c/file.txt"), "hello\n")

const program = Effect.gen(function*() {
  const files = yield* FileSystem.make({ root, allowedActions: FileSystem.actionNames })
  const { actions } = definitionOf(files)
  const call = (action: string, args: Json) =>
    Effect.flatMap(actions[action]!.prepare(args), (prepared) => prepared.apply)
  const measure = Effect.fnUntraced(function*(label: string, args: (i: number) => readonly [string, Json]) {
    const times: Array<number> = []
    const start = performance.now()
    for (let i = 0; i < N; i++) {
      const t = performance.now()
      const [action, a] = args(i)
      yield* call(action, a)
      times.push((performance.now() - t) * 1000)
    }
    const total = (performance.now() - start) / 1000
    times.sort((x, y) => x - y)
    const pct = (p: number) => Math.round(times[Math.floor((times.length - 1) * p)]!)
    console.log(`${label.padEnd(28)} ${Math.round(N / total).toString().padStart(6)} ops/s  p50 ${pct(0.5)} µs  p99 ${pct(0.99)} µs`)
  })
  yield* measure("read_file a/b/c/file.txt", () => ["read_file", { path: "a/b/c/file.txt" }])
  yield* measure("list_dir a/b/c", () => ["list_dir", { path: "a/b/c" }])
  yield* measure("write_file (overwrite)", (i) => ["write_file", { path: "a/b/c/file.txt", content: `v${i}\n` }])
  yield* measure("write_file (create)", (i) => ["write_file", { path: `a/b/c/new-${i}.txt`, content: "x\n" }])
  yield* measure("delete_file", (i) => ["delete_file", { path: `a/b/c/new-${i}.txt` }])
})

Effect.runPromise(program.pipe(Effect.provide(FilePlatformNode.layer))).finally(() => rmSync(root, { recursive: true, force: true }))
