/**
 * The in-memory file tree behind `FilePlatformMemory` (private): inodes with identities (device + inode
 * number), link counts, permission bits, directory entries, symbolic links and special files, and the
 * path resolution and errors of a POSIX kernel as Node reports them on Linux (`ENOENT`, `ELOOP`,
 * `ENOTDIR`, `EISDIR`, `EEXIST`, `ENOTEMPTY`, `EPERM`, `EINVAL`, `EBADF`, `ENXIO`).
 *
 * A directory entry (`Dirent`) is an object of its own that moves with `rename` and dies with `unlink`,
 * the way a kernel's dentry does: an open handle remembers the entry it was opened through, so its
 * `location` follows renames and disappears once the name is gone (Linux's `/proc/self/fd`).
 *
 * @example
 * ```ts
 * import * as Tree from "./_memoryTree.ts"
 * const tree = Tree.make({ umask: 0o022 })
 * const found = Tree.resolve(tree, "lstat", "/srv/agent", { followLast: false })
 * // found.inode is undefined: nothing is there yet
 * ```
 * @module
 */
import { codeOfErrno, type EntryType, type ErrorCode, FilePlatformError, type Stat } from "./FilePlatform.ts"

/** A file, directory, symbolic link or special file. */
export interface Inode {
  readonly ino: bigint
  readonly type: EntryType
  /** `fifo` or `socket`, for `Other`. */
  readonly special?: "fifo" | "socket"
  mode: number
  /** Names that refer to this inode (files, links and special files). */
  links: number
  data: Uint8Array
  readonly target: string
  readonly entries: Map<string, Dirent>
  /** A directory's own entry in its parent; `undefined` for the root. */
  dirent: Dirent | undefined
  /** A directory that was removed: nothing can be created in it any more. */
  removed: boolean
}

/** One name in one directory, pointing at an inode. Moves with `rename`; `live` is false once unlinked. */
export interface Dirent {
  name: string
  parent: Inode
  readonly inode: Inode
  live: boolean
}

/** The whole tree: its root directory and its counters. */
export interface Tree {
  readonly root: Inode
  readonly dev: bigint
  readonly umask: number
  nextIno: bigint
}


/** The error Node's layer gives for `errno` in `operation` (its code, its errno name as the detail). */
export const error = (operation: string, errno: string): FilePlatformError =>
  new FilePlatformError({ operation, code: codeOfErrno(errno), detail: errno })

/** A fresh tree holding only its root directory `/`. */
export const make = (options: { readonly dev?: bigint; readonly umask?: number } = {}): Tree => {
  const counter = { nextIno: 2n }
  const root = inode(counter, "Directory", 0o755)
  return Object.assign(counter, { root, dev: options.dev ?? 1n, umask: options.umask ?? 0o022 })
}

/** A new inode (not yet linked anywhere), numbered from the tree's counter. */
export const inode = (tree: { nextIno: bigint }, type: EntryType, mode: number, extra: Partial<Pick<Inode, "target" | "special">> = {}): Inode => ({
  ino: tree.nextIno++,
  type,
  ...(extra.special === undefined ? {} : { special: extra.special }),
  mode: mode & 0o7777,
  links: 0,
  data: new Uint8Array(0),
  target: extra.target ?? "",
  entries: new Map(),
  dirent: undefined,
  removed: false
})

/** What `lstat`/`fstat` report for an inode. Directories count `.` and each subdirectory's `..`. */
export const statOf = (tree: Tree, node: Inode): Stat => {
  let nlink = node.links
  if (node.type === "Directory") {
    nlink = node.removed ? 0 : 2 + [...node.entries.values()].filter((d) => d.inode.type === "Directory").length
  }
  const size = node.type === "File" ? node.data.length : node.type === "SymbolicLink" ? new TextEncoder().encode(node.target).length : node.type === "Directory" ? 4096 : 0
  return { dev: tree.dev, ino: node.ino, type: node.type, nlink, size, mode: node.mode }
}

/** Adds the entry `name` for `node` in `dir`. */
export const attach = (dir: Inode, name: string, node: Inode): Dirent => {
  const d: Dirent = { name, parent: dir, inode: node, live: true }
  dir.entries.set(name, d)
  if (node.type === "Directory") node.dirent = d
  else node.links++
  return d
}

/** Removes the entry (the inode lives on while handles hold it). */
export const detach = (d: Dirent): void => {
  if (d.parent.entries.get(d.name) === d) d.parent.entries.delete(d.name)
  d.live = false
  if (d.inode.type === "Directory") d.inode.removed = true
  else d.inode.links--
}

/** Where a directory is now (its canonical path), or `undefined` if it, or a directory above it, was removed. */
export const pathOf = (tree: Tree, dir: Inode): string | undefined => {
  const names: Array<string> = []
  let at = dir
  while (at !== tree.root) {
    const d = at.dirent
    if (d === undefined || !d.live) return undefined
    names.unshift(d.name)
    at = d.parent
  }
  return "/" + names.join("/")
}

/** Where an entry is now, or `undefined` once it is gone. */
export const direntPath = (tree: Tree, d: Dirent): string | undefined => {
  if (!d.live) return undefined
  const parent = pathOf(tree, d.parent)
  return parent === undefined ? undefined : parent === "/" ? `/${d.name}` : `${parent}/${d.name}`
}

/** A path's parent directory, its last name, and what that name holds now (if anything). */
export interface Resolved {
  readonly parent: Inode
  readonly name: string
  readonly inode: Inode | undefined
  /** The canonical path of the entry (links in the parents resolved). */
  readonly path: string
}

const MAX_LINKS = 40

/**
 * Resolves an absolute `path` the way the kernel does: every component but the last is followed through
 * symbolic links (at most 40), and so is the last when `followLast`. Throws the kernel's error.
 */
export const resolve = (tree: Tree, operation: string, path: string, options: { readonly followLast: boolean }): Resolved => {
  if (path.length === 0) throw error(operation, "ENOENT")
  if (path.includes("\0")) throw error(operation, "EINVAL")
  const queue = path.split("/")
  let dir = tree.root
  let links = 0
  while (queue.length > 0) {
    const name = queue.shift()!
    if (name === "" || name === ".") continue
    if (name === "..") {
      dir = dir.dirent === undefined ? dir : dir.dirent.parent
      continue
    }
    const isLast = queue.length === 0
    const entry = dir.entries.get(name)
    if (entry === undefined) {
      if (isLast) return { parent: dir, name, inode: undefined, path: join(pathOf(tree, dir) ?? "/", name) }
      throw error(operation, "ENOENT")
    }
    const node = entry.inode
    if (node.type === "SymbolicLink" && (!isLast || options.followLast)) {
      if (++links > MAX_LINKS) throw error(operation, "ELOOP")
      if (node.target.startsWith("/")) dir = tree.root
      queue.unshift(...node.target.split("/"))
      continue
    }
    if (isLast) return { parent: dir, name, inode: node, path: join(pathOf(tree, dir) ?? "/", name) }
    if (node.type !== "Directory") throw error(operation, "ENOTDIR")
    dir = node
  }
  // The path ends at a directory: the root, or one named with a trailing `/`, `.` or `..`.
  const own = dir.dirent
  return own === undefined
    ? { parent: tree.root, name: "", inode: tree.root, path: "/" }
    : { parent: own.parent, name: own.name, inode: dir, path: pathOf(tree, dir) ?? "/" }
}

const join = (dir: string, name: string): string => (dir === "/" ? `/${name}` : `${dir}/${name}`)

/** The canonical path of `path`, every link resolved; throws `ENOENT` if it does not exist. */
export const realPath = (tree: Tree, operation: string, path: string): string => {
  const found = resolve(tree, operation, path, { followLast: true })
  if (found.inode === undefined) throw error(operation, "ENOENT")
  return found.path
}

/** The directory at `path` (followed), or the kernel's error. */
export const directoryAt = (tree: Tree, operation: string, path: string): Inode => {
  const found = resolve(tree, operation, path, { followLast: true })
  if (found.inode === undefined) throw error(operation, "ENOENT")
  if (found.inode.type !== "Directory") throw error(operation, "ENOTDIR")
  return found.inode
}

/** Whether `name` can name a new entry in `dir`: the directory must still exist. */
export const checkWritable = (dir: Inode, operation: string): void => {
  if (dir.removed) throw error(operation, "ENOENT")
}

/**
 * Renames the entry `from` of `fromDir` to `to` in `toDir`, replacing what is there as `rename(2)` does.
 * The moving entry keeps its identity, so handles opened through it follow it.
 */
export const rename = (operation: string, fromDir: Inode, from: string, toDir: Inode, to: string): void => {
  const moving = fromDir.entries.get(from)
  if (moving === undefined) throw error(operation, "ENOENT")
  checkWritable(toDir, operation)
  const there = toDir.entries.get(to)
  if (there !== undefined) {
    if (there.inode === moving.inode) return // two names of one file: rename does nothing
    if (moving.inode.type === "Directory" && there.inode.type !== "Directory") throw error(operation, "ENOTDIR")
    if (moving.inode.type !== "Directory" && there.inode.type === "Directory") throw error(operation, "EISDIR")
    if (there.inode.type === "Directory" && there.inode.entries.size > 0) throw error(operation, "ENOTEMPTY")
  }
  if (moving.inode.type === "Directory") {
    for (let at: Inode | undefined = toDir; at !== undefined; at = at.dirent?.parent) {
      if (at === moving.inode) throw error(operation, "EINVAL") // into itself
    }
  }
  if (there !== undefined) detach(there)
  fromDir.entries.delete(from)
  moving.name = to
  moving.parent = toDir
  toDir.entries.set(to, moving)
}

/** Adds the name `name` in `dir` for the inode of `existing` (never a directory; never replaces). */
export const link = (operation: string, existing: Dirent | undefined, dir: Inode, name: string): void => {
  if (existing === undefined) throw error(operation, "ENOENT")
  if (existing.inode.type === "Directory") throw error(operation, "EPERM")
  checkWritable(dir, operation)
  if (dir.entries.has(name)) throw error(operation, "EEXIST")
  attach(dir, name, existing.inode)
}

/** Removes the name `name` in `dir` (a directory is refused, as Linux's `unlink` does). */
export const unlink = (operation: string, dir: Inode, name: string): void => {
  const d = dir.entries.get(name)
  if (d === undefined) throw error(operation, "ENOENT")
  if (d.inode.type === "Directory") throw error(operation, "EISDIR")
  detach(d)
}

/** Creates the directory `name` in `dir`. */
export const makeDirectory = (tree: Tree, operation: string, dir: Inode, name: string, mode = 0o777): Inode => {
  checkWritable(dir, operation)
  if (dir.entries.has(name)) throw error(operation, "EEXIST")
  const node = inode(tree, "Directory", mode & ~tree.umask)
  attach(dir, name, node)
  return node
}

/** Creates `name` in `dir` exclusively (anything there, a dangling link included, is `EEXIST`). */
export const createFile = (tree: Tree, operation: string, dir: Inode, name: string, mode: number): Dirent => {
  checkWritable(dir, operation)
  if (dir.entries.has(name)) throw error(operation, "EEXIST")
  return attach(dir, name, inode(tree, "File", mode & ~tree.umask))
}
