/**
 * The connector contract. A connector instance wraps one external system and exposes named actions.
 * Every action is:
 * - allowlisted per instance (`allowedActions`): anything else fails with `NotAllowed`, nothing executed;
 * - idempotent: `prepare` looks at the world first and reports `alreadyDone` when it is already in the
 *   requested state;
 * - reversible as data: `prepare` captures the pre-state as plain-JSON `RollbackData` naming the inverse
 *   *before* `apply` mutates anything, so the run's journal can record it first. The rollback data also
 *   records what the action will produce (the post-state, or a hash of it); when that is only known after
 *   `apply`, `settle(output)` completes it.
 *
 * **Compare before swap.** An inverse restores the pre-state only when the target is still exactly as
 * the run left it. When it already holds the pre-state, it succeeds without changing anything. Otherwise
 * someone changed it after the run: the inverse changes nothing and fails with `ConnectorError.changed`
 * carrying both states (`expected`: what the run left, `current`: what is there now); rollback reports a
 * manual step "changed since the run" and stops. An undo never overwrites a later change.
 *
 * **Capabilities, not objects.** `make` returns a frozen handle with no callable action on it. The engine
 * alone runs actions: workflows through `ctx.act`, policies through `ctx.read` (read-only actions the
 * instance allows, recorded in the receipt), rollback through the recorded inverses.
 *
 * Inverses are reachable only from a verified receipt or journal during rollback; they are not subject to
 * the forward allowlist (an agent cannot call them) and must themselves be idempotent.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Connector, ConnectorError } from "../mod.ts"
 * const counter = { n: 0 }
 * const Counter: Connector.Connector = Connector.make({
 *   kind: "counter",
 *   allowedActions: ["increment"],
 *   actions: {
 *     increment: Connector.mutating(() => Effect.sync(() => {
 *       const before = counter.n
 *       return {
 *         alreadyDone: false,
 *         rollback: { action: "set", args: { from: before + 1, to: before } },
 *         apply: Effect.sync(() => ({ n: ++counter.n }))
 *       }
 *     }))
 *   },
 *   inverses: {
 *     set: (args) => Effect.suspend((): Effect.Effect<{ n: number; restored: boolean }, ConnectorError.ConnectorError> => {
 *       const { from, to } = args as { from: number; to: number }
 *       if (counter.n === to) return Effect.succeed({ n: to, restored: false })
 *       if (counter.n !== from) {
 *         return Effect.fail(ConnectorError.changed("counter", "set", "counter moved on", { expected: from, current: counter.n }))
 *       }
 *       counter.n = to
 *       return Effect.succeed({ n: to, restored: true })
 *     })
 *   }
 * })
 * ```
 * @module
 */
import { Effect, Schema } from "effect"
import * as Definitions from "./_connectorDefinitions.ts"
import type { ActionDef, Inverse, Prepared } from "./_connectorDefinitions.ts"
import * as ConnectorError from "./ConnectorError.ts"
import type { Json } from "./Model.ts"

export type { ActionDef, Inverse, Prepared } from "./_connectorDefinitions.ts"

/**
 * A configured connector instance, registered under a key of the user's choosing: a frozen handle that
 * names the system and what it allows, and holds nothing callable.
 */
export interface Connector {
  readonly kind: string
  /** Actions this instance allows. */
  readonly allowedActions: Names
  /** The allowed actions that are read-only: what policies may call through `ctx.read`. */
  readonly readOnlyActions: Names
}

/** A read-only set of action names. */
export interface Names extends Iterable<string> {
  readonly size: number
  readonly has: (name: string) => boolean
}

/** A request to run one action, built by a connector's typed helpers or by hand. */
export interface ActionCall {
  readonly action: string
  readonly args: Json
}

/** Options to build a connector. `allowedActions` defaults to none: an empty toolbox. */
export interface MakeOptions {
  readonly kind: string
  readonly allowedActions: Iterable<string>
  readonly actions: Readonly<Record<string, ActionDef>>
  readonly inverses?: Readonly<Record<string, Inverse>>
  /** Secret values (tokens, passwords) this connector holds; scrubbed from receipts, journals and errors. */
  readonly secrets?: ReadonlyArray<string>
}

/**
 * Builds a connector, refusing an allowlist that names actions the connector does not have (a typo in
 * an allowlist should fail loudly, not silently allow nothing).
 */
export const make = (options: MakeOptions): Connector => {
  const allowed = new Set(options.allowedActions)
  for (const name of allowed) {
    if (!Object.hasOwn(options.actions, name)) {
      throw new TypeError(
        `Cannot allow '${name}' on connector '${options.kind}': it has no such action (actions: ${
          Object.keys(options.actions).join(", ")
        })`
      )
    }
  }
  const actions: Record<string, ActionDef> = Object.create(null)
  for (const name of Object.keys(options.actions)) actions[name] = Object.freeze({ ...options.actions[name]! })
  const inverses: Record<string, Inverse> = Object.create(null)
  for (const [name, inverse] of Object.entries(options.inverses ?? {})) inverses[name] = inverse
  const readOnly = [...allowed].filter((name) => !actions[name]!.mutating)
  const handle: Connector = Object.freeze({
    kind: options.kind,
    allowedActions: frozenSet(allowed),
    readOnlyActions: frozenSet(readOnly)
  })
  Definitions.register(handle, Object.freeze({
    kind: options.kind,
    allowed: new Set(allowed),
    actions: Object.freeze(actions),
    inverses: Object.freeze(inverses),
    secrets: Object.freeze((options.secrets ?? []).filter((s) => typeof s === "string" && s.length > 0))
  }))
  return handle
}

/**
 * A read-only set of names. Not a `Set`: `Set.prototype.add.call(handle.allowedActions, …)` throws, so a
 * handle cannot be edited to look as if it allowed more (or less) than the engine enforces.
 */
class NameSet implements Names {
  readonly #names: ReadonlySet<string>
  constructor(names: Iterable<string>) {
    this.#names = new Set(names)
    Object.freeze(this)
  }
  get size(): number {
    return this.#names.size
  }
  readonly has = (name: string): boolean => this.#names.has(name);
  [Symbol.iterator](): Iterator<string> {
    return this.#names.values()
  }
}

const frozenSet = (values: Iterable<string>): Names => new NameSet(values)

/** True when `value` is a connector handle built by `make`. */
export const isConnector = (value: unknown): value is Connector => Definitions.definitionOf(value) !== undefined

const strict = { onExcessProperty: "error", errors: "all" } as const

/**
 * Decodes arguments with a Schema (strictly: unknown fields are errors). A failure is `InvalidArgs`; the
 * engine fills in the system and action names.
 */
const decoding = <A>(schema: Schema.Decoder<A>) => {
  const decode = Schema.decodeUnknownEffect(schema, strict)
  return (args: Json): Effect.Effect<A, ConnectorError.ConnectorError> =>
    Effect.mapError(decode(args), (e) =>
      ConnectorError.invalidArgs("", "", `Invalid arguments: ${e.message.replaceAll("\n  at ", " at ").replaceAll("\n", "; ")}`))
}

/**
 * Declares a mutating action (journaled before it applies). With a Schema first, the arguments are
 * decoded before `prepare` sees them.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Connector } from "../mod.ts"
 * const set = Connector.mutating(Schema.Struct({ key: Schema.String }), ({ key }) =>
 *   Effect.succeed({ alreadyDone: false, rollback: null, apply: Effect.succeed({ key }) }))
 * ```
 */
export function mutating(prepare: ActionDef["prepare"]): ActionDef
export function mutating<A>(args: Schema.Decoder<A>, prepare: (args: A) => Effect.Effect<Prepared, ConnectorError.ConnectorError>): ActionDef
export function mutating<A>(
  first: ActionDef["prepare"] | Schema.Decoder<A>,
  second?: (args: A) => Effect.Effect<Prepared, ConnectorError.ConnectorError>
): ActionDef {
  return { mutating: true, prepare: typed(first, second) }
}

/** Declares a read-only action (no journal entry, no rollback data); optionally with an argument Schema. */
export function readOnly(prepare: ActionDef["prepare"]): ActionDef
export function readOnly<A>(args: Schema.Decoder<A>, prepare: (args: A) => Effect.Effect<Prepared, ConnectorError.ConnectorError>): ActionDef
export function readOnly<A>(
  first: ActionDef["prepare"] | Schema.Decoder<A>,
  second?: (args: A) => Effect.Effect<Prepared, ConnectorError.ConnectorError>
): ActionDef {
  return { mutating: false, prepare: typed(first, second) }
}

const typed = <A>(
  first: ActionDef["prepare"] | Schema.Decoder<A>,
  second?: (args: A) => Effect.Effect<Prepared, ConnectorError.ConnectorError>
): ActionDef["prepare"] => {
  if (second === undefined) return first as ActionDef["prepare"]
  const decode = decoding(first as Schema.Decoder<A>)
  return (args) => Effect.flatMap(decode(args), second)
}

/**
 * Declares an inverse whose arguments (the recorded rollback data) are decoded with a Schema before it
 * runs: rollback data that does not decode (an old format, an edited journal) is refused, never guessed at.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Connector } from "../mod.ts"
 * const restore = Connector.inverse(Schema.Struct({ key: Schema.String, value: Schema.NullOr(Schema.String) }), ({ key }) =>
 *   Effect.succeed({ key, restored: true }))
 * ```
 */
export const inverse = <A>(args: Schema.Decoder<A>, run: (args: A) => Effect.Effect<Json, ConnectorError.ConnectorError>): Inverse => {
  const decode = decoding(args)
  return (raw) => Effect.flatMap(decode(raw), run)
}

/** Builds an `ActionCall`. */
export const call = (action: string, args: Json): ActionCall => ({ action, args })
