/**
 * The filesystem connector for Node (and Deno's Node compatibility), built synchronously for callers who
 * do not use Effect. It checks the root with `node:fs` up front, then builds the connector of
 * `./FileSystem.ts` on `@effect/platform-node`'s file system and path layers.
 *
 * @example
 * ```ts
 * import { makeNode } from "./connectors/FileSystemNode.ts"
 * const files = makeNode({ root: "./sandbox", allowedActions: ["read_file", "list_dir", "write_file"] })
 * files.allowedActions.has("write_file") // true
 * ```
 * @module
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Effect } from "effect"
import { realpathSync, statSync } from "node:fs"
import type { Connector } from "../src/Connector.ts"
import * as FileSystem from "./FileSystem.ts"

/**
 * Builds a jailed filesystem connector on `options.root`. Throws an `Error` naming the root if it does
 * not exist or is not a directory, and the `ConnectorError` of `FileSystem.make` if `allowedActions`
 * names an action the connector does not have.
 *
 * @example
 * ```ts
 * const files = makeNode({ root: "/srv/agent-workspace", allowedActions: ["read_file"] })
 * ```
 */
export const makeNode = (options: FileSystem.Options): Connector => {
  const root = realRoot(options.root)
  return Effect.runSync(
    FileSystem.makeUnsafe({ ...options, root }).pipe(Effect.provide([NodeFileSystem.layer, NodePath.layer]))
  )
}

/**
 * The root's canonical real path. Done with synchronous `node:fs` calls because the Effect file system
 * is asynchronous and `makeNode` must return synchronously.
 */
const realRoot = (root: string): string => {
  if (root.length === 0 || root.includes("\0")) {
    throw new Error(`Cannot open filesystem root ${JSON.stringify(root)}: expected a directory path`)
  }
  let real: string
  try {
    real = realpathSync(root)
  } catch (cause) {
    throw new Error(`Cannot open filesystem root '${root}': it does not exist or cannot be resolved`, { cause })
  }
  if (!statSync(real).isDirectory()) {
    throw new Error(`Cannot open filesystem root '${root}': it is not a directory`)
  }
  return real
}
