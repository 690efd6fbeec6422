/**
 * Run leases as files, for `FileJournal`: `<dir>/<run_id>.lease.<generation>`. Acquiring creates the next
 * generation with an exclusive create; the holder refreshes its file's modification time every third of
 * the time to live; the highest generation is the lease, alive while refreshed within the time to live.
 * Releasing deletes the holder's generation and every older one.
 *
 * A holder checks it still holds the run before each write (`Lease.check`): without touching the disk
 * while its last refresh is recent (nobody can take over a lease refreshed less than a time to live
 * ago), otherwise by looking for a newer generation.
 *
 * @example
 * ```ts
 * import { Effect, FileSystem } from "effect"
 * import * as Leases from "./_fileLeases.ts"
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const fs = yield* FileSystem.FileSystem
 *   const leases = Leases.make({ fs, dir: "/var/lib/enact/journal", ttl: 30_000 })
 *   const lease = yield* leases.acquire("run-1", false)
 *   yield* lease.check
 * }))
 * ```
 * @module
 */
import { Clock, Effect, FileSystem, Option } from "effect"
import type { Scope } from "effect"
import type { PlatformError } from "effect/PlatformError"
import type { Lease, LeaseState } from "./Journal.ts"
import * as StoreError from "./StoreError.ts"

/** What the lease files need. */
export interface Options {
  readonly fs: FileSystem.FileSystem
  readonly dir: string
  /** Time to live in milliseconds. */
  readonly ttl: number
}

export interface Leases {
  readonly acquire: (runId: string, takeOver: boolean) => Effect.Effect<Lease, StoreError.StoreError, Scope.Scope>
  readonly state: (runId: string, now: number) => Effect.Effect<LeaseState, StoreError.StoreError>
}

const isNotFound = (e: PlatformError): boolean => e.reason._tag === "NotFound"
const isAlreadyExists = (e: PlatformError): boolean => e.reason._tag === "AlreadyExists"
const encoder = new TextEncoder()

/** Builds the lease files of one journal folder. */
export const make = (options: Options): Leases => {
  const { dir, fs, ttl } = options
  const fileOf = (runId: string, gen: number) => `${dir}/${runId}.lease.${gen}`
  const io = (what: string) => (e: PlatformError) => StoreError.io(`Cannot ${what}: ${e.message}`)
  const leased = (runId: string, why: string) => StoreError.leased(`Run ${runId} ${why}`)

  /** Generations present for a run, ascending. */
  const generations = (runId: string): Effect.Effect<ReadonlyArray<number>, StoreError.StoreError> =>
    fs.readDirectory(dir).pipe(
      Effect.map((names) => {
        const prefix = `${runId}.lease.`
        return names.flatMap((n) => {
          if (!n.startsWith(prefix)) return []
          const g = n.slice(prefix.length)
          return /^[1-9][0-9]{0,8}$/.test(g) ? [Number(g)] : []
        }).sort((a, b) => a - b)
      }),
      Effect.mapError(io(`list leases in ${dir}`))
    )

  /** Last refresh of a generation's file, `None` if it is gone. */
  const refreshedAt = (runId: string, gen: number): Effect.Effect<Option.Option<number>, StoreError.StoreError> =>
    fs.stat(fileOf(runId, gen)).pipe(
      Effect.map((info) => Option.some(Option.getOrElse(Option.map(info.mtime, (d) => d.getTime()), () => 0))),
      Effect.catchIf(isNotFound, () => Effect.succeed(Option.none<number>())),
      Effect.mapError(io(`read the lease of ${runId}`))
    )

  const exists = (runId: string, gen: number) => Effect.map(refreshedAt(runId, gen), Option.isSome)

  /** Creates generation `gen` exclusively; false if someone else did first. */
  const create = (runId: string, gen: number, now: number): Effect.Effect<boolean, StoreError.StoreError> =>
    Effect.gen(function*() {
      const path = fileOf(runId, gen)
      const token = `${now}-${Math.random().toString(36).slice(2)}`
      const created = yield* fs.writeFile(path, encoder.encode(JSON.stringify({ token, acquired: now }) + "\n"), { flag: "wx" }).pipe(
        Effect.as(true),
        Effect.catchIf(isAlreadyExists, () => Effect.succeed(false))
      )
      if (created) yield* fs.utimes(path, now / 1000, now / 1000)
      return created
    }).pipe(Effect.catchTag("PlatformError", (e) => Effect.fail(io(`create the lease of ${runId}`)(e))))

  const state = (runId: string, now: number): Effect.Effect<LeaseState, StoreError.StoreError> =>
    Effect.gen(function*() {
      const gens = yield* generations(runId)
      const top = gens.at(-1)
      if (top === undefined) return "free" as const
      const at = yield* refreshedAt(runId, top)
      if (Option.isNone(at)) return "free" as const
      return now - at.value < ttl ? "alive" as const : "expired" as const
    })

  const hold = (runId: string, gen: number, now: number): Effect.Effect<Lease, never, Scope.Scope> =>
    Effect.gen(function*() {
      let refreshed = now
      let lost = false
      const release = Effect.forEach(
        Array.from({ length: gen }, (_, i) => gen - i),
        (g) => Effect.ignore(fs.remove(fileOf(runId, g))),
        { discard: true }
      )
      yield* Effect.addFinalizer(() => (lost ? Effect.void : release))
      const verify = Effect.gen(function*() {
        const t = yield* Clock.currentTimeMillis
        if (lost) return yield* leased(runId, "was taken over by another process; this holder lost it")
        if (t - refreshed < ttl / 2) return
        const newer = yield* exists(runId, gen + 1)
        const mine = yield* exists(runId, gen)
        if (newer || !mine) {
          lost = true
          return yield* leased(runId, "was taken over by another process; this holder lost it")
        }
        yield* fs.utimes(fileOf(runId, gen), t / 1000, t / 1000).pipe(Effect.mapError(io(`refresh the lease of ${runId}`)))
        refreshed = t
      })
      const beat = Effect.gen(function*() {
        while (!lost) {
          yield* Effect.sleep(Math.max(1, Math.floor(ttl / 3)))
          const t = yield* Clock.currentTimeMillis
          const newer = yield* Effect.orElseSucceed(exists(runId, gen + 1), () => false)
          if (newer) {
            lost = true
            return
          }
          const ok = yield* fs.utimes(fileOf(runId, gen), t / 1000, t / 1000).pipe(
            Effect.as(true),
            Effect.catch(() => Effect.succeed(false))
          )
          if (ok) refreshed = t
        }
      })
      yield* Effect.forkScoped(beat)
      return { check: verify }
    })

  const acquire = (runId: string, takeOver: boolean): Effect.Effect<Lease, StoreError.StoreError, Scope.Scope> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      // The common case: nobody ever held this run.
      if (yield* create(runId, 1, now)) {
        if (!(yield* exists(runId, 2))) return yield* hold(runId, 1, now)
        yield* Effect.ignore(fs.remove(fileOf(runId, 1))) // a later generation survived a crash: judge it below
      }
      const gens = yield* generations(runId)
      const top = gens.at(-1)
      if (top === undefined) {
        if (yield* create(runId, 1, now)) return yield* hold(runId, 1, now)
        return yield* leased(runId, "is leased by a run or rollback in progress")
      }
      const at = yield* refreshedAt(runId, top)
      const alive = Option.isSome(at) && now - at.value < ttl
      if (alive) return yield* leased(runId, "is leased by a run or rollback in progress (its lease is alive)")
      if (!takeOver) {
        return yield* leased(runId, "has an expired lease: its process stopped mid-run; roll it back or recover it first")
      }
      if (yield* create(runId, top + 1, now)) return yield* hold(runId, top + 1, now)
      return yield* leased(runId, "was just taken over by another process")
    })

  return { acquire, state }
}
