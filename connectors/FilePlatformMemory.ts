/**
 * `FilePlatform` in memory: the real filesystem connector (`FileSystem.ts`) runs against an in-memory
 * tree, in any runtime and without permissions, for tests and demos. Portable (no `node:` import).
 *
 * The tree behaves like Linux as Node reports it: directories, files with permission bits, symbolic
 * links, hard links with link counts, FIFOs and sockets, identities (device + inode), exclusive create,
 * `rename` that replaces, handles that keep their inode after a rename or unlink and know where they are
 * (`location`, as `/proc/self/fd` tells), and the same error codes the Node layer gives (`NotFound`,
 * `SymbolicLink` for a no-follow open of a link, `NotDirectory`, `IsDirectory`, `AlreadyExists`,
 * `PermissionDenied` for a hard link to a directory, ...). It is `raceFree` like the Node layer on Linux.
 *
 * What the platform returns is also a handle on the files, for the test: the synchronous operations of
 * another process (`writeFile`, `symlink`, `rename`, ...), `before(hook)` to make a change at an exact
 * point of the connector's work (between a lookup and the open that follows it), and `failNext(fault)` to
 * make an operation fail with a chosen code (the next rename refused with `PermissionDenied`, an fsync
 * failing).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as FilePlatformMemory from "./FilePlatformMemory.ts"
 * import * as FileSystem from "./FileSystem.ts"
 * const memory = FilePlatformMemory.make()
 * memory.mkdir("/srv/agent", { recursive: true })
 * memory.writeFile("/srv/agent/notes.md", "hello")
 * memory.failNext({ operation: "rename", code: "PermissionDenied" })
 * const files = FileSystem.make({ root: "/srv/agent", allowedActions: ["read_file", "write_file"] }).pipe(
 *   Effect.provideService(FilePlatformMemory.FilePlatform, memory.platform)
 * )
 * ```
 * @module
 */
import { Context, Effect, Layer, Option } from "effect"
import type { Scope } from "effect"
import {
  type Directory,
  type ErrorCode,
  FilePlatform,
  FilePlatformError,
  type FilePlatformService,
  type OpenFile
} from "./FilePlatform.ts"
import { type FileOps, makeFileOps } from "./_memoryFiles.ts"
import * as Tree from "./_memoryTree.ts"

export { FilePlatform } from "./FilePlatform.ts"
export type { FileOps } from "./_memoryFiles.ts"

/** Options of `make`. */
export interface Options {
  /** The device number of every inode (default `1n`). */
  readonly dev?: bigint
  /** Bits cleared from the mode of new files and directories (default `0o022`). */
  readonly umask?: number
  /** What `raceFree` reports (default true, like Linux). False makes the connector refuse it unless allowed. */
  readonly raceFree?: boolean
  /** Whether handles can tell where they are (`location`), as on Linux (default true). */
  readonly locations?: boolean
}

/** The operations a hook sees and a fault can target: directory operations, then file ones. */
export type Operation =
  | "lstat"
  | "readLink"
  | "openDirectory"
  | "openFile"
  | "createFile"
  | "makeDirectory"
  | "rename"
  | "link"
  | "unlink"
  | "list"
  | "sync"
  | "read"
  | "write"
  | "chmod"
  | "fsync"

/**
 * Runs before an operation, with the entry name it is about to use (`rename`: the new name; `link`: the
 * new name; file operations: the name the file was opened as; `list` and `sync`: `""`).
 */
export type Hook = (operation: Operation, name: string) => void

/** An injected failure: the next `times` (default 1) matching operations fail with `code`, doing nothing. */
export interface Fault {
  readonly operation: Operation
  /** Only operations on this entry name (see `Hook`); any name when absent. */
  readonly name?: string
  readonly code: ErrorCode
  /** The system error name shown in the message (default: the one Node gives for `code`). */
  readonly detail?: string
  readonly times?: number
}

/** A memory platform and the hand of the test on its files. */
export interface MemoryFiles extends FileOps {
  /** The `FilePlatform` service to provide to the connector. */
  readonly platform: FilePlatformService
  /** Runs `hook` before every operation; returns a function that removes it. */
  readonly before: (hook: Hook) => () => void
  /** Makes the next matching operation(s) fail (see `Fault`). */
  readonly failNext: (fault: Fault) => void
  /** Faults armed but not yet triggered. */
  readonly pendingFaults: () => number
  /** Handles (directories and files) open now: zero once every scope that opened one has closed. */
  readonly openHandles: () => number
}

/** The memory files behind a `layer`, for the test to seed and inspect. */
const MemoryFilesServiceBase: Context.ServiceClass<MemoryFilesService, "enact/connectors/FilePlatformMemory", MemoryFiles> =
  Context.Service<MemoryFilesService, MemoryFiles>()("enact/connectors/FilePlatformMemory")
export class MemoryFilesService extends MemoryFilesServiceBase {}

const defaultDetail: Record<ErrorCode, string> = {
  NotFound: "ENOENT",
  SymbolicLink: "ELOOP",
  NotDirectory: "ENOTDIR",
  IsDirectory: "EISDIR",
  AlreadyExists: "EEXIST",
  PermissionDenied: "EACCES",
  NotSupported: "ENOTSUP",
  BadName: "not a single path component",
  Raced: "entry swapped",
  Other: "EIO"
}

/** The error operation names the Node layer uses. */
const nodeName: Record<Operation, string> = {
  lstat: "lstat",
  readLink: "readlink",
  openDirectory: "openDirectory",
  openFile: "openFile",
  createFile: "createFile",
  makeDirectory: "mkdir",
  rename: "rename",
  link: "link",
  unlink: "unlink",
  list: "readdir",
  sync: "fsync",
  read: "read",
  write: "write",
  chmod: "chmod",
  fsync: "fsync"
}

const validName = (name: string): boolean =>
  name.length > 0 && name !== "." && name !== ".." && !name.includes("/") && !name.includes("\0")

const absolute = (path: string): string => (path.startsWith("/") ? path : `/${path}`)

/**
 * A fresh memory platform holding an empty root `/`.
 *
 * @example
 * ```ts
 * import * as FilePlatformMemory from "./FilePlatformMemory.ts"
 * const memory = FilePlatformMemory.make()
 * memory.mkdir("/srv/agent", { recursive: true })
 * memory.symlink("/etc/passwd", "/srv/agent/leak") // an attacker's link, for the connector to refuse
 * ```
 */
export const make = (options: Options = {}): MemoryFiles => {
  const tree = Tree.make(options)
  const hooks = new Set<Hook>()
  const faults: Array<{ fault: Fault; left: number }> = []
  let open = 0

  /** Hooks, then faults, then the name check, then the operation (which may throw the kernel's error). */
  const run = <A>(operation: Operation, name: string, checkNames: ReadonlyArray<string>, body: () => A): Effect.Effect<A, FilePlatformError> =>
    Effect.suspend(() => {
      for (const hook of [...hooks]) hook(operation, name)
      const armed = faults.find((f) => f.left > 0 && f.fault.operation === operation && (f.fault.name === undefined || f.fault.name === name))
      if (armed !== undefined) {
        armed.left--
        if (armed.left === 0) faults.splice(faults.indexOf(armed), 1)
        const { code, detail } = armed.fault
        return Effect.fail(new FilePlatformError({ operation: nodeName[operation], code, detail: detail ?? defaultDetail[code] }))
      }
      if (!checkNames.every(validName)) {
        return Effect.fail(new FilePlatformError({ operation: nodeName[operation], code: "BadName", detail: "not a single path component" }))
      }
      return Effect.try({ try: body, catch: (e) => asError(nodeName[operation], e) })
    })

  const asError = (operation: string, e: unknown): FilePlatformError =>
    e instanceof FilePlatformError ? e : new FilePlatformError({ operation, code: "Other", detail: String(e) })

  /** Counts a handle open until the scope closes; afterwards using it is `EBADF`. */
  const scoped = <A>(make: (closed: () => boolean) => A) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const state = { closed: false }
        open++
        return { state, handle: make(() => state.closed) }
      }),
      ({ state }) =>
        Effect.sync(() => {
          state.closed = true
          open--
        })
    ).pipe(Effect.map(({ handle }) => handle))

  const located = (path: string | undefined): Option.Option<string> =>
    options.locations === false ? Option.none() : Option.fromUndefinedOr(path)

  const fileHandle = (entry: Tree.Dirent, mode: "read" | "write", closed: () => boolean): OpenFile => {
    const node = entry.inode
    let position = 0
    const live = (operation: string) => {
      if (closed()) throw Tree.error(operation, "EBADF")
    }
    const name = () => entry.name
    return {
      stat: Effect.sync(() => Tree.statOf(tree, node)),
      location: Effect.sync(() => located(Tree.direntPath(tree, entry))),
      readAll: run("read", name(), [], () => {
        live("read")
        if (mode !== "read") throw Tree.error("read", "EBADF")
        if (node.type === "Directory") throw Tree.error("read", "EISDIR")
        if (node.type === "Other") return new Uint8Array(0) // a FIFO without a writer: end of file at once
        return node.data.slice()
      }),
      writeAll: (bytes) =>
        run("write", name(), [], () => {
          live("write")
          if (mode !== "write") throw Tree.error("write", "EBADF")
          const end = Math.max(node.data.length, position + bytes.length)
          const next = new Uint8Array(end)
          next.set(node.data)
          next.set(bytes, position)
          node.data = next
          position += bytes.length
        }),
      chmod: (bits) =>
        run("chmod", name(), [], () => {
          live("chmod")
          node.mode = bits & 0o7777
        }),
      sync: run("fsync", name(), [], () => live("fsync"))
    }
  }

  const directory = (node: Tree.Inode, closed: () => boolean): Directory => {
    const live = (operation: string) => {
      if (closed()) throw Tree.error(operation, "EBADF")
    }
    const entry = (operation: string, name: string): Tree.Dirent => {
      live(operation)
      const d = node.entries.get(name)
      if (d === undefined) throw Tree.error(operation, "ENOENT")
      return d
    }
    return {
      stat: Effect.sync(() => Tree.statOf(tree, node)),
      location: Effect.sync(() => located(Tree.pathOf(tree, node))),
      lstat: (name) =>
        run("lstat", name, [name], () => {
          live("lstat")
          const d = node.entries.get(name)
          return d === undefined ? Option.none() : Option.some(Tree.statOf(tree, d.inode))
        }),
      readLink: (name) =>
        run("readLink", name, [name], () => {
          const d = entry("readlink", name)
          if (d.inode.type !== "SymbolicLink") throw Tree.error("readlink", "EINVAL")
          return d.inode.target
        }),
      openDirectory: (name) =>
        Effect.flatMap(
          run("openDirectory", name, [name], () => {
            const d = entry("openDirectory", name)
            // O_DIRECTORY | O_NOFOLLOW on a link: Linux answers ENOTDIR.
            if (d.inode.type !== "Directory") throw Tree.error("openDirectory", "ENOTDIR")
            return d.inode
          }),
          (child) => scoped((isClosed) => directory(child, isClosed))
        ),
      openFile: (name) =>
        Effect.flatMap(
          run("openFile", name, [name], () => {
            const d = entry("openFile", name)
            if (d.inode.type === "SymbolicLink") throw Tree.error("openFile", "ELOOP")
            if (d.inode.special === "socket") throw Tree.error("openFile", "ENXIO")
            return d
          }),
          (d) => scoped((isClosed) => fileHandle(d, "read", isClosed))
        ),
      createFile: (name, mode) =>
        Effect.flatMap(
          run("createFile", name, [name], () => {
            live("createFile")
            return Tree.createFile(tree, "createFile", node, name, mode)
          }),
          (d) => scoped((isClosed) => fileHandle(d, "write", isClosed))
        ),
      makeDirectory: (name) =>
        run("makeDirectory", name, [name], () => {
          live("mkdir")
          Tree.makeDirectory(tree, "mkdir", node, name)
        }),
      rename: (from, to) =>
        run("rename", to, [from, to], () => {
          live("rename")
          Tree.rename("rename", node, from, node, to)
        }),
      link: (existing, name) =>
        run("link", name, [existing, name], () => {
          live("link")
          Tree.link("link", node.entries.get(existing), node, name)
        }),
      unlink: (name) =>
        run("unlink", name, [name], () => {
          live("unlink")
          Tree.unlink("unlink", node, name)
        }),
      list: run("list", "", [], () => {
        live("readdir")
        return [...node.entries.keys()]
      }),
      sync: run("sync", "", [], () => live("fsync"))
    }
  }

  const attempt = <A>(operation: string, body: () => A): Effect.Effect<A, FilePlatformError> =>
    Effect.try({ try: body, catch: (e) => asError(operation, e) })

  const platform: FilePlatformService = {
    raceFree: options.raceFree ?? true,
    realPath: (path) => attempt("realpath", () => Tree.realPath(tree, "realpath", absolute(path))),
    lstat: (path) =>
      attempt("lstat", () => {
        const found = Tree.resolve(tree, "lstat", absolute(path), { followLast: false })
        return found.inode === undefined ? Option.none() : Option.some(Tree.statOf(tree, found.inode))
      }).pipe(Effect.catchIf((e) => e.code === "NotFound", () => Effect.succeed(Option.none()))),
    openDirectory: (path): Effect.Effect<Directory, FilePlatformError, Scope.Scope> =>
      Effect.flatMap(
        attempt("openDirectory", () => {
          const found = Tree.resolve(tree, "openDirectory", absolute(path), { followLast: false })
          if (found.inode === undefined) throw Tree.error("openDirectory", "ENOENT")
          if (found.inode.type !== "Directory") throw Tree.error("openDirectory", "ENOTDIR")
          return found.inode
        }),
        (node) => scoped((isClosed) => directory(node, isClosed))
      )
  }

  return {
    ...makeFileOps(tree),
    platform,
    before: (hook) => {
      const own: Hook = (operation, name) => hook(operation, name)
      hooks.add(own)
      return () => void hooks.delete(own)
    },
    failNext: (fault) => void faults.push({ fault, left: Math.max(1, Math.floor(fault.times ?? 1)) }),
    pendingFaults: () => faults.reduce((n, f) => n + f.left, 0),
    openHandles: () => open
  }
}

/**
 * A layer with a fresh memory platform (`FilePlatform`) and its files (`MemoryFilesService`) for the test.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as FilePlatformMemory from "./FilePlatformMemory.ts"
 * const seeded = Effect.gen(function*() {
 *   const memory = yield* FilePlatformMemory.MemoryFilesService
 *   memory.mkdir("/srv/agent", { recursive: true })
 * }).pipe(Effect.provide(FilePlatformMemory.layer()))
 * ```
 */
export const layer = (options: Options = {}): Layer.Layer<FilePlatform | MemoryFilesService> =>
  Layer.effectContext(Effect.sync(() => {
    const memory = make(options)
    return Context.make(FilePlatform, memory.platform).pipe(Context.add(MemoryFilesService, memory))
  }))
