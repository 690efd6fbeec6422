/**
 * The write-ahead log behind `FileReceiptStore`: segments `<dir>/.log/<name>.log` of framed records (see
 * `_logFrame.ts`), appended with group commit, so one fsync makes many puts durable.
 *
 * Each instance appends to its own segment. A segment holds at most `segmentRecords` records; then it is
 * retired and checkpointed in the background once its puts have finished: the receipt files it published are
 * fsynced, then the folder, then the segment is deleted. When checkpoints fall behind by `MAX_BACKLOG`
 * segments, appends wait for them, so the sustained rate is what the disk can fsync and closing (which
 * checkpoints the last segment) stays short. On open, every
 * segment found is replayed (missing or torn receipt files are restored from it); a segment untouched for an
 * hour belongs to a writer that is gone, so it is also checkpointed and deleted. A segment replayed while it
 * may still be live first gets a marker, `<name>.log.replayed`, so its owner can tell that a receipt file
 * identical to its own was restored from its record rather than put twice.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as ReceiptFiles from "./_receiptFiles.ts"
 * import * as ReceiptLog from "./_receiptLog.ts"
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const files = yield* ReceiptFiles.make("receipts")
 *   const log = yield* ReceiptLog.make(files, { segmentRecords: 4096 })
 *   const bytes = new TextEncoder().encode("{}\n")
 *   const committed = yield* log.commit(bytes) // durable from here
 *   yield* committed.finish("run-1", (yield* files.create("run-1", bytes)) ? "published" : "refused")
 * }))
 * ```
 * @module
 */
import { Clock, Deferred, Effect, Exit, FiberSet, FileSystem, Option, Path, Scope, Semaphore } from "effect"
import type { PlatformError } from "effect/PlatformError"
import * as GroupCommit from "./_groupCommit.ts"
import * as LogFrame from "./_logFrame.ts"
import { isNotFound, type ReceiptFiles } from "./_receiptFiles.ts"
import * as StoreError from "./StoreError.ts"

/** A segment or temp file untouched this long belongs to a writer that is gone. */
const STALE_MS = 60 * 60 * 1000
/** A writer idle this long starts a new segment, so it never appends to one a reader may consider stale. */
const IDLE_ROTATE_MS = 10 * 60 * 1000
/** Concurrent file operations when replaying on open: enough to keep the I/O pool busy, not to run out of fds. */
const REPLAY_CONCURRENCY = 16
/**
 * Fsyncs in flight for a background checkpoint: few while checkpoints keep up, to leave the I/O pool to puts;
 * more once retired segments queue up, so a burst's debt stays bounded (and puts slow down to match).
 */
const CHECKPOINT_CONCURRENCY = { keepingUp: 4, behind: 16 } as const
/** Retired segments waiting for their checkpoint; beyond that, appends wait (bounding what a close must do). */
const MAX_BACKLOG = 4

const SEGMENT_FILE = /^[A-Za-z0-9_-]{1,200}\.log$/
const TEMP_FILE = /^\..*\.tmp$/
const REPLAYED = ".replayed"

/** How a put whose record was committed ended. */
export type Outcome = "published" | "refused" | "failed"

/** A durable record, and what its put must do next. */
export interface Committed {
  /** To call exactly once when the put is over: its file is in place, the run id was taken, or it failed. */
  readonly finish: (runId: string, outcome: Outcome) => Effect.Effect<void>
  /** Whether another instance replayed the segment holding the record (so it may have published it). */
  readonly replayedElsewhere: Effect.Effect<boolean, PlatformError>
}

/** The log of one store instance. */
export interface ReceiptLog {
  /** Appends a record and returns once it is durable. */
  readonly commit: (payload: Uint8Array) => Effect.Effect<Committed, StoreError.StoreError>
}

interface Segment {
  readonly path: string
  readonly file: FileSystem.File
  readonly scope: Scope.Closeable
  records: number
  lastWrite: number
  /** Puts whose record is in this segment and that have not finished. */
  inFlight: number
  /** Run ids this segment's puts published: the files a checkpoint must fsync. */
  readonly published: Array<string>
  /** A put failed after its record was logged: the checkpoint replays the segment instead. */
  replay: boolean
  /** Set when the segment retires with puts in flight; completed by the last of them. */
  drained: Deferred.Deferred<void> | undefined
}

/** Replays what other writers left, then starts this instance's writer. */
export const make = (
  files: ReceiptFiles,
  options: { readonly segmentRecords: number }
): Effect.Effect<ReceiptLog, StoreError.StoreError, FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const logDir = path.join(files.dir, ".log")
    const io = (what: string) => (e: PlatformError) => StoreError.io(`Cannot ${what} ${logDir}: ${e.message}`)
    const removeIfThere = (file: string) => Effect.catchIf(fs.remove(file), isNotFound, () => Effect.void)
    const drop = (segment: string) => Effect.andThen(removeIfThere(segment), removeIfThere(segment + REPLAYED))

    /** Restores every record of a segment; `durable` also fsyncs their files and then deletes the segment. */
    const replay = Effect.fnUntraced(
      function*(segment: string, durable: boolean, concurrency: number): Effect.fn.Return<void, PlatformError> {
        const bytes = yield* files.readIfExists(segment)
        if (Option.isNone(bytes)) return
        const { payloads } = LogFrame.scan(bytes.value)
        yield* Effect.forEach(payloads, (p) => files.restore(p, durable), { concurrency, discard: true })
        if (!durable) return
        yield* files.fsync(files.dir)
        yield* drop(segment)
      }
    )

    const isStale = (file: string, now: number): Effect.Effect<boolean, PlatformError> =>
      fs.stat(file).pipe(
        Effect.map((info) => Option.exists(info.mtime, (m) => now - m.getTime() > STALE_MS)),
        Effect.catchIf(isNotFound, () => Effect.succeed(false))
      )

    yield* Effect.gen(function*() {
      yield* fs.makeDirectory(logDir, { recursive: true })
      const now = yield* Clock.currentTimeMillis
      const names = yield* fs.readDirectory(logDir)
      for (const name of names.filter((n) => SEGMENT_FILE.test(n)).sort()) {
        const segment = path.join(logDir, name)
        const stale = yield* isStale(segment, now)
        if (!stale) yield* fs.writeFile(segment + REPLAYED, new Uint8Array(0)) // before reading it
        yield* replay(segment, stale, REPLAY_CONCURRENCY)
      }
      for (const name of names.filter((n) => n.endsWith(REPLAYED) && !names.includes(n.slice(0, -REPLAYED.length)))) {
        yield* removeIfThere(path.join(logDir, name))
      }
      // Temp files are only left by a crash while restoring; after a clean close there is nothing to look for.
      if (names.length === 0) return
      for (const name of (yield* fs.readDirectory(files.dir)).filter((n) => TEMP_FILE.test(n))) {
        const tmp = path.join(files.dir, name)
        if (yield* isStale(tmp, now)) yield* Effect.ignore(fs.remove(tmp))
      }
    }).pipe(Effect.mapError(io("recover")))

    const checkpoints = yield* FiberSet.make<void, never>()
    const oneAtATime = yield* Semaphore.make(1)
    const backlog = yield* Semaphore.make(MAX_BACKLOG)
    let waiting = 0 // retired segments whose checkpoint has not started
    let current: Segment | undefined

    /** Makes a retired segment's receipts durable, then deletes it. */
    const checkpoint = Effect.fnUntraced(
      function*(segment: Segment, concurrency: number): Effect.fn.Return<void, PlatformError> {
        if (segment.drained !== undefined) yield* Deferred.await(segment.drained)
        if (segment.replay) return yield* replay(segment.path, true, concurrency)
        const fsyncIfThere = (runId: string) =>
          Effect.catchIf(files.fsync(files.fileOf(runId)), isNotFound, () => Effect.void)
        yield* Effect.forEach(segment.published, fsyncIfThere, { concurrency, discard: true })
        yield* files.fsync(files.dir)
        yield* drop(segment.path)
      }
    )
    const warn = Effect.catchCause((cause) => Effect.logWarning("Receipt log checkpoint failed; replayed on next open", cause))

    /** Stops appending to a segment; `durable` checkpoints it in the background, else the next open replays it. */
    const retire = Effect.fnUntraced(function*(segment: Segment, durable: boolean) {
      if (current === segment) current = undefined
      yield* Scope.close(segment.scope, Exit.void)
      if (segment.inFlight > 0) segment.drained = Deferred.makeUnsafe<void>()
      if (!durable) return
      yield* Semaphore.take(backlog, 1) // on the writer: puts wait while checkpoints are too far behind
      waiting++
      const next = Effect.suspend(() => {
        waiting--
        return checkpoint(segment, waiting > 0 ? CHECKPOINT_CONCURRENCY.behind : CHECKPOINT_CONCURRENCY.keepingUp)
      })
      yield* FiberSet.run(checkpoints, Effect.ensuring(warn(oneAtATime.withPermit(next)), Semaphore.release(backlog, 1)))
    })

    let first = true
    /** Starts a new segment for this instance. */
    const open = Effect.fnUntraced(function*(now: number) {
      const scope = yield* Scope.make()
      const created = yield* files.exclusive(() => {
        const p = path.join(logDir, `${now.toString(36).padStart(9, "0")}-${files.uniqueName(".log")}`)
        return Effect.map(Scope.provide(fs.open(p, { flag: "ax" }), scope), (file) => ({ path: p, file }))
      }).pipe(Effect.onError(() => Scope.close(scope, Exit.void)))
      // The segment's name (and, the first time, the folders holding it) must survive a power loss.
      yield* files.fsync(logDir)
      if (first) {
        yield* files.fsync(files.dir)
        yield* Effect.ignore(files.fsync(path.dirname(files.dir))) // may not be readable; created by someone else then
        first = false
      }
      const segment: Segment = {
        ...created,
        scope,
        records: 0,
        lastWrite: now,
        inFlight: 0,
        published: [],
        replay: false,
        drained: undefined
      }
      return segment
    })

    // Runs on the group-commit worker only, one batch at a time.
    const append = Effect.fnUntraced(
      function*(payloads: ReadonlyArray<Uint8Array>): Effect.fn.Return<Segment, PlatformError | StoreError.StoreError> {
        const now = yield* Clock.currentTimeMillis
        if (current !== undefined && (current.records >= options.segmentRecords || now - current.lastWrite > IDLE_ROTATE_MS)) {
          yield* retire(current, true)
        }
        const segment = current ?? (yield* open(now))
        current = segment
        yield* segment.file.writeAll(LogFrame.encode(payloads, segment.records === 0)).pipe(
          Effect.andThen(segment.file.sync),
          Effect.tapError(() => retire(segment, false)) // a failed write may have torn it
        )
        segment.records += payloads.length
        segment.lastWrite = now
        segment.inFlight += payloads.length
        return segment
      },
      Effect.catchTag("PlatformError", (e) => Effect.fail(io("append to")(e)))
    )

    // Finalizers run in reverse order: the worker stops first, then checkpoints finish, then the last segment's.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        yield* FiberSet.awaitEmpty(checkpoints)
        const last = current
        if (last === undefined) return
        yield* retire(last, false)
        if (last.inFlight === 0) yield* checkpoint(last, REPLAY_CONCURRENCY)
      }).pipe(warn)
    )
    const group = yield* GroupCommit.make(append)

    return {
      commit: (payload) =>
        Effect.map(group.submit(payload), (segment): Committed => ({
          finish: (runId, outcome) =>
            Effect.sync(() => {
              if (outcome === "published") segment.published.push(runId)
              else if (outcome === "failed") segment.replay = true
              segment.inFlight--
              if (segment.inFlight === 0 && segment.drained !== undefined) Deferred.doneUnsafe(segment.drained, Exit.void)
            }),
          replayedElsewhere: fs.exists(segment.path + REPLAYED)
        }))
    }
  })
