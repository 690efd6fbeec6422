/**
 * The path jail of the filesystem connector (private). It turns an untrusted path, relative to the root,
 * into an open handle on the directory that holds the entry plus the entry's name, without ever letting
 * the kernel follow a symbolic link:
 *
 * 1. the path is normalised lexically; empty paths, NUL bytes, absolute paths and `..` beyond the root
 *    are refused with `Forbidden` before anything is touched;
 * 2. the root is opened and must be the directory the connector was made on (device + inode);
 * 3. each component is looked up in the directory opened before it (`lstat`, then `openDirectory` with
 *    no-follow, then the identities compared). A symbolic link met on the way is read and interpreted
 *    here, against the directories already open: a link that leads outside the root is refused, one
 *    that stays inside is followed. The last component is followed only when reading or listing;
 *    writes and deletes never go through a link.
 *
 * Every message names root-relative paths only. Platform errors are mapped to `ConnectorError` here.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Jail from "./_jail.ts"
 * const where = (jail: Jail.Jail) =>
 *   Effect.scoped(Effect.map(Jail.locate(jail, "read_file", "notes/../notes/a.md", { followLast: true }), (l) => l.relative))
 * // "notes/a.md"
 * ```
 * @module
 */
import { Effect, Option } from "effect"
import type { Schema, Scope } from "effect"
import * as ConnectorError from "../src/ConnectorError.ts"
import { type Directory, type FilePlatformError, type FilePlatformService, type Identity, sameFile } from "./FilePlatform.ts"

/** A connector's jail: its canonical root, that root's identity, and the platform to reach it through. */
export interface Jail {
  readonly kind: string
  readonly root: string
  readonly rootIdentity: Identity
  readonly platform: FilePlatformService
  readonly allowHardLinks: boolean
}

/** What to do when a directory on the way does not exist: fail, report the entry absent, or create it. */
export type MissingParents = "fail" | "absent" | "create"

export interface LocateOptions {
  /** Follow a symbolic link in the last component (reads and listings only). */
  readonly followLast: boolean
  readonly missingParents?: MissingParents
}

/** An entry inside the root. `parent` is `None` only when a directory on the way is missing ("absent"). */
export interface Located {
  /** Canonical, root-relative (no link, no `.`/`..`). */
  readonly relative: string
  readonly parentRelative: string
  readonly name: string
  readonly parent: Option.Option<Directory>
}

const MAX_LINKS = 40

/** Decoding options for action arguments: no unknown fields, every issue reported. */
export const strict = { onExcessProperty: "error", errors: "all" } as const

/** Maps an argument decoding failure to `InvalidArgs` naming the fields. */
export const argsOf = <A>(kind: string, action: string, decoded: Effect.Effect<A, Schema.SchemaError>) =>
  Effect.mapError(decoded, (e) => {
    const issues = e.message.replaceAll("\n  at ", " at ").replaceAll("\n", "; ")
    return ConnectorError.invalidArgs(kind, action, `Invalid arguments: ${issues}`)
  })

/** The absolute path of a root-relative path, for identity checks only (never shown). */
export const absolute = (jail: Jail, relative: string): string =>
  relative === "." ? jail.root : `${rootPrefix(jail)}${relative}`

/** The root with one trailing separator (`/` stays `/`). */
const rootPrefix = (jail: Jail): string => (jail.root.endsWith("/") ? jail.root : `${jail.root}/`)

/** Maps a platform error on `subject` (a root-relative path) to a connector error. */
export const fromPlatform =
  (kind: string, action: string, subject: string) => (error: FilePlatformError): ConnectorError.ConnectorError => {
    switch (error.code) {
      case "NotFound":
        return ConnectorError.notFound(kind, action, `'${subject}' does not exist`)
      case "PermissionDenied":
        return ConnectorError.forbidden(kind, action, `Permission denied on '${subject}'`)
      case "SymbolicLink":
      case "NotDirectory":
      case "Raced":
        return changedDuring(kind, action, subject)
      case "AlreadyExists":
      case "IsDirectory":
        return ConnectorError.conflict(kind, action, `'${subject}' is in the way (${error.detail})`)
      case "BadName":
        return ConnectorError.forbidden(kind, action, `Cannot use '${subject}': ${error.message}`)
      default:
        return ConnectorError.transport(kind, action, `On '${subject}': ${error.message}`)
    }
  }

/** Something was swapped under us: fail closed; the caller may retry. */
export const changedDuring = (kind: string, action: string, subject: string): ConnectorError.ConnectorError =>
  ConnectorError.conflict(kind, action, `'${subject}' changed while it was being used; nothing was done through it`)

/** The lexical components of `input`, or why it is refused. */
const lexical = (input: string): { readonly names: ReadonlyArray<string> } | { readonly refused: string } => {
  if (input.length === 0) return { refused: "the path is empty" }
  if (input.includes("\0")) return { refused: "the path contains a NUL byte" }
  if (input.startsWith("/") || input.startsWith("\\") || /^[A-Za-z]:/.test(input)) {
    return { refused: "absolute paths are refused; give a path relative to the root" }
  }
  const names: Array<string> = []
  for (const name of input.split("/")) {
    if (name === "" || name === ".") continue
    if (name !== "..") names.push(name)
    else if (names.pop() === undefined) return { refused: "it leads outside the root" }
  }
  return { names }
}

/** Opens the root and checks it is still the directory the connector was made on. */
const openRoot = (jail: Jail, action: string): Effect.Effect<Directory, ConnectorError.ConnectorError, Scope.Scope> =>
  Effect.gen(function*() {
    const gone = ConnectorError.notFound(jail.kind, action, "The connector's root directory no longer exists")
    const replaced = ConnectorError.conflict(jail.kind, action, "The connector's root directory was replaced")
    const root = yield* jail.platform.openDirectory(jail.root).pipe(
      Effect.mapError((e) => (e.code === "NotFound" ? gone : e.code === "SymbolicLink" ? replaced : fromPlatform(jail.kind, action, ".")(e)))
    )
    const stat = yield* root.stat.pipe(Effect.mapError(fromPlatform(jail.kind, action, ".")))
    if (!sameFile(stat, jail.rootIdentity)) return yield* replaced
    return root
  })

/**
 * Checks that an open handle (a directory or a file) is still the entry at `relative`: its identity
 * equals what that path names now, and, where the platform can tell, the kernel places it there.
 */
export const verifyAt = (
  jail: Jail,
  action: string,
  relative: string,
  handle: { readonly stat: Directory["stat"]; readonly location: Directory["location"] }
): Effect.Effect<void, ConnectorError.ConnectorError> =>
  Effect.gen(function*() {
    const mapped = Effect.mapError(fromPlatform(jail.kind, action, relative))
    const opened = yield* mapped(handle.stat)
    const there = yield* mapped(jail.platform.lstat(absolute(jail, relative)))
    if (Option.isNone(there) || !sameFile(opened, there.value)) return yield* changedDuring(jail.kind, action, relative)
    const location = yield* mapped(handle.location)
    if (Option.isSome(location) && location.value !== absolute(jail, relative)) {
      return yield* changedDuring(jail.kind, action, relative)
    }
  })

interface Walked {
  /** The directories opened, root first, with the name each was opened under. */
  readonly stack: ReadonlyArray<{ readonly dir: Directory; readonly name: string }>
  /** The last component, or `null` when the path ends at the top of `stack`; `missing` when a parent is. */
  readonly name: string | null
  readonly missing?: string
}

const walk = (jail: Jail, action: string, input: string, options: LocateOptions) =>
  Effect.gen(function*(): Effect.fn.Return<Walked, ConnectorError.ConnectorError, Scope.Scope> {
    const { kind } = jail
    const refuse = (why: string) => ConnectorError.forbidden(kind, action, `Cannot use path ${JSON.stringify(input)}: ${why}`)
    const parsed = lexical(input)
    if ("refused" in parsed) return yield* refuse(parsed.refused)
    const root = yield* openRoot(jail, action)
    let stack: Array<{ readonly dir: Directory; readonly name: string }> = [{ dir: root, name: "" }]
    const relativeOf = (name: string) => [...stack.slice(1).map((s) => s.name), name].join("/")
    const queue = [...parsed.names]
    let links = 0
    while (queue.length > 0) {
      const name = queue.shift()!
      if (name === "" || name === ".") continue
      if (name === "..") {
        if (stack.length === 1) return yield* refuse("it leads outside the root through a symbolic link")
        stack = stack.slice(0, -1)
        continue
      }
      const last = queue.length === 0
      const top = stack[stack.length - 1]!.dir
      const mapped = Effect.mapError(fromPlatform(kind, action, relativeOf(name)))
      const stat = yield* mapped(top.lstat(name))
      if (Option.isNone(stat)) {
        if (last) return { stack, name }
        if (options.missingParents === "create") {
          links += 1 // bounds the loop if something keeps deleting what we create
          if (links > MAX_LINKS) return yield* changedDuring(kind, action, relativeOf(name))
          yield* mapped(top.makeDirectory(name).pipe(Effect.catchIf((e) => e.code === "AlreadyExists", () => Effect.void)))
          queue.unshift(name)
          continue
        }
        if (options.missingParents === "absent" && !queue.includes("..")) {
          return { stack, name: null, missing: [relativeOf(name), ...queue.filter((n) => n !== "" && n !== ".")].join("/") }
        }
        return yield* ConnectorError.notFound(kind, action, `'${relativeOf(name)}' does not exist`)
      }
      if (stat.value.type === "SymbolicLink" && (!last || options.followLast)) {
        links += 1
        if (links > MAX_LINKS) return yield* refuse("it goes through too many symbolic links")
        const target = yield* mapped(top.readLink(name))
        if (target.startsWith("/")) {
          if (target !== jail.root && !target.startsWith(rootPrefix(jail))) {
            return yield* refuse("it leads outside the root through a symbolic link")
          }
          stack = stack.slice(0, 1)
          queue.unshift(...target.slice(jail.root.length).split("/"))
        } else if (target.length === 0 || target.startsWith("\\") || /^[A-Za-z]:/.test(target)) {
          return yield* refuse("it goes through a symbolic link that cannot be resolved")
        } else {
          queue.unshift(...target.split("/"))
        }
        continue
      }
      if (last) return { stack, name }
      if (stat.value.type !== "Directory") return yield* ConnectorError.conflict(kind, action, `'${relativeOf(name)}' is not a directory`)
      const dir = yield* mapped(top.openDirectory(name))
      const opened = yield* mapped(dir.stat)
      if (!sameFile(opened, stat.value)) return yield* changedDuring(kind, action, relativeOf(name))
      stack.push({ dir, name })
    }
    return { stack, name: null }
  })

const joined = (names: ReadonlyArray<string>): string => names.join("/") || "."

/**
 * Locates the entry `input` names (the root itself is refused): its open, verified parent directory and
 * its name. The handles live as long as the enclosing scope.
 */
export const locate = (
  jail: Jail,
  action: string,
  input: string,
  options: LocateOptions
): Effect.Effect<Located, ConnectorError.ConnectorError, Scope.Scope> =>
  Effect.gen(function*() {
    const walked = yield* walk(jail, action, input, options)
    const names = walked.stack.slice(1).map((s) => s.name)
    if (walked.missing !== undefined) {
      const relative = walked.missing
      const slash = relative.lastIndexOf("/")
      const parentRelative = slash === -1 ? "." : relative.slice(0, slash)
      return { relative, parentRelative, name: relative.slice(slash + 1), parent: Option.none() }
    }
    let parentStack = walked.stack
    let name = walked.name
    if (name === null) {
      if (walked.stack.length === 1) {
        return yield* ConnectorError.forbidden(jail.kind, action, `Cannot use path ${JSON.stringify(input)}: the root itself cannot be a target`)
      }
      parentStack = walked.stack.slice(0, -1)
      name = walked.stack[walked.stack.length - 1]!.name
    }
    const parentRelative = joined(parentStack.slice(1).map((s) => s.name))
    const parent = parentStack[parentStack.length - 1]!.dir
    yield* verifyAt(jail, action, parentRelative, parent)
    const relative = walked.name === null ? joined(names) : joined([...names, name])
    return { relative, parentRelative, name, parent: Option.some(parent) }
  })

/** Opens the directory `input` names (the root included, links followed inside the root), verified. */
export const openDirectory = (
  jail: Jail,
  action: string,
  input: string
): Effect.Effect<{ readonly dir: Directory; readonly relative: string }, ConnectorError.ConnectorError, Scope.Scope> =>
  Effect.gen(function*() {
    const walked = yield* walk(jail, action, input, { followLast: true })
    const top = walked.stack[walked.stack.length - 1]!
    const names = walked.stack.slice(1).map((s) => s.name)
    if (walked.name === null) {
      const relative = joined(names)
      yield* verifyAt(jail, action, relative, top.dir)
      return { dir: top.dir, relative }
    }
    const relative = joined([...names, walked.name])
    const mapped = Effect.mapError(fromPlatform(jail.kind, action, relative))
    const stat = yield* mapped(top.dir.lstat(walked.name))
    if (Option.isNone(stat)) return yield* ConnectorError.notFound(jail.kind, action, `'${relative}' does not exist`)
    if (stat.value.type !== "Directory") return yield* ConnectorError.conflict(jail.kind, action, `'${relative}' is not a directory`)
    const dir = yield* mapped(top.dir.openDirectory(walked.name))
    const opened = yield* mapped(dir.stat)
    if (!sameFile(opened, stat.value)) return yield* changedDuring(jail.kind, action, relative)
    yield* verifyAt(jail, action, relative, dir)
    return { dir, relative }
  })

/**
 * Fixes a connector's root: its canonical real path and identity. Fails with `NotFound` if it does not
 * exist and `Conflict` if it is not a directory.
 */
export const openRootPath = (
  kind: string,
  platform: FilePlatformService,
  root: string
): Effect.Effect<{ readonly root: string; readonly identity: Identity }, ConnectorError.ConnectorError> =>
  Effect.gen(function*() {
    const fail = (why: string) => ConnectorError.notFound(kind, "make", `Cannot open root '${root}': ${why}`)
    if (root.length === 0 || root.includes("\0")) return yield* fail("expected a directory path")
    const real = yield* platform.realPath(root).pipe(Effect.mapError((e) => fail(e.message)))
    const stat = yield* platform.lstat(real).pipe(Effect.mapError((e) => fail(e.message)))
    if (Option.isNone(stat)) return yield* fail("it does not exist")
    if (stat.value.type !== "Directory") {
      return yield* ConnectorError.conflict(kind, "make", `Cannot open root '${root}': it is not a directory`)
    }
    return { root: real, identity: { dev: stat.value.dev, ino: stat.value.ino } }
  })
