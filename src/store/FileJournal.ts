/**
 * A durable write-ahead journal on the filesystem: one append-only JSON-lines file per run,
 * `<directory>/<run_id>.jsonl`. `append` writes its entries as lines and fsyncs before it returns (the first
 * append from a process also fsyncs the folder, so a new file's name survives a power loss).
 *
 * A crash mid-append can leave a torn last line: `read` drops it, and the next `append` cuts it off before
 * writing, so it never ends up between two good lines. A bad line anywhere else is reported as `Corrupt`.
 *
 * Leases are files beside the journals, `<run_id>.lease.<generation>`, created exclusively; the holder
 * refreshes the file's modification time every third of `leaseTtl` (default 30 seconds). A lease not
 * refreshed for `leaseTtl` has expired: its process died or hung. Taking it over creates the next
 * generation exclusively, so of several processes racing for an expired lease exactly one wins, and a
 * former holder that wakes up finds a newer generation and knows it lost the run. Processes sharing a
 * journal folder must share a clock (one machine).
 *
 * @example
 * ```ts
 * import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
 * import * as NodePath from "@effect/platform-node/NodePath"
 * import { Effect, Layer } from "effect"
 * import { Journal } from "../../mod.ts"
 * import { FileJournal } from "../../node.ts"
 * const JournalLive = FileJournal.layer({ directory: "receipts/.journal" }).pipe(
 *   Layer.provide([NodeFileSystem.layer, NodePath.layer])
 * )
 * const crashedRuns = Effect.gen(function*() {
 *   return yield* (yield* Journal.Journal).runs()
 * }).pipe(Effect.provide(JournalLive))
 * ```
 * @module
 */
import { Clock, Duration, Effect, FileSystem, Layer, Option, Path, Schema, Semaphore } from "effect"
import type { PlatformError } from "effect/PlatformError"
import * as Leases from "./_fileLeases.ts"
import { Entry, Journal, type JournalService } from "./Journal.ts"
import * as StoreError from "./StoreError.ts"

/** Options of the file journal. */
export interface Options {
  /** The folder holding `<run_id>.jsonl` files; created if missing. Default `"receipts/.journal"`. */
  readonly directory?: string
  /** How long a lease lives without a heartbeat before another process may take the run over. Default 30 s. */
  readonly leaseTtl?: Duration.Input
}

const JOURNAL_FILE = /^([A-Za-z0-9][A-Za-z0-9_-]{0,127})\.jsonl$/
const NEWLINE = 0x0a

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const decodeEntry = Schema.decodeUnknownEffect(Schema.fromJsonString(Entry))

const isNotFound = (e: PlatformError): boolean => e.reason._tag === "NotFound"

/**
 * Opens the journal folder (creating it). Prefer `layer`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FileJournal } from "../../node.ts"
 * const open = Effect.gen(function*() {
 *   const journal = yield* FileJournal.make({ directory: "/var/lib/enact/journal" })
 *   return yield* journal.runs()
 * })
 * ```
 */
export const make = (
  options: Options = {}
): Effect.Effect<JournalService, StoreError.StoreError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const dir = options.directory ?? path.join("receipts", ".journal")
    const fileOf = (runId: string) => path.join(dir, `${runId}.jsonl`)
    const io = (what: string) => (e: PlatformError) => StoreError.io(`Cannot ${what}: ${e.message}`)
    yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.mapError(io(`create ${dir}`)))

    const fsync = (file: string): Effect.Effect<void, PlatformError> =>
      Effect.scoped(Effect.flatMap(fs.open(file, { flag: "r" }), (f) => f.sync))
    const readIfExists = (file: string): Effect.Effect<Option.Option<Uint8Array>, PlatformError> =>
      fs.readFile(file).pipe(
        Effect.map(Option.some),
        Effect.catchIf(isNotFound, () => Effect.succeed(Option.none()))
      )

    // One writer per run at a time: the tail check and the append must not interleave.
    const locks = new Map<string, { readonly lock: Semaphore.Semaphore; users: number }>()
    const exclusively = <A, E>(runId: string, effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
      Effect.suspend(() => {
        const entry = locks.get(runId) ?? { lock: Semaphore.makeUnsafe(1), users: 0 }
        locks.set(runId, entry)
        entry.users++
        return Effect.ensuring(
          Semaphore.withPermit(entry.lock, effect),
          Effect.sync(() => {
            if (--entry.users === 0) locks.delete(runId)
          })
        )
      })
    const guarded = <A>(
      runId: string,
      what: string,
      effect: Effect.Effect<A, PlatformError | StoreError.StoreError>
    ): Effect.Effect<A, StoreError.StoreError> =>
      StoreError.isValidRunId(runId)
        ? Effect.catchTag(effect, "PlatformError", (e) => Effect.fail(io(`${what} the journal of ${runId}`)(e)))
        : Effect.fail(StoreError.invalidRunId(runId))

    // Runs whose file this process knows to end on a whole line and to be named durably in the folder.
    const clean = new Set<string>()
    let parentSynced = false

    const append = (runId: string, entries: ReadonlyArray<Entry>) =>
      guarded(
        runId,
        "append to",
        exclusively(
          runId,
          Effect.gen(function*() {
            const file = fileOf(runId)
            const known = clean.has(runId)
            clean.delete(runId)
            if (!known) {
              // Cut off a torn line a crash left, so new lines never follow half of one.
              const bytes = yield* readIfExists(file)
              if (Option.isSome(bytes) && bytes.value.length > 0 && bytes.value.at(-1) !== NEWLINE) {
                yield* fs.truncate(file, bytes.value.lastIndexOf(NEWLINE) + 1)
              }
            }
            const lines = encoder.encode(entries.map((e) => JSON.stringify(e) + "\n").join(""))
            yield* Effect.scoped(
              Effect.flatMap(fs.open(file, { flag: "a" }), (f) => Effect.andThen(f.writeAll(lines), f.sync))
            )
            if (!known) yield* fsync(dir)
            if (!parentSynced) {
              // The folder itself may be new too: its name must survive a power loss as well.
              yield* Effect.ignore(fsync(path.dirname(dir)))
              parentSynced = true
            }
            clean.add(runId)
          })
        )
      )

    const read = (runId: string) =>
      guarded(
        runId,
        "read",
        Effect.gen(function*() {
          const bytes = yield* readIfExists(fileOf(runId))
          if (Option.isNone(bytes)) return Option.none()
          const lines = decoder.decode(bytes.value).split("\n")
          lines.pop() // "" after the last newline, or a torn line a crash left
          const entries = yield* Effect.forEach(lines, (line, i) =>
            decodeEntry(line).pipe(
              Effect.mapError((e) => StoreError.corrupt(`Cannot decode line ${i + 1} of the journal of ${runId}: ${e.message}`))
            ))
          return Option.some<ReadonlyArray<Entry>>(entries)
        })
      )

    const runs = () =>
      fs.readDirectory(dir).pipe(
        Effect.map((names) => names.flatMap((n) => JOURNAL_FILE.exec(n)?.[1] ?? []).sort()),
        Effect.catchIf(isNotFound, () => Effect.succeed([])),
        Effect.mapError(io(`list ${dir}`))
      )

    const remove = (runId: string) =>
      guarded(
        runId,
        "remove",
        exclusively(
          runId,
          Effect.gen(function*() {
            clean.delete(runId)
            const removed = yield* fs.remove(fileOf(runId)).pipe(
              Effect.as(true),
              Effect.catchIf(isNotFound, () => Effect.succeed(false))
            )
            if (removed) yield* fsync(dir) // a finished run's journal must not come back after a power loss
          })
        )
      )

    const ttl = Math.max(1, Duration.toMillis(options.leaseTtl ?? "30 seconds"))
    const leases = Leases.make({ fs, dir, ttl })
    const acquire: JournalService["acquire"] = (runId, acquireOptions) =>
      StoreError.isValidRunId(runId)
        ? leases.acquire(runId, acquireOptions.takeOver)
        : Effect.fail(StoreError.invalidRunId(runId))
    const leaseState: JournalService["leaseState"] = (runId) =>
      StoreError.isValidRunId(runId)
        ? Effect.flatMap(Clock.currentTimeMillis, (now) => leases.state(runId, now))
        : Effect.fail(StoreError.invalidRunId(runId))

    return { append, read, runs, remove, acquire, leaseState } satisfies JournalService
  })

/**
 * The file journal as a `Journal` layer; needs `FileSystem` and `Path` (e.g. from `@effect/platform-node`).
 *
 * @example
 * ```ts
 * import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
 * import * as NodePath from "@effect/platform-node/NodePath"
 * import { Layer } from "effect"
 * import { FileJournal } from "../../node.ts"
 * const JournalLive = FileJournal.layer({ directory: "receipts/.journal" }).pipe(
 *   Layer.provide([NodeFileSystem.layer, NodePath.layer])
 * )
 * ```
 */
export const layer = (options: Options = {}): Layer.Layer<Journal, StoreError.StoreError, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(Journal, make(options))
