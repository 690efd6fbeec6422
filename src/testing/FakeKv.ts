/**
 * A fake key-value system and its connector, for testing agents and policies: it follows the connector
 * contract the way a real one must (Schema-typed arguments, idempotent actions, pre-state captured before
 * anything changes, an inverse that compares before it swaps) and it fails where a real store fails.
 *
 * The system answers three remote calls: `read`, a conditional `write` (it applies only while the key
 * still holds what the connector read when it prepared, like an HTTP `If-Match`) and `publish`. Actions:
 * - `get` {key} (read-only): `{ key, value }`, `value` null when absent (like Redis `GET`);
 * - `set` {key, value}: create or replace;
 * - `create` {key, value}: `Conflict` when the key holds another value;
 * - `update` {key, value}: `NotFound` when the key is absent;
 * - `delete` {key}: already done when absent;
 * - `publish` {key}: irreversible (its rollback data is a manual step).
 * Every mutating action but `publish` records the inverse `restore` {key, value, expected}: put `value`
 * back (null: remove the key) only while the key still holds `expected`, what the run left; succeed
 * without change when it already holds `value`; otherwise fail with `Changed` and change nothing.
 *
 * Failures on demand (`fail`): `NotFound`, `Conflict`, `RateLimited` (with a retry-after), `Unauthorized`
 * and `Transport`, on a remote call, an action, or a key; a `Transport` failure can be `applied` (the
 * write happened and the answer was lost). `calls` records every remote call and its outcome, and
 * `before` runs a hook before each one, to change the data behind the connector's back at an exact point.
 *
 * @example
 * ```ts
 * import { FakeKv } from "../../testing.ts"
 * const kv = FakeKv.make({ allowedActions: ["get", "set"] })
 * kv.data.set("greeting", "hello")
 * kv.fail({ call: "write", reason: "RateLimited", retryAfter: "30 seconds" })
 * // register kv.connector as a system; the next write is refused as rate limited
 * ```
 * @module
 */
import { Duration, Effect, Schema } from "effect"
import * as Connector from "../Connector.ts"
import * as ConnectorError from "../ConnectorError.ts"
import type { Json, RollbackData } from "../Model.ts"

/** The remote calls of the fake system. */
export type CallKind = "read" | "write" | "publish"

/** One remote call: which, from which action or inverse, on which key, and how it ended. */
export interface Call {
  readonly call: CallKind
  readonly action: string
  readonly key: string
  /** For `write`: the value written (null: the key removed). */
  readonly value?: string | null
  /** `"ok"`, or the reason tag of the failure. */
  readonly outcome: "ok" | ConnectorError.Reason["_tag"]
}

/** An injected failure: the next `times` (default 1) remote calls matching every given field fail. */
export interface Fault {
  readonly call?: CallKind
  readonly action?: string
  readonly key?: string
  readonly reason: "NotFound" | "Conflict" | "RateLimited" | "Unauthorized" | "Transport"
  /** For `RateLimited`: when to try again (in the message; default 1 second). */
  readonly retryAfter?: Duration.Input
  readonly times?: number
  /** The call takes effect, then fails (a write whose answer was lost). Default false. */
  readonly applied?: boolean
}

/** Options of `make`. */
export interface Options {
  readonly allowedActions: Iterable<string>
  /** Names the system in errors (default `"kv"`). */
  readonly kind?: string
  /** Secrets the connector holds (scrubbed from receipts, journals and errors). */
  readonly secrets?: ReadonlyArray<string>
  /** Your own extra actions on the same system (built on `data`). */
  readonly actions?: Readonly<Record<string, Connector.ActionDef>>
  /** Called after each remote call, in order. */
  readonly observe?: (call: Call) => void
}

/** The fake system and its connector. */
export interface FakeKv {
  readonly connector: Connector.Connector
  /** The data, to seed and to change behind the connector's back. */
  readonly data: Map<string, string>
  /** Every remote call so far. */
  readonly calls: () => ReadonlyArray<Call>
  readonly fail: (fault: Fault) => void
  /** Faults armed and not yet triggered. */
  readonly pendingFaults: () => number
  /** Runs `hook` before every remote call; returns a function that removes it. */
  readonly before: (hook: (call: Omit<Call, "outcome">) => void) => () => void
}

/** Every action the fake connector offers (without the extra ones). */
export const actionNames = ["get", "set", "create", "update", "delete", "publish"] as const

const Key = Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(256))
const KeyArgs = Schema.Struct({ key: Key })
const KeyValueArgs = Schema.Struct({ key: Key, value: Schema.String })
const RestoreArgs = Schema.Struct({ key: Key, value: Schema.NullOr(Schema.String), expected: Schema.NullOr(Schema.String) })

/**
 * A fresh, empty fake system with its connector.
 *
 * @example
 * ```ts
 * import { FakeKv } from "../../testing.ts"
 * const kv = FakeKv.make({ allowedActions: FakeKv.actionNames, kind: "crm" })
 * kv.data.set("contact:1", "Ada")
 * ```
 */
export const make = (options: Options): FakeKv => {
  const kind = options.kind ?? "kv"
  const data = new Map<string, string>()
  const calls: Array<Call> = []
  const faults: Array<{ fault: Fault; left: number }> = []
  const hooks = new Set<(call: Omit<Call, "outcome">) => void>()

  const failure = (fault: Fault, action: string, key: string): ConnectorError.ConnectorError => {
    switch (fault.reason) {
      case "NotFound":
        return ConnectorError.notFound(kind, action, `'${key}' was not found`)
      case "Conflict":
        return ConnectorError.conflict(kind, action, `'${key}' is in a conflicting state`)
      case "RateLimited":
        return ConnectorError.rateLimited(kind, action,
          `Too many requests; retry after ${Duration.format(Duration.fromInputUnsafe(fault.retryAfter ?? "1 second"))}`)
      case "Unauthorized":
        return ConnectorError.unauthorized(kind, action, "The credentials were refused")
      case "Transport":
        return ConnectorError.transport(kind, action, "The connection was reset")
    }
  }

  /** One remote call: hooks, then an armed fault, then `body` (which may fail on its own). */
  const remote = <A>(
    call: Omit<Call, "outcome">,
    body: () => Effect.Effect<A, ConnectorError.ConnectorError>
  ): Effect.Effect<A, ConnectorError.ConnectorError> =>
    Effect.suspend(() => {
      for (const hook of [...hooks]) hook(call)
      const record = (outcome: Call["outcome"]) => {
        const done: Call = { ...call, outcome }
        calls.push(done)
        options.observe?.(done)
      }
      const armed = faults.find(({ fault: f }) =>
        (f.call === undefined || f.call === call.call) && (f.action === undefined || f.action === call.action) &&
        (f.key === undefined || f.key === call.key)
      )
      const recordFailure = <B>(effect: Effect.Effect<B, ConnectorError.ConnectorError>) =>
        Effect.tapError(effect, (e) => Effect.sync(() => record(e.reason._tag)))
      if (armed !== undefined) {
        if (--armed.left === 0) faults.splice(faults.indexOf(armed), 1)
        const error = Effect.fail(failure(armed.fault, call.action, call.key))
        return recordFailure(armed.fault.applied === true ? Effect.andThen(body(), error) : error)
      }
      return recordFailure(Effect.tap(body(), () => Effect.sync(() => record("ok"))))
    })

  const read = (action: string, key: string) =>
    remote({ call: "read", action, key }, () => Effect.sync(() => data.get(key) ?? null))

  /** Writes `value` (null: removes the key) if the key still holds `expect`; `Conflict` otherwise. */
  const write = (action: string, key: string, value: string | null, expect: string | null) =>
    remote({ call: "write", action, key, value }, () =>
      Effect.suspend(() => {
        const now = data.get(key) ?? null
        if (now !== expect) {
          return Effect.fail(ConnectorError.conflict(kind, action, `'${key}' changed since it was read; nothing was written`))
        }
        if (value === null) data.delete(key)
        else data.set(key, value)
        return Effect.void
      }))

  /** A mutating action that puts `value` at `key`, given what is there now. */
  const change = (
    action: string,
    key: string,
    value: string | null,
    check: (previous: string | null) => ConnectorError.ConnectorError | undefined
  ) =>
    Effect.flatMap(read(action, key), (previous) => {
      const refused = check(previous)
      if (refused !== undefined) return Effect.fail(refused)
      const rollback: RollbackData = { action: "restore", args: { key, value: previous, expected: value } }
      const output: Json = value === null ? { key, deleted: true } : { key, value }
      return Effect.succeed({
        alreadyDone: previous === value,
        rollback: previous === value ? null : rollback,
        apply: previous === value ? Effect.succeed(output) : Effect.as(write(action, key, value, previous), output)
      })
    })

  const actions: Record<string, Connector.ActionDef> = {
    get: Connector.readOnly(KeyArgs, ({ key }) =>
      Effect.succeed({ alreadyDone: false, rollback: null, apply: Effect.map(read("get", key), (value) => ({ key, value })) })),
    set: Connector.mutating(KeyValueArgs, ({ key, value }) => change("set", key, value, () => undefined)),
    create: Connector.mutating(KeyValueArgs, ({ key, value }) =>
      change("create", key, value, (previous) =>
        previous !== null && previous !== value
          ? ConnectorError.conflict(kind, "create", `'${key}' already exists with another value`)
          : undefined)),
    update: Connector.mutating(KeyValueArgs, ({ key, value }) =>
      change("update", key, value, (previous) =>
        previous === null ? ConnectorError.notFound(kind, "update", `'${key}' does not exist`) : undefined)),
    delete: Connector.mutating(KeyArgs, ({ key }) => change("delete", key, null, () => undefined)),
    publish: Connector.mutating(KeyArgs, ({ key }) =>
      Effect.succeed({
        alreadyDone: false,
        rollback: { action: "none", args: { key }, irreversible: true, manual: `Retract the publication of '${key}' by hand` },
        apply: remote({ call: "publish", action: "publish", key }, () => Effect.succeed({ published: key }))
      })),
    ...options.actions
  }

  const restore = Connector.inverse(RestoreArgs, ({ expected, key, value }) =>
    Effect.flatMap(read("restore", key), (current): Effect.Effect<Json, ConnectorError.ConnectorError> => {
      if (current === value) return Effect.succeed({ key, restored: false })
      if (current !== expected) {
        return Effect.fail(ConnectorError.changed(kind, "restore", `'${key}' changed since the run; left as it is`, { expected, current }))
      }
      return Effect.as(write("restore", key, value, current), { key, restored: true })
    }))

  const connector = Connector.make({
    kind,
    allowedActions: options.allowedActions,
    actions,
    inverses: { restore },
    ...(options.secrets === undefined ? {} : { secrets: options.secrets })
  })

  return {
    connector,
    data,
    calls: () => calls.slice(),
    fail: (fault) => void faults.push({ fault, left: Math.max(1, Math.floor(fault.times ?? 1)) }),
    pendingFaults: () => faults.reduce((n, f) => n + f.left, 0),
    before: (hook) => {
      const own = (call: Omit<Call, "outcome">) => hook(call)
      hooks.add(own)
      return () => void hooks.delete(own)
    }
  }
}
