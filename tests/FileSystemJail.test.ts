/**
 * The jail against each class of attack, deterministically. A hook in the (real) platform makes the
 * attacker's swap happen at the worst moment: between looking a name up and opening it, after a parent
 * was opened, between the temp file and the rename, right before an unlink. Then the static classes:
 * links in the last component, hard links, FIFOs and sockets, link loops, and what error messages show.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as nodePath from "node:path"
import { FilePlatform } from "../connectors/FilePlatform.ts"
import type { Hook } from "./support/interposedPlatform.ts"
import { interposed } from "./support/interposedPlatform.ts"
import { act, failure, reason, sandbox, SECRET } from "./support/fsSandbox.ts"
import { readBytes, snapshot, writeText } from "./support/tempDir.ts"

/** A platform whose hook can be armed to fire once, at the first call matching `operation` (and `name`). */
const trap = () => {
  let hook: Hook = () => {}
  const platform = interposed((operation, name) => hook(operation, name))
  const arm = (operation: string, name: string | null, attack: (name: string) => void) => {
    let fired = false
    hook = (op, n) => {
      if (!fired && op === operation && (name === null || n === name)) {
        fired = true
        attack(n)
      }
    }
    return { fired: () => fired }
  }
  return { platform, arm }
}

/** Replaces `root/dir` by a symlink to `outside` (the real directory steps aside as `.dir-real`). */
const swapDirForLink = (root: string, outside: string) => {
  fs.renameSync(nodePath.join(root, "dir"), nodePath.join(root, ".dir-real"))
  fs.symlinkSync(outside, nodePath.join(root, "dir"))
}
/** Atomically replaces `root/name` by a symlink to `target`. */
const replaceWithLink = (root: string, name: string, target: string) => {
  fs.symlinkSync(target, nodePath.join(root, ".planted"))
  fs.renameSync(nodePath.join(root, ".planted"), nodePath.join(root, name))
}

/** A sandbox on a trapped platform, with `dir/secret.txt`, `file.txt` and `dir/victim.txt` inside. */
const trapped = Effect.fnUntraced(function*() {
  const { arm, platform } = trap()
  const box = yield* sandbox().pipe(Effect.provideService(FilePlatform, platform))
  yield* writeText(box.root, "dir/secret.txt", "inside dir\n")
  yield* writeText(box.root, "dir/victim.txt", "inside victim\n")
  yield* writeText(box.root, "file.txt", "inside file\n")
  yield* writeText(box.outside, "victim.txt", "outside victim\n")
  return { ...box, arm, outsideBefore: yield* snapshot(box.outside) }
})

/** The arguments of `action` on `path` (a write writes "x"). */
const argsFor = (action: string, path: string) => (action === "write_file" ? { path, content: "x" } : { path })

const noTempFiles = (dir: string) =>
  Effect.map(snapshot(dir), (s) => assert.deepStrictEqual(Object.keys(s).filter((p) => p.includes(".enact-")), []))

describe("FileSystem jail: swaps at the worst moment", () => {
  it.live("a parent swapped for a symlink between its lookup and its open: refused, nothing outside touched", () =>
    Effect.gen(function*() {
      for (const [action, args] of [
        ["read_file", { path: "dir/secret.txt" }],
        ["list_dir", { path: "dir" }],
        ["write_file", { path: "dir/new.txt", content: "pwned" }],
        ["delete_file", { path: "dir/victim.txt" }]
      ] as const) {
        const { arm, base, files, outside, outsideBefore, root } = yield* trapped()
        const shot = arm("openDirectory", "dir", () => swapDirForLink(root, outside))
        const result = yield* failure(act(files, action, args))
        assert.isTrue(shot.fired())
        assert.strictEqual(result.reason, "Conflict", action)
        assert.notInclude(result.message, base)
        assert.deepStrictEqual(yield* snapshot(outside), outsideBefore)
        yield* noTempFiles(base)
      }
    }))

  it.live("a parent swapped after it was opened: reads and writes refuse, the temp file is removed from the real directory", () =>
    Effect.gen(function*() {
      const read = yield* trapped()
      read.arm("openFile", "secret.txt", () => swapDirForLink(read.root, read.outside))
      const refused = yield* failure(act(read.files, "read_file", { path: "dir/secret.txt" }))
      assert.strictEqual(refused.reason, "Conflict")
      assert.notInclude(refused.message, "secret outside")

      const write = yield* trapped()
      write.arm("createFile", null, () => swapDirForLink(write.root, write.outside))
      assert.strictEqual(yield* reason(act(write.files, "write_file", { path: "dir/new.txt", content: "x" })), "Conflict")
      assert.deepStrictEqual(yield* snapshot(write.outside), write.outsideBefore)
      assert.deepStrictEqual(fs.readdirSync(nodePath.join(write.root, ".dir-real")).sort(), ["secret.txt", "victim.txt"])
      yield* noTempFiles(write.base)
    }))

  it.live("a delete whose parent is swapped just before the unlink removes the entry from the directory it checked, never outside", () =>
    Effect.gen(function*() {
      const { arm, files, outside, outsideBefore, root } = yield* trapped()
      arm("unlink", "victim.txt", () => swapDirForLink(root, outside))
      yield* act(files, "delete_file", { path: "dir/victim.txt" })
      assert.deepStrictEqual(yield* snapshot(outside), outsideBefore)
      assert.isFalse(fs.existsSync(nodePath.join(root, ".dir-real", "victim.txt")))
    }))

  it.live("a file swapped for a symlink, a hard link or a FIFO between its lookup and its open: refused, nothing read", () =>
    Effect.gen(function*() {
      const attacks: ReadonlyArray<readonly [string, (root: string, outside: string) => void]> = [
        ["symlink", (root, outside) => replaceWithLink(root, "file.txt", nodePath.join(outside, "secret.txt"))],
        ["hard link", (root, outside) => {
          fs.linkSync(nodePath.join(outside, "secret.txt"), nodePath.join(root, ".planted"))
          fs.renameSync(nodePath.join(root, ".planted"), nodePath.join(root, "file.txt"))
        }],
        ["FIFO", (root) => {
          fs.unlinkSync(nodePath.join(root, "file.txt"))
          execFileSync("mkfifo", [nodePath.join(root, "file.txt")])
        }]
      ]
      for (const [label, attack] of attacks) {
        for (const action of ["read_file", "write_file", "delete_file"] as const) {
          const { arm, files, outside, outsideBefore, root } = yield* trapped()
          const shot = arm("openFile", "file.txt", () => attack(root, outside))
          const result = yield* failure(act(files, action, argsFor(action, "file.txt")))
          assert.isTrue(shot.fired())
          assert.strictEqual(result.reason, "Conflict", `${label} ${action}`)
          assert.notInclude(result.message, "secret outside")
          assert.deepStrictEqual(yield* snapshot(outside), outsideBefore)
        }
      }
    }))

  it.live("a target swapped for a symlink right before the rename: the rename replaces the link, never its target", () =>
    Effect.gen(function*() {
      const { arm, files, outside, outsideBefore, root } = yield* trapped()
      arm("rename", "file.txt", () => replaceWithLink(root, "file.txt", nodePath.join(outside, "secret.txt")))
      yield* act(files, "write_file", { path: "file.txt", content: "agent\n" })
      assert.deepStrictEqual(yield* snapshot(outside), outsideBefore)
      assert.isTrue(fs.lstatSync(nodePath.join(root, "file.txt")).isFile())
      assert.strictEqual(fs.readFileSync(nodePath.join(root, "file.txt"), "utf8"), "agent\n")
    }))

  it.live("a symlink planted at the temp file's name is never followed: exclusive create refuses", () =>
    Effect.gen(function*() {
      const { arm, base, files, outside, root } = yield* trapped()
      arm("createFile", null, (temp) => fs.symlinkSync(nodePath.join(outside, "planted.txt"), nodePath.join(root, temp)))
      const result = yield* failure(act(files, "write_file", { path: "file.txt", content: "agent\n" }))
      assert.strictEqual(result.reason, "Conflict")
      assert.isFalse(fs.existsSync(nodePath.join(outside, "planted.txt")))
      assert.notInclude(result.message, base)
      assert.strictEqual(fs.readFileSync(nodePath.join(root, "file.txt"), "utf8"), "inside file\n")
    }))

  it.live("a file created at the target while a new file is being written is kept: the write never replaces it", () =>
    Effect.gen(function*() {
      const { arm, base, files, root } = yield* trapped()
      arm("link", "new.txt", () => fs.writeFileSync(nodePath.join(root, "new.txt"), "human\n"))
      assert.strictEqual(yield* reason(act(files, "write_file", { path: "new.txt", content: "agent\n" })), "Conflict")
      assert.strictEqual(fs.readFileSync(nodePath.join(root, "new.txt"), "utf8"), "human\n")
      yield* noTempFiles(base)
    }))

  it.live("a root replaced or removed after the connector was made: every operation refuses", () =>
    Effect.gen(function*() {
      const { base, files, root } = yield* trapped()
      fs.renameSync(root, nodePath.join(base, "moved"))
      assert.strictEqual(yield* reason(act(files, "read_file", { path: "file.txt" })), "NotFound")
      fs.mkdirSync(root)
      fs.writeFileSync(nodePath.join(root, "file.txt"), "impostor\n")
      const replaced = yield* failure(act(files, "read_file", { path: "file.txt" }))
      assert.strictEqual(replaced.reason, "Conflict")
      assert.include(replaced.message, "replaced")
      fs.rmSync(root, { recursive: true })
      fs.symlinkSync(nodePath.join(base, "moved"), root)
      assert.strictEqual(yield* reason(act(files, "write_file", { path: "file.txt", content: "x" })), "Conflict")
    }))
})

describe("FileSystem jail: static classes", () => {
  it.live("a symlink in the last component: reads follow it inside the root, writes and deletes refuse it", () =>
    Effect.gen(function*() {
      const { files, root } = yield* trapped()
      fs.symlinkSync("file.txt", nodePath.join(root, "alias.txt"))
      fs.symlinkSync(nodePath.join(root, "dir"), nodePath.join(root, "absolute-alias"))
      const read = yield* act(files, "read_file", { path: "alias.txt" })
      assert.deepStrictEqual(read.output, { path: "file.txt", content: "inside file\n" })
      const viaAbsolute = yield* act(files, "read_file", { path: "absolute-alias/secret.txt" })
      assert.deepStrictEqual(viaAbsolute.output, { path: "dir/secret.txt", content: "inside dir\n" })
      for (const action of ["write_file", "delete_file"] as const) {
        const result = yield* failure(act(files, action, argsFor(action, "alias.txt")))
        assert.strictEqual(result.reason, "Forbidden")
        assert.include(result.message, "symbolic link")
      }
      assert.isTrue(fs.lstatSync(nodePath.join(root, "alias.txt")).isSymbolicLink())
      assert.strictEqual(fs.readFileSync(nodePath.join(root, "file.txt"), "utf8"), "inside file\n")
    }))

  it.live("a hard link to an outside file is refused unless allowHardLinks; with it, a write replaces the link, not the outside file", () =>
    Effect.gen(function*() {
      const { files, outside, outsideBefore, root } = yield* trapped()
      fs.linkSync(nodePath.join(outside, "secret.txt"), nodePath.join(root, "hard.txt"))
      for (const action of ["read_file", "write_file", "delete_file"] as const) {
        const result = yield* failure(act(files, action, argsFor(action, "hard.txt")))
        assert.strictEqual(result.reason, "Forbidden", action)
        assert.include(result.message, "allowHardLinks")
        assert.notInclude(result.message, "secret outside")
      }
      assert.deepStrictEqual(yield* snapshot(outside), outsideBefore)

      // The opt-in: the user accepts that a name inside may share its file with one outside.
      const optIn = yield* sandbox({ allowHardLinks: true }).pipe(Effect.provideService(FilePlatform, interposed(() => {})))
      fs.linkSync(nodePath.join(optIn.outside, "secret.txt"), nodePath.join(optIn.root, "hard.txt"))
      assert.deepStrictEqual((yield* act(optIn.files, "read_file", { path: "hard.txt" })).output, { path: "hard.txt", content: SECRET })
      yield* act(optIn.files, "write_file", { path: "hard.txt", content: "agent\n" })
      assert.deepStrictEqual(yield* readBytes(optIn.outside, "secret.txt"), new TextEncoder().encode(SECRET))
      assert.strictEqual(fs.statSync(nodePath.join(optIn.outside, "secret.txt")).nlink, 1)
    }))

  it.live("FIFOs and sockets are refused without blocking, for every action", () =>
    Effect.gen(function*() {
      const { files, root } = yield* trapped()
      execFileSync("mkfifo", [nodePath.join(root, "pipe")])
      const server = net.createServer()
      yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<void>((done) => server.listen(nodePath.join(root, "sock"), done))),
        () => Effect.promise(() => new Promise<void>((done) => server.close(() => done())))
      )
      for (const path of ["pipe", "sock"]) {
        for (const action of ["read_file", "write_file", "delete_file"] as const) {
          const result = yield* failure(act(files, action, argsFor(action, path)))
          assert.strictEqual(result.reason, "Conflict", `${action} ${path}`)
          assert.include(result.message, "not a regular file")
        }
        assert.strictEqual(yield* reason(act(files, "list_dir", { path })), "Conflict")
      }
      assert.isTrue(fs.lstatSync(nodePath.join(root, "pipe")).isFIFO())
    }))

  it.live("symlink loops and chains that climb out through '..' are refused", () =>
    Effect.gen(function*() {
      const { base, files, outsideBefore, outside, root } = yield* trapped()
      fs.symlinkSync("loop2", nodePath.join(root, "loop1"))
      fs.symlinkSync("loop1", nodePath.join(root, "loop2"))
      fs.symlinkSync("../..", nodePath.join(root, "dir", "up"))
      fs.symlinkSync("dir/up/outside", nodePath.join(root, "chain"))
      for (const path of ["loop1", "loop1/x", "dir/up/outside/secret.txt", "chain/secret.txt"]) {
        const result = yield* failure(act(files, "read_file", { path }))
        assert.strictEqual(result.reason, "Forbidden", path)
        assert.notInclude(result.message, base)
        assert.strictEqual(yield* reason(act(files, "write_file", { path: `${path}/new.txt`, content: "x" })), "Forbidden")
      }
      assert.deepStrictEqual(yield* snapshot(outside), outsideBefore)
    }))

  it.live("every error message names root-relative paths only", () =>
    Effect.gen(function*() {
      const { base, files, outside, root } = yield* trapped()
      fs.symlinkSync(nodePath.join(outside, "secret.txt"), nodePath.join(root, "leak.txt"))
      fs.symlinkSync(outside, nodePath.join(root, "leakdir"))
      fs.linkSync(nodePath.join(outside, "victim.txt"), nodePath.join(root, "hard.txt"))
      execFileSync("mkfifo", [nodePath.join(root, "pipe")])
      fs.writeFileSync(nodePath.join(root, "blob.bin"), new Uint8Array([0xff, 0xfe]))
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

  it.live("the checked path mode is refused unless allowed; allowed, it holds the static classes", () =>
    Effect.gen(function*() {
      const paths = interposed(() => {}, "paths")
      assert.isFalse(paths.raceFree)
      const refused = yield* Effect.flip(sandbox().pipe(Effect.provideService(FilePlatform, paths)))
      assert.strictEqual(refused.reason._tag, "Forbidden")
      assert.include(refused.message, "allowRacyPlatform")
      const { files, outside, root } = yield* sandbox({ allowRacyPlatform: true }).pipe(Effect.provideService(FilePlatform, paths))
      yield* writeText(root, "real/a.txt", "inside\n")
      fs.symlinkSync(outside, nodePath.join(root, "leakdir"))
      fs.symlinkSync("real", nodePath.join(root, "alias"))
      fs.linkSync(nodePath.join(outside, "secret.txt"), nodePath.join(root, "hard.txt"))
      assert.deepStrictEqual((yield* act(files, "read_file", { path: "alias/a.txt" })).output, { path: "real/a.txt", content: "inside\n" })
      assert.strictEqual(yield* reason(act(files, "read_file", { path: "leakdir/secret.txt" })), "Forbidden")
      assert.strictEqual(yield* reason(act(files, "write_file", { path: "leakdir/new.txt", content: "x" })), "Forbidden")
      assert.strictEqual(yield* reason(act(files, "read_file", { path: "hard.txt" })), "Forbidden")
      yield* act(files, "write_file", { path: "alias/a.txt", content: "changed\n" })
      assert.strictEqual(fs.readFileSync(nodePath.join(root, "real/a.txt"), "utf8"), "changed\n")
      assert.isFalse(fs.existsSync(nodePath.join(outside, "new.txt")))
    }))
})
