/**
 * `FilePlatform` on `node:fs` with numeric open flags (Node, and Deno through its Node compatibility).
 *
 * On Linux every name is looked up as `/proc/self/fd/<directory fd>/<name>`: the kernel resolves it
 * inside the open directory, like `openat`, so renaming or replacing any parent meanwhile cannot redirect
 * it. Opens use `O_NOFOLLOW` (plus `O_NONBLOCK | O_NOCTTY` for reads, so a FIFO or terminal swapped in
 * cannot block or take over), creates use `O_CREAT | O_EXCL`. Elsewhere (no `/proc/self/fd`) the layer
 * falls back to paths and checks each handle's identity against its path before and after every step,
 * and reports `raceFree: false`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as FileSystem from "./FileSystem.ts"
 * import * as FilePlatformNode from "./FilePlatformNode.ts"
 * const files = FileSystem.make({ root: "./sandbox", allowedActions: ["read_file"] }).pipe(
 *   Effect.provide(FilePlatformNode.layer)
 * )
 * ```
 * @module
 */
import { Effect, Layer, Option } from "effect"
import * as fs from "node:fs"
import * as fsp from "node:fs/promises"
import {
  type Directory,
  type ErrorCode,
  FilePlatform,
  FilePlatformError,
  type FilePlatformService,
  type OpenFile,
  sameFile,
  type Stat,
  codeOfErrno
} from "./FilePlatform.ts"

const C = fs.constants
const NOFOLLOW = C.O_NOFOLLOW ?? 0
const DIRECTORY = C.O_DIRECTORY ?? 0
const READ_DIR = C.O_RDONLY | DIRECTORY | NOFOLLOW
const READ_FILE = C.O_RDONLY | NOFOLLOW | (C.O_NONBLOCK ?? 0) | (C.O_NOCTTY ?? 0)
const CREATE_FILE = C.O_WRONLY | C.O_CREAT | C.O_EXCL | NOFOLLOW


/** Maps a Node error to a `FilePlatformError` carrying its code only (Node's message names the path). */
const toError = (operation: string) => (cause: unknown): FilePlatformError => {
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : "UNKNOWN"
  return new FilePlatformError({ operation, code: codeOfErrno(code), detail: code })
}

const attempt = <A>(operation: string, run: () => Promise<A>): Effect.Effect<A, FilePlatformError> =>
  Effect.tryPromise({ try: run, catch: toError(operation) })

const fail = (operation: string, code: ErrorCode, detail: string) =>
  Effect.fail(new FilePlatformError({ operation, code, detail }))

const toStat = (s: fs.BigIntStats): Stat => ({
  dev: s.dev,
  ino: s.ino,
  type: s.isFile() ? "File" : s.isDirectory() ? "Directory" : s.isSymbolicLink() ? "SymbolicLink" : "Other",
  nlink: Number(s.nlink),
  size: Number(s.size),
  mode: Number(s.mode & 0o7777n)
})

const isWindows = process.platform === "win32"
const validName = (name: string): boolean =>
  name.length > 0 && name !== "." && name !== ".." && !name.includes("/") && !name.includes("\0") &&
  !(isWindows && (name.includes("\\") || name.includes(":")))

const named = <A, R>(operation: string, name: string, run: () => Effect.Effect<A, FilePlatformError, R>) =>
  validName(name) ? run() : fail(operation, "BadName", "not a single path component")

/**
 * Opens `path` with `flags`; the handle is closed when the scope closes. A failed close is dropped: it
 * cannot be retried, and written files are synced before their scope closes.
 */
const openHandle = (operation: string, path: string, flags: number, mode?: number) =>
  Effect.acquireRelease(
    attempt(operation, () => fsp.open(path, flags, mode)),
    (handle) => Effect.promise(() => handle.close().catch(() => undefined))
  )

const statOf = (handle: fsp.FileHandle) => attempt("fstat", () => handle.stat({ bigint: true })).pipe(Effect.map(toStat))

const lstatPath = (operation: string, path: string): Effect.Effect<Option.Option<Stat>, FilePlatformError> =>
  attempt(operation, () => fsp.lstat(path, { bigint: true })).pipe(
    Effect.map((s) => Option.some(toStat(s))),
    Effect.catchIf((e) => e.code === "NotFound", () => Effect.succeed(Option.none()))
  )

/** Where `/proc/self/fd/<fd>` says the handle is now; `None` if it is deleted or `/proc` is not used. */
const procLocation = (useProc: boolean, handle: fsp.FileHandle) =>
  useProc
    ? attempt("location", () => fsp.readlink(`/proc/self/fd/${handle.fd}`)).pipe(
      Effect.map((p) => (p.endsWith(" (deleted)") || !p.startsWith("/") ? Option.none<string>() : Option.some(p)))
    )
    : Effect.succeed(Option.none<string>())

const openFile = (useProc: boolean, handle: fsp.FileHandle): OpenFile => ({
  stat: statOf(handle),
  location: procLocation(useProc, handle),
  readAll: attempt("read", () => handle.readFile()).pipe(Effect.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.length))),
  writeAll: (bytes) => attempt("write", () => handle.writeFile(bytes)),
  chmod: (mode) => attempt("chmod", () => handle.chmod(mode)),
  sync: attempt("fsync", () => handle.sync())
})

/**
 * A directory on a descriptor. `useProc`: names resolve under `/proc/self/fd/<fd>` (race-free); else
 * under `path`, with `guard` checking after each open that the handle and the path still agree.
 */
const directory = (handle: fsp.FileHandle, path: string, useProc: boolean): Directory => {
  const at = (name: string): string => (useProc ? `/proc/self/fd/${handle.fd}/${name}` : `${path}/${name}`)
  /** Path mode only: the directory must still be at `path`, else a swap is in progress. */
  const guard = (operation: string): Effect.Effect<void, FilePlatformError> =>
    useProc ? Effect.void : Effect.gen(function*() {
      const [self, there] = [yield* statOf(handle), yield* lstatPath(operation, path)]
      if (Option.isNone(there) || !sameFile(self, there.value)) return yield* fail(operation, "Raced", "directory moved")
    })
  /** Path mode only: the opened handle must be the entry now at `name`. */
  const guardOpened = (operation: string, name: string, opened: fsp.FileHandle) =>
    useProc ? Effect.void : Effect.gen(function*() {
      const [self, there] = [yield* statOf(opened), yield* lstatPath(operation, at(name))]
      if (Option.isNone(there) || !sameFile(self, there.value)) return yield* fail(operation, "Raced", "entry swapped")
      yield* guard(operation)
    })
  const run = <A>(operation: string, body: () => Promise<A>) =>
    Effect.andThen(guard(operation), attempt(operation, body))
  return {
    stat: statOf(handle),
    location: procLocation(useProc, handle),
    lstat: (name) => named("lstat", name, () => Effect.andThen(guard("lstat"), lstatPath("lstat", at(name)))),
    readLink: (name) => named("readlink", name, () => run("readlink", () => fsp.readlink(at(name)))),
    openDirectory: (name) =>
      named("openDirectory", name, () =>
        Effect.gen(function*() {
          yield* guard("openDirectory")
          const opened = yield* openHandle("openDirectory", at(name), READ_DIR)
          yield* guardOpened("openDirectory", name, opened)
          return directory(opened, `${path}/${name}`, useProc)
        })),
    openFile: (name) =>
      named("openFile", name, () =>
        Effect.gen(function*() {
          yield* guard("openFile")
          const opened = yield* openHandle("openFile", at(name), READ_FILE)
          yield* guardOpened("openFile", name, opened)
          return openFile(useProc, opened)
        })),
    createFile: (name, mode) =>
      named("createFile", name, () =>
        Effect.gen(function*() {
          yield* guard("createFile")
          const opened = yield* openHandle("createFile", at(name), CREATE_FILE, mode)
          yield* guardOpened("createFile", name, opened)
          return openFile(useProc, opened)
        })),
    makeDirectory: (name) => named("mkdir", name, () => run("mkdir", () => fsp.mkdir(at(name)))),
    rename: (from, to) =>
      named("rename", from, () => named("rename", to, () => run("rename", () => fsp.rename(at(from), at(to))))),
    link: (existing, name) =>
      named("link", existing, () => named("link", name, () => run("link", () => fsp.link(at(existing), at(name))))),
    unlink: (name) => named("unlink", name, () => run("unlink", () => fsp.unlink(at(name)))),
    list: run("readdir", () => fsp.readdir(useProc ? `/proc/self/fd/${handle.fd}` : path)),
    sync: attempt("fsync", () => handle.sync())
  }
}

/**
 * Whether `/proc/self/fd/<fd>/<name>` resolves inside the open directory here: probed once, on `/`.
 * Synchronous so that layers (and `makeNode`) build without waiting.
 */
export const descriptorPathsWork = (): boolean => {
  if (process.platform !== "linux") return false
  let fd: number | undefined
  try {
    fd = fs.openSync("/", READ_DIR)
    const viaFd = fs.lstatSync(`/proc/self/fd/${fd}/.`, { bigint: true })
    const direct = fs.lstatSync("/", { bigint: true })
    return viaFd.dev === direct.dev && viaFd.ino === direct.ino
  } catch {
    return false
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

/**
 * Builds the service. `"descriptors"` (the default where it works) is race-free; `"paths"` is the
 * checked fallback, also selectable on Linux (for tests).
 *
 * @example
 * ```ts
 * import * as FilePlatformNode from "./FilePlatformNode.ts"
 * const platform = FilePlatformNode.make() // platform.raceFree is true on Linux
 * ```
 */
export const make = (mode: "auto" | "paths" = "auto"): FilePlatformService => {
  const useProc = mode === "auto" && descriptorPathsWork()
  return {
    raceFree: useProc,
    realPath: (path) => attempt("realpath", () => fsp.realpath(path)),
    lstat: (path) => lstatPath("lstat", path),
    openDirectory: (path) =>
      Effect.gen(function*() {
        const handle = yield* openHandle("openDirectory", path, READ_DIR)
        return directory(handle, path, useProc)
      })
  }
}

/** The Node platform: race-free on Linux, the checked path fallback elsewhere. */
export const layer: Layer.Layer<FilePlatform> = Layer.sync(FilePlatform, () => make())

/** The checked path fallback, even where descriptors work (to test it, or to compare). */
export const layerPaths: Layer.Layer<FilePlatform> = Layer.sync(FilePlatform, () => make("paths"))
