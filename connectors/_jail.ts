/**
 * The path jail of the filesystem connector (private). It turns an untrusted path, relative to the root,
 * into the canonical absolute path of the entry it names, or refuses it with `Forbidden` before anything
 * is touched. Refused: empty paths, NUL bytes, absolute paths, paths whose normalised form leaves the root
 * (`..`, `a/../../x`), and paths that leave it through a symbolic link (checked on the real path of the
 * target if it exists, else of its deepest existing ancestor). Platform errors are mapped to
 * `ConnectorError` reasons here, in one place.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Jail from "./_jail.ts"
 * const target = Effect.gen(function*() {
 *   const root = yield* Jail.openRoot("filesystem", "./sandbox")
 *   const jail = yield* Jail.make("filesystem", root)
 *   // { absolute: "/…/sandbox/notes/today.md", relative: "notes/today.md" }
 *   return yield* jail.resolve("read_file", "notes/today.md")
 * })
 * ```
 * @module
 */
import { Effect, FileSystem, Option, Path, Result } from "effect"
import type { PlatformError } from "effect/PlatformError"
import * as ConnectorError from "../src/ConnectorError.ts"

/** A path inside the root: canonical (no symbolic link in any existing component) and relative to root. */
export interface Target {
  readonly absolute: string
  /** `"."` for the root itself. */
  readonly relative: string
}

export interface ResolveOptions {
  /** Whether the root itself may be the target (listing it, yes; writing or deleting it, never). */
  readonly allowRoot?: boolean
}

export interface Jail {
  /** The root's canonical real path. */
  readonly root: string
  readonly resolve: (
    action: string,
    input: string,
    options?: ResolveOptions
  ) => Effect.Effect<Target, ConnectorError.ConnectorError>
}

/** Maps a platform error on `subject` (a root-relative path, for messages) to a connector error. */
export const fromPlatformError =
  (kind: string, action: string, subject: string) => (error: PlatformError): ConnectorError.ConnectorError => {
    const reason = error.reason
    switch (reason._tag) {
      case "BadArgument":
        return ConnectorError.invalidArgs(kind, action, `Cannot use '${subject}': ${reason.message}`)
      case "NotFound":
        return ConnectorError.notFound(kind, action, `'${subject}' does not exist`)
      case "PermissionDenied":
        return ConnectorError.forbidden(kind, action, `Permission denied on '${subject}'`)
      case "AlreadyExists":
      case "BadResource":
        return ConnectorError.conflict(kind, action, `'${subject}' is in the way: ${reason.message}`)
      default:
        return ConnectorError.transport(kind, action, reason.message)
    }
  }

/** Whether a failed lookup means "nothing there" (missing, or a file where a directory was expected). */
const isMissing = (error: PlatformError): boolean =>
  error.reason._tag === "NotFound" || error.reason._tag === "BadResource"

/**
 * Resolves the configured root to its canonical real path, failing with `NotFound` if it does not exist
 * and `Conflict` if it is not a directory.
 */
export const openRoot = (
  kind: string,
  root: string
): Effect.Effect<string, ConnectorError.ConnectorError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const fail = (why: string) => ConnectorError.notFound(kind, "make", `Cannot open root '${root}': ${why}`)
    if (root.length === 0 || root.includes("\0")) return yield* fail("expected a directory path")
    const real = yield* fs.realPath(path.resolve(root)).pipe(Effect.mapError((e) => fail(e.message)))
    const info = yield* fs.stat(real).pipe(Effect.mapError((e) => fail(e.message)))
    if (info.type !== "Directory") {
      return yield* ConnectorError.conflict(kind, "make", `Cannot open root '${root}': it is not a directory`)
    }
    return real
  })

/** Builds a jail on `root`, which must already be a canonical real path (see `openRoot`). */
export const make: (kind: string, root: string) => Effect.Effect<Jail, never, FileSystem.FileSystem | Path.Path> =
  Effect.fnUntraced(function*(kind, root) {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path

    const isInside = (candidate: string): boolean => {
      const relative = path.relative(root, candidate)
      return !(relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative))
    }

    const resolve = Effect.fnUntraced(function*(
      action: string,
      input: string,
      options?: ResolveOptions
    ): Effect.fn.Return<Target, ConnectorError.ConnectorError> {
      const refuse = (why: string) =>
        ConnectorError.forbidden(kind, action, `Cannot use path ${JSON.stringify(input)}: ${why}`)
      if (input.length === 0) return yield* refuse("the path is empty")
      if (input.includes("\0")) return yield* refuse("the path contains a NUL byte")
      if (path.isAbsolute(input)) return yield* refuse("absolute paths are refused; give a path relative to the root")
      const lexical = path.resolveWithin(root, input)
      if (Option.isNone(lexical)) return yield* refuse("it leads outside the root")

      // Walk up from the target to the deepest entry that exists, and canonicalise that entry.
      let current = lexical.value
      const missing: Array<string> = []
      let canonical: string | undefined
      while (canonical === undefined) {
        const info = yield* Effect.result(fs.lstat(current))
        if (Result.isSuccess(info)) {
          const real = yield* fs.realPath(current).pipe(
            Effect.mapError((e) =>
              isMissing(e)
                ? refuse("it goes through a symbolic link that cannot be resolved")
                : fromPlatformError(kind, action, input)(e)
            )
          )
          canonical = missing.length === 0 ? real : path.join(real, ...missing.reverse())
        } else if (!isMissing(info.failure)) {
          return yield* fromPlatformError(kind, action, input)(info.failure)
        } else if (current === root) {
          return yield* ConnectorError.notFound(kind, action, "The connector's root directory no longer exists")
        } else {
          missing.push(path.basename(current))
          current = path.dirname(current)
        }
      }
      if (!isInside(canonical)) return yield* refuse("it leads outside the root through a symbolic link")
      if (canonical === root && options?.allowRoot !== true) return yield* refuse("the root itself cannot be a target")
      return { absolute: canonical, relative: path.relative(root, canonical) || "." }
    })

    return { root, resolve }
  })
