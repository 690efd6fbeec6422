/**
 * The filesystem connector's actions, inverses, construction and static jail: what a user of each action
 * gets, with real files and, the same tests, on the in-memory platform of `testing.ts`. Races and hostile
 * swaps are in FileSystemRace/FileSystemJail tests; compare-before-swap rollback in FileSystemRollback tests.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import * as FileSystem from "../connectors/FileSystem.ts"
import { makeNode } from "../connectors/FileSystemNode.ts"
import { definitionOf } from "./support/connectorAccess.ts"
import { act, failure, fileState, prepare, reason, sandbox, SECRET, undo } from "./support/fsSandbox.ts"
import { Disk, nodeWorld, readBytes, snapshot, worlds, writeText } from "./support/fsWorld.ts"

const encode = (text: string): Uint8Array => new TextEncoder().encode(text)

for (const world of worlds) layer(world.layer)(`FileSystem connector (${world.name} platform)`, (it) => {
  describe("actions", () => {
    it.effect("read_file returns the text of a file under the root", () =>
      Effect.gen(function*() {
        const { files, root } = yield* sandbox()
        yield* writeText(root, "notes/today.md", "héllo 👋\n")
        const r = yield* act(files, "read_file", { path: "./notes/../notes/today.md" })
        assert.deepStrictEqual(r.output, { path: "notes/today.md", content: "héllo 👋\n" })
        assert.isFalse(r.alreadyDone)
        assert.isNull(r.rollback)
        assert.isFalse(definitionOf(files).actions["read_file"]?.mutating)
        assert.strictEqual(yield* reason(act(files, "read_file", { path: "missing.txt" })), "NotFound")
      }))

    it.effect("list_dir returns sorted entry names, for the root and for subdirectories", () =>
      Effect.gen(function*() {
        const { files, root } = yield* sandbox()
        yield* writeText(root, "b.txt", "")
        yield* writeText(root, "a.txt", "")
        yield* writeText(root, "sub/z.txt", "")
        const top = yield* act(files, "list_dir", { path: "." })
        assert.deepStrictEqual(top.output, { path: ".", entries: ["a.txt", "b.txt", "sub"] })
        const sub = yield* act(files, "list_dir", { path: "sub" })
        assert.deepStrictEqual(sub.output, { path: "sub", entries: ["z.txt"] })
        assert.strictEqual(yield* reason(act(files, "list_dir", { path: "a.txt" })), "Conflict")
      }))

    it.effect("write_file creates a file, and its inverse remove_file deletes it (twice is fine)", () =>
      Effect.gen(function*() {
        const { files, root } = yield* sandbox()
        const r = yield* act(files, "write_file", { path: "new.txt", content: "fresh" })
        assert.isTrue(definitionOf(files).actions["write_file"]?.mutating)
        assert.isFalse(r.alreadyDone)
        assert.deepStrictEqual(r.rollback, { action: "remove_file", args: { path: "new.txt", after: fileState("fresh") } })
        assert.deepStrictEqual(r.output, { path: "new.txt", created: true })
        assert.deepStrictEqual(yield* readBytes(root, "new.txt"), encode("fresh"))
        assert.deepStrictEqual(yield* undo(files, r.rollback), { path: "new.txt", removed: true })
        assert.isNull(yield* readBytes(root, "new.txt"))
        assert.deepStrictEqual(yield* undo(files, r.rollback), {
          path: "new.txt",
          removed: false,
          reason: "it is already absent, as before the run"
        })
        assert.deepStrictEqual(yield* snapshot(root), {})
      }))

    it.effect("write_file over a file captures the old content first; restore_file puts it back byte-exactly", () =>
      Effect.gen(function*() {
        const { files, root } = yield* sandbox()
        const original = "\uFEFFline one\r\nline two ✓ no trailing newline"
        yield* writeText(root, "doc.txt", original)
        const { files: disk } = yield* Disk
        disk.chmod(`${root}/doc.txt`, 0o640)
        const prepared = yield* prepare(files, "write_file", { path: "doc.txt", content: "replaced" })
        assert.deepStrictEqual(yield* readBytes(root, "doc.txt"), encode(original), "prepare changes nothing")
        assert.deepStrictEqual(prepared.rollback, {
          action: "restore_file",
          args: { path: "doc.txt", content: original, mode: 0o640, after: fileState("replaced") }
        })
        yield* prepared.apply
        assert.deepStrictEqual(yield* readBytes(root, "doc.txt"), encode("replaced"))
        assert.strictEqual(disk.stat(`${root}/doc.txt`)?.mode, 0o640, "the atomic write keeps the file's permissions")
        assert.deepStrictEqual(yield* undo(files, prepared.rollback), { path: "doc.txt", restored: true })
        assert.deepStrictEqual(yield* readBytes(root, "doc.txt"), encode(original))
        assert.deepStrictEqual(yield* undo(files, prepared.rollback), {
          path: "doc.txt",
          restored: false,
          reason: "it already holds its content from before the run"
        })
        assert.deepStrictEqual(yield* readBytes(root, "doc.txt"), encode(original))
        assert.deepStrictEqual(Object.keys(yield* snapshot(root)), ["doc.txt"], "no temp file is left behind")
      }))

    it.effect("write_file with the content already there is alreadyDone and does not touch the file", () =>
      Effect.gen(function*() {
        const { files, root } = yield* sandbox()
        yield* writeText(root, "same.txt", "same")
        const { files: disk } = yield* Disk
        const inode = disk.stat(`${root}/same.txt`)?.ino
        const r = yield* act(files, "write_file", { path: "same.txt", content: "same" })
        assert.isTrue(r.alreadyDone)
        assert.isNull(r.rollback)
        assert.strictEqual(disk.stat(`${root}/same.txt`)?.ino, inode)
      }))

    it.effect("delete_file captures the content and restore_file brings it back; deleting twice is alreadyDone", () =>
      Effect.gen(function*() {
        const { files, root } = yield* sandbox()
        const original = "keep me\n\ttabbed ünïcode"
        yield* writeText(root, "dir/gone.txt", original)
        const { files: disk } = yield* Disk
        disk.chmod(`${root}/dir/gone.txt`, 0o600)
        const r = yield* act(files, "delete_file", { path: "dir/gone.txt" })
        assert.isFalse(r.alreadyDone)
        assert.deepStrictEqual(r.rollback, {
          action: "restore_file",
          args: { path: "dir/gone.txt", content: original, mode: 0o600, after: { exists: false } }
        })
        assert.isNull(yield* readBytes(root, "dir/gone.txt"))
        const again = yield* act(files, "delete_file", { path: "dir/gone.txt" })
        assert.isTrue(again.alreadyDone)
        assert.isNull(again.rollback)
        disk.rm(`${root}/dir`, { recursive: true })
        assert.deepStrictEqual(yield* undo(files, r.rollback), { path: "dir/gone.txt", restored: true })
        assert.deepStrictEqual(yield* readBytes(root, "dir/gone.txt"), encode(original), "parents are recreated")
        assert.strictEqual(disk.stat(`${root}/dir/gone.txt`)?.mode, 0o600, "the restored file gets its permissions back")
      }))

    it.effect("apply refuses when the file changed between prepare and apply", () =>
      Effect.gen(function*() {
        const { files, root } = yield* sandbox()
        yield* writeText(root, "race.txt", "v1")
        const prepared = yield* prepare(files, "write_file", { path: "race.txt", content: "mine" })
        yield* writeText(root, "race.txt", "someone else")
        assert.strictEqual(yield* reason(prepared.apply), "Conflict")
        assert.deepStrictEqual(yield* readBytes(root, "race.txt"), encode("someone else"))
      }))

    it.effect("write_file into a missing directory fails with NotFound and creates nothing", () =>
      Effect.gen(function*() {
        const { files, root } = yield* sandbox()
        const write = act(files, "write_file", { path: "no/such/dir.txt", content: "x" })
        assert.strictEqual(yield* reason(write), "NotFound")
        assert.deepStrictEqual(yield* snapshot(root), {})
      }))

    it.effect("files that are not UTF-8 text are refused rather than mangled", () =>
      Effect.gen(function*() {
        const { files, root } = yield* sandbox()
        const binary = new Uint8Array([0xff, 0xfe, 0x00, 0x80])
        yield* writeText(root, "blob.bin", binary)
        assert.strictEqual(yield* reason(act(files, "read_file", { path: "blob.bin" })), "Conflict")
        assert.strictEqual(yield* reason(act(files, "write_file", { path: "blob.bin", content: "x" })), "Conflict")
        assert.strictEqual(yield* reason(act(files, "delete_file", { path: "blob.bin" })), "Conflict")
        assert.deepStrictEqual(yield* readBytes(root, "blob.bin"), binary)
      }))

    it.effect("bad arguments fail with InvalidArgs naming the field", () =>
      Effect.gen(function*() {
        const { files } = yield* sandbox()
        const missing = yield* failure(prepare(files, "write_file", { path: "a.txt" }))
        assert.strictEqual(missing.reason, "InvalidArgs")
        assert.include(missing.message, "content")
        const wrongType = yield* failure(prepare(files, "read_file", { path: 42 }))
        assert.strictEqual(wrongType.reason, "InvalidArgs")
        assert.include(wrongType.message, "path")
        assert.include((yield* failure(prepare(files, "read_file", { path: "a", extra: 1 }))).message, "extra")
        assert.strictEqual(yield* reason(prepare(files, "delete_file", "a.txt")), "InvalidArgs")
      }))
  })

  describe("allowlist and construction", () => {
    it.effect("an allowlist naming an unknown action is refused at construction", () =>
      Effect.gen(function*() {
        const { root } = yield* sandbox()
        const e = yield* Effect.flip(FileSystem.make({ root, allowedActions: ["read_file", "rm_rf"] }))
        assert.strictEqual(e.reason._tag, "UnknownAction")
        assert.include(e.message, "rm_rf")
      }))

    it.effect("only the allowed actions are on the allowlist; inverses never are", () =>
      Effect.gen(function*() {
        const { files } = yield* sandbox({ allowedActions: ["read_file", "list_dir"] })
        assert.deepStrictEqual([...files.allowedActions], ["read_file", "list_dir"])
        assert.isFalse(files.allowedActions.has("write_file"))
        assert.isFalse(files.allowedActions.has("restore_file"))
        assert.deepStrictEqual(Object.keys(definitionOf(files).inverses).sort(), ["remove_file", "restore_file"])
        assert.strictEqual(files.kind, "filesystem")
      }))

    it.effect("make fails on a missing root or a root that is a file", () =>
      Effect.gen(function*() {
        const { base, outside } = yield* sandbox()
        const missing = yield* Effect.flip(FileSystem.make({ root: `${base}/nope`, allowedActions: [] }))
        assert.strictEqual(missing.reason._tag, "NotFound")
        const file = yield* Effect.flip(
          FileSystem.make({ root: `${outside}/secret.txt`, allowedActions: [], kind: "docs" })
        )
        assert.strictEqual(file.reason._tag, "Conflict")
        assert.strictEqual(file.system, "docs")
      }))
  })

  describe("jail", () => {
    const escapes = [
      "..",
      "../outside/secret.txt",
      "a/../../outside/secret.txt",
      "a/../../etc/passwd",
      "/etc/passwd",
      "",
      "a\0b"
    ]

    it.effect("refuses paths that escape the root, for every action and inverse, and touches nothing", () =>
      Effect.gen(function*() {
        const { base, files } = yield* sandbox()
        const before = yield* snapshot(base)
        for (const path of escapes) {
          for (const [action, args] of [
            ["read_file", { path }],
            ["list_dir", { path }],
            ["write_file", { path, content: "pwned" }],
            ["delete_file", { path }]
          ] as const) {
            assert.strictEqual(yield* reason(act(files, action, args)), "Forbidden", `${action} ${path}`)
          }
          const inverses = [
            { action: "restore_file", args: { path, content: "x", mode: 0o644, after: { exists: false } } },
            { action: "restore_file", args: { path, content: "x", mode: 0o644, after: fileState("y") } },
            { action: "remove_file", args: { path, after: fileState("x") } }
          ]
          for (const rollback of inverses) {
            assert.strictEqual(yield* reason(undo(files, rollback)), "Forbidden", `${rollback.action} ${path}`)
          }
        }
        assert.deepStrictEqual(yield* snapshot(base), before)
      }))

    it.effect("refuses the root itself as a write or delete target", () =>
      Effect.gen(function*() {
        const { files } = yield* sandbox()
        for (const path of [".", "a/..", "./"]) {
          assert.strictEqual(yield* reason(act(files, "write_file", { path, content: "" })), "Forbidden")
          assert.strictEqual(yield* reason(act(files, "delete_file", { path })), "Forbidden")
        }
      }))

    it.effect("refuses a symlink inside the root that points outside: reading, writing and deleting through it", () =>
      Effect.gen(function*() {
        const { base, files, outside, root } = yield* sandbox()
        const { files: disk } = yield* Disk
        disk.symlink(`${outside}/secret.txt`, `${root}/leak.txt`)
        disk.symlink("../outside/secret.txt", `${root}/relative-leak.txt`)
        disk.symlink(`${base}/gone`, `${root}/dangling.txt`)
        const before = yield* snapshot(base)
        for (const path of ["leak.txt", "relative-leak.txt", "dangling.txt"]) {
          const read = yield* failure(act(files, "read_file", { path }))
          assert.strictEqual(read.reason, "Forbidden")
          assert.notInclude(read.message, "top secret")
          assert.strictEqual(yield* reason(act(files, "write_file", { path, content: "pwned" })), "Forbidden")
          assert.strictEqual(yield* reason(act(files, "delete_file", { path })), "Forbidden")
        }
        assert.deepStrictEqual(yield* snapshot(base), before)
      }))

    it.effect("refuses writing through a symlinked directory that points outside", () =>
      Effect.gen(function*() {
        const { base, files, outside, root } = yield* sandbox()
        ;(yield* Disk).files.symlink(outside, `${root}/linkdir`)
        const before = yield* snapshot(base)
        for (const path of ["linkdir/new.txt", "linkdir/secret.txt", "linkdir/deeper/x.txt"]) {
          assert.strictEqual(yield* reason(act(files, "write_file", { path, content: "pwned" })), "Forbidden")
          const restore = undo(files, { action: "restore_file", args: { path, content: "x", mode: 0o644, after: { exists: false } } })
          assert.strictEqual(yield* reason(restore), "Forbidden")
        }
        assert.strictEqual(yield* reason(act(files, "list_dir", { path: "linkdir" })), "Forbidden")
        assert.strictEqual(yield* reason(act(files, "delete_file", { path: "linkdir/secret.txt" })), "Forbidden")
        assert.deepStrictEqual(yield* snapshot(base), before)
        assert.deepStrictEqual(yield* readBytes(outside, "secret.txt"), encode(SECRET))
      }))

    it.effect("follows symlinks that stay inside the root, and records the real path for rollback", () =>
      Effect.gen(function*() {
        const { files, root } = yield* sandbox()
        yield* writeText(root, "real/target.txt", "inside")
        const { files: disk } = yield* Disk
        disk.chmod(`${root}/real/target.txt`, 0o644)
        disk.symlink("real", `${root}/alias`)
        const read = yield* act(files, "read_file", { path: "alias/target.txt" })
        assert.deepStrictEqual(read.output, { path: "real/target.txt", content: "inside" })
        const write = yield* act(files, "write_file", { path: "alias/target.txt", content: "changed" })
        assert.deepStrictEqual(write.rollback, {
          action: "restore_file",
          args: { path: "real/target.txt", content: "inside", mode: 0o644, after: fileState("changed") }
        })
        yield* undo(files, write.rollback)
        assert.deepStrictEqual(yield* readBytes(root, "real/target.txt"), encode("inside"))
      }))
  })
})

layer(nodeWorld)("FileSystemNode.makeNode", (it) => {
  it.effect("builds a working connector synchronously and throws a clear Error for a missing root", () =>
    Effect.gen(function*() {
      const { base, root } = yield* sandbox()
      const files = makeNode({ root, allowedActions: ["write_file"] })
      assert.isTrue(files.allowedActions.has("write_file"))
      yield* act(files, "write_file", { path: "n.txt", content: "node" })
      assert.deepStrictEqual(yield* readBytes(root, "n.txt"), encode("node"))
      assert.throws(() => makeNode({ root: `${base}/nope`, allowedActions: [] }), /does not exist/)
    }))
})
