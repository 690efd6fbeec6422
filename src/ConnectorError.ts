/**
 * The one error type of every connector action, with a tagged reason. Vendor errors are mapped to these
 * reasons in one place per connector.
 *
 * @example
 * ```ts
 * import { ConnectorError } from "../mod.ts"
 * const e = ConnectorError.notAllowed("filesystem", "delete_file")
 * e.reason._tag // "NotAllowed"
 * ```
 * @module
 */
import { Schema } from "effect"
import type { Cause } from "effect"

const message = { message: Schema.String }
type Message = typeof message

/** The action is not on this connector instance's allowlist; nothing was executed. */
export const NotAllowed: Schema.TaggedStruct<"NotAllowed", Message> = Schema.TaggedStruct("NotAllowed", message)
/** The workflow named a system key that is not registered. */
export const UnknownSystem: Schema.TaggedStruct<"UnknownSystem", Message> = Schema.TaggedStruct("UnknownSystem", message)
/** The connector has no action of that name. */
export const UnknownAction: Schema.TaggedStruct<"UnknownAction", Message> = Schema.TaggedStruct("UnknownAction", message)
/** The action's arguments did not decode. */
export const InvalidArgs: Schema.TaggedStruct<"InvalidArgs", Message> = Schema.TaggedStruct("InvalidArgs", message)
/** The target does not exist. */
export const NotFound: Schema.TaggedStruct<"NotFound", Message> = Schema.TaggedStruct("NotFound", message)
/** The target is in a state that conflicts with the request. */
export const Conflict: Schema.TaggedStruct<"Conflict", Message> = Schema.TaggedStruct("Conflict", message)
/**
 * An inverse found its target neither as the run left it nor as it was before the run: someone changed it
 * since. The inverse changed nothing; rollback reports a manual step with both states.
 */
const changedFields = {
  message: Schema.String,
  /** What the run left there (often a hash). */
  expected: Schema.Json,
  /** What is there now. */
  current: Schema.Json
}
export const Changed: Schema.TaggedStruct<"Changed", typeof changedFields> = Schema.TaggedStruct("Changed", changedFields)
/** The request was refused for safety (e.g. a path outside the jail). */
export const Forbidden: Schema.TaggedStruct<"Forbidden", Message> = Schema.TaggedStruct("Forbidden", message)
/** The remote system rate-limited us; `retryAfterMs` when it said how long to wait. */
const rateLimitedFields: { readonly message: typeof Schema.String; readonly retryAfterMs: Schema.optionalKey<typeof Schema.Number> } = {
  message: Schema.String,
  retryAfterMs: Schema.optionalKey(Schema.Number)
}
export const RateLimited: Schema.TaggedStruct<"RateLimited", typeof rateLimitedFields> = Schema.TaggedStruct("RateLimited", rateLimitedFields)
/** Credentials were refused. */
export const Unauthorized: Schema.TaggedStruct<"Unauthorized", Message> = Schema.TaggedStruct("Unauthorized", message)
/** I/O or network failure talking to the system. */
export const Transport: Schema.TaggedStruct<"Transport", Message> = Schema.TaggedStruct("Transport", message)

/** Why a connector action failed. */
export const Reason: Schema.Union<[
  typeof NotAllowed,
  typeof UnknownSystem,
  typeof UnknownAction,
  typeof InvalidArgs,
  typeof NotFound,
  typeof Conflict,
  typeof Changed,
  typeof Forbidden,
  typeof RateLimited,
  typeof Unauthorized,
  typeof Transport
]> = Schema.Union([
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

const fields = { system: Schema.String, action: Schema.String, reason: Reason }
const ConnectorErrorBase: Schema.Class<ConnectorError, Schema.TaggedStruct<"ConnectorError", typeof fields>, Cause.YieldableError> =
  Schema.TaggedError<ConnectorError>()("ConnectorError", fields)

/** A connector action failed. `system` is the registry key, `action` the action name. */
export class ConnectorError extends ConnectorErrorBase {
  override get message(): string {
    return `${this.system}.${this.action}: ${this.reason._tag}: ${this.reason.message}`
  }
  /** Whether retrying the same call may succeed. */
  get isRetryable(): boolean {
    return this.reason._tag === "RateLimited" || this.reason._tag === "Transport"
  }
}

type Simple = Exclude<Reason["_tag"], "Changed" | "RateLimited">

const build = (tag: Simple) => (system: string, action: string, message?: string): ConnectorError =>
  new ConnectorError({ system, action, reason: { _tag: tag, message: message ?? "" } })

/** `NotAllowed`; the default message names the action and the system. */
export const notAllowed = (system: string, action: string, message?: string): ConnectorError =>
  new ConnectorError({
    system,
    action,
    reason: { _tag: "NotAllowed", message: message ?? `Action '${action}' is not in the allowlist of '${system}'` }
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
  const reason: Reason = r._tag === "Changed"
    ? { _tag: "Changed", message: f(r.message), expected: f(r.expected), current: f(r.current) }
    : { ...r, message: f(r.message) }
  return new ConnectorError({ system: f(error.system), action: f(error.action), reason })
}

/** `UnknownSystem`. */
export const unknownSystem: (system: string, action: string, message?: string) => ConnectorError = build("UnknownSystem")
/** `UnknownAction`. */
export const unknownAction: (system: string, action: string, message?: string) => ConnectorError = build("UnknownAction")
/** `InvalidArgs`. */
export const invalidArgs: (system: string, action: string, message?: string) => ConnectorError = build("InvalidArgs")
/** `NotFound`. */
export const notFound: (system: string, action: string, message?: string) => ConnectorError = build("NotFound")
/** `Conflict`. */
export const conflict: (system: string, action: string, message?: string) => ConnectorError = build("Conflict")
/** `Forbidden`. */
export const forbidden: (system: string, action: string, message?: string) => ConnectorError = build("Forbidden")
/** `Transport`. */
export const transport: (system: string, action: string, message?: string) => ConnectorError = build("Transport")
/** `Unauthorized`. */
export const unauthorized: (system: string, action: string, message?: string) => ConnectorError = build("Unauthorized")

/** `RateLimited`, with how long to wait when the system said so. */
export const rateLimited = (system: string, action: string, message?: string, retryAfterMs?: number): ConnectorError =>
  new ConnectorError({
    system,
    action,
    reason: retryAfterMs === undefined
      ? { _tag: "RateLimited", message: message ?? "" }
      : { _tag: "RateLimited", message: message ?? "", retryAfterMs }
  })

/** The target changed since the run; the inverse left it alone (compare before swap). */
export const changed = (
  system: string,
  action: string,
  message: string,
  states: { readonly expected: Schema.Json; readonly current: Schema.Json }
): ConnectorError => new ConnectorError({ system, action, reason: { _tag: "Changed", message, expected: states.expected, current: states.current } })
