/**
 * The error of receipt stores and journals, with a tagged reason.
 *
 * @example
 * ```ts
 * import { StoreError } from "./mod.ts"
 * const e = StoreError.invalidRunId("../etc/passwd")
 * e.reason._tag // "InvalidRunId"
 * ```
 * @module
 */
import { Schema } from "effect"

/** The run id could not be used as a key (it would escape a folder or a query). */
export class InvalidRunId extends Schema.TaggedClass<InvalidRunId>()("InvalidRunId", { message: Schema.String }) {}
/** No receipt or journal with that id. */
export class NotFound extends Schema.TaggedClass<NotFound>()("NotFound", { message: Schema.String }) {}
/** A receipt with that id already exists (receipts are write-once). */
export class AlreadyExists extends Schema.TaggedClass<AlreadyExists>()("AlreadyExists", { message: Schema.String }) {}
/** Stored data could not be decoded (torn, edited or from an unknown format version). */
export class Corrupt extends Schema.TaggedClass<Corrupt>()("Corrupt", { message: Schema.String }) {}
/** A live lease holds the run: it is running, or being rolled back or recovered, here or elsewhere. */
export class Leased extends Schema.TaggedClass<Leased>()("Leased", { message: Schema.String }) {}
/** The underlying storage failed. */
export class Io extends Schema.TaggedClass<Io>()("Io", { message: Schema.String }) {}

export const Reason = Schema.Union([InvalidRunId, NotFound, AlreadyExists, Corrupt, Leased, Io])
export type Reason = typeof Reason.Type

export class StoreError extends Schema.TaggedError<StoreError>()("StoreError", { reason: Reason }) {
  override get message(): string {
    return `${this.reason._tag}: ${this.reason.message}`
  }
}

/** Run ids are 1–128 characters of letters, digits, `_` and `-`, starting with a letter or digit. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/

/** Checks a run id before it touches a path or a query. */
export const isValidRunId = (runId: unknown): runId is string =>
  typeof runId === "string" && RUN_ID_PATTERN.test(runId)

export const invalidRunId = (runId: unknown): StoreError =>
  new StoreError({
    reason: new InvalidRunId({
      message: `Cannot use run id ${JSON.stringify(String(runId)).slice(0, 80)}: expected 1-128 of [A-Za-z0-9_-]`
    })
  })
export const notFound = (what: string): StoreError => new StoreError({ reason: new NotFound({ message: what }) })
export const alreadyExists = (what: string): StoreError =>
  new StoreError({ reason: new AlreadyExists({ message: what }) })
export const corrupt = (what: string): StoreError => new StoreError({ reason: new Corrupt({ message: what }) })
export const leased = (what: string): StoreError => new StoreError({ reason: new Leased({ message: what }) })
export const io = (what: string): StoreError => new StoreError({ reason: new Io({ message: what }) })
