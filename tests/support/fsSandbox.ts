/**
 * Shared set-up for the filesystem connector tests: a root to work in next to an `outside` directory
 * holding a secret the jail must protect, on the disk of the current test (`Disk`: the real one or the
 * memory tree), and helpers that drive a connector the way the executor and rollback do (through
 * `definitionOf`, never the connector object itself).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { act, sandbox } from "./support/fsSandbox.ts"
 * const program = Effect.gen(function*() {
 *   const { files } = yield* sandbox()
 *   yield* act(files, "write_file", { path: "a.txt", content: "hello" })
 * })
 * ```
 * @module
 */
import { Effect } from "effect"
import type { Scope } from "effect"
import { createHash } from "node:crypto"
import type { FilePlatform } from "../../connectors/FilePlatform.ts"
import * as FileSystem from "../../connectors/FileSystem.ts"
import type { Connector, Prepared } from "../../src/Connector.ts"
import type { ConnectorError } from "../../src/ConnectorError.ts"
import type { Json, RollbackData } from "../../src/Model.ts"
import { definitionOf } from "./connectorAccess.ts"
import { Disk } from "./fsWorld.ts"

/** The secret kept outside the root. */
export const SECRET = "top secret outside the root\n"

/** A fresh root and a sibling `outside/secret.txt`; `files` is a connector on the root. */
export const sandbox = (
  options: Partial<Omit<FileSystem.Options, "root">> = {}
): Effect.Effect<
  { readonly base: string; readonly root: string; readonly outside: string; readonly files: Connector },
  ConnectorError,
  Scope.Scope | FilePlatform | Disk
> =>
  Effect.gen(function*() {
    const disk = yield* Disk
    const base = yield* disk.base
    const root = `${base}/root`
    const outside = `${base}/outside`
    disk.files.mkdir(root)
    disk.files.mkdir(outside)
    disk.files.writeFile(`${outside}/secret.txt`, SECRET)
    const files = yield* FileSystem.make({ allowedActions: FileSystem.actionNames, ...options, root })
    return { base, root, outside, files }
  })

/** The state description of a file holding `text` (computed with node:crypto, independently of the connector). */
export const fileState = (text: string | Uint8Array) => {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text
  return { exists: true, sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length } as const
}

/** Runs `prepare` of an action. */
export const prepare = (connector: Connector, action: string, args: Json): Effect.Effect<Prepared, ConnectorError> =>
  Effect.suspend(() => {
    const def = definitionOf(connector).actions[action]
    return def === undefined ? Effect.die(`no action ${action}`) : def.prepare(args)
  })

/** Prepares and applies, the way the executor does. */
export const act = (connector: Connector, action: string, args: Json) =>
  Effect.gen(function*() {
    const prepared = yield* prepare(connector, action, args)
    const output = yield* prepared.apply
    return { ...prepared, output }
  })

/** Runs the inverse named by rollback data, the way rollback does. */
export const undo = (connector: Connector, rollback: RollbackData | null): Effect.Effect<Json, ConnectorError> =>
  Effect.suspend(() => {
    const inverse = rollback === null ? undefined : definitionOf(connector).inverses[rollback.action]
    return rollback === null || inverse === undefined ? Effect.die("no inverse") : inverse(rollback.args)
  })

/** How an effect fails: the connector error's reason tag, message and, for `Changed`, both states. */
export const failure = (effect: Effect.Effect<unknown, ConnectorError>) =>
  Effect.flip(effect).pipe(Effect.map((e) => ({
    reason: e.reason._tag,
    message: e.message,
    states: e.reason._tag === "Changed" ? { expected: e.reason.expected, current: e.reason.current } : null
  })))

/** Just the reason tag. */
export const reason = (effect: Effect.Effect<unknown, ConnectorError>) => Effect.map(failure(effect), (f) => f.reason)
