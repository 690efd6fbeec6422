/**
 * Compare before swap: a rollback never overwrites or deletes what someone changed after the run. Each
 * inverse restores only if the file is still exactly as the run left it, succeeds without touching it if
 * it already holds the pre-state, and otherwise changes nothing and fails with `Changed` carrying both
 * states (never the current content). End to end through Enact, then inverse by inverse; on the real disk
 * and on the in-memory platform of `testing.ts`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as FileSystem from "../connectors/FileSystem.ts"
import type { Json } from "../src/Model.ts"
import * as Workflow from "../src/Workflow.ts"
import type { FilePlatformMemory } from "../testing.ts"
import { setup } from "./support/enact.ts"
import { act, failure, fileState, sandbox, undo } from "./support/fsSandbox.ts"
import { Disk, worlds, writeText } from "./support/fsWorld.ts"

/** Overwrites `notes/a.md`, creates `new.txt`, deletes `old.txt`. */
const edit = Workflow.make({
  name: "edit",
  payload: Schema.Struct({}),
  run: (ctx) =>
    Effect.gen(function*() {
      yield* ctx.act("disk", FileSystem.writeFile({ path: "notes/a.md", content: "agent a\n" }))
      yield* ctx.act("disk", FileSystem.writeFile({ path: "new.txt", content: "agent created\n" }))
      yield* ctx.act("disk", FileSystem.deleteFile({ path: "old.txt" }))
    })
})

/** The identity, kind, size and link count of whatever is at `path` (not followed), and a file's text; `null` if nothing is. */
const fingerprint = (disk: FilePlatformMemory.FileOps, path: string) => {
  const s = disk.lstat(path)
  return s === undefined ? null : { ino: s.ino, type: s.type, size: s.size, nlink: s.nlink, text: s.type === "File" ? disk.readText(path) : null }
}

/** Runs `edit` through Enact on a fresh root holding `notes/a.md` and `old.txt`. */
const afterRun = Effect.fnUntraced(function*() {
  const { files, root } = yield* sandbox({ allowedActions: ["write_file", "delete_file"] })
  const disk = (yield* Disk).files
  yield* writeText(root, "notes/a.md", "original a\n")
  disk.chmod(`${root}/notes/a.md`, 0o640)
  yield* writeText(root, "old.txt", "old file\n")
  const { enact } = yield* setup({ systems: { disk: files }, workflows: [edit] })
  const run = yield* enact.run({ workflow: "edit", user: "agent@co", payload: {} })
  assert.strictEqual(run.result.decision, "PASS")
  const read = (path: string): string | null => disk.readText(`${root}/${path}`)
  return { enact, files, root, runId: run.receipt.run_id, disk, read }
})

for (const world of worlds) describe(`FileSystem rollback compares before it swaps (${world.name} platform)`, () => {
  it.live("through Enact: a file a human edited after the run is left alone and reported; the rest is undone", () =>
    Effect.gen(function*() {
      const { disk, enact, read, root, runId } = yield* afterRun()
      disk.writeFile(`${root}/notes/a.md`, "human fix\n")
      const { receipt, result } = yield* enact.rollback(runId)
      assert.strictEqual(read("notes/a.md"), "human fix\n", "the human's change survives")
      assert.strictEqual(read("old.txt"), "old file\n", "the delete is undone")
      assert.isNull(read("new.txt"), "the created file is removed")
      assert.strictEqual(result.decision, "ROLLBACK_PARTIAL")
      const manual = receipt.manual_steps.filter((m) => m.action === "write_file" && m.system === "disk")
      assert.strictEqual(manual.length, 1)
      assert.deepStrictEqual(manual[0]!.rollback_data?.args, {
        path: "notes/a.md",
        content: "original a\n",
        mode: 0o640,
        after: fileState("agent a\n")
      })
      assert.include(manual[0]!.reason, "changed since the run")
    }).pipe(Effect.scoped, Effect.provide(world.layer)))

  it.live("through Enact: every file changed after the run keeps its new content, and rollback is partial", () =>
    Effect.gen(function*() {
      const { disk, enact, read, root, runId } = yield* afterRun()
      disk.writeFile(`${root}/notes/a.md`, "human a\n")
      disk.writeFile(`${root}/new.txt`, "human took it over\n")
      disk.writeFile(`${root}/old.txt`, "human recreated\n")
      const { result } = yield* enact.rollback(runId)
      assert.strictEqual(result.decision, "ROLLBACK_PARTIAL")
      assert.strictEqual(read("notes/a.md"), "human a\n")
      assert.strictEqual(read("new.txt"), "human took it over\n")
      assert.strictEqual(read("old.txt"), "human recreated\n")
    }).pipe(Effect.scoped, Effect.provide(world.layer)))

  it.live("through Enact: files a human already put back count as undone, untouched", () =>
    Effect.gen(function*() {
      const { disk, enact, read, root, runId } = yield* afterRun()
      disk.writeFile(`${root}/notes/a.md`, "original a\n")
      disk.rm(`${root}/new.txt`)
      const inode = disk.stat(`${root}/notes/a.md`)?.ino
      const { result } = yield* enact.rollback(runId)
      assert.strictEqual(result.decision, "ROLLED_BACK")
      assert.strictEqual(disk.stat(`${root}/notes/a.md`)?.ino, inode, "not rewritten")
      assert.strictEqual(read("old.txt"), "old file\n")
      const outputs = result.actions.map((a) => (a.output as { result: unknown }).result)
      assert.deepStrictEqual(outputs, [
        { path: "old.txt", restored: true },
        { path: "new.txt", removed: false, reason: "it is already absent, as before the run" },
        { path: "notes/a.md", restored: false, reason: "it already holds its content from before the run" }
      ])
    }).pipe(Effect.scoped, Effect.provide(world.layer)))

  it.live("restore_file after a write: Changed with both states when the file was edited, replaced by a link or hard-linked", () =>
    Effect.gen(function*() {
      const { files, outside, root } = yield* sandbox()
      const disk = (yield* Disk).files
      yield* writeText(root, "doc.txt", "before\n")
      const w = yield* act(files, "write_file", { path: "doc.txt", content: "agent\n" })
      const target = `${root}/doc.txt`
      const cases: ReadonlyArray<readonly [string, () => void, Json]> = [
        ["edited", () => disk.writeFile(target, "human\n"), fileState("human\n")],
        ["emptied", () => disk.writeFile(target, ""), fileState("")],
        ["removed", () => disk.rm(target), { exists: false }],
        ["a symlink", () => {
          disk.rm(target, { force: true })
          disk.symlink(`${outside}/secret.txt`, target)
        }, { exists: true, type: "symbolic link" }],
        ["a directory", () => {
          disk.rm(target, { force: true })
          disk.mkdir(target)
        }, { exists: true, type: "directory" }],
        ["hard-linked", () => {
          disk.rm(target, { recursive: true, force: true })
          disk.writeFile(target, "agent\n")
          disk.link(target, `${outside}/second-name.txt`)
        }, { exists: true, size: 6, links: 2 }]
      ]
      for (const [label, change, current] of cases) {
        change()
        const before = fingerprint(disk, target)
        const result = yield* failure(undo(files, w.rollback))
        assert.strictEqual(result.reason, "Changed", label)
        assert.deepStrictEqual(result.states, { expected: fileState("agent\n"), current }, label)
        assert.include(result.message, "'doc.txt' changed since the run")
        assert.notInclude(result.message, "human")
        assert.deepStrictEqual(fingerprint(disk, target), before, `${label}: left as it is`)
      }
    }).pipe(Effect.scoped, Effect.provide(world.layer)))

  it.live("remove_file after a create: removes only what the run wrote; an edited file is kept, a gone file is done", () =>
    Effect.gen(function*() {
      const { files, root } = yield* sandbox()
      const disk = (yield* Disk).files
      const read = (path: string) => disk.readText(`${root}/${path}`)
      const w = yield* act(files, "write_file", { path: "made.txt", content: "agent\n" })
      disk.appendFile(`${root}/made.txt`, "human line\n")
      const result = yield* failure(undo(files, w.rollback))
      assert.strictEqual(result.reason, "Changed")
      assert.deepStrictEqual(result.states, { expected: fileState("agent\n"), current: fileState("agent\nhuman line\n") })
      assert.strictEqual(read("made.txt"), "agent\nhuman line\n")
      disk.writeFile(`${root}/made.txt`, "agent\n")
      assert.deepStrictEqual(yield* undo(files, w.rollback), { path: "made.txt", removed: true })
      assert.deepStrictEqual(yield* undo(files, w.rollback), {
        path: "made.txt",
        removed: false,
        reason: "it is already absent, as before the run"
      })
    }).pipe(Effect.scoped, Effect.provide(world.layer)))

  it.live("restore_file after a delete: never overwrites a file someone created since; already restored is done", () =>
    Effect.gen(function*() {
      const { files, root } = yield* sandbox()
      const disk = (yield* Disk).files
      const read = (path: string) => disk.readText(`${root}/${path}`)
      yield* writeText(root, "gone.txt", "precious\n")
      const d = yield* act(files, "delete_file", { path: "gone.txt" })
      disk.writeFile(`${root}/gone.txt`, "newer\n")
      const result = yield* failure(undo(files, d.rollback))
      assert.strictEqual(result.reason, "Changed")
      assert.deepStrictEqual(result.states, { expected: { exists: false }, current: fileState("newer\n") })
      assert.strictEqual(read("gone.txt"), "newer\n")
      disk.writeFile(`${root}/gone.txt`, "precious\n")
      assert.deepStrictEqual(yield* undo(files, d.rollback), {
        path: "gone.txt",
        restored: false,
        reason: "it already holds its content from before the run"
      })
    }).pipe(Effect.scoped, Effect.provide(world.layer)))

  it.live("rollback data without the run's after-state is refused, not trusted", () =>
    Effect.gen(function*() {
      const { files, root } = yield* sandbox()
      const disk = (yield* Disk).files
      const read = (path: string) => disk.readText(`${root}/${path}`)
      yield* writeText(root, "a.txt", "now\n")
      for (const rollback of [
        { action: "restore_file", args: { path: "a.txt", content: "old\n" } },
        { action: "restore_file", args: { path: "a.txt", content: "old\n", mode: 0o644, after: { exists: true } } },
        { action: "remove_file", args: { path: "a.txt" } },
        { action: "remove_file", args: { path: "a.txt", after: { exists: false } } },
        { action: "remove_file", args: { path: "a.txt", after: { ...fileState("now\n"), sha256: "NOT-HEX" } } }
      ]) {
        assert.strictEqual((yield* failure(undo(files, rollback))).reason, "InvalidArgs", JSON.stringify(rollback))
      }
      assert.strictEqual(read("a.txt"), "now\n")
    }).pipe(Effect.scoped, Effect.provide(world.layer)))
})
