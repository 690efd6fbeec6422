/**
 * A durable receipt store on the filesystem: one JSON file per run, `<directory>/<run_id>.json`.
 *
 * The commit point is an append-only log, `<directory>/.log/*.log`: `put` frames the receipt (length and
 * CRC-32), appends it and fsyncs; puts that arrive while an fsync is in flight share the next one (group
 * commit), so one fsync covers many receipts. Then, before `put` returns, the receipt's file is created
 * exclusively (`O_EXCL`: of two puts of one run id only one can win, and nothing is ever overwritten) and
 * written in one go. The file's last byte is a newline, so a reader that catches a file still being written
 * (or torn by a crash) sees it has no final newline and treats it as absent.
 *
 * Receipt files are not fsynced on the put's path: the log keeps them until a checkpoint (in the background
 * when a log segment is full, and when the layer closes) fsyncs them and the folder, then deletes the segment;
 * puts wait if checkpoints fall far behind. On start, the layer replays every segment a crash or power loss
 * left: it restores receipts whose file is missing or torn, and ignores a torn log tail.
 *
 * A file (and a log record) holds exactly the receipt's canonical encoding (RFC 8785, `Canonical.encode`) and a
 * newline. `get` refuses with `Corrupt` a file whose bytes are anything else (duplicate keys, `1.0`, `-0`, `\u`
 * escapes, whitespace, reordered keys, a byte-order mark, unknown fields, a second value) or whose `run_id` is
 * not its name; `list` skips such files, and `ids` names every `<run_id>.json` so an auditor can `get` each.
 * Replay restores only log records that are canonical receipts.
 *
 * Every put costs one shared fsync, one file creation and, later, one fsync of that file: bursts run several
 * times faster than with an fsync per put, the sustained rate about the same (see `bench/store.ts`).
 *
 * Caveats: a put that fails after its record reached the log (the disk filled up while writing the file) may
 * still appear after the next open, like a commit whose acknowledgement was lost. Segments of another live
 * process are replayed but deleted only once untouched for an hour. Two processes putting the same run id at
 * the same moment while a third opens the store could, in principle, have the third restore the loser's record.
 *
 * @example
 * ```ts
 * import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
 * import * as NodePath from "@effect/platform-node/NodePath"
 * import { Effect, Layer } from "effect"
 * import { ReceiptStore } from "../../mod.ts"
 * import { FileReceiptStore } from "../../node.ts"
 * const StoreLive = FileReceiptStore.layer({ directory: "receipts" }).pipe(
 *   Layer.provide([NodeFileSystem.layer, NodePath.layer])
 * )
 * const blocked = Effect.gen(function*() {
 *   const store = yield* ReceiptStore.ReceiptStore
 *   return yield* store.list({ decision: "BLOCK", limit: 20 })
 * }).pipe(Effect.provide(StoreLive))
 * ```
 * @module
 */
import { Effect, FileSystem, Layer, Option, Path } from "effect"
import type { Scope } from "effect"
import type { PlatformError } from "effect/PlatformError"
import * as ReceiptFiles from "./_receiptFiles.ts"
import * as ReceiptLog from "./_receiptLog.ts"
import * as ReceiptText from "./_receiptText.ts"
import type { Receipt } from "../Model.ts"
import { matches, newestFirst, ReceiptStore, type ReceiptStoreService } from "./ReceiptStore.ts"
import * as StoreError from "./StoreError.ts"

/** Options of the file store. */
export interface Options {
  /** The folder holding `<run_id>.json` files; created if missing. Default `"receipts"`. */
  readonly directory?: string
  /** Records per log segment before it is checkpointed and a new one started. Default 4096. */
  readonly segmentRecords?: number
}

/** Concurrent reads of `list`: enough to keep the I/O pool busy, not to run out of file descriptors. */
const LIST_CONCURRENCY = 16
const RECEIPT_FILE = /^([A-Za-z0-9][A-Za-z0-9_-]{0,127})\.json$/

const taken = (runId: string): StoreError.StoreError => StoreError.alreadyExists(`Receipt ${runId} already exists`)
const io = (what: string) => (e: PlatformError) => StoreError.io(`Cannot ${what}: ${e.message}`)

/**
 * Opens (and recovers) the store in `options.directory`. Needs a `Scope`: closing it checkpoints the log.
 * Prefer `layer`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { FileReceiptStore } from "../../node.ts"
 * const count = Effect.scoped(Effect.gen(function*() {
 *   const store = yield* FileReceiptStore.make({ directory: "/var/lib/enact/receipts" })
 *   return (yield* store.list()).length
 * }))
 * ```
 */
export const make = (
  options: Options = {}
): Effect.Effect<ReceiptStoreService, StoreError.StoreError, FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const dir = options.directory ?? "receipts"
    const files = yield* ReceiptFiles.make(dir).pipe(Effect.mapError(io(`open ${dir}`)))
    const log = yield* ReceiptLog.make(files, { segmentRecords: Math.max(1, Math.floor(options.segmentRecords ?? 4096)) })

    /** Commits the record (the receipt's canonical bytes), then creates the file. */
    const putClaimed = Effect.fnUntraced(
      function*(runId: string, bytes: Uint8Array): Effect.fn.Return<void, StoreError.StoreError | PlatformError> {
        const { finish, replayedElsewhere } = yield* log.commit(bytes)
        const outcome = yield* Effect.gen(function*() {
          if (yield* files.create(runId, bytes)) return "published" as const
          // The name is taken. By this very record only if another instance replayed the log meanwhile.
          const existing = yield* files.readIfExists(files.fileOf(runId))
          const same = Option.exists(existing, (bytesThere) => ReceiptFiles.sameBytes(bytesThere, bytes))
          return same && (yield* replayedElsewhere) ? "published" as const : "refused" as const
        }).pipe(Effect.onError(() => finish(runId, "failed")))
        yield* finish(runId, outcome)
        if (outcome === "refused") return yield* taken(runId)
      },
      (effect, runId) => Effect.catchTag(effect, "PlatformError", (e) => Effect.fail(io(`store receipt ${runId}`)(e)))
    )

    const get = Effect.fnUntraced(function*(runId: string): Effect.fn.Return<Option.Option<Receipt>, StoreError.StoreError> {
      if (!StoreError.isValidRunId(runId)) return yield* StoreError.invalidRunId(runId)
      const bytes = yield* files.readIfExists(files.fileOf(runId)).pipe(
        Effect.mapError((e) =>
          // A folder or a symlink loop under a receipt's name (EISDIR, ELOOP) is not a receipt; other errors are I/O.
          e.reason._tag === "BadResource"
            ? StoreError.corrupt(`Receipt file ${runId}.json is not a regular file`)
            : io(`read receipt ${runId}`)(e)
        )
      )
      // An incomplete file is a put still writing it, or a crash's leftover that recovery restores.
      if (Option.isNone(bytes) || !ReceiptFiles.isComplete(bytes.value)) return Option.none()
      const parsed = ReceiptText.parse(bytes.value)
      if (!parsed.ok) return yield* StoreError.corrupt(`Receipt file ${runId}.json ${parsed.problem}`)
      const receipt = parsed.receipt
      if (receipt.run_id !== runId) {
        return yield* StoreError.corrupt(`Receipt file ${runId}.json holds run ${receipt.run_id}`)
      }
      return Option.some(receipt)
    })

    const ids = (): Effect.Effect<ReadonlyArray<string>, StoreError.StoreError> =>
      fs.readDirectory(dir).pipe(
        Effect.map((names) => names.flatMap((n) => RECEIPT_FILE.exec(n)?.[1] ?? []).sort()),
        Effect.mapError(io(`list ${dir}`))
      )

    /** A receipt for `list`: a file that is not a valid canonical receipt of its name is skipped, not fatal. */
    const getListed = (runId: string) =>
      Effect.catchIf(get(runId), (e) => e.reason._tag === "Corrupt", () => Effect.succeed(Option.none<Receipt>()))

    const claimed = new Set<string>()
    return {
      put: (receipt) =>
        Effect.suspend(() => {
          const runId = receipt.run_id
          if (!StoreError.isValidRunId(runId)) return Effect.fail(StoreError.invalidRunId(runId))
          const encoded = ReceiptText.encode(receipt)
          if (!encoded.ok) return Effect.fail(StoreError.corrupt(`Receipt ${runId} ${encoded.problem}`))
          if (claimed.has(runId)) return Effect.fail(taken(runId))
          claimed.add(runId)
          // Once started, a put runs to the end: its record may already be in the log.
          return Effect.ensuring(
            Effect.uninterruptible(putClaimed(runId, ReceiptText.toBytes(encoded.text))),
            Effect.sync(() => claimed.delete(runId))
          )
        }),
      get,
      ids,
      list: (filter = {}) =>
        Effect.gen(function*() {
          const found = yield* Effect.forEach(yield* ids(), getListed, { concurrency: LIST_CONCURRENCY })
          const receipts = found.flatMap((r) => Option.isSome(r) && matches(r.value, filter) ? [r.value] : [])
          return newestFirst(receipts, filter.limit)
        })
    }
  })

/**
 * The file store as a `ReceiptStore` layer; needs `FileSystem` and `Path` (e.g. from `@effect/platform-node`).
 * Building it creates the folder and recovers what a crash left; releasing it checkpoints the log.
 *
 * @example
 * ```ts
 * import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
 * import * as NodePath from "@effect/platform-node/NodePath"
 * import { Layer } from "effect"
 * import { FileReceiptStore } from "../../node.ts"
 * const StoreLive = FileReceiptStore.layer({ directory: "receipts" }).pipe(
 *   Layer.provide([NodeFileSystem.layer, NodePath.layer])
 * )
 * ```
 */
export const layer = (
  options: Options = {}
): Layer.Layer<ReceiptStore, StoreError.StoreError, FileSystem.FileSystem | Path.Path> =>
  Layer.effect(ReceiptStore, make(options))
