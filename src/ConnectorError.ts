/**
 * The one error type of every connector action, with a tagged reason. Vendor errors are mapped to these
 * reasons in one place per connector.
 *
 * @example
 * ```ts
 * import { ConnectorError } from "./mod.ts"
 * const e = ConnectorError.notAllowed("filesystem", "delete_file")
 * e.reason._tag // "NotAllowed"
 * ```
 * @module
 */
import { Schema } from "effect"

/** The action is not on this connector instance's allowlist; nothing was executed. */
export class NotAllowed extends Schema.TaggedClass<NotAllowed>()("NotAllowed", { message: Schema.String }) {}
/** The workflow named a system key that is not registered. */
export class UnknownSystem extends Schema.TaggedClass<UnknownSystem>()("UnknownSystem", { message: Schema.String }) {}
/** The connector has no action of that name. */
export class UnknownAction extends Schema.TaggedClass<UnknownAction>()("UnknownAction", { message: Schema.String }) {}
/** The action's arguments did not decode. */
export class InvalidArgs extends Schema.TaggedClass<InvalidArgs>()("InvalidArgs", { message: Schema.String }) {}
/** The target does not exist. */
export class NotFound extends Schema.TaggedClass<NotFound>()("NotFound", { message: Schema.String }) {}
/** The target is in a state that conflicts with the request. */
export class Conflict extends Schema.TaggedClass<Conflict>()("Conflict", { message: Schema.String }) {}
/** The request was refused for safety (e.g. a path outside the jail). */
export class Forbidden extends Schema.TaggedClass<Forbidden>()("Forbidden", { message: Schema.String }) {}
/**
 * An inverse found its target neither as the run left it nor as it was before the run: someone changed it
 * since. The inverse changed nothing; rollback reports a manual step with both states.
 */
export class Changed extends Schema.TaggedClass<Changed>()("Changed", {
  message: Schema.String,
  /** What the run left there (often a hash). */
  expected: Schema.Json,
  /** What is there now. */
  current: Schema.Json
}) {}
/** The remote system rate-limited us. */
export class RateLimited extends Schema.TaggedClass<RateLimited>()("RateLimited", { message: Schema.String }) {}
/** Credentials were refused. */
export class Unauthorized extends Schema.TaggedClass<Unauthorized>()("Unauthorized", { message: Schema.String }) {}
/** I/O or network failure talking to the system. */
export class Transport extends Schema.TaggedClass<Transport>()("Transport", { message: Schema.String }) {}

export const Reason = Schema.Union([
  NotAllowed,
  UnknownSystem,
  UnknownAction,
  InvalidArgs,
  NotFound,
  Conflict,
  Changed,
  Forbidden,
  RateLimited,
  Unauthorized,
  Transport
])
export type Reason = typeof Reason.Type

/** A connector action failed. `system` is the registry key, `action` the action name. */
export class ConnectorError extends Schema.TaggedError<ConnectorError>()("ConnectorError", {
  system: Schema.String,
  action: Schema.String,
  reason: Reason
}) {
  override get message(): string {
    return `${this.system}.${this.action}: ${this.reason._tag}: ${this.reason.message}`
  }
  /** Whether retrying the same call may succeed. */
  get isRetryable(): boolean {
    return this.reason._tag === "RateLimited" || this.reason._tag === "Transport"
  }
}

const build = <R extends Reason>(make: (message: string) => R) => (system: string, action: string, message?: string) =>
  new ConnectorError({ system, action, reason: make(message ?? "") })

export const notAllowed = (system: string, action: string, message?: string): ConnectorError =>
  new ConnectorError({
    system,
    action,
    reason: new NotAllowed({ message: message ?? `Action '${action}' is not in the allowlist of '${system}'` })
  })

/** The error with the system key and action name filled in where the connector left them empty. */
export const locate = (error: ConnectorError, system: string, action: string): ConnectorError =>
  error.system === "" || error.action === ""
    ? new ConnectorError({ system: error.system === "" ? system : error.system, action: error.action === "" ? action : error.action, reason: error.reason })
    : error

/**
 * The same error with `f` applied to every text it carries (messages and the JSON states of `Changed`):
 * how secrets are taken out of an error before anyone outside the engine sees it.
 */
export const mapText = (error: ConnectorError, f: <A>(value: A) => A): ConnectorError => {
  const r = error.reason
  const message = f(r.message)
  const reason: Reason = r._tag === "Changed"
    ? new Changed({ message, expected: f(r.expected), current: f(r.current) })
    : new (r.constructor as new(props: { readonly message: string }) => Reason)({ message })
  return new ConnectorError({ system: f(error.system), action: f(error.action), reason })
}
export const unknownSystem = build((message) => new UnknownSystem({ message }))
export const unknownAction = build((message) => new UnknownAction({ message }))
export const invalidArgs = build((message) => new InvalidArgs({ message }))
export const notFound = build((message) => new NotFound({ message }))
export const conflict = build((message) => new Conflict({ message }))
export const forbidden = build((message) => new Forbidden({ message }))
export const transport = build((message) => new Transport({ message }))
export const unauthorized = build((message) => new Unauthorized({ message }))
export const rateLimited = build((message) => new RateLimited({ message }))
/** The target changed since the run; the inverse left it alone (compare before swap). */
export const changed = (
  system: string,
  action: string,
  message: string,
  states: { readonly expected: Schema.Json; readonly current: Schema.Json }
): ConnectorError =>
  new ConnectorError({ system, action, reason: new Changed({ message, expected: states.expected, current: states.current }) })
