/**
 * The filesystem connector: reads and writes UTF-8 text files under one root directory, jailed.
 *
 * Actions: `read_file` {path} and `list_dir` {path} (read-only); `write_file` {path, content} and
 * `delete_file` {path} (mutating, idempotent, reversible). Files that are not valid UTF-8 are refused with
 * `Conflict`, since their content could not be restored byte for byte.
 *
 * **The jail.** Every path is relative to the root. Absolute paths, `..` escapes, NUL bytes and symbolic
 * links that lead outside the root are refused with `Forbidden` before anything is touched. Paths are
 * walked one component at a time from an open handle on the root, never by handing a whole path to the
 * kernel: each directory is opened relative to the one before without following links, links met on the
 * way are interpreted by the connector and followed only while they stay inside the root, and a link in
 * the last component is never written or deleted through (reads and listings follow it if it stays
 * inside). A file is read through a handle whose identity (device + inode) must match the entry and
 * whose location must be the entry's path; FIFOs, sockets and devices are refused without blocking, and
 * so are files with more than one hard link (another name may be outside the root) unless
 * `allowHardLinks` is set. Writes go to an exclusive, no-follow `.enact-*.tmp` file in the verified
 * directory, are synced, then renamed over the target (or hard-linked to a name that must be free).
 * Something swapped under an operation makes it fail with `Conflict`; retrying is safe. This holds
 * against a concurrent process where the platform is `raceFree` (Linux); elsewhere the connector refuses
 * to run unless `allowRacyPlatform` is set (see `FilePlatform.ts`). The root's own path is trusted: the
 * directories above it must not be writable by whoever races the connector. Every message names
 * root-relative paths only.
 *
 * Limits: a directory the connector has opened and checked can still be moved out of the root by a
 * process that can also write outside it, between the last check and the operation (POSIX offers no
 * compare-and-swap for that); the operation then lands in that directory, which was inside the root an
 * instant before. Likewise an inverse's comparison and its swap are two steps: the connector re-checks
 * the file's identity and size immediately before the rename or unlink, which narrows but cannot close
 * that window against an in-place edit.
 *
 * **Rollback data and compare before swap.** `prepare` records the pre-state and what the action will
 * leave behind (`after`, a `State`: `{ exists: true, sha256, size }` or `{ exists: false }`):
 * - `write_file` over a file: `restore_file` {path, content, mode, after: {exists: true, sha256, size}};
 * - `write_file` creating a file: `remove_file` {path, after: {exists: true, sha256, size}};
 * - `delete_file`: `restore_file` {path, content, mode, after: {exists: false}}.
 * An inverse acts only if the target is still exactly `after`; then it outputs `{path, restored: true}`
 * or `{path, removed: true}`. If the target already holds the pre-state it changes nothing and outputs
 * `{path, restored: false, reason}` or `{path, removed: false, reason}`. Otherwise it changes nothing and
 * fails with `ConnectorError.changed`, `expected` = `after` and `current` = the state now (a `State`, or
 * `{exists: true, type}` / `{exists: true, size, links}` for what it will not read): rollback reports a
 * manual step. Reading the current state goes through the same jail, so an inverse never reads outside
 * the root.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as FileSystem from "./FileSystem.ts"
 * import * as FilePlatformNode from "./FilePlatformNode.ts"
 * const files = FileSystem.make({ root: "./sandbox", allowedActions: ["read_file", "write_file"] }).pipe(
 *   Effect.provide(FilePlatformNode.layer)
 * )
 * // in a workflow: ctx.act("files", FileSystem.writeFile({ path: "notes/today.md", content: "hello" }))
 * ```
 * @module
 */
import { Effect, Option, Schema } from "effect"
import type { Scope } from "effect"
import * as Connector from "../src/Connector.ts"
import * as ConnectorError from "../src/ConnectorError.ts"
import type { Json, RollbackData } from "../src/Model.ts"
import { FilePlatform, type FilePlatformService, type Identity } from "./FilePlatform.ts"
import * as FileState from "./_fileState.ts"
import * as Jail from "./_jail.ts"
import { makeInverses } from "./_fileInverses.ts"

/** Options of `make`. `kind` defaults to `"filesystem"` and names the connector in errors. */
export interface Options {
  readonly root: string
  readonly allowedActions: Iterable<string>
  readonly kind?: string
  /** Read, replace and delete files that have more than one hard link. Off by default: another link may be outside the root. */
  readonly allowHardLinks?: boolean
  /** Run on a platform that is not `raceFree` (swaps are detected, not prevented). Off by default. */
  readonly allowRacyPlatform?: boolean
}

/** Every forward action this connector offers. */
export const actionNames = ["read_file", "list_dir", "write_file", "delete_file"] as const

const PathArgs = Schema.Struct({ path: Schema.String })
const ContentArgs = Schema.Struct({ path: Schema.String, content: Schema.String })
const decodePath = Schema.decodeUnknownEffect(PathArgs, Jail.strict)
const decodeContent = Schema.decodeUnknownEffect(ContentArgs, Jail.strict)

/** Builds a `read_file` call. */
export const readFile = (args: { readonly path: string }): Connector.ActionCall =>
  Connector.call("read_file", { path: args.path })
/** Builds a `list_dir` call. */
export const listDir = (args: { readonly path: string }): Connector.ActionCall =>
  Connector.call("list_dir", { path: args.path })
/** Builds a `write_file` call. */
export const writeFile = (args: { readonly path: string; readonly content: string }): Connector.ActionCall =>
  Connector.call("write_file", { path: args.path, content: args.content })
/** Builds a `delete_file` call. */
export const deleteFile = (args: { readonly path: string }): Connector.ActionCall =>
  Connector.call("delete_file", { path: args.path })

/**
 * Builds a filesystem connector jailed to `root`, which is resolved to its real path once, here. Fails
 * with `NotFound` if the root does not exist, `Conflict` if it is not a directory, `Forbidden` on a
 * platform that is not race-free (unless allowed), and `UnknownAction` if `allowedActions` names an
 * action this connector does not have.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as FileSystem from "./FileSystem.ts"
 * import * as FilePlatformNode from "./FilePlatformNode.ts"
 * const files = FileSystem.make({ root: "/srv/agent", allowedActions: ["read_file", "list_dir"] }).pipe(
 *   Effect.provide(FilePlatformNode.layer)
 * )
 * ```
 */
export const make = (options: Options): Effect.Effect<Connector.Connector, ConnectorError.ConnectorError, FilePlatform> =>
  Effect.gen(function*() {
    const platform = yield* FilePlatform
    const fixed = yield* Jail.openRootPath(options.kind ?? "filesystem", platform, options.root)
    return yield* build(options, platform, fixed.root, fixed.identity)
  })

/**
 * Like `make`, but trusts that `root` is the canonical real path of a directory whose identity is
 * `rootIdentity`, and does no I/O, so it runs synchronously (used by `makeNode`). A root that is not
 * canonical, or not that directory, fails closed: every operation is then refused.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as FileSystem from "./FileSystem.ts"
 * import * as FilePlatformNode from "./FilePlatformNode.ts"
 * declare const realRoot: string
 * declare const rootIdentity: { readonly dev: bigint; readonly ino: bigint }
 * const program = FileSystem.makeUnsafe({ root: realRoot, rootIdentity, allowedActions: ["read_file"] })
 * const files = Effect.runSync(program.pipe(Effect.provide(FilePlatformNode.layer)))
 * ```
 */
export const makeUnsafe = (
  options: Options & { readonly rootIdentity: Identity }
): Effect.Effect<Connector.Connector, ConnectorError.ConnectorError, FilePlatform> =>
  Effect.gen(function*() {
    const platform = yield* FilePlatform
    return yield* build(options, platform, options.root, options.rootIdentity)
  })

const build = (
  options: Options,
  platform: FilePlatformService,
  root: string,
  rootIdentity: Identity
): Effect.Effect<Connector.Connector, ConnectorError.ConnectorError> =>
  Effect.gen(function*() {
    const kind = options.kind ?? "filesystem"
    if (!platform.raceFree && options.allowRacyPlatform !== true) {
      return yield* ConnectorError.forbidden(kind, "make",
        "This platform cannot look file names up relative to an open directory, so the jail cannot be made race-free; set allowRacyPlatform to accept a checked jail")
    }
    const jail: Jail.Jail = { kind, root, rootIdentity, platform, allowHardLinks: options.allowHardLinks === true }
    const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
    const encoder = new TextEncoder()
    const args = <A>(action: string, decoded: Effect.Effect<A, Schema.SchemaError>) => Jail.argsOf(kind, action, decoded)
    const decodeText = (action: string, path: string, bytes: Uint8Array) =>
      Effect.try({
        try: () => utf8.decode(bytes),
        catch: () => ConnectorError.conflict(kind, action, `'${path}' is not UTF-8 text`)
      })
    const changedSincePrepare = (action: string, path: string) => () =>
      ConnectorError.conflict(kind, action, `'${path}' changed since it was prepared; nothing was done`)

    /** Locates `path` again at apply time and fails unless it is still where and what `prepare` saw. */
    const relocate = Effect.fnUntraced(function*(
      action: string,
      prepared: Jail.Located,
      before: FileState.Current,
      missingParents: Jail.MissingParents
    ): Effect.fn.Return<{ located: Jail.Located; now: FileState.Current }, ConnectorError.ConnectorError, Scope.Scope> {
      const located = yield* Jail.locate(jail, action, prepared.relative, { followLast: false, missingParents })
      if (located.relative !== prepared.relative) {
        return yield* ConnectorError.conflict(kind, action, `'${prepared.relative}' changed location since it was prepared`)
      }
      const now = yield* FileState.describe(jail, action, located)
      if (!FileState.sameState(now.state, before.state)) return yield* changedSincePrepare(action, prepared.relative)()
      return { located, now }
    })

    const read_file = Connector.readOnly((raw) =>
      Effect.map(args("read_file", decodePath(raw)), ({ path }) => ({
        alreadyDone: false,
        rollback: null,
        apply: Effect.scoped(Effect.gen(function*() {
          const located = yield* Jail.locate(jail, "read_file", path, { followLast: true })
          const current = yield* FileState.describe(jail, "read_file", located)
          const file = yield* FileState.requireFile(jail, "read_file", located, current)
          if (Option.isNone(file)) {
            return yield* ConnectorError.notFound(kind, "read_file", `'${located.relative}' does not exist`)
          }
          const content = yield* decodeText("read_file", located.relative, file.value.bytes)
          return { path: located.relative, content }
        }))
      }))
    )

    const list_dir = Connector.readOnly((raw) =>
      Effect.map(args("list_dir", decodePath(raw)), ({ path }) => ({
        alreadyDone: false,
        rollback: null,
        apply: Effect.scoped(Effect.gen(function*() {
          const { dir, relative } = yield* Jail.openDirectory(jail, "list_dir", path)
          const entries = yield* dir.list.pipe(Effect.mapError(Jail.fromPlatform(kind, "list_dir", relative)))
          return { path: relative, entries: [...entries].sort() }
        }))
      }))
    )

    const write_file = Connector.mutating((raw) =>
      Effect.gen(function*() {
        const { path, content } = yield* args("write_file", decodeContent(raw))
        return yield* Effect.scoped(Effect.gen(function*() {
          const located = yield* Jail.locate(jail, "write_file", path, { followLast: false })
          const current = yield* FileState.describe(jail, "write_file", located)
          const before = yield* FileState.requireFile(jail, "write_file", located, current)
          const bytes = encoder.encode(content)
          const after = FileState.stateOfBytes(bytes)
          const output: Json = { path: located.relative, created: Option.isNone(before) }
          if (FileState.sameState(current.state, after)) {
            return { alreadyDone: true, rollback: null, apply: Effect.succeed(output) }
          }
          const rollback: RollbackData = Option.isSome(before)
            ? {
              action: "restore_file",
              args: {
                path: located.relative,
                content: yield* decodeText("write_file", located.relative, before.value.bytes),
                mode: before.value.stat.mode,
                after
              }
            }
            : { action: "remove_file", args: { path: located.relative, after } }
          const apply = Effect.scoped(Effect.gen(function*() {
            const { located: again, now } = yield* relocate("write_file", located, current, "fail")
            yield* FileState.swapIn(jail, "write_file", again, bytes, {
              expect: now.stat,
              mode: Option.map(before, (b) => b.stat.mode),
              changed: changedSincePrepare("write_file", located.relative)
            })
            return output
          }))
          return { alreadyDone: false, rollback, apply }
        }))
      })
    )

    const delete_file = Connector.mutating((raw) =>
      Effect.gen(function*() {
        const { path } = yield* args("delete_file", decodePath(raw))
        return yield* Effect.scoped(Effect.gen(function*() {
          const located = yield* Jail.locate(jail, "delete_file", path, { followLast: false, missingParents: "absent" })
          const current = yield* FileState.describe(jail, "delete_file", located)
          const before = yield* FileState.requireFile(jail, "delete_file", located, current)
          const output: Json = { path: located.relative }
          if (Option.isNone(before)) return { alreadyDone: true, rollback: null, apply: Effect.succeed(output) }
          const content = yield* decodeText("delete_file", located.relative, before.value.bytes)
          const rollback: RollbackData = {
            action: "restore_file",
            args: { path: located.relative, content, mode: before.value.stat.mode, after: { exists: false } }
          }
          const apply = Effect.scoped(Effect.gen(function*() {
            const { located: again, now } = yield* relocate("delete_file", located, current, "fail")
            if (Option.isNone(now.stat)) return yield* changedSincePrepare("delete_file", located.relative)()
            yield* FileState.removeIn(jail, "delete_file", again, now.stat.value, changedSincePrepare("delete_file", located.relative))
            return output
          }))
          return { alreadyDone: false, rollback, apply }
        }))
      })
    )

    return yield* Effect.try({
      try: () =>
        Connector.make({
          kind,
          allowedActions: options.allowedActions,
          actions: { read_file, list_dir, write_file, delete_file },
          inverses: makeInverses(jail)
        }),
      catch: (e) => ConnectorError.unknownAction(kind, "make", e instanceof Error ? e.message : String(e))
    })
  })
