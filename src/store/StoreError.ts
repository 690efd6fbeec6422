/**
 * The error of receipt stores and journals, with a tagged reason.
 *
 * @example
 * ```ts
 * import { StoreError } from "../../mod.ts"
 * const e = StoreError.invalidRunId("../etc/passwd")
 * e.reason._tag // "InvalidRunId"
 * ```
 * @module
 */
import { Schema } from "effect"
import type { Cause } from "effect"

const message = { message: Schema.String }
type Message = typeof message

/** The run id could not be used as a key (it would escape a folder or a query). */
export const InvalidRunId: Schema.TaggedStruct<"InvalidRunId", Message> = Schema.TaggedStruct("InvalidRunId", message)
/** No receipt or journal with that id. */
export const NotFound: Schema.TaggedStruct<"NotFound", Message> = Schema.TaggedStruct("NotFound", message)
/** A receipt with that id already exists (receipts are write-once). */
export const AlreadyExists: Schema.TaggedStruct<"AlreadyExists", Message> = Schema.TaggedStruct("AlreadyExists", message)
/** Stored data could not be decoded (torn, edited, not canonical or from an unknown format version). */
export const Corrupt: Schema.TaggedStruct<"Corrupt", Message> = Schema.TaggedStruct("Corrupt", message)
/** A live lease holds the run: it is running, or being rolled back or recovered, here or elsewhere. */
export const Leased: Schema.TaggedStruct<"Leased", Message> = Schema.TaggedStruct("Leased", message)
/** The underlying storage failed. */
export const Io: Schema.TaggedStruct<"Io", Message> = Schema.TaggedStruct("Io", message)

/** Why a store or journal operation failed. */
export const Reason: Schema.Union<[typeof InvalidRunId, typeof NotFound, typeof AlreadyExists, typeof Corrupt, typeof Leased, typeof Io]> =
  Schema.Union([InvalidRunId, NotFound, AlreadyExists, Corrupt, Leased, Io])
export type Reason = typeof Reason.Type

const fields = { reason: Reason }
const StoreErrorBase: Schema.Class<StoreError, Schema.TaggedStruct<"StoreError", typeof fields>, Cause.YieldableError> =
  Schema.TaggedError<StoreError>()("StoreError", fields)

/** A receipt store or journal failed, with a tagged reason. */
export class StoreError extends StoreErrorBase {
  override get message(): string {
    return `${this.reason._tag}: ${this.reason.message}`
  }
}

/** Run ids are 1–128 characters of letters, digits, `_` and `-`, starting with a letter or digit. */
export const RUN_ID_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/

/** Checks a run id before it touches a path or a query. */
export const isValidRunId = (runId: unknown): runId is string => typeof runId === "string" && RUN_ID_PATTERN.test(runId)

const make = (tag: Reason["_tag"]) => (what: string): StoreError => new StoreError({ reason: { _tag: tag, message: what } })

/** `InvalidRunId`, quoting (a bounded prefix of) the id. */
export const invalidRunId = (runId: unknown): StoreError =>
  make("InvalidRunId")(`Cannot use run id ${JSON.stringify(String(runId)).slice(0, 80)}: expected 1-128 of [A-Za-z0-9_-]`)
/** `NotFound`. */
export const notFound: (what: string) => StoreError = make("NotFound")
/** `AlreadyExists`. */
export const alreadyExists: (what: string) => StoreError = make("AlreadyExists")
/** `Corrupt`. */
export const corrupt: (what: string) => StoreError = make("Corrupt")
/** `Leased`. */
export const leased: (what: string) => StoreError = make("Leased")
/** `Io`. */
export const io: (what: string) => StoreError = make("Io")
