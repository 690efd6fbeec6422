/**
 * The real Node file platform with a hook that runs right before each directory operation, so a test
 * can make an attacker's swap happen at an exact point of the connector's work (between a lookup and
 * the open that follows it, between writing a temp file and renaming it, ...). The platform itself is
 * not replaced: every call still goes to `FilePlatformNode`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FilePlatform } from "../../connectors/FilePlatform.ts"
 * import { interposed } from "./support/interposedPlatform.ts"
 * const platform = interposed((operation, name) => {
 *   if (operation === "openFile" && name === "a.txt") swapSomething()
 * })
 * // program.pipe(Effect.provideService(FilePlatform, platform))
 * ```
 * @module
 */
import { Effect } from "effect"
import type { Directory, FilePlatformService } from "../../connectors/FilePlatform.ts"
import * as FilePlatformNode from "../../connectors/FilePlatformNode.ts"

/** Called before each operation with the operation's name and the entry name it is about to use. */
export type Hook = (operation: keyof Directory, name: string) => void

const wrap = (dir: Directory, hook: Hook): Directory => {
  const before = <A, E, R>(operation: keyof Directory, name: string, run: () => Effect.Effect<A, E, R>) =>
    Effect.andThen(Effect.sync(() => hook(operation, name)), Effect.suspend(run))
  return {
    stat: dir.stat,
    location: dir.location,
    lstat: (name) => before("lstat", name, () => dir.lstat(name)),
    readLink: (name) => before("readLink", name, () => dir.readLink(name)),
    openDirectory: (name) => before("openDirectory", name, () => Effect.map(dir.openDirectory(name), (d) => wrap(d, hook))),
    openFile: (name) => before("openFile", name, () => dir.openFile(name)),
    createFile: (name, mode) => before("createFile", name, () => dir.createFile(name, mode)),
    makeDirectory: (name) => before("makeDirectory", name, () => dir.makeDirectory(name)),
    rename: (from, to) => before("rename", to, () => dir.rename(from, to)),
    link: (existing, name) => before("link", name, () => dir.link(existing, name)),
    unlink: (name) => before("unlink", name, () => dir.unlink(name)),
    list: before("list", "", () => dir.list),
    sync: dir.sync
  }
}

/** The Node platform (descriptor mode where available, or `mode`) with `hook` before each directory operation. */
export const interposed = (hook: Hook, mode: "auto" | "paths" = "auto"): FilePlatformService => {
  const inner = FilePlatformNode.make(mode)
  return { ...inner, openDirectory: (path) => Effect.map(inner.openDirectory(path), (d) => wrap(d, hook)) }
}
