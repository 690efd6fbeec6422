/**
 * The filesystem connector for Node (and Deno's Node compatibility), built synchronously for callers who
 * do not use Effect. It checks the root with `node:fs` up front, then builds the connector of
 * `./FileSystem.ts` on the race-free Node platform of `./FilePlatformNode.ts`.
 *
 * @example
 * ```ts
 * import { makeNode } from "./FileSystemNode.ts"
 * const files = makeNode({ root: "./sandbox", allowedActions: ["read_file", "list_dir", "write_file"] })
 * files.allowedActions.has("write_file") // true
 * ```
 * @module
 */
import { Effect } from "effect"
import { realpathSync, statSync } from "node:fs"
import type { Connector } from "../src/Connector.ts"
import * as FilePlatformNode from "./FilePlatformNode.ts"
import * as FileSystem from "./FileSystem.ts"

/**
 * Builds a jailed filesystem connector on `options.root`. Throws an `Error` naming the root if it does
 * not exist or is not a directory, and the `ConnectorError` of `FileSystem.make` if `allowedActions`
 * names an action the connector does not have (or the platform is not race-free and that is not allowed).
 *
 * @example
 * ```ts
 * const files = makeNode({ root: "/srv/agent-workspace", allowedActions: ["read_file"] })
 * ```
 */
export const makeNode = (options: FileSystem.Options): Connector => {
  const { root, rootIdentity } = realRoot(options.root)
  return Effect.runSync(
    FileSystem.makeUnsafe({ ...options, root, rootIdentity }).pipe(Effect.provide(FilePlatformNode.layer))
  )
}

/**
 * The root's canonical real path and identity. Done with synchronous `node:fs` calls because the
 * platform's file access is asynchronous and `makeNode` must return synchronously.
 */
const realRoot = (root: string) => {
  if (root.length === 0 || root.includes("\0")) {
    throw new Error(`Cannot open filesystem root ${JSON.stringify(root)}: expected a directory path`)
  }
  let real: string
  try {
    real = realpathSync(root)
  } catch (cause) {
    throw new Error(`Cannot open filesystem root '${root}': it does not exist or cannot be resolved`, { cause })
  }
  const stat = statSync(real, { bigint: true })
  if (!stat.isDirectory()) {
    throw new Error(`Cannot open filesystem root '${root}': it is not a directory`)
  }
  return { root: real, rootIdentity: { dev: stat.dev, ino: stat.ino } }
}
