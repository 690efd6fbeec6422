/**
 * The file access the filesystem connector needs and Effect's `FileSystem` cannot express: looking a name
 * up relative to an open directory without following a symbolic link in that name, creating a file
 * exclusively, and the identity (device + inode) and link count of what was opened. The connector walks
 * every path one component at a time from an open handle on its root, so a process that swaps symbolic
 * links or directories meanwhile cannot steer it outside the root.
 *
 * Names given to a `Directory` are single path components: never empty, `.`, `..`, or containing `/` or
 * NUL (refused with `BadName`). Errors carry an operation and an error code, never a path, so nothing
 * about the host's layout leaks into receipts.
 *
 * This module is portable (no `node:` import). `FilePlatformNode.ts` implements it on `node:fs` (Node,
 * and Deno through its Node compatibility).
 *
 * @example
 * ```ts
 * import { Effect, Option } from "effect"
 * import { FilePlatform } from "./FilePlatform.ts"
 * const linkCount = (dir: string, name: string) =>
 *   Effect.scoped(Effect.gen(function*() {
 *     const platform = yield* FilePlatform
 *     const handle = yield* platform.openDirectory(dir)
 *     const stat = yield* handle.lstat(name) // never follows `name` if it is a symbolic link
 *     return Option.map(stat, (s) => s.nlink)
 *   }))
 * ```
 * @module
 */
import { Context, Schema } from "effect"
import type { Cause, Effect, Option, Scope } from "effect"

/** Which inode an entry is: equal identities mean the same file. */
export interface Identity {
  readonly dev: bigint
  readonly ino: bigint
}

/** What kind of entry a name refers to, without following it. `Other`: FIFO, socket, device. */
export type EntryType = "File" | "Directory" | "SymbolicLink" | "Other"

/** The metadata the connector decides on. `mode` holds the permission bits only. */
export interface Stat extends Identity {
  readonly type: EntryType
  readonly nlink: number
  readonly size: number
  readonly mode: number
}

const errorCodes = [
  "NotFound",
  "SymbolicLink",
  "NotDirectory",
  "IsDirectory",
  "AlreadyExists",
  "PermissionDenied",
  "NotSupported",
  "BadName",
  "Raced",
  "Other"
] as const

/** Why a platform operation failed. `Raced`: the entry changed while it was being opened (checked mode). */
export const ErrorCode: Schema.Literals<typeof errorCodes> = Schema.Literals(errorCodes)
export type ErrorCode = typeof ErrorCode.Type

const errnoCodes: Readonly<Record<string, ErrorCode>> = {
  ENOENT: "NotFound",
  ELOOP: "SymbolicLink",
  EMLINK: "SymbolicLink", // FreeBSD's answer to O_NOFOLLOW on a link
  EFTYPE: "SymbolicLink", // NetBSD's
  ENOTDIR: "NotDirectory",
  EISDIR: "IsDirectory",
  EEXIST: "AlreadyExists",
  ENOTEMPTY: "AlreadyExists",
  EACCES: "PermissionDenied",
  EPERM: "PermissionDenied",
  EROFS: "PermissionDenied",
  ENOTSUP: "NotSupported",
  EOPNOTSUPP: "NotSupported",
  ENOSYS: "NotSupported"
}

/** The platform error code of a POSIX error name (`ELOOP` → `SymbolicLink`); `Other` when unknown. */
export const codeOfErrno = (errno: string): ErrorCode => (Object.hasOwn(errnoCodes, errno) ? errnoCodes[errno]! : "Other")

const errorFields = { operation: Schema.String, code: ErrorCode, detail: Schema.String }
const FilePlatformErrorBase: Schema.Class<FilePlatformError, Schema.TaggedStruct<"FilePlatformError", typeof errorFields>, Cause.YieldableError> =
  Schema.TaggedError<FilePlatformError>()("FilePlatformError", errorFields)

/** A platform operation failed. `detail` is the system's error name (e.g. `ELOOP`); never a path. */
export class FilePlatformError extends FilePlatformErrorBase {
  override get message(): string {
    return `${this.operation} failed: ${this.code} (${this.detail})`
  }
}

/** A file opened by a `Directory`, read-only (`openFile`) or write-only (`createFile`). Closed with its scope. */
export interface OpenFile {
  /** fstat: the metadata of the open file itself, whatever its name points to now. */
  readonly stat: Effect.Effect<Stat, FilePlatformError>
  /** Where the kernel says the open file is now, if the platform can tell (Linux); `None` otherwise. */
  readonly location: Effect.Effect<Option.Option<string>, FilePlatformError>
  /** Reads the whole file from the start. */
  readonly readAll: Effect.Effect<Uint8Array, FilePlatformError>
  /** Writes all of `bytes` at the current position. */
  readonly writeAll: (bytes: Uint8Array) => Effect.Effect<void, FilePlatformError>
  /** Sets the permission bits. */
  readonly chmod: (mode: number) => Effect.Effect<void, FilePlatformError>
  /** Flushes the file's data to disk. */
  readonly sync: Effect.Effect<void, FilePlatformError>
}

/** An open directory. Every name is looked up in this directory, never through a symbolic link. */
export interface Directory {
  /** fstat of the directory itself. */
  readonly stat: Effect.Effect<Stat, FilePlatformError>
  /** Where the kernel says this directory is now, if the platform can tell (Linux); `None` otherwise. */
  readonly location: Effect.Effect<Option.Option<string>, FilePlatformError>
  /** The entry `name`, not followed if it is a symbolic link; `None` if there is none. */
  readonly lstat: (name: string) => Effect.Effect<Option.Option<Stat>, FilePlatformError>
  /** The target of the symbolic link `name`, as stored. */
  readonly readLink: (name: string) => Effect.Effect<string, FilePlatformError>
  /** Opens the subdirectory `name`; fails with `SymbolicLink` or `NotDirectory` if it is anything else. */
  readonly openDirectory: (name: string) => Effect.Effect<Directory, FilePlatformError, Scope.Scope>
  /** Opens `name` for reading, without following a symbolic link and without blocking on a FIFO. */
  readonly openFile: (name: string) => Effect.Effect<OpenFile, FilePlatformError, Scope.Scope>
  /** Creates `name` exclusively (fails with `AlreadyExists` if anything, even a dangling link, is there). */
  readonly createFile: (name: string, mode: number) => Effect.Effect<OpenFile, FilePlatformError, Scope.Scope>
  /** Creates the subdirectory `name`. */
  readonly makeDirectory: (name: string) => Effect.Effect<void, FilePlatformError>
  /** Renames `from` to `to`, both in this directory, replacing `to` (a symbolic link is replaced, not followed). */
  readonly rename: (from: string, to: string) => Effect.Effect<void, FilePlatformError>
  /** Adds the name `name` for the file `existing`; fails with `AlreadyExists` if `name` is taken (never replaces). */
  readonly link: (existing: string, name: string) => Effect.Effect<void, FilePlatformError>
  /** Removes the name `name` (a symbolic link is removed, not followed). */
  readonly unlink: (name: string) => Effect.Effect<void, FilePlatformError>
  /** The names in this directory, without `.` and `..`. */
  readonly list: Effect.Effect<ReadonlyArray<string>, FilePlatformError>
  /** Flushes the directory (its entries) to disk, so a rename survives a power loss. */
  readonly sync: Effect.Effect<void, FilePlatformError>
}

/** The platform service. */
export interface FilePlatformService {
  /**
   * Whether the kernel resolves each name relative to the open directory (true on Linux). When false,
   * names are resolved through the directory's path and identities are checked after each step: swaps
   * are detected, but a swap timed between a check and the operation can still win.
   */
  readonly raceFree: boolean
  /** The canonical real path of `path` (used once, to fix the connector's root). */
  readonly realPath: (path: string) => Effect.Effect<string, FilePlatformError>
  /** The entry at the absolute `path`, not following a link in its last component; `None` if none. */
  readonly lstat: (path: string) => Effect.Effect<Option.Option<Stat>, FilePlatformError>
  /** Opens the directory at the absolute `path`; its last component must not be a symbolic link. */
  readonly openDirectory: (path: string) => Effect.Effect<Directory, FilePlatformError, Scope.Scope>
}

/** The platform the filesystem connector runs its file access on. */
const FilePlatformBase: Context.ServiceClass<FilePlatform, "enact/connectors/FilePlatform", FilePlatformService> =
  Context.Service<FilePlatform, FilePlatformService>()("enact/connectors/FilePlatform")
export class FilePlatform extends FilePlatformBase {}

/** Whether two entries are the same file. */
export const sameFile = (a: Identity, b: Identity): boolean => a.dev === b.dev && a.ino === b.ino
