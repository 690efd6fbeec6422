/**
 * A small in-memory key-value connector for core tests: it follows the connector contract exactly
 * (idempotent set/delete, pre-state captured before mutation, an irreversible `publish`, and an inverse
 * that compares before it swaps: `restore` puts `value` back only while the key still holds `expected`,
 * what the run left there).
 */
import { Effect } from "effect"
import * as Connector from "../../src/Connector.ts"
import * as ConnectorError from "../../src/ConnectorError.ts"
import type { Json } from "../../src/Model.ts"

export interface Kv {
  readonly data: Map<string, string>
  readonly connector: Connector.Connector
  /** Every mutation applied, in order (for asserting order of undo). */
  readonly log: Array<string>
}

const field = (args: Json, name: string): unknown =>
  typeof args === "object" && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>)[name] : undefined

const str = (args: Json, name: string, system: string, action: string) => {
  const v = field(args, name)
  return typeof v === "string"
    ? Effect.succeed(v)
    : Effect.fail(ConnectorError.invalidArgs(system, action, `'${name}' must be a string`))
}

export const makeKv = (options: { allowedActions: ReadonlyArray<string>; secret?: string; kind?: string }): Kv => {
  const data = new Map<string, string>()
  const log: Array<string> = []
  const kind = options.kind ?? "kv"
  const setRaw = (key: string, value: string | null) => {
    if (value === null) data.delete(key)
    else data.set(key, value)
    log.push(`${key}=${value}`)
  }
  const connector = Connector.make({
    kind,
    allowedActions: options.allowedActions,
    secrets: options.secret === undefined ? [] : [options.secret],
    actions: {
      get: Connector.readOnly((args) =>
        Effect.map(str(args, "key", kind, "get"), (key) => ({
          alreadyDone: false,
          rollback: null,
          apply: Effect.succeed({ key, value: data.get(key) ?? null })
        }))
      ),
      set: Connector.mutating((args) =>
        Effect.gen(function*() {
          const key = yield* str(args, "key", kind, "set")
          const value = yield* str(args, "value", kind, "set")
          const previous = data.get(key) ?? null
          return {
            alreadyDone: previous === value,
            rollback: { action: "restore", args: { key, value: previous, expected: value } },
            apply: Effect.sync(() => {
              if (previous !== value) setRaw(key, value)
              return { key, value }
            })
          }
        })
      ),
      fail: Connector.mutating(() =>
        Effect.succeed({
          alreadyDone: false,
          rollback: { action: "restore", args: { key: "never", value: null } },
          apply: Effect.fail(ConnectorError.transport(kind, "fail", "simulated outage"))
        })
      ),
      publish: Connector.mutating((args) =>
        Effect.map(str(args, "key", kind, "publish"), (key) => ({
          alreadyDone: false,
          rollback: { action: "none", args: { key }, irreversible: true, manual: `Retract the publication of '${key}' by hand` },
          apply: Effect.sync(() => {
            log.push(`publish ${key}`)
            return { published: key }
          })
        }))
      )
    },
    inverses: {
      restore: (args) =>
        Effect.gen(function*() {
          const key = yield* str(args, "key", kind, "restore")
          const raw = field(args, "value")
          const value = typeof raw === "string" ? raw : null
          const expected = field(args, "expected")
          const current = data.get(key) ?? null
          if (current === value) return { key, restored: false }
          if (expected !== undefined && current !== expected) {
            return yield* ConnectorError.changed(kind, "restore", `'${key}' changed since the run`, {
              expected: typeof expected === "string" ? expected : null,
              current
            })
          }
          setRaw(key, value)
          return { key, restored: true }
        })
    }
  })
  return { data, connector, log }
}
