/**
 * The conformance checks of a `JournalService` (private; public through `Conformance.journal`): append,
 * read, runs and remove, run id validation, and leases (exclusive, released with their scope, per run,
 * and, for journals whose leases expire, taken over once their holder stopped refreshing them).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Journal } from "../../mod.ts"
 * import { journalChecks } from "./_journalChecks.ts"
 * const checks = journalChecks(Effect.sync(Journal.makeMemory))
 * ```
 * @module
 */
import { Clock, Duration, Effect, Exit, Option, Scope } from "effect"
import { TestClock } from "effect/testing"
import type { Entry, JournalService } from "../store/Journal.ts"
import * as Expect from "./_expect.ts"
import { invalidRunIds } from "./_receiptStoreChecks.ts"

/**
 * For journals whose leases expire (shared by several processes): the time to live, and fresh shared
 * storage, as an effect that opens one more journal on it each time it runs (another process).
 */
export interface Expiry<E, R> {
  readonly ttl: Duration.Input
  readonly storage: Effect.Effect<Effect.Effect<JournalService, E, R>, E, R | Scope.Scope>
}

const chained = (seq: number) => ({ seq, prev: seq === 0 ? "" : `sig-${seq - 1}`, sig: `sig-${seq}` })

/** A begin entry for `runId`. */
const begin = (runId: string): Entry => ({
  ...chained(0),
  type: "begin",
  run_id: runId,
  workflow: "conformance",
  user_email: "conformance@enact.test",
  user_attributes: { team: "qa", level: 3 },
  payload: { note: "café ✓ \"quoted\"\nnew line", nested: [{ a: null }], big: 1e21 },
  timestamp: "2026-01-01T00:00:00.000Z"
})

/** The intent of step `step`. */
const intent = (step: number): Entry => ({
  ...chained(2 * step + 1),
  type: "intent",
  step,
  system: "files",
  action: "write_file",
  args: { path: `f-${step}.txt`, content: "new" },
  rollback_data: { action: "restore_file", args: { path: `f-${step}.txt`, content: "old" } }
})

/** The outcome of step `step`. */
const outcome = (step: number): Entry => ({
  ...chained(2 * step + 2),
  type: "outcome",
  step,
  result: {
    action: "write_file",
    system: "files",
    args: { path: `f-${step}.txt`, content: "new" },
    success: true,
    output: { path: `f-${step}.txt` },
    rollback_data: { action: "restore_file", args: { path: `f-${step}.txt`, content: "old" } },
    already_done: false
  }
})

const entriesOf = (read: Option.Option<ReadonlyArray<Entry>>) => Option.getOrUndefined(read)

/** The checks, each on a fresh journal from `make` (and, with `expiry`, on shared storage). */
export const journalChecks = <E, R, E2 = never, R2 = never>(
  make: Effect.Effect<JournalService, E, R>,
  expiry?: Expiry<E2, R2>
): ReadonlyArray<Expect.Check<Exclude<R | R2, Scope.Scope>>> => {
  const check = (name: string, body: (journal: JournalService) => Effect.Effect<void, unknown, R | Scope.Scope>) =>
    Expect.named(name, Effect.scoped(Effect.flatMap(Expect.unexpected(make, "make failed"), body)))

  /** Holds `runId`'s lease in a scope of its own; closing it releases the lease. */
  const hold = (journal: JournalService, runId: string, takeOver = false) =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const lease = yield* journal.acquire(runId, { takeOver }).pipe(Scope.provide(scope))
      return { lease, release: Scope.close(scope, Exit.void) }
    })

  const checks: Array<Expect.Check<Exclude<R | R2, Scope.Scope>>> = [
    check("append then read returns every entry, in order, exactly", (journal) =>
      Effect.gen(function*() {
        yield* journal.append("run-1", [begin("run-1"), intent(0)])
        yield* journal.append("run-1", [outcome(0)])
        yield* journal.append("run-1", [intent(1)])
        yield* Expect.sameJson(entriesOf(yield* journal.read("run-1")), [begin("run-1"), intent(0), outcome(0), intent(1)], "read after three appends")
        yield* Expect.that(Option.isNone(yield* journal.read("run-2")), "read of a run with no journal: expected None")
      })),

    check("append, read and remove take effect when their effect runs, not when they are called", (journal) =>
      Effect.gen(function*() {
        const neverRun = journal.append("never-run", [begin("never-run")])
        const readLater = journal.read("lazy-1")
        yield* Expect.sameJson(yield* journal.runs(), [], "runs after building an append that never ran")
        yield* journal.append("lazy-1", [begin("lazy-1")])
        yield* Expect.sameJson(entriesOf(yield* readLater), [begin("lazy-1")], "a read built before the append but run after it")
        const removeLater = journal.remove("lazy-1")
        yield* Expect.that(Option.isSome(yield* journal.read("lazy-1")), "a remove that was built but not run already removed the journal")
        yield* removeLater
        yield* Expect.that(Effect.isEffect(neverRun), "append did not return an effect")
      })),

    check("what read returns is a copy: editing it changes nothing stored", (journal) =>
      Effect.gen(function*() {
        yield* journal.append("copy-1", [begin("copy-1")])
        const first = entriesOf(yield* journal.read("copy-1"))
        if (Array.isArray(first) && !Object.isFrozen(first)) (first as Array<Entry>).push(intent(0))
        yield* Expect.sameJson(entriesOf(yield* journal.read("copy-1")), [begin("copy-1")], "read after the caller edited an earlier result")
      })),

    check("journals are per run: appends to one run never show in another", (journal) =>
      Effect.gen(function*() {
        yield* journal.append("run-a", [begin("run-a")])
        yield* journal.append("run-b", [begin("run-b"), intent(0)])
        yield* Expect.sameJson(entriesOf(yield* journal.read("run-a")), [begin("run-a")], "the journal of run-a")
        yield* Expect.sameJson(entriesOf(yield* journal.read("run-b")), [begin("run-b"), intent(0)], "the journal of run-b")
      })),

    check("runs lists every run with a journal; remove deletes one, is idempotent, and the run can journal again", (journal) =>
      Effect.gen(function*() {
        yield* Expect.sameJson(yield* journal.runs(), [], "runs of a fresh journal")
        yield* journal.append("run-b", [begin("run-b")])
        yield* journal.append("run-a", [begin("run-a")])
        yield* Expect.sameJson([...(yield* journal.runs())].sort(), ["run-a", "run-b"], "runs after two appends")
        yield* journal.remove("run-a")
        yield* journal.remove("run-a")
        yield* journal.remove("never-journaled")
        yield* Expect.sameJson(yield* journal.runs(), ["run-b"], "runs after remove")
        yield* Expect.that(Option.isNone(yield* journal.read("run-a")), "read after remove: expected None")
        yield* journal.append("run-a", [begin("run-a")])
        yield* Expect.sameJson(entriesOf(yield* journal.read("run-a")), [begin("run-a")], "a removed run journaled again starts afresh")
      })),

    check("concurrent appends to one run keep every entry", (journal) =>
      Effect.gen(function*() {
        const steps = Array.from({ length: 20 }, (_, i) => i)
        yield* Effect.forEach(steps, (i) => journal.append("busy", [intent(i)]), { concurrency: "unbounded", discard: true })
        const read = entriesOf(yield* journal.read("busy")) ?? []
        const seen = read.map((e) => (e.type === "intent" ? e.step : -1)).sort((a, b) => a - b)
        yield* Expect.sameJson(seen, steps, "steps read back after concurrent appends")
      })),

    check("invalid run ids are refused with InvalidRunId by every operation, and nothing is written", (journal) =>
      Effect.gen(function*() {
        for (const id of invalidRunIds) {
          const label = JSON.stringify(id)
          yield* Expect.storeReason(journal.append(id, [begin("x")]), "InvalidRunId", `append with run id ${label}`)
          yield* Expect.storeReason(journal.read(id), "InvalidRunId", `read with run id ${label}`)
          yield* Expect.storeReason(journal.remove(id), "InvalidRunId", `remove with run id ${label}`)
          yield* Expect.storeReason(Effect.scoped(journal.acquire(id, { takeOver: true })), "InvalidRunId", `acquire with run id ${label}`)
          yield* Expect.storeReason(journal.leaseState(id), "InvalidRunId", `leaseState with run id ${label}`)
        }
        yield* Expect.sameJson(yield* journal.runs(), [], "runs after refused appends")
      })),

    check("a lease is exclusive while held (takeOver cannot take a live one) and free once its scope closes", (journal) =>
      Effect.gen(function*() {
        yield* Expect.sameJson(yield* journal.leaseState("leased-1"), "free", "leaseState before acquire")
        const held = yield* hold(journal, "leased-1")
        yield* held.lease.check
        yield* Expect.sameJson(yield* journal.leaseState("leased-1"), "alive", "leaseState while held")
        yield* Expect.storeReason(Effect.scoped(journal.acquire("leased-1", { takeOver: false })), "Leased", "a second acquire while held")
        yield* Expect.storeReason(Effect.scoped(journal.acquire("leased-1", { takeOver: true })), "Leased", "takeOver of a live lease")
        yield* held.lease.check
        yield* held.release
        yield* Expect.sameJson(yield* journal.leaseState("leased-1"), "free", "leaseState after the holder's scope closed")
        const again = yield* hold(journal, "leased-1")
        yield* again.lease.check
        yield* again.release
      })),

    check("leases are per run, and of many concurrent acquires exactly one wins", (journal) =>
      Effect.gen(function*() {
        const a = yield* hold(journal, "run-a")
        const b = yield* hold(journal, "run-b")
        yield* Expect.sameJson([yield* journal.leaseState("run-a"), yield* journal.leaseState("run-b")], ["alive", "alive"], "two runs leased at once")
        yield* a.release
        yield* b.release
        const scope = yield* Scope.make()
        const results = yield* Effect.forEach(
          Array.from({ length: 8 }, () => journal.acquire("contended", { takeOver: true }).pipe(Scope.provide(scope), Effect.result)),
          (e) => e,
          { concurrency: "unbounded" }
        )
        const won = results.filter((r) => r._tag === "Success").length
        yield* Scope.close(scope, Exit.void)
        yield* Expect.that(won === 1, `concurrent acquires: expected exactly one to win, ${won} did`)
        yield* Expect.sameJson(yield* journal.leaseState("contended"), "free", "leaseState after the winner released")
      }))
  ]

  if (expiry !== undefined) {
    const ttl = Duration.toMillis(Duration.fromInputUnsafe(expiry.ttl))
    checks.push(Expect.named(
      "a lease whose holder stopped refreshing it expires: takeOver takes it, the old holder learns it lost the run",
      Effect.scoped(Effect.gen(function*() {
        const open = yield* Expect.unexpected(expiry.storage, "storage failed")
        const first = yield* Expect.unexpected(open, "opening the first journal failed")
        const second = yield* Expect.unexpected(open, "opening the second journal failed")
        // Two processes with clocks of their own: the first one's clock never moves while it "hangs".
        const stalled = yield* TestClock.make()
        const live = yield* TestClock.make()
        const asFirst = Effect.provideService(Clock.Clock, stalled)
        const asSecond = Effect.provideService(Clock.Clock, live)
        const held = yield* asFirst(hold(first, "crashed-1"))
        yield* Expect.sameJson(yield* asSecond(second.leaseState("crashed-1")), "alive", "another process sees a fresh lease")
        yield* Expect.storeReason(asSecond(Effect.scoped(second.acquire("crashed-1", { takeOver: true }))), "Leased", "takeOver before the lease expired")
        yield* live.adjust(ttl * 2)
        yield* Expect.sameJson(yield* asSecond(second.leaseState("crashed-1")), "expired", "leaseState once the holder stopped refreshing it")
        yield* Expect.storeReason(asSecond(Effect.scoped(second.acquire("crashed-1", { takeOver: false }))), "Leased", "acquire without takeOver of an expired lease")
        const taken = yield* asSecond(hold(second, "crashed-1", true))
        yield* asSecond(taken.lease.check)
        yield* Expect.sameJson(yield* asSecond(second.leaseState("crashed-1")), "alive", "leaseState after the takeover")
        // The first process wakes up: it must find out it lost the run before it writes anything.
        yield* stalled.adjust(ttl * 2)
        yield* Expect.storeReason(asFirst(held.lease.check), "Leased", "the old holder's check after the takeover")
        yield* asFirst(held.release)
        yield* Expect.sameJson(yield* asSecond(second.leaseState("crashed-1")), "alive", "the new holder's lease after the old holder let go")
        yield* asSecond(taken.lease.check)
        yield* asSecond(taken.release)
      }))
    ))
  }
  return checks
}
