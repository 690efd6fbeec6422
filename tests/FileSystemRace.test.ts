/**
 * The jail under a live attack: a separate process keeps swapping symlinks, a parent directory, a file
 * and a hard link between things inside the root and an `outside` directory, while this process reads,
 * lists, writes, deletes and runs inverses through the connector as fast as it can. Zero escapes: no
 * content or entry from outside is ever returned, and nothing outside (or next to the root) is created,
 * changed or removed, temp files included.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { spawn } from "node:child_process"
import * as fsp from "node:fs/promises"
import * as nodePath from "node:path"
import { fileURLToPath } from "node:url"
import type { Connector } from "../src/Connector.ts"
import type { ConnectorError } from "../src/ConnectorError.ts"
import type { Json } from "../src/Model.ts"
import { act, fileState, sandbox, SECRET, undo } from "./support/fsSandbox.ts"
import { nodeWorld } from "./support/fsWorld.ts"
import { snapshot, writeText } from "./support/tempDir.ts"

declare const Deno: unknown
const racer = fileURLToPath(new URL("./support/fsRacer.ts", import.meta.url))
const RACE_MS = 4000
const OUTSIDE_ONLY = "outside-only.txt"

/** Starts the attacker; resolves once it is set up, with a promise of its swap count at exit. */
const startRacer = (root: string, outside: string) =>
  new Promise<{ readonly finished: Promise<number>; readonly isDone: () => boolean }>((resolve, reject) => {
    const args = [racer, root, outside, String(RACE_MS)]
    const child = spawn(process.execPath, typeof Deno !== "undefined" ? ["run", "-A", ...args] : args, {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let out = ""
    let done = false
    const finished = new Promise<number>((end) =>
      child.on("exit", () => {
        done = true
        end(Number(/SWAPS (\d+)/.exec(out)?.[1] ?? "0"))
      })
    )
    child.on("error", reject)
    child.stdout.on("data", (chunk: Buffer) => {
      const before = out
      out += chunk.toString()
      if (!before.includes("READY") && out.includes("READY")) resolve({ finished, isDone: () => done })
    })
  })

/** One pass of every operation an agent or a rollback could aim at the swapped entries. */
const pass = (i: number): ReadonlyArray<readonly [kind: string, action: string, args: Json]> => [
  ["read", "read_file", { path: "dir/secret.txt" }],
  ["read", "read_file", { path: "link/secret.txt" }],
  ["read", "read_file", { path: "file.txt" }],
  ["read", "read_file", { path: "hard.txt" }],
  ["list", "list_dir", { path: "dir" }],
  ["list", "list_dir", { path: "link" }],
  ["write", "write_file", { path: `dir/w-${i}.txt`, content: `agent ${i}\n` }],
  ["write", "write_file", { path: `link/w-${i}.txt`, content: `agent ${i}\n` }],
  ["write", "write_file", { path: "dir/secret.txt", content: `agent ${i}\n` }],
  ["write", "write_file", { path: "link/secret.txt", content: `agent ${i}\n` }],
  ["write", "write_file", { path: "file.txt", content: `agent ${i}\n` }],
  ["write", "write_file", { path: "hard.txt", content: `agent ${i}\n` }],
  ["delete", "delete_file", { path: "dir/victim.txt" }],
  ["delete", "delete_file", { path: "link/victim.txt" }],
  // Inverses whose `after` is the outside secret: if one ever reached it, it would match and swap.
  ["undo", "restore_file", { path: "dir/secret.txt", content: "restored\n", mode: 0o644, after: fileState(SECRET) }],
  ["undo", "restore_file", { path: "file.txt", content: "restored\n", mode: 0o644, after: fileState(SECRET) }],
  ["undo", "remove_file", { path: "link/secret.txt", after: fileState(SECRET) }],
  ["undo", "remove_file", { path: "hard.txt", after: fileState(SECRET) }]
]

const run = (files: Connector, action: string, args: Json): Effect.Effect<Json, ConnectorError> =>
  action === "restore_file" || action === "remove_file"
    ? undo(files, { action, args })
    : Effect.map(act(files, action, args), (r) => r.output)

describe("FileSystem jail under a racing process", () => {
  it.live("no read, list, write, delete or inverse escapes the root while symlinks and directories are swapped", () =>
    Effect.gen(function*() {
      const { base, files, outside, root } = yield* sandbox()
      yield* writeText(outside, "victim.txt", "outside victim\n")
      yield* writeText(outside, OUTSIDE_ONLY, "only outside\n")
      yield* writeText(root, "real/victim.txt", "inside victim\n")
      const outsideBefore = yield* snapshot(outside)
      const secretBefore = yield* Effect.promise(() => fsp.stat(nodePath.join(outside, "secret.txt")))
      const attacker = yield* Effect.promise(() => startRacer(root, outside))

      const counts: Record<string, { ok: number; refused: number }> = {}
      const escapes: Array<string> = []
      let i = 0
      while (!attacker.isDone()) {
        for (const [kind, action, args] of pass(i)) {
          const exit = yield* Effect.exit(run(files, action, args))
          const count = (counts[kind] ??= { ok: 0, refused: 0 })
          if (Exit.isFailure(exit)) {
            count.refused += 1
            const text = JSON.stringify(exit.cause)
            if (text.includes(SECRET.trim()) || text.includes(base)) escapes.push(`${action} error leaked: ${text}`)
            continue
          }
          count.ok += 1
          const output = JSON.stringify(exit.value)
          if (output.includes(SECRET.trim()) || output.includes(OUTSIDE_ONLY) || output.includes("outside victim")) {
            escapes.push(`${action} ${JSON.stringify(args)} returned ${output}`)
          }
        }
        i += 1
      }
      const swaps = yield* Effect.promise(() => attacker.finished)
      if (process.env["ENACT_RACE_STATS"]) console.log(JSON.stringify({ swaps, passes: i, counts }))

      assert.deepStrictEqual(escapes, [])
      assert.deepStrictEqual(yield* snapshot(outside), outsideBefore, "nothing outside was created, changed or removed")
      const secretAfter = yield* Effect.promise(() => fsp.stat(nodePath.join(outside, "secret.txt")))
      assert.strictEqual(secretAfter.ino, secretBefore.ino)
      assert.strictEqual(secretAfter.mtimeMs, secretBefore.mtimeMs)
      assert.deepStrictEqual((yield* Effect.promise(() => fsp.readdir(base))).sort(), ["outside", "root"])
      const leftovers = Object.keys(yield* snapshot(root)).filter((p) => p.includes(".enact-"))
      assert.deepStrictEqual(leftovers, [], "every temp file was cleaned up, inside the root")
      // The race was real and the connector kept working through it.
      assert.isAbove(swaps, 1000)
      assert.isAbove(i, 20)
      assert.isAbove(counts["read"]!.ok, 0)
      assert.isAbove(counts["read"]!.refused, 0)
      assert.isAbove(counts["write"]!.ok, 0)
      assert.isAbove(counts["list"]!.ok, 0)
    }).pipe(Effect.scoped, Effect.provide(nodeWorld)), 60_000)
})
