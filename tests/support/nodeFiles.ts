/**
 * The synchronous file operations `FilePlatformMemory` offers on its tree (`FileOps`), on the real disk
 * with `node:fs`, so one test can change the files behind the connector's back on either platform.
 * Errors keep Node's own exceptions (their `code` is the errno name the memory tree reports too).
 *
 * @example
 * ```ts
 * import { nodeFileOps } from "./support/nodeFiles.ts"
 * const files = nodeFileOps()
 * files.mkdir("/tmp/enact-x/notes", { recursive: true })
 * ```
 * @module
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as nodePath from "node:path"
import type { FilePlatformMemory } from "../../testing.ts"
import type { Stat } from "../../connectors/FilePlatform.ts"

const toStat = (s: fs.BigIntStats): Stat => ({
  dev: s.dev,
  ino: s.ino,
  type: s.isFile() ? "File" : s.isDirectory() ? "Directory" : s.isSymbolicLink() ? "SymbolicLink" : "Other",
  nlink: Number(s.nlink),
  size: Number(s.size),
  mode: Number(s.mode & 0o7777n)
})

/** `FileOps` on the real disk. `mknod` makes FIFOs only (sockets need a listening server). */
export const nodeFileOps = (): FilePlatformMemory.FileOps => ({
  writeFile: (path, data, options) => fs.writeFileSync(path, data, options?.mode === undefined ? {} : { mode: options.mode }),
  appendFile: (path, data) => fs.appendFileSync(path, data),
  readFile: (path) => new Uint8Array(fs.readFileSync(path)),
  readText: (path) => {
    try {
      return fs.statSync(path).isFile() ? fs.readFileSync(path, "utf8") : null
    } catch {
      return null
    }
  },
  mkdir: (path, options) => void fs.mkdirSync(path, { recursive: options?.recursive === true, ...(options?.mode === undefined ? {} : { mode: options.mode }) }),
  symlink: (target, path) => fs.symlinkSync(target, path),
  link: (existing, path) => fs.linkSync(existing, path),
  rename: (from, to) => fs.renameSync(from, to),
  unlink: (path) => fs.unlinkSync(path),
  rm: (path, options) => fs.rmSync(path, { recursive: options?.recursive === true, force: options?.force === true }),
  chmod: (path, mode) => fs.chmodSync(path, mode),
  lstat: (path) => {
    const s = fs.lstatSync(path, { bigint: true, throwIfNoEntry: false })
    return s === undefined ? undefined : toStat(s)
  },
  stat: (path) => {
    const s = fs.statSync(path, { bigint: true, throwIfNoEntry: false })
    return s === undefined ? undefined : toStat(s)
  },
  readdir: (path) => fs.readdirSync(path).sort(),
  readlink: (path) => fs.readlinkSync(path),
  mknod: (path, kind) => {
    if (kind !== "fifo") throw new Error("nodeFileOps: only FIFOs can be made here")
    execFileSync("mkfifo", [path])
  },
  snapshot: (dir) => {
    const out: Record<string, string> = {}
    const walk = (current: string) => {
      for (const name of fs.readdirSync(current).sort()) {
        const full = nodePath.join(current, name)
        const key = nodePath.relative(dir, full)
        const s = fs.lstatSync(full)
        if (s.isDirectory()) {
          out[key + "/"] = "<dir>"
          walk(full)
        } else if (s.isSymbolicLink()) {
          out[key] = `-> ${fs.readlinkSync(full)}`
        } else if (s.isFIFO()) {
          out[key] = "<fifo>"
        } else if (s.isSocket()) {
          out[key] = "<socket>"
        } else {
          out[key] = fs.readFileSync(full).toString("base64")
        }
      }
    }
    walk(dir)
    return out
  }
})
