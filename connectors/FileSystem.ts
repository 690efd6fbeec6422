/**
 * The filesystem connector: reads and writes UTF-8 text files under one root directory, jailed. Every
 * path is relative to the root; absolute paths, `..` escapes, NUL bytes and symbolic links that lead
 * outside the root are refused with `Forbidden` before anything is touched.
 *
 * Actions: `read_file` {path} and `list_dir` {path} (read-only); `write_file` {path, content} and
 * `delete_file` {path} (mutating, idempotent, reversible). Writes are atomic: the content goes to a
 * temporary file in the same directory, is synced, then renamed over the target. Rollback data names the
 * inverses `restore_file` {path, content} (put the previous content back) and `remove_file` {path}
 * (delete a file the write created). Files that are not valid UTF-8 are refused with `Conflict`, since
 * their content could not be restored byte for byte.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
 * import * as NodePath from "@effect/platform-node/NodePath"
 * import * as FileSystem from "./connectors/FileSystem.ts"
 * const files = FileSystem.make({ root: "./sandbox", allowedActions: ["read_file", "write_file"] }).pipe(
 *   Effect.provide([NodeFileSystem.layer, NodePath.layer])
 * )
 * // in a workflow: ctx.act("files", FileSystem.writeFile({ path: "notes/today.md", content: "hello" }))
 * ```
 * @module
 */
import { Effect, FileSystem, Option, Path, Random, Schema } from "effect"
import * as Connector from "../src/Connector.ts"
import * as ConnectorError from "../src/ConnectorError.ts"
import type { Json, RollbackData } from "../src/Model.ts"
import * as Jail from "./_jail.ts"

/** Options of `make`. `kind` defaults to `"filesystem"` and names the connector in errors. */
export interface Options {
  readonly root: string
  readonly allowedActions: Iterable<string>
  readonly kind?: string
}

/** Every forward action this connector offers. */
export const actionNames = ["read_file", "list_dir", "write_file", "delete_file"] as const

const PathArgs = Schema.Struct({ path: Schema.String })
const ContentArgs = Schema.Struct({ path: Schema.String, content: Schema.String })
const strict = { onExcessProperty: "error", errors: "all" } as const
const decodePath = Schema.decodeUnknownEffect(PathArgs, strict)
const decodeContent = Schema.decodeUnknownEffect(ContentArgs, strict)

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
 * with `NotFound` if the root does not exist, `Conflict` if it is not a directory, and `UnknownAction`
 * if `allowedActions` names an action this connector does not have.
 *
 * @example
 * ```ts
 * const files = yield* FileSystem.make({ root: "/srv/agent", allowedActions: ["read_file", "list_dir"] })
 * ```
 */
export const make = (
  options: Options
): Effect.Effect<Connector.Connector, ConnectorError.ConnectorError, FileSystem.FileSystem | Path.Path> =>
  Jail.openRoot(options.kind ?? "filesystem", options.root).pipe(
    Effect.flatMap((root) => makeUnsafe({ ...options, root }))
  )

/**
 * Like `make`, but trusts that `root` is already the canonical real path of a directory and does no
 * I/O, so it runs synchronously (used by `makeNode`). A root that is not canonical fails closed: every
 * path then resolves outside it and is refused.
 *
 * @example
 * ```ts
 * const program = FileSystem.makeUnsafe({ root: realRoot, allowedActions: ["read_file"] })
 * const files = Effect.runSync(program.pipe(Effect.provide([NodeFileSystem.layer, NodePath.layer])))
 * ```
 */
export const makeUnsafe = (
  options: Options
): Effect.Effect<Connector.Connector, ConnectorError.ConnectorError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const kind = options.kind ?? "filesystem"
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const jail = yield* Jail.make(kind, options.root)
    const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
    const encoder = new TextEncoder()

    const args = <A>(action: string, decoded: Effect.Effect<A, Schema.SchemaError>) =>
      Effect.mapError(decoded, (e) => {
        const issues = e.message.replaceAll("\n  at ", " at ").replaceAll("\n", "; ")
        return ConnectorError.invalidArgs(kind, action, `Invalid arguments: ${issues}`)
      })

    /** The regular file at `target`, `None` if nothing is there; `Conflict` if something else is. */
    const fileInfo = Effect.fnUntraced(function*(action: string, target: Jail.Target) {
      const info = yield* Effect.result(fs.stat(target.absolute))
      if (info._tag === "Failure") {
        if (info.failure.reason._tag === "NotFound") return Option.none()
        return yield* Jail.fromPlatformError(kind, action, target.relative)(info.failure)
      }
      if (info.success.type !== "File") {
        return yield* ConnectorError.conflict(kind, action, `'${target.relative}' is not a regular file`)
      }
      return Option.some(info.success)
    })

    /** The file at `target` (bytes and permission bits), `None` if nothing is there. */
    const readBytes = Effect.fnUntraced(function*(action: string, target: Jail.Target) {
      const info = yield* fileInfo(action, target)
      if (Option.isNone(info)) return Option.none()
      const bytes = yield* fs.readFile(target.absolute).pipe(
        Effect.mapError(Jail.fromPlatformError(kind, action, target.relative))
      )
      return Option.some({ bytes, mode: info.value.mode & 0o7777 })
    })

    const decodeText = (action: string, target: Jail.Target, bytes: Uint8Array) =>
      Effect.try({
        try: () => utf8.decode(bytes),
        catch: () => ConnectorError.conflict(kind, action, `'${target.relative}' is not UTF-8 text`)
      })

    const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

    const requireDirectory = Effect.fnUntraced(function*(action: string, dir: string, label: string) {
      const info = yield* fs.stat(dir).pipe(Effect.mapError(Jail.fromPlatformError(kind, action, label)))
      if (info.type !== "Directory") {
        return yield* ConnectorError.conflict(kind, action, `'${label}' is not a directory`)
      }
    })

    /** Atomic write: temp file in the same directory, synced, then renamed over the target. */
    const writeAtomic = Effect.fnUntraced(function*(
      action: string,
      target: Jail.Target,
      bytes: Uint8Array,
      mode: Option.Option<number>
    ) {
      const onError = Jail.fromPlatformError(kind, action, target.relative)
      const nonce = yield* Random.nextIntBetween(0, 2 ** 48)
      const temp = path.join(path.dirname(target.absolute), `.enact-${nonce.toString(36)}.tmp`)
      yield* Effect.gen(function*() {
        yield* Effect.scoped(Effect.gen(function*() {
          const file = yield* fs.open(temp, { flag: "wx" })
          yield* file.writeAll(bytes)
          yield* file.sync
        }))
        if (Option.isSome(mode)) yield* fs.chmod(temp, mode.value)
        yield* fs.rename(temp, target.absolute)
      }).pipe(
        Effect.mapError(onError),
        Effect.onError(() => Effect.ignore(fs.remove(temp, { force: true })))
      )
    })

    /** Re-resolves `input` right before mutating and fails if it no longer names the prepared target. */
    const recheck = Effect.fnUntraced(function*(action: string, input: string, target: Jail.Target) {
      const now = yield* jail.resolve(action, input)
      if (now.absolute !== target.absolute) {
        return yield* ConnectorError.conflict(kind, action, `'${input}' changed location since it was prepared`)
      }
    })

    /** Fails unless the file is still exactly as `prepare` saw it. */
    const unchanged = Effect.fnUntraced(function*(
      action: string,
      target: Jail.Target,
      before: Option.Option<Uint8Array>
    ) {
      const now = yield* readBytes(action, target)
      const same = Option.isNone(before)
        ? Option.isNone(now)
        : Option.isSome(now) && sameBytes(now.value.bytes, before.value)
      if (!same) {
        return yield* ConnectorError.conflict(kind, action, `'${target.relative}' changed since it was prepared`)
      }
    })

    const read_file = Connector.readOnly((raw) =>
      Effect.gen(function*() {
        const { path: input } = yield* args("read_file", decodePath(raw))
        const target = yield* jail.resolve("read_file", input)
        const apply = Effect.gen(function*() {
          yield* recheck("read_file", input, target)
          const file = yield* readBytes("read_file", target)
          if (Option.isNone(file)) {
            return yield* ConnectorError.notFound(kind, "read_file", `'${target.relative}' does not exist`)
          }
          const content = yield* decodeText("read_file", target, file.value.bytes)
          return { path: target.relative, content }
        })
        return { alreadyDone: false, rollback: null, apply }
      })
    )

    const list_dir = Connector.readOnly((raw) =>
      Effect.gen(function*() {
        const { path: input } = yield* args("list_dir", decodePath(raw))
        const target = yield* jail.resolve("list_dir", input, { allowRoot: true })
        const apply = Effect.gen(function*() {
          yield* requireDirectory("list_dir", target.absolute, target.relative)
          const entries = yield* fs.readDirectory(target.absolute).pipe(
            Effect.mapError(Jail.fromPlatformError(kind, "list_dir", target.relative))
          )
          return { path: target.relative, entries: [...entries].sort() }
        })
        return { alreadyDone: false, rollback: null, apply }
      })
    )

    const write_file = Connector.mutating((raw) =>
      Effect.gen(function*() {
        const { path: input, content } = yield* args("write_file", decodeContent(raw))
        const target = yield* jail.resolve("write_file", input)
        yield* requireDirectory("write_file", path.dirname(target.absolute), path.dirname(target.relative))
        const before = yield* readBytes("write_file", target)
        const bytes = encoder.encode(content)
        const output: Json = { path: target.relative, created: Option.isNone(before) }
        if (Option.isSome(before) && sameBytes(before.value.bytes, bytes)) {
          return { alreadyDone: true, rollback: null, apply: Effect.succeed(output) }
        }
        const rollback: RollbackData = Option.isSome(before)
          ? {
            action: "restore_file",
            args: { path: target.relative, content: yield* decodeText("write_file", target, before.value.bytes) }
          }
          : { action: "remove_file", args: { path: target.relative } }
        const apply = Effect.gen(function*() {
          yield* recheck("write_file", input, target)
          yield* unchanged("write_file", target, Option.map(before, (b) => b.bytes))
          yield* writeAtomic("write_file", target, bytes, Option.map(before, (b) => b.mode))
          return output
        })
        return { alreadyDone: false, rollback, apply }
      })
    )

    const delete_file = Connector.mutating((raw) =>
      Effect.gen(function*() {
        const { path: input } = yield* args("delete_file", decodePath(raw))
        const target = yield* jail.resolve("delete_file", input)
        const before = yield* readBytes("delete_file", target)
        const output: Json = { path: target.relative }
        if (Option.isNone(before)) return { alreadyDone: true, rollback: null, apply: Effect.succeed(output) }
        const content = yield* decodeText("delete_file", target, before.value.bytes)
        const apply = Effect.gen(function*() {
          yield* recheck("delete_file", input, target)
          yield* unchanged("delete_file", target, Option.some(before.value.bytes))
          yield* fs.remove(target.absolute).pipe(Effect.mapError(Jail.fromPlatformError(kind, "delete_file", input)))
          return output
        })
        const rollback: RollbackData = { action: "restore_file", args: { path: target.relative, content } }
        return { alreadyDone: false, rollback, apply }
      })
    )

    /** Inverse of a write over an existing file or of a delete: puts `content` back, creating parents. */
    const restore_file: Connector.Inverse = (raw) =>
      Effect.gen(function*() {
        const { path: input, content } = yield* args("restore_file", decodeContent(raw))
        const target = yield* jail.resolve("restore_file", input)
        const bytes = encoder.encode(content)
        const now = yield* readBytes("restore_file", target)
        if (Option.isSome(now) && sameBytes(now.value.bytes, bytes)) return { path: target.relative, restored: false }
        yield* fs.makeDirectory(path.dirname(target.absolute), { recursive: true }).pipe(
          Effect.mapError(Jail.fromPlatformError(kind, "restore_file", path.dirname(target.relative)))
        )
        yield* writeAtomic("restore_file", target, bytes, Option.map(now, (f) => f.mode))
        return { path: target.relative, restored: true }
      })

    /** Inverse of a write that created a file: deletes it; nothing to do if it is already gone. */
    const remove_file: Connector.Inverse = (raw) =>
      Effect.gen(function*() {
        const { path: input } = yield* args("remove_file", decodePath(raw))
        const target = yield* jail.resolve("remove_file", input)
        const now = yield* fileInfo("remove_file", target)
        if (Option.isNone(now)) return { path: target.relative, removed: false }
        yield* fs.remove(target.absolute).pipe(Effect.mapError(Jail.fromPlatformError(kind, "remove_file", input)))
        return { path: target.relative, removed: true }
      })

    return yield* Effect.try({
      try: () =>
        Connector.make({
          kind,
          allowedActions: options.allowedActions,
          actions: { read_file, list_dir, write_file, delete_file },
          inverses: { restore_file, remove_file }
        }),
      catch: (e) => ConnectorError.unknownAction(kind, "make", e instanceof Error ? e.message : String(e))
    })
  })
