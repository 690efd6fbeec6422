/**
 * Where connector handles keep their callable actions (private to the engine). `Connector.make` returns a
 * frozen handle holding no function; the definition behind it is registered here, keyed by the handle, and
 * only the engine (run, read, rollback) looks it up. Policies and workflows therefore receive no callable
 * action from anything Enact hands them: they act through `ctx.act` and read through `ctx.read`.
 *
 * @example
 * ```ts
 * import * as Definitions from "./_connectorDefinitions.ts"
 * declare const handle: object
 * const def = Definitions.definitionOf(handle) // undefined unless built by Connector.make
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
  /**
   * How to undo `apply`, captured before it runs: the inverse, the pre-state to restore and, wherever it
   * is known in advance, what `apply` will leave behind (so the inverse can compare before it swaps).
   * `null` for actions that change nothing.
   */
  readonly rollback: RollbackData | null
  /** Performs the action and returns its output. */
  readonly apply: Effect.Effect<Json, ConnectorError>
  /**
   * Completes the rollback data with what `apply` produced when it could not be known before (a merge
   * commit's SHA, a created row's key). Its result replaces `rollback` in the journal's outcome and in the
   * receipt. Must be pure.
   */
  readonly settle?: ((output: Json) => RollbackData | null) | undefined
}

/** One action a connector offers. `mutating: false` actions skip the write-ahead journal. */
export interface ActionDef {
  readonly mutating: boolean
  readonly prepare: (args: Json) => Effect.Effect<Prepared, ConnectorError>
}

/**
 * An inverse action run during rollback. It must compare before it swaps: restore only when the target
 * is still as the run left it, succeed without change when it is already back to the pre-state, and fail
 * with `ConnectorError.changed` (changing nothing) otherwise.
 */
export type Inverse = (args: Json) => Effect.Effect<Json, ConnectorError>

/** What the engine needs of a connector instance. */
export interface Definition {
  readonly kind: string
  readonly allowed: ReadonlySet<string>
  readonly actions: Readonly<Record<string, ActionDef>>
  readonly inverses: Readonly<Record<string, Inverse>>
  readonly secrets: ReadonlyArray<string>
}

const definitions = new WeakMap<object, Definition>()

/** Registers the definition behind a handle (once). */
export const register = (handle: object, definition: Definition): void => {
  if (definitions.has(handle)) throw new TypeError("Connector handle is already registered")
  definitions.set(handle, definition)
}

/** The definition behind a handle, or `undefined` when the value was not built by `Connector.make`. */
export const definitionOf = (handle: unknown): Definition | undefined =>
  typeof handle === "object" && handle !== null ? definitions.get(handle) : undefined
