/**
 * Path-based, synchronous file operations on a memory tree (private): what another process does to the
 * files behind the connector's back, with the semantics of Node's `fs.*Sync` on Linux (`writeFile`
 * follows a link in the last component, `rm` does not, `rename` replaces, errors are thrown with the
 * kernel's codes). `FilePlatformMemory` exposes them on the object it returns.
 *
 * @example
 * ```ts
 * import * as Tree from "./_memoryTree.ts"
 * import { makeFileOps } from "./_memoryFiles.ts"
 * const files = makeFileOps(Tree.make())
 * files.mkdir("/srv/agent/notes", { recursive: true })
 * files.writeFile("/srv/agent/notes/a.md", "hello")
 * files.readText("/srv/agent/notes/a.md") // "hello"
 * ```
 * @module
 */
import type { Stat } from "./FilePlatform.ts"
import * as Tree from "./_memoryTree.ts"

/** The synchronous file operations of another process (Node's `fs.*Sync` on Linux). Each throws a `FilePlatformError`. */
export interface FileOps {
  /** Creates or truncates `path` (through a link in its last component, as `fs.writeFileSync` does). New files get `mode` (default 0o666) less the umask. */
  readonly writeFile: (path: string, data: string | Uint8Array, options?: { readonly mode?: number }) => void
  /** Appends to `path`, creating it if needed. */
  readonly appendFile: (path: string, data: string | Uint8Array) => void
  /** The bytes of `path` (links followed). */
  readonly readFile: (path: string) => Uint8Array
  /** The UTF-8 text of `path`, or `null` if nothing is there. */
  readonly readText: (path: string) => string | null
  /** Creates a directory (`recursive`: with its missing parents, and no error if it exists). */
  readonly mkdir: (path: string, options?: { readonly recursive?: boolean; readonly mode?: number }) => void
  /** Creates a symbolic link at `path` holding `target` (as given, not resolved). */
  readonly symlink: (target: string, path: string) => void
  /** Adds the hard link `path` to the file at `existing`. */
  readonly link: (existing: string, path: string) => void
  /** Renames `from` to `to`, replacing a file (or empty directory) there. */
  readonly rename: (from: string, to: string) => void
  /** Removes a file, link or special file (not a directory). */
  readonly unlink: (path: string) => void
  /** Removes anything (`recursive` for a non-empty directory; `force`: no error if missing). */
  readonly rm: (path: string, options?: { readonly recursive?: boolean; readonly force?: boolean }) => void
  /** Sets the permission bits of `path` (links followed). */
  readonly chmod: (path: string, mode: number) => void
  /** The entry at `path` without following a link in its last component; `undefined` if none. */
  readonly lstat: (path: string) => Stat | undefined
  /** The entry at `path`, links followed; `undefined` if none. */
  readonly stat: (path: string) => Stat | undefined
  /** The names in a directory, sorted. */
  readonly readdir: (path: string) => ReadonlyArray<string>
  /** The target of the link at `path`. */
  readonly readlink: (path: string) => string
  /** Creates a FIFO (`"fifo"`) or a socket (`"socket"`) at `path`. */
  readonly mknod: (path: string, kind: "fifo" | "socket") => void
  /** Every entry under `dir` by relative path: `"sub/": "<dir>"`, links `"-> target"`, files base64, special files `"<fifo>"`/`"<socket>"`. */
  readonly snapshot: (dir: string) => Record<string, string>
}

const bytesOf = (data: string | Uint8Array): Uint8Array => (typeof data === "string" ? new TextEncoder().encode(data) : data.slice())

const base64 = (bytes: Uint8Array): string => {
  let binary = ""
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary)
}

/** The file operations on `tree`. */
export const makeFileOps = (tree: Tree.Tree): FileOps => {
  const newEntry = (operation: string, path: string, follow = false) => {
    const found = Tree.resolve(tree, operation, path, { followLast: follow })
    if (found.inode !== undefined) throw Tree.error(operation, "EEXIST")
    Tree.checkWritable(found.parent, operation)
    return found
  }
  const existing = (operation: string, path: string, follow: boolean) => {
    const found = Tree.resolve(tree, operation, path, { followLast: follow })
    if (found.inode === undefined) throw Tree.error(operation, "ENOENT")
    return { ...found, inode: found.inode }
  }
  const direntOf = (found: Tree.Resolved): Tree.Dirent | undefined => found.parent.entries.get(found.name)

  const write = (path: string, data: string | Uint8Array, append: boolean, mode = 0o666) => {
    const found = Tree.resolve(tree, "open", path, { followLast: true })
    let node = found.inode
    if (node === undefined) {
      node = Tree.createFile(tree, "open", found.parent, found.name, mode).inode
    } else if (node.type === "Directory") {
      throw Tree.error("open", "EISDIR")
    } else if (node.type !== "File") {
      throw Tree.error("open", "ENXIO")
    }
    const bytes = bytesOf(data)
    if (append) {
      const joined = new Uint8Array(node.data.length + bytes.length)
      joined.set(node.data)
      joined.set(bytes, node.data.length)
      node.data = joined
    } else {
      node.data = bytes
    }
  }

  const remove = (path: string, recursive: boolean) => {
    const found = existing("rm", path, false)
    const d = direntOf(found)
    if (d === undefined) throw Tree.error("rm", "EINVAL") // the root
    if (found.inode.type === "Directory") {
      if (!recursive) throw Tree.error("rm", "EISDIR")
      for (const name of [...found.inode.entries.keys()]) remove(`${found.path}/${name}`, true)
    }
    Tree.detach(d)
  }

  const ops: FileOps = {
    writeFile: (path, data, options) => write(path, data, false, options?.mode),
    appendFile: (path, data) => write(path, data, true),
    readFile: (path) => {
      const found = existing("open", path, true)
      if (found.inode.type === "Directory") throw Tree.error("read", "EISDIR")
      return found.inode.data.slice()
    },
    readText: (path) => {
      const found = Tree.resolve(tree, "open", path, { followLast: true })
      return found.inode?.type === "File" ? new TextDecoder().decode(found.inode.data) : null
    },
    mkdir: (path, options) => {
      if (options?.recursive !== true) {
        const found = newEntry("mkdir", path)
        Tree.makeDirectory(tree, "mkdir", found.parent, found.name, options?.mode)
        return
      }
      let at = ""
      for (const name of path.split("/").filter((n) => n !== "" && n !== ".")) {
        at = `${at}/${name}`
        const found = Tree.resolve(tree, "mkdir", at, { followLast: true })
        if (found.inode === undefined) Tree.makeDirectory(tree, "mkdir", found.parent, found.name, options.mode)
        else if (found.inode.type !== "Directory") throw Tree.error("mkdir", "ENOTDIR")
      }
    },
    symlink: (target, path) => {
      const found = newEntry("symlink", path)
      Tree.attach(found.parent, found.name, Tree.inode(tree, "SymbolicLink", 0o777, { target }))
    },
    link: (from, path) => {
      const source = existing("link", from, false)
      const found = Tree.resolve(tree, "link", path, { followLast: false })
      Tree.link("link", direntOf(source), found.parent, found.name)
    },
    rename: (from, to) => {
      const source = existing("rename", from, false)
      const target = Tree.resolve(tree, "rename", to, { followLast: false })
      Tree.rename("rename", source.parent, source.name, target.parent, target.name)
    },
    unlink: (path) => {
      const found = existing("unlink", path, false)
      Tree.unlink("unlink", found.parent, found.name)
    },
    rm: (path, options) => {
      if (options?.force === true && Tree.resolve(tree, "rm", path, { followLast: false }).inode === undefined) return
      remove(path, options?.recursive === true)
    },
    chmod: (path, mode) => {
      existing("chmod", path, true).inode.mode = mode & 0o7777
    },
    lstat: (path) => {
      const node = Tree.resolve(tree, "lstat", path, { followLast: false }).inode
      return node === undefined ? undefined : Tree.statOf(tree, node)
    },
    stat: (path) => {
      const node = Tree.resolve(tree, "stat", path, { followLast: true }).inode
      return node === undefined ? undefined : Tree.statOf(tree, node)
    },
    readdir: (path) => [...Tree.directoryAt(tree, "scandir", path).entries.keys()].sort(),
    readlink: (path) => {
      const found = existing("readlink", path, false)
      if (found.inode.type !== "SymbolicLink") throw Tree.error("readlink", "EINVAL")
      return found.inode.target
    },
    mknod: (path, kind) => {
      const found = newEntry("mknod", path)
      Tree.attach(found.parent, found.name, Tree.inode(tree, "Other", 0o644 & ~tree.umask, { special: kind }))
    },
    snapshot: (dir) => {
      const out: Record<string, string> = {}
      const walk = (node: Tree.Inode, prefix: string) => {
        for (const name of [...node.entries.keys()].sort()) {
          const child = node.entries.get(name)!.inode
          const key = prefix + name
          if (child.type === "Directory") {
            out[key + "/"] = "<dir>"
            walk(child, key + "/")
          } else if (child.type === "SymbolicLink") {
            out[key] = `-> ${child.target}`
          } else if (child.type === "Other") {
            out[key] = `<${child.special ?? "special"}>`
          } else {
            out[key] = base64(child.data)
          }
        }
      }
      walk(Tree.directoryAt(tree, "scandir", dir), "")
      return out
    }
  }
  return ops
}
