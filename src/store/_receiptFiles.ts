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
import { Effect, FileSystem, Option, Path } from "effect"
import type { PlatformError } from "effect/PlatformError"
import * as ReceiptText from "./_receiptText.ts"

/** The path did not exist (ENOENT). */
export const isNotFound = (e: PlatformError): boolean => e.reason._tag === "NotFound"
/** The path was taken (EEXIST). */
export const isAlreadyExists = (e: PlatformError): boolean => e.reason._tag === "AlreadyExists"

/** Byte-for-byte equality. */
export const sameBytes = ReceiptText.sameBytes

/**
 * A complete receipt file: not empty, and ends with the newline written last (the canonical encoding never
 * holds a raw newline, so a prefix of the file never ends with one).
 */
export const isComplete = (bytes: Uint8Array): boolean => bytes.length > 0 && bytes[bytes.length - 1] === 0x0a

/** True when `bytes` are a complete, canonical receipt of run `runId`: what `get` would return. */
const isValidFileOf = (runId: string, bytes: Uint8Array): boolean => {
  const parsed = ReceiptText.parse(bytes)
  return parsed.ok && parsed.receipt.run_id === runId
}

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
   * incomplete or not a valid canonical receipt of that run id, and leaves any valid receipt alone. A record
   * that is not itself a valid canonical receipt (edited on disk, or from an older writer) is not restored:
   * it is skipped with a warning. `durable` also fsyncs the file.
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
        const record = ReceiptText.parse(payload)
        if (!record.ok) {
          return yield* Effect.logWarning(`Receipt log record not restored: it ${record.problem}`)
        }
        const runId = record.receipt.run_id
        const existing = yield* readIfExists(fileOf(runId)).pipe(
          Effect.map(Option.some),
          // A folder or symlink loop holds the name: nothing can be restored there (get reports it Corrupt).
          Effect.catchIf((e) => e.reason._tag === "BadResource", () => Effect.succeed(Option.none()))
        )
        if (Option.isNone(existing)) {
          return yield* Effect.logWarning(`Receipt log record ${runId} not restored: its file name is not a regular file`)
        }
        if (Option.isNone(existing.value)) {
          yield* install(runId, payload, false)
        } else if (!sameBytes(existing.value.value, payload) && !isValidFileOf(runId, existing.value.value)) {
          yield* install(runId, payload, true)
        }
        if (durable) yield* fsync(fileOf(runId))
      }
    )

    return { dir, fileOf, uniqueName, exclusive, readIfExists, fsync, create, restore }
  })
