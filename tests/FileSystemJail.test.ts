/**
 * The jail against each class of attack, deterministically, on the real disk and on the in-memory
 * platform of `testing.ts`. A hook in the platform makes the attacker's swap happen at the worst moment:
 * between looking a name up and opening it, after a parent was opened, between the temp file and the
 * rename, right before an unlink. Then the static classes: links in the last component, hard links,
 * FIFOs and sockets, link loops, and what error messages show.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Effect } from "effect"
import { FilePlatform } from "../connectors/FilePlatform.ts"
import type { FilePlatformMemory } from "../testing.ts"
import { interposed } from "./support/interposedPlatform.ts"
import { act, failure, reason, sandbox, SECRET } from "./support/fsSandbox.ts"
import { Disk, nodeWorld, readBytes, snapshot, worlds, writeText } from "./support/fsWorld.ts"

type Files = FilePlatformMemory.FileOps

/** Replaces `root/dir` by a symlink to `outside` (the real directory steps aside as `.dir-real`). */
const swapDirForLink = (disk: Files, root: string, outside: string) => {
  disk.rename(`${root}/dir`, `${root}/.dir-real`)
  disk.symlink(outside, `${root}/dir`)
}
/** Atomically replaces `root/name` by a symlink to `target`. */
const replaceWithLink = (disk: Files, root: string, name: string, target: string) => {
  disk.symlink(target, `${root}/.planted`)
  disk.rename(`${root}/.planted`, `${root}/${name}`)
}

/** A sandbox on a trapped platform, with `dir/secret.txt`, `file.txt` and `dir/victim.txt` inside. */
const trapped = Effect.fnUntraced(function*() {
  const { files: disk, trap } = yield* Disk
  const { arm, platform } = yield* trap
  const box = yield* sandbox().pipe(Effect.provideService(FilePlatform, platform))
  yield* writeText(box.root, "dir/secret.txt", "inside dir\n")
  yield* writeText(box.root, "dir/victim.txt", "inside victim\n")
  yield* writeText(box.root, "file.txt", "inside file\n")
  yield* writeText(box.outside, "victim.txt", "outside victim\n")
  return { ...box, arm, disk, outsideBefore: yield* snapshot(box.outside) }
})

/** The arguments of `action` on `path` (a write writes "x"). */
const argsFor = (action: string, path: string) => (action === "write_file" ? { path, content: "x" } : { path })

const noTempFiles = (dir: string) =>
  Effect.map(snapshot(dir), (s) => assert.deepStrictEqual(Object.keys(s).filter((p) => p.includes(".enact-")), []))

for (const world of worlds) layer(world.layer)(`FileSystem jail (${world.name} platform)`, (it) => {
describe("swaps at the worst moment", () => {
  it.effect("a parent swapped for a symlink between its lookup and its open: refused, nothing outside touched", () =>
    Effect.gen(function*() {
      for (const [action, args] of [
        ["read_file", { path: "dir/secret.txt" }],
        ["list_dir", { path: "dir" }],
        ["write_file", { path: "dir/new.txt", content: "pwned" }],
        ["delete_file", { path: "dir/victim.txt" }]
      ] as const) {
        const { arm, base, disk, files, outside, outsideBefore, root } = yield* trapped()
        const shot = arm("openDirectory", "dir", () => swapDirForLink(disk, root, outside))
        const result = yield* failure(act(files, action, args))
        assert.isTrue(shot.fired())
        assert.strictEqual(result.reason, "Conflict", action)
        assert.notInclude(result.message, base)
        assert.deepStrictEqual(yield* snapshot(outside), outsideBefore)
        yield* noTempFiles(base)
      }
    }))

  it.effect("a parent swapped after it was opened: reads and writes refuse, the temp file is removed from the real directory", () =>
    Effect.gen(function*() {
      const read = yield* trapped()
      read.arm("openFile", "secret.txt", () => swapDirForLink(read.disk, read.root, read.outside))
      const refused = yield* failure(act(read.files, "read_file", { path: "dir/secret.txt" }))
      assert.strictEqual(refused.reason, "Conflict")
      assert.notInclude(refused.message, "secret outside")

      const write = yield* trapped()
      write.arm("createFile", null, () => swapDirForLink(write.disk, write.root, write.outside))
      assert.strictEqual(yield* reason(act(write.files, "write_file", { path: "dir/new.txt", content: "x" })), "Conflict")
      assert.deepStrictEqual(yield* snapshot(write.outside), write.outsideBefore)
      assert.deepStrictEqual(write.disk.readdir(`${write.root}/.dir-real`), ["secret.txt", "victim.txt"])
      yield* noTempFiles(write.base)
    }))

  it.effect("a delete whose parent is swapped just before the unlink removes the entry from the directory it checked, never outside", () =>
    Effect.gen(function*() {
      const { arm, disk, files, outside, outsideBefore, root } = yield* trapped()
      arm("unlink", "victim.txt", () => swapDirForLink(disk, root, outside))
      yield* act(files, "delete_file", { path: "dir/victim.txt" })
      assert.deepStrictEqual(yield* snapshot(outside), outsideBefore)
      assert.isUndefined(disk.lstat(`${root}/.dir-real/victim.txt`))
    }))

  it.effect("a file swapped for a symlink, a hard link or a FIFO between its lookup and its open: refused, nothing read", () =>
    Effect.gen(function*() {
      const attacks: ReadonlyArray<readonly [string, (disk: Files, root: string, outside: string) => void]> = [
        ["symlink", (disk, root, outside) => replaceWithLink(disk, root, "file.txt", `${outside}/secret.txt`)],
        ["hard link", (disk, root, outside) => {
          disk.link(`${outside}/secret.txt`, `${root}/.planted`)
          disk.rename(`${root}/.planted`, `${root}/file.txt`)
        }],
        ["FIFO", (disk, root) => {
          disk.unlink(`${root}/file.txt`)
          disk.mknod(`${root}/file.txt`, "fifo")
        }]
      ]
      for (const [label, attack] of attacks) {
        for (const action of ["read_file", "write_file", "delete_file"] as const) {
          const { arm, disk, files, outside, outsideBefore, root } = yield* trapped()
          const shot = arm("openFile", "file.txt", () => attack(disk, root, outside))
          const result = yield* failure(act(files, action, argsFor(action, "file.txt")))
          assert.isTrue(shot.fired())
          assert.strictEqual(result.reason, "Conflict", `${label} ${action}`)
          assert.notInclude(result.message, "secret outside")
          assert.deepStrictEqual(yield* snapshot(outside), outsideBefore)
        }
      }
    }))

  it.effect("a target swapped for a symlink right before the rename: the rename replaces the link, never its target", () =>
    Effect.gen(function*() {
      const { arm, disk, files, outside, outsideBefore, root } = yield* trapped()
      arm("rename", "file.txt", () => replaceWithLink(disk, root, "file.txt", `${outside}/secret.txt`))
      yield* act(files, "write_file", { path: "file.txt", content: "agent\n" })
      assert.deepStrictEqual(yield* snapshot(outside), outsideBefore)
      assert.strictEqual(disk.lstat(`${root}/file.txt`)?.type, "File")
      assert.strictEqual(disk.readText(`${root}/file.txt`), "agent\n")
    }))

  it.effect("a symlink planted at the temp file's name is never followed: exclusive create refuses", () =>
    Effect.gen(function*() {
      const { arm, base, disk, files, outside, root } = yield* trapped()
      arm("createFile", null, (temp) => disk.symlink(`${outside}/planted.txt`, `${root}/${temp}`))
      const result = yield* failure(act(files, "write_file", { path: "file.txt", content: "agent\n" }))
      assert.strictEqual(result.reason, "Conflict")
      assert.isUndefined(disk.lstat(`${outside}/planted.txt`))
      assert.notInclude(result.message, base)
      assert.strictEqual(disk.readText(`${root}/file.txt`), "inside file\n")
    }))

  it.effect("a file created at the target while a new file is being written is kept: the write never replaces it", () =>
    Effect.gen(function*() {
      const { arm, base, disk, files, root } = yield* trapped()
      arm("link", "new.txt", () => disk.writeFile(`${root}/new.txt`, "human\n"))
      assert.strictEqual(yield* reason(act(files, "write_file", { path: "new.txt", content: "agent\n" })), "Conflict")
      assert.strictEqual(disk.readText(`${root}/new.txt`), "human\n")
      yield* noTempFiles(base)
    }))

  it.effect("a root replaced or removed after the connector was made: every operation refuses", () =>
    Effect.gen(function*() {
      const { base, disk, files, root } = yield* trapped()
      disk.rename(root, `${base}/moved`)
      assert.strictEqual(yield* reason(act(files, "read_file", { path: "file.txt" })), "NotFound")
      disk.mkdir(root)
      disk.writeFile(`${root}/file.txt`, "impostor\n")
      const replaced = yield* failure(act(files, "read_file", { path: "file.txt" }))
      assert.strictEqual(replaced.reason, "Conflict")
      assert.include(replaced.message, "replaced")
      disk.rm(root, { recursive: true })
      disk.symlink(`${base}/moved`, root)
      assert.strictEqual(yield* reason(act(files, "write_file", { path: "file.txt", content: "x" })), "Conflict")
    }))
})

describe("static classes", () => {
  it.effect("a symlink in the last component: reads follow it inside the root, writes and deletes refuse it", () =>
    Effect.gen(function*() {
      const { disk, files, root } = yield* trapped()
      disk.symlink("file.txt", `${root}/alias.txt`)
      disk.symlink(`${root}/dir`, `${root}/absolute-alias`)
      const read = yield* act(files, "read_file", { path: "alias.txt" })
      assert.deepStrictEqual(read.output, { path: "file.txt", content: "inside file\n" })
      const viaAbsolute = yield* act(files, "read_file", { path: "absolute-alias/secret.txt" })
      assert.deepStrictEqual(viaAbsolute.output, { path: "dir/secret.txt", content: "inside dir\n" })
      for (const action of ["write_file", "delete_file"] as const) {
        const result = yield* failure(act(files, action, argsFor(action, "alias.txt")))
        assert.strictEqual(result.reason, "Forbidden")
        assert.include(result.message, "symbolic link")
      }
      assert.strictEqual(disk.lstat(`${root}/alias.txt`)?.type, "SymbolicLink")
      assert.strictEqual(disk.readText(`${root}/file.txt`), "inside file\n")
    }))

  it.effect("a hard link to an outside file is refused unless allowHardLinks; with it, a write replaces the link, not the outside file", () =>
    Effect.gen(function*() {
      const { disk, files, outside, outsideBefore, root } = yield* trapped()
      disk.link(`${outside}/secret.txt`, `${root}/hard.txt`)
      for (const action of ["read_file", "write_file", "delete_file"] as const) {
        const result = yield* failure(act(files, action, argsFor(action, "hard.txt")))
        assert.strictEqual(result.reason, "Forbidden", action)
        assert.include(result.message, "allowHardLinks")
        assert.notInclude(result.message, "secret outside")
      }
      assert.deepStrictEqual(yield* snapshot(outside), outsideBefore)

      // The opt-in: the user accepts that a name inside may share its file with one outside.
      const optIn = yield* sandbox({ allowHardLinks: true })
      disk.link(`${optIn.outside}/secret.txt`, `${optIn.root}/hard.txt`)
      assert.deepStrictEqual((yield* act(optIn.files, "read_file", { path: "hard.txt" })).output, { path: "hard.txt", content: SECRET })
      yield* act(optIn.files, "write_file", { path: "hard.txt", content: "agent\n" })
      assert.deepStrictEqual(yield* readBytes(optIn.outside, "secret.txt"), new TextEncoder().encode(SECRET))
      assert.strictEqual(disk.stat(`${optIn.outside}/secret.txt`)?.nlink, 1)
    }))

  it.effect("FIFOs and sockets are refused without blocking, for every action", () =>
    Effect.gen(function*() {
      const { disk, files, root } = yield* trapped()
      disk.mknod(`${root}/pipe`, "fifo")
      yield* (yield* Disk).socket(`${root}/sock`)
      for (const path of ["pipe", "sock"]) {
        for (const action of ["read_file", "write_file", "delete_file"] as const) {
          const result = yield* failure(act(files, action, argsFor(action, path)))
          assert.strictEqual(result.reason, "Conflict", `${action} ${path}`)
          assert.include(result.message, "not a regular file")
        }
        assert.strictEqual(yield* reason(act(files, "list_dir", { path })), "Conflict")
      }
      assert.strictEqual(disk.snapshot(root)["pipe"], "<fifo>")
    }))

  it.effect("symlink loops and chains that climb out through '..' are refused", () =>
    Effect.gen(function*() {
      const { base, disk, files, outsideBefore, outside, root } = yield* trapped()
      disk.symlink("loop2", `${root}/loop1`)
      disk.symlink("loop1", `${root}/loop2`)
      disk.symlink("../..", `${root}/dir/up`)
      disk.symlink("dir/up/outside", `${root}/chain`)
      for (const path of ["loop1", "loop1/x", "dir/up/outside/secret.txt", "chain/secret.txt"]) {
        const result = yield* failure(act(files, "read_file", { path }))
        assert.strictEqual(result.reason, "Forbidden", path)
        assert.notInclude(result.message, base)
        assert.strictEqual(yield* reason(act(files, "write_file", { path: `${path}/new.txt`, content: "x" })), "Forbidden")
      }
      assert.deepStrictEqual(yield* snapshot(outside), outsideBefore)
    }))

  it.effect("every error message names root-relative paths only", () =>
    Effect.gen(function*() {
      const { base, disk, files, outside, root } = yield* trapped()
      disk.symlink(`${outside}/secret.txt`, `${root}/leak.txt`)
      disk.symlink(outside, `${root}/leakdir`)
      disk.link(`${outside}/victim.txt`, `${root}/hard.txt`)
      disk.mknod(`${root}/pipe`, "fifo")
      disk.writeFile(`${root}/blob.bin`, new Uint8Array([0xff, 0xfe]))
      const messages: Array<string> = []
      for (const path of ["missing.txt", "no/such/dir.txt", "file.txt/below", "leak.txt", "leakdir/secret.txt", "hard.txt", "pipe", "blob.bin", "dir", "../outside/secret.txt"]) {
        for (const [action, args] of [
          ["read_file", { path }],
          ["list_dir", { path }],
          ["write_file", { path, content: "x" }],
          ["delete_file", { path }]
        ] as const) {
          const exit = yield* Effect.exit(act(files, action, args))
          if (exit._tag === "Failure") messages.push((yield* failure(act(files, action, args))).message)
        }
      }
      assert.isAbove(messages.length, 30)
      if (process.env["ENACT_SHOW_MESSAGES"]) console.log(messages.join("\n"))
      for (const message of messages) {
        assert.notInclude(message, base)
        assert.notInclude(message, "/proc/self")
      }
    }))

})
})

layer(nodeWorld)("FileSystem jail on the Node layer's checked path mode", (it) => {
  it.effect("the checked path mode is refused unless allowed; allowed, it holds the static classes", () =>
    Effect.gen(function*() {
      const paths = interposed(() => {}, "paths")
      assert.isFalse(paths.raceFree)
      const refused = yield* Effect.flip(sandbox().pipe(Effect.provideService(FilePlatform, paths)))
      assert.strictEqual(refused.reason._tag, "Forbidden")
      assert.include(refused.message, "allowRacyPlatform")
      const { files, outside, root } = yield* sandbox({ allowRacyPlatform: true }).pipe(Effect.provideService(FilePlatform, paths))
      const disk = (yield* Disk).files
      yield* writeText(root, "real/a.txt", "inside\n")
      disk.symlink(outside, `${root}/leakdir`)
      disk.symlink("real", `${root}/alias`)
      disk.link(`${outside}/secret.txt`, `${root}/hard.txt`)
      assert.deepStrictEqual((yield* act(files, "read_file", { path: "alias/a.txt" })).output, { path: "real/a.txt", content: "inside\n" })
      assert.strictEqual(yield* reason(act(files, "read_file", { path: "leakdir/secret.txt" })), "Forbidden")
      assert.strictEqual(yield* reason(act(files, "write_file", { path: "leakdir/new.txt", content: "x" })), "Forbidden")
      assert.strictEqual(yield* reason(act(files, "read_file", { path: "hard.txt" })), "Forbidden")
      yield* act(files, "write_file", { path: "alias/a.txt", content: "changed\n" })
      assert.strictEqual(disk.readText(`${root}/real/a.txt`), "changed\n")
      assert.isUndefined(disk.lstat(`${outside}/new.txt`))
    }))
})
