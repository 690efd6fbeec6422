/**
 * The inverses of the filesystem connector (private): `restore_file` and `remove_file`, each comparing
 * before it swaps. The target must still be exactly what the run left (`after` in the rollback data);
 * if it already holds the pre-state the inverse succeeds changing nothing; otherwise it changes nothing
 * and fails with `ConnectorError.changed`, carrying both states (never the current content).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { makeInverses } from "./_fileInverses.ts"
 * import type * as Jail from "./_jail.ts"
 * const undoCreate = (jail: Jail.Jail, sha256: string, size: number) =>
 *   makeInverses(jail).remove_file({ path: "new.txt", after: { exists: true, sha256, size } })
 * // succeeds with { path: "new.txt", removed: true } if new.txt still holds those bytes
 * ```
 * @module
 */
import { Effect, Option, Schema } from "effect"
import type * as Connector from "../src/Connector.ts"
import * as ConnectorError from "../src/ConnectorError.ts"
import type { Stat } from "./FilePlatform.ts"
import * as FileState from "./_fileState.ts"
import * as Jail from "./_jail.ts"

const Present = Schema.Struct({
  exists: Schema.Literal(true),
  sha256: Schema.String.check(Schema.isPattern(/^[0-9a-f]{64}$/)),
  size: Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))
})
const Absent = Schema.Struct({ exists: Schema.Literal(false) })

const RestoreArgs = Schema.Struct({
  path: Schema.String,
  content: Schema.String,
  mode: Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 0o7777 })),
  after: Schema.Union([Present, Absent])
})
const RemoveArgs = Schema.Struct({ path: Schema.String, after: Present })
const decodeRestore = Schema.decodeUnknownEffect(RestoreArgs, Jail.strict)
const decodeRemove = Schema.decodeUnknownEffect(RemoveArgs, Jail.strict)

/** A coarse description of an entry seen only by its metadata (a swap during the undo itself). */
const stateOfStat = (stat: Option.Option<Stat>): FileState.State => {
  if (Option.isNone(stat)) return { exists: false }
  const s = stat.value
  if (s.type === "File") return { exists: true, size: s.size, links: s.nlink }
  return { exists: true, type: s.type === "Directory" ? "directory" : s.type === "SymbolicLink" ? "symbolic link" : "special file" }
}

/** `restore_file` and `remove_file` on `jail`. */
export const makeInverses = (jail: Jail.Jail): { readonly restore_file: Connector.Inverse; readonly remove_file: Connector.Inverse } => {
  const { kind } = jail
  const encoder = new TextEncoder()

  const changed = (action: string, path: string, expected: FileState.State, current: FileState.State) =>
    ConnectorError.changed(
      kind,
      action,
      `'${path}' changed since the run: it holds neither what the run left nor what was there before; left as it is`,
      { expected, current }
    )

  /** Puts `content` back (with `mode`) if the file is still as the run left it (`after`). */
  const restore_file: Connector.Inverse = (raw) =>
    Effect.gen(function*() {
      const { path, content, mode, after } = yield* Jail.argsOf(kind, "restore_file", decodeRestore(raw))
      return yield* Effect.scoped(Effect.gen(function*() {
        const located = yield* Jail.locate(jail, "restore_file", path, {
          followLast: false,
          missingParents: after.exists ? "absent" : "create"
        })
        const current = yield* FileState.describe(jail, "restore_file", located)
        const bytes = encoder.encode(content)
        if (FileState.sameState(current.state, after)) {
          yield* FileState.swapIn(jail, "restore_file", located, bytes, {
            expect: after.exists ? current.stat : Option.none(),
            mode: Option.some(mode),
            changed: (now) => changed("restore_file", located.relative, after, stateOfStat(now))
          })
          return { path: located.relative, restored: true }
        }
        if (FileState.sameState(current.state, FileState.stateOfBytes(bytes))) {
          return { path: located.relative, restored: false, reason: "it already holds its content from before the run" }
        }
        return yield* changed("restore_file", located.relative, after, current.state)
      }))
    })

  /** Deletes a file the run created, if it still holds what the run wrote (`after`). */
  const remove_file: Connector.Inverse = (raw) =>
    Effect.gen(function*() {
      const { path, after } = yield* Jail.argsOf(kind, "remove_file", decodeRemove(raw))
      return yield* Effect.scoped(Effect.gen(function*() {
        const located = yield* Jail.locate(jail, "remove_file", path, { followLast: false, missingParents: "absent" })
        const current = yield* FileState.describe(jail, "remove_file", located)
        if (!current.state.exists) {
          return { path: located.relative, removed: false, reason: "it is already absent, as before the run" }
        }
        if (!FileState.sameState(current.state, after) || Option.isNone(current.stat)) {
          return yield* changed("remove_file", located.relative, after, current.state)
        }
        yield* FileState.removeIn(jail, "remove_file", located, current.stat.value, (now) =>
          changed("remove_file", located.relative, after, stateOfStat(now)))
        return { path: located.relative, removed: true }
      }))
    })

  return { restore_file, remove_file }
}
