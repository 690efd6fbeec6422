/**
 * Conformance suites for what you implement yourself: a receipt store, a journal, a connector. Each
 * suite is a list of named checks, each an Effect that fails with `ConformanceFailure` saying what was
 * expected and what came instead; run them in any test framework. With `@effect/vitest`:
 *
 * @example
 * ```ts
 * import { describe, it } from "@effect/vitest"
 * import { Effect } from "effect"
 * import { Journal } from "../../mod.ts"
 * import { Conformance } from "../../testing.ts"
 *
 * // One test per check; provide what your `make` needs to each `check.run`.
 * describe("my journal conforms", () => {
 *   for (const check of Conformance.journal(Effect.sync(Journal.makeMemory))) it.effect(check.name, () => check.run)
 * })
 * ```
 * @module
 */
import type { Effect } from "effect"
import type { Scope } from "effect"
import type { JournalService } from "../store/Journal.ts"
import type { Check } from "./_expect.ts"
import { connectorChecks } from "./_connectorChecks.ts"
import type { Scenario } from "./_connectorRuns.ts"
import { type Expiry, journalChecks } from "./_journalChecks.ts"
import { receiptStoreChecks, type Subject } from "./_receiptStoreChecks.ts"

export { type Check, ConformanceFailure } from "./_expect.ts"
export type { Sample, Scenario } from "./_connectorRuns.ts"
export type { Expiry } from "./_journalChecks.ts"
export type { Subject as ReceiptStoreSubject } from "./_receiptStoreChecks.ts"

/**
 * The checks of a `ReceiptStoreService`: write-once `put` (also under concurrent puts), `get`, `ids`
 * (sorted), `list` (newest first, `limit`, every filter), invalid run ids refused with `InvalidRunId`,
 * values that are not receipts refused with `Corrupt`, exact round trips. `make` builds a fresh, empty
 * store for each check (in a scope that closes after it). A store that keeps bytes (files, rows) can
 * return `{ store, writeRaw }`, and its `get` must then refuse every non-canonical spelling with `Corrupt`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReceiptStore } from "../../mod.ts"
 * import { Conformance } from "../../testing.ts"
 * const checks = Conformance.receiptStore(Effect.sync(ReceiptStore.makeMemory))
 * ```
 */
export const receiptStore = <E, R>(make: Effect.Effect<Subject, E, R>): ReadonlyArray<Check<Exclude<R, Scope.Scope>>> =>
  receiptStoreChecks(make)

/**
 * The checks of a `JournalService`: `append`/`read` order and copies, per-run journals, `runs` and
 * `remove`, invalid run ids refused, and leases (exclusive while held, even with `takeOver`; free once
 * the holder's scope closes; per run; one winner among concurrent acquires). With `expiry`, the checks
 * also let a lease expire under a stalled holder (clocks from `TestClock`) and take it over.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Journal } from "../../mod.ts"
 * import { Conformance } from "../../testing.ts"
 * const checks = Conformance.journal(Effect.sync(Journal.makeMemory))
 * ```
 */
export const journal = <E, R, E2 = never, R2 = never>(
  make: Effect.Effect<JournalService, E, R>,
  expiry?: Expiry<E2, R2>
): ReadonlyArray<Check<Exclude<R | R2, Scope.Scope>>> => journalChecks(make, expiry)

/**
 * The checks of a connector, driven through Enact as agents and rollbacks drive it, one set per sample
 * of the scenario: allowlist, nothing applied before the journal, rollback, idempotency, and the inverse's
 * compare before swap (a changed target is left alone with `Changed`, a target already back is a
 * success, edited rollback data never overwrites a change). Plus one check that every action has a sample.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Conformance, FakeKv } from "../../testing.ts"
 * const checks = Conformance.connector({
 *   make: (allowedActions) => Effect.sync(() => {
 *     const kv = FakeKv.make({ allowedActions })
 *     kv.data.set("a", "0")
 *     return { connector: kv.connector, target: kv }
 *   }),
 *   observe: (kv) => Effect.sync(() => Object.fromEntries(kv.data)),
 *   interfere: (kv, sample) => Effect.sync(() => void kv.data.set(String((sample.args as { key: string }).key), "someone else")),
 *   samples: [
 *     { action: "get", args: { key: "a" }, kind: "read" },
 *     { action: "set", args: { key: "a", value: "1" } }
 *   ]
 * })
 * ```
 */
export const connector = <T, E, R>(scenario: Scenario<T, E, R>): ReadonlyArray<Check<Exclude<R, Scope.Scope>>> =>
  connectorChecks(scenario)
