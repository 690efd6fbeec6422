/**
 * The memory platform behaves like the Node layer: one script of platform operations (lookups that must
 * not follow links, exclusive creates, renames that replace, hard links and link counts, handles that
 * follow renames and lose their place on unlink, and every error) runs on the real disk and on the memory
 * tree, and both give the same results and the same error codes. Then what only the memory platform
 * offers: hooks at an exact operation and injected failures.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Option } from "effect"
import type { Scope } from "effect"
import type { FilePlatformService, Stat } from "../../connectors/FilePlatform.ts"
import * as FilePlatformNode from "../../connectors/FilePlatformNode.ts"
import * as FileSystem from "../../connectors/FileSystem.ts"
import { FilePlatformMemory } from "../../testing.ts"
import { act, failure, reason } from "../support/fsSandbox.ts"
import { nodeFileOps } from "../support/nodeFiles.ts"
import { tempDir } from "../support/tempDir.ts"

declare const process: { readonly umask: () => number }
declare const Deno: unknown

/**
 * Where Deno's `node:fs` answers differently from Node on the same kernel (the memory platform follows
 * Node): `unlink` of a directory is ENOTEMPTY under Deno, EISDIR under Node. Both map to a `Conflict`.
 */
const runtimeDeviations: ReadonlySet<string> = new Set(typeof Deno === "undefined" ? [] : ["unlink sub"])

/** What a stat says, without the identity (which differs between the two). */
const shape = (s: Stat) => ({
  type: s.type,
  ...(s.type === "Directory" ? { nlink: s.nlink } : s.type === "File" ? { nlink: s.nlink, size: s.size, mode: s.mode } : s.type === "SymbolicLink" ? { size: s.size } : {})
})

type Step = readonly [string, unknown]

/** Runs the script on `platform`, whose files live under `base` (changed by `files` as another process). */
const script = (platform: FilePlatformService, base: string, files: FilePlatformMemory.FileOps) =>
  Effect.gen(function*() {
    const out: Array<Step> = []
    const local = (p: string | undefined) => (p === undefined ? p : p.startsWith(base) ? `<base>${p.slice(base.length)}` : p)
    const record = <A>(label: string, effect: Effect.Effect<A, { readonly code: string; readonly detail: string }, Scope.Scope>, show: (a: A) => unknown = (a) => a) =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(Effect.scoped(effect))
        out.push([label, Exit.isSuccess(exit) ? { ok: show(exit.value) } : Exit.isFailure(exit) ? failureOf(exit.cause) : null])
      })
    const failureOf = (cause: unknown): unknown => {
      const e = (cause as { readonly reasons?: ReadonlyArray<{ readonly error?: { readonly code?: string; readonly detail?: string } }> }).reasons?.[0]?.error
      return { error: e?.code, detail: e?.detail }
    }
    const d = `${base}/d`
    files.mkdir(`${d}/sub/inner`, { recursive: true })
    files.mkdir(`${d}/full`, { recursive: true })
    files.writeFile(`${d}/full/x`, "x")
    files.writeFile(`${d}/f.txt`, "hello")
    files.chmod(`${d}/f.txt`, 0o640)
    files.writeFile(`${d}/h.txt`, "shared")
    files.link(`${d}/h.txt`, `${d}/h2.txt`)
    files.symlink("f.txt", `${d}/link`)
    files.symlink(`${d}/sub`, `${d}/abs`)
    files.symlink("nowhere", `${d}/dangling`)
    files.symlink("loop", `${d}/loop`)
    files.mknod(`${d}/fifo`, "fifo")

    yield* record("realPath through a link", platform.realPath(`${d}/link`), local)
    yield* record("realPath through an absolute link to a directory", platform.realPath(`${d}/abs/inner`), local)
    yield* record("realPath of a dangling link", platform.realPath(`${d}/dangling`), local)
    yield* record("realPath of a loop", platform.realPath(`${d}/loop`), local)
    for (const name of ["f.txt", "h.txt", "sub", "link", "dangling", "fifo", "missing"]) {
      yield* record(`platform lstat ${name}`, platform.lstat(`${d}/${name}`), (o) => Option.map(o, shape))
    }
    yield* record("platform lstat below a file", platform.lstat(`${d}/f.txt/below`), (o) => Option.map(o, shape))
    yield* record("platform lstat through a loop", platform.lstat(`${d}/loop/x`), (o) => Option.map(o, shape))
    for (const name of ["abs", "f.txt", "missing", "sub"]) {
      yield* record(`platform openDirectory ${name}`, Effect.map(platform.openDirectory(`${d}/${name}`), () => "opened"))
    }

    yield* Effect.scoped(Effect.gen(function*() {
      const dir = yield* platform.openDirectory(d)
      yield* record("directory location", dir.location, (o) => Option.map(o, local))
      for (const name of ["f.txt", "link", "missing", "..", "a/b", ""]) yield* record(`lstat ${JSON.stringify(name)}`, dir.lstat(name), (o) => Option.map(o, shape))
      for (const name of ["link", "f.txt", "missing"]) yield* record(`readLink ${name}`, dir.readLink(name))
      for (const name of ["sub", "link", "abs", "f.txt", "missing", "fifo"]) {
        yield* record(`openDirectory ${name}`, Effect.map(dir.openDirectory(name), () => "opened"))
      }
      yield* record("openFile then read f.txt", Effect.flatMap(dir.openFile("f.txt"), (f) => f.readAll), (b) => new TextDecoder().decode(b))
      yield* record("openFile link", Effect.map(dir.openFile("link"), () => "opened"))
      yield* record("openFile a directory then read", Effect.flatMap(dir.openFile("sub"), (f) => f.readAll), (b) => b.length)
      yield* record("openFile a FIFO then read (no writer)", Effect.flatMap(dir.openFile("fifo"), (f) => f.readAll), (b) => b.length)
      yield* record("openFile missing", Effect.map(dir.openFile("missing"), () => "opened"))
      for (const name of ["f.txt", "dangling", "sub"]) yield* record(`createFile over ${name}`, Effect.map(dir.createFile(name, 0o600), () => "created"))
      yield* record("createFile new, write, stat, where", Effect.gen(function*() {
        const f = yield* dir.createFile("new.txt", 0o666)
        yield* f.writeAll(new TextEncoder().encode("abc"))
        yield* f.writeAll(new TextEncoder().encode("de"))
        yield* f.chmod(0o604)
        yield* f.sync
        return { stat: shape(yield* f.stat), location: Option.map(yield* f.location, local), read: Exit.isFailure(yield* Effect.exit(f.readAll)) }
      }))
      yield* record("read it back", Effect.flatMap(dir.openFile("new.txt"), (f) => f.readAll), (b) => new TextDecoder().decode(b))
      for (const name of ["sub", "made"]) yield* record(`makeDirectory ${name}`, dir.makeDirectory(name))
      yield* record("link h.txt as h3.txt", dir.link("h.txt", "h3.txt"))
      yield* record("nlink after link", dir.lstat("h.txt"), (o) => Option.map(o, shape))
      for (const [from, to] of [["sub", "x"], ["missing", "x"], ["f.txt", "link"]]) yield* record(`link ${from} ${to}`, dir.link(from!, to!))
      for (const [from, to] of [["made", "f.txt"], ["f.txt", "made"], ["missing", "x"], ["made", "full"], ["h.txt", "h2.txt"]]) {
        yield* record(`rename ${from} ${to}`, dir.rename(from!, to!))
      }
      yield* record("rename new.txt over f.txt", dir.rename("new.txt", "f.txt"))
      yield* record("f.txt after the rename", Effect.flatMap(dir.openFile("f.txt"), (f) => f.readAll), (b) => new TextDecoder().decode(b))
      for (const name of ["sub", "missing", "link"]) yield* record(`unlink ${name}`, dir.unlink(name))
      yield* record("list", dir.list, (names) => [...names].sort())
      yield* record("a handle follows a rename and loses its place on unlink", Effect.gen(function*() {
        const f = yield* dir.openFile("h.txt")
        yield* dir.rename("h.txt", "moved.txt")
        const moved = Option.map(yield* f.location, local)
        yield* dir.unlink("moved.txt")
        return { moved, gone: Option.map(yield* f.location, local), nlink: (yield* f.stat).nlink, read: new TextDecoder().decode(yield* f.readAll) }
      }))
      yield* record("a directory handle follows its directory", Effect.gen(function*() {
        const sub = yield* dir.openDirectory("sub")
        files.rename(`${d}/sub`, `${d}/renamed`)
        const there = Option.map(yield* sub.location, local)
        const inside = yield* sub.lstat("inner")
        return { there, inside: Option.map(inside, shape) }
      }))
    }))
    return out
  })

describe("FilePlatformMemory behaves like the Node layer", () => {
  it.live("the same script gives the same results and error codes on both", () =>
    Effect.gen(function*() {
      const onDisk = yield* script(FilePlatformNode.make(), yield* tempDir("enact-diff-"), nodeFileOps())
      const memory = FilePlatformMemory.make({ umask: process.umask() })
      memory.mkdir("/srv/t", { recursive: true })
      const inMemory = yield* script(memory.platform, "/srv/t", memory)
      assert.strictEqual(inMemory.length, onDisk.length)
      for (const [i, step] of onDisk.entries()) {
        if (!runtimeDeviations.has(step[0])) assert.deepStrictEqual(inMemory[i], step, step[0])
      }
      assert.strictEqual(memory.openHandles(), 0, "every handle is closed with its scope")
    }))
})

describe("FilePlatformMemory hooks and faults drive the real connector", () => {
  /** A memory tree with a root holding `a.txt`, and a connector on it allowing every action. */
  const setup = Effect.gen(function*() {
    const memory = FilePlatformMemory.make()
    memory.mkdir("/srv/root", { recursive: true })
    memory.writeFile("/srv/root/a.txt", "before\n")
    const files = yield* FileSystem.make({ root: "/srv/root", allowedActions: FileSystem.actionNames }).pipe(
      Effect.provideService(FilePlatformMemory.FilePlatform, memory.platform)
    )
    return { memory, files }
  })

  it.effect("a rename refused with PermissionDenied fails the write with Forbidden, leaving the file and no temp file", () =>
    Effect.gen(function*() {
      const { files, memory } = yield* setup
      memory.failNext({ operation: "rename", code: "PermissionDenied" })
      const e = yield* failure(act(files, "write_file", { path: "a.txt", content: "after\n" }))
      assert.strictEqual(e.reason, "Forbidden")
      assert.strictEqual(memory.pendingFaults(), 0)
      assert.deepStrictEqual(memory.readdir("/srv/root"), ["a.txt"])
      assert.strictEqual(memory.readText("/srv/root/a.txt"), "before\n")
      assert.strictEqual(memory.openHandles(), 0)
    }))

  it.effect("a failing fsync is a Transport error; a fault aimed at another name waits for it", () =>
    Effect.gen(function*() {
      const { files, memory } = yield* setup
      memory.failNext({ operation: "openFile", name: "other.txt", code: "PermissionDenied" })
      memory.failNext({ operation: "fsync", code: "Other", detail: "EIO" })
      const e = yield* failure(act(files, "write_file", { path: "b.txt", content: "x" }))
      assert.strictEqual(e.reason, "Transport")
      assert.include(e.message, "EIO")
      assert.strictEqual(memory.pendingFaults(), 1, "the fault on other.txt is still armed")
      assert.deepStrictEqual(memory.readdir("/srv/root"), ["a.txt"])
      memory.writeFile("/srv/root/other.txt", "y")
      assert.strictEqual(yield* reason(act(files, "read_file", { path: "other.txt" })), "Forbidden")
      assert.deepStrictEqual((yield* act(files, "read_file", { path: "other.txt" })).output, { path: "other.txt", content: "y" })
    }))

  it.effect("a fault armed for several times fails that many operations, then lets them through", () =>
    Effect.gen(function*() {
      const { files, memory } = yield* setup
      memory.failNext({ operation: "lstat", name: "a.txt", code: "Other", times: 2 })
      assert.strictEqual(yield* reason(act(files, "read_file", { path: "a.txt" })), "Transport")
      assert.strictEqual(yield* reason(act(files, "read_file", { path: "a.txt" })), "Transport")
      assert.deepStrictEqual((yield* act(files, "read_file", { path: "a.txt" })).output, { path: "a.txt", content: "before\n" })
    }))

  it.effect("a hook swaps the file between the connector's lookup and its open: refused with Conflict, nothing read", () =>
    Effect.gen(function*() {
      const { files, memory } = yield* setup
      memory.mkdir("/srv/outside")
      memory.writeFile("/srv/outside/secret.txt", "secret\n")
      const operations: Array<string> = []
      const stop = memory.before((operation, name) => {
        operations.push(`${operation} ${name}`)
        if (operation === "openFile" && name === "a.txt") {
          memory.unlink("/srv/root/a.txt")
          memory.symlink("/srv/outside/secret.txt", "/srv/root/a.txt")
        }
      })
      const e = yield* failure(act(files, "read_file", { path: "a.txt" }))
      stop()
      assert.strictEqual(e.reason, "Conflict")
      assert.notInclude(e.message, "secret")
      assert.include(operations, "lstat a.txt")
      assert.include(operations, "openFile a.txt")
    }))

  it.effect("the platform refuses names that are not a single component, and handles closed with their scope", () =>
    Effect.gen(function*() {
      const memory = FilePlatformMemory.make()
      memory.mkdir("/d")
      const kept = yield* Effect.scoped(Effect.gen(function*() {
        const dir = yield* memory.platform.openDirectory("/d")
        for (const name of ["", ".", "..", "a/b", "a\0b"]) {
          assert.strictEqual((yield* Effect.flip(dir.lstat(name))).code, "BadName", JSON.stringify(name))
        }
        assert.strictEqual(memory.openHandles(), 1)
        return dir
      }))
      assert.strictEqual(memory.openHandles(), 0)
      const late = yield* Effect.flip(kept.list)
      assert.strictEqual(late.detail, "EBADF", "a handle used after its scope closed")
    }))

  it.effect("layer provides the platform and its files together, fresh for each build", () =>
    Effect.gen(function*() {
      const written = Effect.gen(function*() {
        const memory = yield* FilePlatformMemory.MemoryFilesService
        memory.mkdir("/srv/agent", { recursive: true })
        const files = yield* FileSystem.make({ root: "/srv/agent", allowedActions: ["write_file"] })
        yield* act(files, "write_file", { path: "note.md", content: "hi" })
        return memory.readdir("/srv/agent")
      }).pipe(Effect.provide(FilePlatformMemory.layer()))
      assert.deepStrictEqual(yield* written, ["note.md"])
      assert.deepStrictEqual(yield* written, ["note.md"], "a second build starts from an empty tree")
      const racy = yield* Effect.flip(FileSystem.make({ root: "/", allowedActions: [] }).pipe(Effect.provide(FilePlatformMemory.layer({ raceFree: false }))))
      assert.strictEqual(racy.reason._tag, "Forbidden", "a platform that says it is not race-free is refused, as on other systems")
    }))
})
