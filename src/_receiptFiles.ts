/**
 * The folder of receipt files behind `FileReceiptStore`: `<dir>/<run_id>.json`, one line of JSON ending with
 * a newline. A file is created exclusively (so a run id is claimed once) and its newline is its last byte, so
 * a file without it is incomplete: being written right now, or torn by a crash. Readers treat it as absent,
 * and restoring from the log (after a crash) replaces it atomically (temp file `.<run_id>.<unique>.tmp`, then
 * a hard link or a rename).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as ReceiptFiles from "./_receiptFiles.ts"
 * const program = Effect.gen(function*() {
 *   const files = yield* ReceiptFiles.make("receipts")
 *   return yield* files.create("run-1", new TextEncoder().encode("{}\n")) // false if run-1 is taken
 * })
 * ```
 * @module
 */
import { Effect, FileSystem, Option, Path, Schema } from "effect"
import type { PlatformError } from "effect/PlatformError"
import { Receipt } from "./Model.ts"
import * as StoreError from "./StoreError.ts"

const decoder = new TextDecoder()
const decodeReceipt = Schema.decodeUnknownOption(Schema.fromJsonString(Receipt))
const decodeRunId = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Struct({ run_id: Schema.String })))

/** The run id of a logged record (records were validated when put, so the rest need not be decoded again). */
export const runIdOf = (payload: Uint8Array): string | undefined =>
  Option.match(decodeRunId(decoder.decode(payload)), {
    onNone: () => undefined,
    onSome: ({ run_id }) => (StoreError.isValidRunId(run_id) ? run_id : undefined)
  })

/** The path did not exist (ENOENT). */
export const isNotFound = (e: PlatformError): boolean => e.reason._tag === "NotFound"
/** The path was taken (EEXIST). */
export const isAlreadyExists = (e: PlatformError): boolean => e.reason._tag === "AlreadyExists"

/** Byte-for-byte equality. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * A complete receipt file: not empty, and ends with the newline written last (`JSON.stringify` never writes a
 * raw newline, so a prefix of the file never ends with one).
 */
export const isComplete = (bytes: Uint8Array): boolean => bytes.length > 0 && bytes[bytes.length - 1] === 0x0a

/** Operations on one receipts folder. Run ids must have been validated. */
export interface ReceiptFiles {
  readonly dir: string
  readonly fileOf: (runId: string) => string
  /** A name no other instance or process uses, with the given suffix. */
  readonly uniqueName: (suffix: string) => string
  /** Retries `create` with a fresh name while it fails because the name is taken. */
  readonly exclusive: <A>(create: () => Effect.Effect<A, PlatformError>) => Effect.Effect<A, PlatformError>
  readonly readIfExists: (file: string) => Effect.Effect<Option.Option<Uint8Array>, PlatformError>
  readonly fsync: (file: string) => Effect.Effect<void, PlatformError>
  /** Creates a receipt file exclusively and writes it; `false` if the run id already has one (left untouched). */
  readonly create: (runId: string, bytes: Uint8Array) => Effect.Effect<boolean, PlatformError>
  /**
   * Makes sure a logged record is on disk as its file: publishes it if missing, replaces the file if it is
   * incomplete or not a receipt at all, and leaves any valid receipt alone. `durable` also fsyncs the file.
   */
  readonly restore: (payload: Uint8Array, durable: boolean) => Effect.Effect<void, PlatformError>
}

/** Opens a receipts folder (creating it). */
export const make = (dir: string): Effect.Effect<ReceiptFiles, PlatformError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    yield* fs.makeDirectory(dir, { recursive: true })
    const fileOf = (runId: string) => path.join(dir, `${runId}.json`)

    // Not from the Random service: a seeded one would give every instance (and process) the same names.
    const instance = Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, "0")).join("")
    let counter = 0
    const uniqueName = (suffix: string) => `${instance}-${(counter++).toString(36)}${suffix}`
    const exclusive = <A>(create: () => Effect.Effect<A, PlatformError>, tries = 8): Effect.Effect<A, PlatformError> =>
      Effect.catchIf(create(), (e) => tries > 1 && isAlreadyExists(e), () => exclusive(create, tries - 1))

    const readIfExists = (file: string): Effect.Effect<Option.Option<Uint8Array>, PlatformError> =>
      fs.readFile(file).pipe(
        Effect.map(Option.some),
        Effect.catchIf(isNotFound, () => Effect.succeed(Option.none()))
      )
    const fsync = (file: string): Effect.Effect<void, PlatformError> =>
      Effect.scoped(Effect.flatMap(fs.open(file, { flag: "r" }), (f) => f.sync))

    const create = (runId: string, bytes: Uint8Array): Effect.Effect<boolean, PlatformError> =>
      fs.writeFile(fileOf(runId), bytes, { flag: "wx" }).pipe(
        Effect.as(true),
        Effect.catchIf(isAlreadyExists, () => Effect.succeed(false))
      )

    /** Puts `bytes` in place as `runId`'s file in one step: a link (only if absent) or a rename (replacing). */
    const install = Effect.fnUntraced(
      function*(runId: string, bytes: Uint8Array, replace: boolean): Effect.fn.Return<void, PlatformError> {
        const tmp = yield* exclusive(() => {
          const name = path.join(dir, `.${runId}.${uniqueName(".tmp")}`)
          return Effect.as(fs.writeFile(name, bytes, { flag: "wx" }), name)
        })
        if (replace) return yield* fs.rename(tmp, fileOf(runId))
        yield* fs.link(tmp, fileOf(runId)).pipe(
          Effect.catchIf(isAlreadyExists, () => Effect.void), // someone published it meanwhile: theirs stays
          Effect.ensuring(Effect.ignore(fs.remove(tmp)))
        )
      }
    )

    const restore = Effect.fnUntraced(
      function*(payload: Uint8Array, durable: boolean): Effect.fn.Return<void, PlatformError> {
        const runId = runIdOf(payload)
        if (runId === undefined) return
        const existing = yield* readIfExists(fileOf(runId))
        if (Option.isNone(existing)) {
          yield* install(runId, payload, false)
        } else if (
          !sameBytes(existing.value, payload) &&
          (!isComplete(existing.value) || Option.isNone(decodeReceipt(decoder.decode(existing.value))))
        ) {
          yield* install(runId, payload, true)
        }
        if (durable) yield* fsync(fileOf(runId))
      }
    )

    return { dir, fileOf, uniqueName, exclusive, readIfExists, fsync, create, restore }
  })
