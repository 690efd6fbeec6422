/**
 * The conformance suites catch what they promise to catch: each is run against implementations with
 * one defect each (a store that overwrites, a journal whose lease is not exclusive, an inverse that does
 * not compare before it swaps, ...) and the check named for that defect must fail, while the honest
 * implementation passes every check.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import * as Connector from "../../src/Connector.ts"
import * as ConnectorError from "../../src/ConnectorError.ts"
import * as Journal from "../../src/store/Journal.ts"
import type { Json, Receipt } from "../../src/Model.ts"
import * as ReceiptStore from "../../src/store/ReceiptStore.ts"
import * as StoreError from "../../src/store/StoreError.ts"
import { Conformance } from "../../testing.ts"

/** Runs every check; the names of the failing ones, with their messages. */
const failing = <R>(checks: ReadonlyArray<Conformance.Check<R>>) =>
  Effect.map(
    Effect.forEach(checks, (c) => Effect.map(Effect.result(c.run), (r) => [c.name, r] as const)),
    (results) => new Map(results.flatMap(([name, r]) => (r._tag === "Failure" ? [[name, r.failure.message] as const] : [])))
  )

/** Asserts that exactly the checks whose names contain one of `expected` fail (and at least one does for each). */
const assertCaught = (failures: ReadonlyMap<string, string>, expected: ReadonlyArray<string>) => {
  for (const fragment of expected) {
    assert.isTrue([...failures.keys()].some((n) => n.includes(fragment)), `expected a failing check about "${fragment}"; failing: ${[...failures.keys()].join(" | ") || "none"}`)
  }
}

describe("the receipt store suite catches", () => {
  /** The memory store, with every call deferred until its effect runs (see StoreConformance.test.ts). */
  const honestStore = (): ReceiptStore.ReceiptStoreService => {
    const s = ReceiptStore.makeMemory()
    return {
      put: (r) => Effect.suspend(() => s.put(r)),
      get: (id) => Effect.suspend(() => s.get(id)),
      list: (f) => Effect.suspend(() => s.list(f)),
      ids: () => Effect.suspend(() => s.ids())
    }
  }
  const mutant = (change: (honest: ReceiptStore.ReceiptStoreService) => Partial<ReceiptStore.ReceiptStoreService>) =>
    Effect.sync(() => {
      const honest = honestStore()
      return { ...honest, ...change(honest) }
    })

  it.effect("nothing in an honest store", () =>
    Effect.map(failing(Conformance.receiptStore(mutant(() => ({})))), (f) => assert.deepStrictEqual([...f.keys()], [])))

  it.effect("a put that overwrites", () =>
    Effect.gen(function*() {
      const byId = new Map<string, Receipt>()
      const overwriting = mutant(() => ({
        put: (r) => Effect.sync(() => void byId.set(r.run_id, structuredClone(r))),
        get: (id) => StoreError.isValidRunId(id) ? Effect.succeed(Option.fromUndefinedOr(byId.get(id))) : Effect.fail(StoreError.invalidRunId(id))
      }))
      assertCaught(yield* failing(Conformance.receiptStore(overwriting)), ["write-once", "exactly one is stored"])
    }))

  it.effect("a list sorted oldest first, and an until filter that includes its bound", () =>
    Effect.gen(function*() {
      const withoutKey = (f: ReceiptStore.ListFilter, key: keyof ReceiptStore.ListFilter): ReceiptStore.ListFilter =>
        Object.fromEntries(Object.entries(f).filter(([k]) => k !== key))
      const oldestFirst = mutant((h) => ({
        list: (f = {}) => Effect.map(h.list(withoutKey(f, "limit")), (rs) => [...rs].reverse().slice(0, f.limit ?? rs.length))
      }))
      assertCaught(yield* failing(Conformance.receiptStore(oldestFirst)), ["newest first"])
      const inclusive = mutant((h) => ({
        list: (f = {}) => Effect.map(h.list(withoutKey(f, "until")), (rs) => rs.filter((r) => f.until === undefined || r.timestamp <= f.until))
      }))
      assertCaught(yield* failing(Conformance.receiptStore(inclusive)), ["until (exclusive)"])
    }))

  it.effect("run ids that are not checked, and ids that are not sorted", () =>
    Effect.gen(function*() {
      const unchecked = mutant((h) => ({
        put: (r) => (StoreError.isValidRunId(r.run_id) ? h.put(r) : Effect.void),
        get: (id) => (StoreError.isValidRunId(id) ? h.get(id) : Effect.succeed(Option.none()))
      }))
      assertCaught(yield* failing(Conformance.receiptStore(unchecked)), ["invalid run ids"])
      const unsorted = mutant((h) => ({ ids: () => Effect.map(h.ids(), (ids) => [...ids].reverse()) }))
      assertCaught(yield* failing(Conformance.receiptStore(unsorted)), ["ids lists every stored run id, sorted"])
    }))

  it.effect("a store that hands out the object it keeps, and one that keeps what is not a receipt", () =>
    Effect.gen(function*() {
      const shared = new Map<string, Receipt>()
      const byReference = mutant((h) => ({
        put: (r) => Effect.tap(h.put(r), () => Effect.sync(() => void shared.set(r.run_id, r))),
        get: (id) => Effect.map(h.get(id), (o) => Option.map(o, () => shared.get(id)!))
      }))
      assertCaught(yield* failing(Conformance.receiptStore(byReference)), ["cannot edit in place"])
      const lax = new Map<string, Receipt>()
      const unvalidated = mutant((h) => ({
        put: (r) => (StoreError.isValidRunId(r.run_id) ? Effect.sync(() => void lax.set(r.run_id, r)) : h.put(r)),
        ids: () => Effect.sync(() => [...lax.keys()].sort())
      }))
      assertCaught(yield* failing(Conformance.receiptStore(unvalidated)), ["not a receipt is refused with Corrupt"])
    }))

  it.effect("a put that stores when it is called rather than when its effect runs", () =>
    Effect.gen(function*() {
      // Does its work when put is called, then hands back an effect that only reports it.
      const eager = mutant((h) => ({
        put: (r) => {
          const done = Effect.runSyncExit(h.put(r))
          return done._tag === "Success" ? Effect.void : Effect.failCause(done.cause)
        }
      }))
      assertCaught(yield* failing(Conformance.receiptStore(eager)), ["when their effect runs"])
    }))

  it.effect("a put that checks and then writes with a gap in between (a race)", () =>
    Effect.gen(function*() {
      const racy = mutant((h) => ({
        put: (r) => Effect.flatMap(h.get(r.run_id), (there) =>
          Option.isSome(there) ? Effect.fail(StoreError.alreadyExists(r.run_id)) : Effect.andThen(Effect.yieldNow, Effect.ignore(Effect.suspend(() => h.put(r)))))
      }))
      assertCaught(yield* failing(Conformance.receiptStore(racy)), ["concurrent puts"])
    }))
})

describe("the journal suite catches", () => {
  const mutant = (change: (honest: Journal.JournalService) => Partial<Journal.JournalService>) =>
    Effect.sync(() => {
      const honest = Journal.makeMemory()
      return { ...honest, ...change(honest) }
    })
  const noLease: Journal.Lease = { check: Effect.void }

  it.effect("nothing in the honest memory journal", () =>
    Effect.map(failing(Conformance.journal(mutant(() => ({})))), (f) => assert.deepStrictEqual([...f.keys()], [])))

  it.effect("a lease that is not exclusive, one never released, and a takeOver that takes a live lease", () =>
    Effect.gen(function*() {
      const shared = mutant(() => ({ acquire: () => Effect.succeed(noLease), leaseState: () => Effect.succeed("alive" as const) }))
      assertCaught(yield* failing(Conformance.journal(shared)), ["exclusive while held", "exactly one wins"])
      const leaked = mutant((h) => ({ acquire: (id, o) => Effect.scoped(h.acquire(id, o)).pipe(Effect.as(noLease)) }))
      assertCaught(yield* failing(Conformance.journal(leaked)), ["exclusive while held"])
      const grabbing = mutant((h) => ({
        acquire: (id, o) => (o.takeOver ? Effect.succeed(noLease) : h.acquire(id, o))
      }))
      assertCaught(yield* failing(Conformance.journal(grabbing)), ["takeOver cannot take a live one"])
    }))

  it.effect("a read that hands out the stored array, an append that replaces, and a remove that fails on a missing run", () =>
    Effect.gen(function*() {
      const kept = new Map<string, Array<Journal.Entry>>()
      const byReference = mutant(() => ({
        append: (id, es) => Effect.sync(() => void kept.set(id, [...(kept.get(id) ?? []), ...es])),
        read: (id) => Effect.succeed(Option.fromUndefinedOr(kept.get(id)))
      }))
      assertCaught(yield* failing(Conformance.journal(byReference)), ["is a copy"])
      const replacing = mutant((h) => ({ append: (id, es) => Effect.andThen(h.remove(id), h.append(id, es)) }))
      assertCaught(yield* failing(Conformance.journal(replacing)), ["in order, exactly"])
      const strict = mutant((h) => ({
        remove: (id) => Effect.flatMap(h.read(id), (o) => (Option.isNone(o) ? Effect.fail(StoreError.notFound(id)) : h.remove(id)))
      }))
      assertCaught(yield* failing(Conformance.journal(strict)), ["remove deletes one, is idempotent"])
    }))

  it.effect("leases that never expire, when the journal claims they do", () =>
    Effect.gen(function*() {
      const neverExpiring = Effect.sync(() => {
        const shared = Journal.makeMemory()
        return Effect.succeed(shared)
      })
      const f = yield* failing(Conformance.journal(Effect.sync(Journal.makeMemory), { ttl: "1 second", storage: neverExpiring }))
      assertCaught(f, ["expires"])
      assert.strictEqual(f.size, 1)
    }))
})

describe("the connector suite catches", () => {
  const Restore = Schema.Struct({ key: Schema.String, value: Schema.NullOr(Schema.String), expected: Schema.optional(Schema.NullOr(Schema.String)) })
  const Set = Schema.Struct({ key: Schema.String, value: Schema.String })

  /** A small key-value connector; each flag plants one defect. */
  const flawed = (flaws: {
    readonly blindInverse?: boolean
    readonly trustsMissingExpected?: boolean
    readonly writesInPrepare?: boolean
    readonly neverAlreadyDone?: boolean
    readonly refusesPreState?: boolean
    readonly missingInverse?: boolean
    readonly unsampledAction?: boolean
    readonly blindApply?: boolean
  }) => (allowedActions: ReadonlyArray<string>) =>
    Effect.sync(() => {
      const data = new Map<string, string>([["a", "0"]])
      const connector = Connector.make({
        kind: "flawed",
        allowedActions,
        actions: {
          set: Connector.mutating(Set, ({ key, value }) =>
            Effect.sync(() => {
              const previous = data.get(key) ?? null
              if (flaws.writesInPrepare === true) data.set(key, value)
              return {
                alreadyDone: flaws.neverAlreadyDone === true ? false : previous === value,
                rollback: { action: flaws.missingInverse === true ? "undo" : "restore", args: { key, value: previous, expected: value } },
                apply: Effect.suspend(() => {
                  if (flaws.blindApply !== true && (data.get(key) ?? null) !== previous) {
                    return Effect.fail(ConnectorError.conflict("flawed", "set", "changed since prepare"))
                  }
                  data.set(key, value)
                  return Effect.succeed({ key })
                })
              }
            })),
          ...(flaws.unsampledAction === true ? { get: Connector.readOnly(() => Effect.succeed({ alreadyDone: false, rollback: null, apply: Effect.succeed(null) })) } : {})
        },
        inverses: {
          restore: Connector.inverse(Restore, ({ expected, key, value }) =>
            Effect.suspend((): Effect.Effect<Json, ConnectorError.ConnectorError> => {
              const current = data.get(key) ?? null
              if (current === value && flaws.refusesPreState !== true) return Effect.succeed({ restored: false })
              const compare = flaws.blindInverse !== true && !(flaws.trustsMissingExpected === true && expected === undefined)
              if (compare && current !== expected) {
                return Effect.fail(ConnectorError.changed("flawed", "restore", "changed", { expected: expected ?? null, current }))
              }
              if (value === null) data.delete(key)
              else data.set(key, value)
              return Effect.succeed({ restored: true })
            }))
        }
      })
      return { connector, target: data }
    })

  const scenario = (make: ReturnType<typeof flawed>): Conformance.Scenario<Map<string, string>> => ({
    make,
    observe: (data) => Effect.sync(() => Object.fromEntries(data)),
    interfere: (data) => Effect.sync(() => void data.set("a", "someone else")),
    samples: [{ action: "set", args: { key: "a", value: "1" } }]
  })

  it.effect("nothing in an honest connector", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual([...(yield* failing(Conformance.connector(scenario(flawed({}))))).keys()], [])
    }))

  it.effect("an inverse that does not compare before it swaps", () =>
    Effect.gen(function*() {
      assertCaught(yield* failing(Conformance.connector(scenario(flawed({ blindInverse: true })))), ["leaves a target changed since the run alone", "never overwrites"])
    }))

  it.effect("an inverse that skips the comparison when the rollback data lacks it", () =>
    Effect.gen(function*() {
      const f = yield* failing(Conformance.connector(scenario(flawed({ trustsMissingExpected: true }))))
      assertCaught(f, ["never overwrites a changed target, whatever rollback data"])
      assert.strictEqual(f.size, 1, [...f.keys()].join(" | "))
      assert.include([...f.values()][0], "'expected' missing")
    }))

  it.effect("an apply that overwrites what changed after prepare", () =>
    Effect.gen(function*() {
      const f = yield* failing(Conformance.connector(scenario(flawed({ blindApply: true }))))
      assertCaught(f, ["between its prepare and its apply"])
      assert.strictEqual(f.size, 1, [...f.keys()].join(" | "))
    }))

  it.effect("a prepare that writes, a second run that is never already done, and an inverse that refuses the pre-state", () =>
    Effect.gen(function*() {
      assertCaught(yield* failing(Conformance.connector(scenario(flawed({ writesInPrepare: true })))), ["unless its intent is journaled"])
      assertCaught(yield* failing(Conformance.connector(scenario(flawed({ neverAlreadyDone: true })))), ["second run is already done"])
      assertCaught(yield* failing(Conformance.connector(scenario(flawed({ refusesPreState: true })))), ["already in its pre-state"])
    }))

  it.effect("rollback data naming an inverse the connector does not have, and an action without a sample", () =>
    Effect.gen(function*() {
      assertCaught(yield* failing(Conformance.connector(scenario(flawed({ missingInverse: true })))), ["rollback returns it to its state before the run"])
      assertCaught(yield* failing(Conformance.connector(scenario(flawed({ unsampledAction: true })))), ["cover every action"])
    }))

  it.effect("a sample declared read-only for a mutating action", () =>
    Effect.gen(function*() {
      const f = yield* failing(Conformance.connector({ ...scenario(flawed({})), samples: [{ action: "set", args: { key: "a", value: "1" }, kind: "read" }] }))
      assert.isAbove(f.size, 0)
      for (const message of f.values()) assert.include(message, "the connector declares it mutating")
    }))
})
