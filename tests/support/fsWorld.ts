/**
 * The file platforms the filesystem connector tests run on, side by side: the real disk through the Node
 * layer, and the in-memory tree of `testing.ts`. A test asks for `Disk` (fresh base directories, the
 * synchronous file operations of "another process", a trap that fires at an exact operation) and for
 * `FilePlatform`, and runs unchanged on both.
 *
 * @example
 * ```ts
 * import { layer } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { Disk, worlds, writeText } from "./support/fsWorld.ts"
 * for (const world of worlds) {
 *   layer(world.layer)(`on ${world.name}`, (it) => {
 *     it.effect("writes", () => Effect.gen(function*() {
 *       const base = yield* (yield* Disk).base
 *       yield* writeText(base, "a.txt", "x")
 *     }))
 *   })
 * }
 * ```
 * @module
 */
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import * as net from "node:net"
import { FilePlatform, type FilePlatformService } from "../../connectors/FilePlatform.ts"
import * as FilePlatformNode from "../../connectors/FilePlatformNode.ts"
import { FilePlatformMemory } from "../../testing.ts"
import { interposed } from "./interposedPlatform.ts"
import { nodeFileOps } from "./nodeFiles.ts"
import { tempDir } from "./tempDir.ts"

/** Called before each operation of a trapped platform (the operation names of `Directory`, then file ones). */
export type Hook = (operation: string, name: string) => void

export interface DiskService {
  readonly name: "node" | "memory"
  /** The file operations of another process. */
  readonly files: FilePlatformMemory.FileOps
  /** A fresh, empty directory (its real path), gone with the scope. */
  readonly base: Effect.Effect<string, never, Scope.Scope>
  /**
   * A platform whose hook can be armed to fire once, at the first operation named `operation` (on the
   * entry `name`, or any with `null`); the hook is removed with the scope.
   */
  /** A UNIX socket at `path` (on the disk: a listening server), gone with the scope. */
  readonly socket: (path: string) => Effect.Effect<void, never, Scope.Scope>
  readonly trap: Effect.Effect<{
    readonly platform: FilePlatformService
    readonly arm: (operation: string, name: string | null, attack: (name: string) => void) => { readonly fired: () => boolean }
  }, never, Scope.Scope>
}

/** The disk the current test runs on. */
export class Disk extends Context.Service<Disk, DiskService>()("tests/fsWorld/Disk") {}

const armable = (register: (hook: Hook) => void) => {
  let hook: Hook = () => {}
  register((operation, name) => hook(operation, name))
  return (operation: string, name: string | null, attack: (name: string) => void) => {
    let fired = false
    hook = (op, n) => {
      if (!fired && op === operation && (name === null || n === name)) {
        fired = true
        attack(n)
      }
    }
    return { fired: () => fired }
  }
}

const nodeDisk: DiskService = {
  name: "node",
  files: nodeFileOps(),
  base: tempDir("enact-fs-"),
  socket: (path) =>
    Effect.asVoid(Effect.acquireRelease(
      Effect.promise(() => new Promise<net.Server>((done) => {
        const server = net.createServer()
        server.listen(path, () => done(server))
      })),
      (server) => Effect.promise(() => new Promise<void>((done) => server.close(() => done())))
    )),
  trap: Effect.sync(() => {
    let platform: FilePlatformService | undefined
    const arm = armable((hook) => {
      platform = interposed(hook)
    })
    return { platform: platform!, arm }
  })
}

const memoryDisk = (): { readonly disk: DiskService; readonly platform: FilePlatformService } => {
  const memory = FilePlatformMemory.make()
  let n = 0
  const disk: DiskService = {
    name: "memory",
    files: memory,
    socket: (path) => Effect.sync(() => memory.mknod(path, "socket")),
    base: Effect.acquireRelease(
      Effect.sync(() => {
        const dir = `/tmp/enact-fs-${++n}`
        memory.mkdir(dir, { recursive: true })
        return dir
      }),
      (dir) => Effect.sync(() => memory.rm(dir, { recursive: true, force: true }))
    ),
    trap: Effect.map(
      Effect.acquireRelease(Effect.sync(() => {
        let remove = () => {}
        const arm = armable((hook) => {
          remove = memory.before(hook)
        })
        return { arm, remove }
      }), ({ remove }) => Effect.sync(remove)),
      ({ arm }) => ({ platform: memory.platform, arm })
    )
  }
  return { disk, platform: memory.platform }
}

/** Both platforms, each as a layer of `Disk` and `FilePlatform`. */
export const worlds: ReadonlyArray<{ readonly name: "node" | "memory"; readonly layer: Layer.Layer<Disk | FilePlatform> }> = [
  { name: "node", layer: Layer.merge(Layer.succeed(Disk, nodeDisk), FilePlatformNode.layer) },
  {
    name: "memory",
    layer: Layer.effectContext(Effect.sync(() => {
      const { disk, platform } = memoryDisk()
      return Context.make(Disk, disk).pipe(Context.add(FilePlatform, platform))
    }))
  }
]

/** The Node world alone (for tests that need the real disk: FIFOs from `mkfifo`, sockets, other processes). */
export const nodeWorld: Layer.Layer<Disk | FilePlatform> = worlds[0]!.layer

/** Writes a file (bytes or UTF-8 text) under `dir`, creating parent directories. */
export const writeText = (dir: string, relative: string, content: string | Uint8Array): Effect.Effect<void, never, Disk> =>
  Effect.map(Effect.service(Disk), ({ files }) => {
    const file = `${dir}/${relative}`
    files.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true })
    files.writeFile(file, content)
  })

/** The exact bytes of a file under `dir`, or `null` if there is none. */
export const readBytes = (dir: string, relative: string): Effect.Effect<Uint8Array | null, never, Disk> =>
  Effect.map(Effect.service(Disk), ({ files }) => {
    const path = `${dir}/${relative}`
    return files.stat(path)?.type === "File" ? files.readFile(path) : null
  })

/** Every entry under `dir` (relative path → content), for "nothing changed" checks. */
export const snapshot = (dir: string): Effect.Effect<Record<string, string>, never, Disk> =>
  Effect.map(Effect.service(Disk), ({ files }) => files.snapshot(dir))
