/**
 * File states and the two mutations of the filesystem connector (private): what an entry holds now, as
 * a small JSON description, and the compare-before-swap replace and remove that act on it only if it is
 * still what the caller expects.
 *
 * A regular file is read only through a handle opened without following links, whose identity (device +
 * inode) must equal the entry's and whose location must be the entry's path. Files with more than one
 * hard link are described, never read, unless the jail allows hard links.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Jail from "./_jail.ts"
 * import * as FileState from "./_fileState.ts"
 * const stateOf = (jail: Jail.Jail, path: string) =>
 *   Effect.scoped(Effect.gen(function*() {
 *     const located = yield* Jail.locate(jail, "restore_file", path, { followLast: false, missingParents: "absent" })
 *     return (yield* FileState.describe(jail, "restore_file", located)).state // e.g. { exists: false }
 *   }))
 * ```
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js"
import { bytesToHex } from "@noble/hashes/utils.js"
import { Effect, Option, Random } from "effect"
import type { Scope } from "effect"
import * as ConnectorError from "../src/ConnectorError.ts"
import { type Directory, sameFile, type Stat } from "./FilePlatform.ts"
import * as Jail from "./_jail.ts"

/** What is at a path, in the form rollback data and `Changed` errors carry. Never the content itself. */
export type State =
  | { readonly exists: false }
  | { readonly exists: true; readonly sha256: string; readonly size: number }
  | { readonly exists: true; readonly type: "directory" | "symbolic link" | "special file" }
  | { readonly exists: true; readonly size: number; readonly links: number }

/** The state of a file holding `bytes`. */
export const stateOfBytes = (bytes: Uint8Array): State => ({ exists: true, sha256: bytesToHex(sha256(bytes)), size: bytes.length })

/** Whether two states are the same (for files: same hash and size). */
export const sameState = (a: State, b: State): boolean => {
  if (!a.exists || !b.exists) return a.exists === b.exists
  return "sha256" in a && "sha256" in b && a.sha256 === b.sha256 && a.size === b.size
}

/** An entry as found now: its description, and for a readable regular file its metadata and bytes. */
export interface Current {
  readonly state: State
  /** The entry's own metadata (not followed), when something is there. */
  readonly stat: Option.Option<Stat>
  /** The bytes, when `state` is a regular file that was read. */
  readonly bytes: Option.Option<Uint8Array>
}

const absent: Current = { state: { exists: false }, stat: Option.none(), bytes: Option.none() }

/** Describes the entry at `located`, reading it only if it is a regular file with a single link (or links are allowed). */
export const describe = (
  jail: Jail.Jail,
  action: string,
  located: Jail.Located
): Effect.Effect<Current, ConnectorError.ConnectorError, Scope.Scope> =>
  Effect.gen(function*() {
    if (Option.isNone(located.parent)) return absent
    const parent = located.parent.value
    const mapped = Effect.mapError(Jail.fromPlatform(jail.kind, action, located.relative))
    const found = yield* mapped(parent.lstat(located.name))
    if (Option.isNone(found)) return absent
    const entry = found.value
    const described = (state: State): Current => ({ state, stat: found, bytes: Option.none() })
    switch (entry.type) {
      case "SymbolicLink":
        return described({ exists: true, type: "symbolic link" })
      case "Directory":
        return described({ exists: true, type: "directory" })
      case "Other":
        return described({ exists: true, type: "special file" })
    }
    if (entry.nlink > 1 && !jail.allowHardLinks) return described({ exists: true, size: entry.size, links: entry.nlink })
    const file = yield* mapped(parent.openFile(located.name))
    const opened = yield* mapped(file.stat)
    if (!sameFile(opened, entry) || opened.type !== "File") return yield* Jail.changedDuring(jail.kind, action, located.relative)
    if (opened.nlink > 1 && !jail.allowHardLinks) {
      return { state: { exists: true, size: opened.size, links: opened.nlink }, stat: Option.some(opened), bytes: Option.none() }
    }
    yield* Jail.verifyAt(jail, action, located.relative, file)
    const bytes = yield* mapped(file.readAll)
    return { state: stateOfBytes(bytes), stat: Option.some(opened), bytes: Option.some(bytes) }
  })

/** A regular file's bytes and metadata, `None` if nothing is there; anything else is refused. */
export const requireFile = (
  jail: Jail.Jail,
  action: string,
  located: Jail.Located,
  current: Current
): Effect.Effect<Option.Option<{ readonly bytes: Uint8Array; readonly stat: Stat }>, ConnectorError.ConnectorError> => {
  const { kind } = jail
  const path = located.relative
  const state = current.state
  if (!state.exists) return Effect.succeed(Option.none())
  if (Option.isSome(current.bytes) && Option.isSome(current.stat)) {
    return Effect.succeed(Option.some({ bytes: current.bytes.value, stat: current.stat.value }))
  }
  if ("links" in state) {
    return Effect.fail(ConnectorError.forbidden(kind, action,
      `'${path}' has ${state.links} hard links; another name for it may be outside the root (set allowHardLinks to accept)`))
  }
  if ("type" in state && state.type === "symbolic link") {
    return Effect.fail(ConnectorError.forbidden(kind, action,
      `'${path}' is a symbolic link; the connector never writes or deletes through a link, and reads only links that stay inside the root`))
  }
  const what = "type" in state ? state.type : "something else"
  return Effect.fail(ConnectorError.conflict(kind, action, `'${path}' is not a regular file (it is a ${what})`))
}

const parentOf = (jail: Jail.Jail, action: string, located: Jail.Located): Effect.Effect<Directory, ConnectorError.ConnectorError> =>
  Option.isSome(located.parent)
    ? Effect.succeed(located.parent.value)
    : Effect.fail(ConnectorError.notFound(jail.kind, action, `'${located.parentRelative}' does not exist`))

/**
 * Puts `bytes` at `located` atomically, if the entry is still `expect` (the same file, same size) or,
 * for `None`, still absent; otherwise fails with `changed()` and leaves it alone. The bytes go to an
 * exclusive, no-follow temporary file in the same (verified) directory, are synced, then renamed over the
 * entry, or hard-linked to its name when it must be absent (a link never replaces what someone created
 * meanwhile). `mode` sets the permission bits; without it new files get the process default.
 */
export const swapIn = (
  jail: Jail.Jail,
  action: string,
  located: Jail.Located,
  bytes: Uint8Array,
  options: {
    readonly expect: Option.Option<Stat>
    readonly mode: Option.Option<number>
    readonly changed: (now: Option.Option<Stat>) => ConnectorError.ConnectorError
  }
): Effect.Effect<void, ConnectorError.ConnectorError> =>
  Effect.gen(function*() {
    const dir = yield* parentOf(jail, action, located)
    const mapped = Effect.mapError(Jail.fromPlatform(jail.kind, action, located.relative))
    const nonce = yield* Random.nextIntBetween(0, 2 ** 48)
    const temp = `.enact-${nonce.toString(36)}.tmp`
    const swap = Effect.gen(function*() {
      yield* Jail.verifyAt(jail, action, located.parentRelative, dir)
      yield* Effect.scoped(Effect.gen(function*() {
        const file = yield* mapped(dir.createFile(temp, Option.isSome(options.mode) ? 0o600 : 0o666))
        yield* mapped(file.writeAll(bytes))
        if (Option.isSome(options.mode)) yield* mapped(file.chmod(options.mode.value))
        yield* mapped(file.sync)
      }))
      yield* Jail.verifyAt(jail, action, located.parentRelative, dir)
      const now = yield* mapped(dir.lstat(located.name))
      if (Option.isNone(options.expect)) {
        if (Option.isSome(now)) return yield* options.changed(now)
        const linked = yield* Effect.result(dir.link(temp, located.name))
        if (linked._tag === "Failure") {
          const code = linked.failure.code
          if (code === "AlreadyExists") return yield* options.changed(yield* mapped(dir.lstat(located.name)))
          if (code !== "NotSupported" && code !== "PermissionDenied") return yield* mapped(Effect.fail(linked.failure))
          // A file system without hard links: rename, after checking once more that the name is free.
          const again = yield* mapped(dir.lstat(located.name))
          if (Option.isSome(again)) return yield* options.changed(again)
          yield* mapped(dir.rename(temp, located.name))
        } else {
          yield* mapped(dir.unlink(temp))
        }
      } else {
        const expect = options.expect.value
        if (Option.isNone(now) || !sameFile(now.value, expect) || now.value.size !== expect.size) {
          return yield* options.changed(now)
        }
        yield* mapped(dir.rename(temp, located.name))
      }
      yield* mapped(dir.sync)
    })
    yield* swap.pipe(Effect.onError(() => Effect.ignore(dir.unlink(temp))))
  })

/** Removes the entry at `located` if it is still the file `expect` (same identity and size); else `changed()`. */
export const removeIn = (
  jail: Jail.Jail,
  action: string,
  located: Jail.Located,
  expect: Stat,
  changed: (now: Option.Option<Stat>) => ConnectorError.ConnectorError
): Effect.Effect<void, ConnectorError.ConnectorError> =>
  Effect.gen(function*() {
    const dir = yield* parentOf(jail, action, located)
    const mapped = Effect.mapError(Jail.fromPlatform(jail.kind, action, located.relative))
    yield* Jail.verifyAt(jail, action, located.parentRelative, dir)
    const now = yield* mapped(dir.lstat(located.name))
    if (Option.isNone(now) || !sameFile(now.value, expect) || now.value.size !== expect.size) return yield* changed(now)
    yield* mapped(dir.unlink(located.name))
    yield* mapped(dir.sync)
  })
