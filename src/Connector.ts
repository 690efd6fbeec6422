/**
 * The connector contract. A connector instance wraps one external system and exposes named actions.
 * Every action is:
 * - allowlisted per instance (`allowedActions`): anything else fails with `NotAllowed`, nothing executed;
 * - idempotent: `prepare` looks at the world first and reports `alreadyDone` when it is already in the
 *   requested state;
 * - reversible as data: `prepare` captures the pre-state as plain-JSON `RollbackData` naming the inverse
 *   *before* `apply` mutates anything, so the run's journal can record it first.
 *
 * Inverses live in `inverses`, reachable only from a verified receipt during rollback; they are not
 * subject to the forward allowlist (an agent cannot call them) and must themselves be idempotent.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Connector } from "./mod.ts"
 * const counter = { n: 0 }
 * const Counter: Connector.Connector = Connector.make({
 *   kind: "counter",
 *   allowedActions: ["increment"],
 *   actions: {
 *     increment: Connector.mutating(() => Effect.succeed({
 *       alreadyDone: false,
 *       rollback: { action: "set", args: { n: counter.n } },
 *       apply: Effect.sync(() => ({ n: ++counter.n }))
 *     }))
 *   },
 *   inverses: { set: (args) => Effect.sync(() => { counter.n = (args as { n: number }).n; return null }) }
 * })
 * ```
 * @module
 */
import type { Effect } from "effect"
import type { ConnectorError } from "./ConnectorError.ts"
import type { Json, RollbackData } from "./Model.ts"

/** The plan for one action: computed before anything changes. */
export interface Prepared {
  /** The world is already in the requested state; `apply` must not mutate. */
  readonly alreadyDone: boolean
  /** How to undo `apply`, captured before it runs. `null` for actions that change nothing. */
  readonly rollback: RollbackData | null
  /** Performs the action and returns its output. */
  readonly apply: Effect.Effect<Json, ConnectorError>
}

/** One action a connector offers. `mutating: false` actions skip the write-ahead journal. */
export interface ActionDef {
  readonly mutating: boolean
  readonly prepare: (args: Json) => Effect.Effect<Prepared, ConnectorError>
}

/** An inverse action run during rollback. Must be idempotent. */
export type Inverse = (args: Json) => Effect.Effect<Json, ConnectorError>

/** A configured connector instance, registered under a key of the user's choosing. */
export interface Connector {
  readonly kind: string
  readonly allowedActions: ReadonlySet<string>
  readonly actions: Readonly<Record<string, ActionDef>>
  readonly inverses: Readonly<Record<string, Inverse>>
  /** Secret values (tokens, passwords) this connector holds; scrubbed from every receipt. */
  readonly secrets: ReadonlyArray<string>
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
  return {
    kind: options.kind,
    allowedActions: allowed,
    actions: options.actions,
    inverses: options.inverses ?? {},
    secrets: (options.secrets ?? []).filter((s) => s.length > 0)
  }
}

/** Declares a mutating action (journaled before it applies). */
export const mutating = (prepare: ActionDef["prepare"]): ActionDef => ({ mutating: true, prepare })

/** Declares a read-only action (no journal entry, no rollback data). */
export const readOnly = (prepare: ActionDef["prepare"]): ActionDef => ({ mutating: false, prepare })

/** Builds an `ActionCall`. */
export const call = (action: string, args: Json): ActionCall => ({ action, args })
