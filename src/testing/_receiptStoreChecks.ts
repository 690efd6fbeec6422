/**
 * The conformance checks of a `ReceiptStoreService` (private; public through `Conformance.receiptStore`).
 * Each check opens a fresh store with the user's `make` and puts receipts signed with the test secret.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { ReceiptStore } from "../../mod.ts"
 * import { receiptStoreChecks } from "./_receiptStoreChecks.ts"
 * const checks = receiptStoreChecks(Effect.sync(ReceiptStore.makeMemory))
 * ```
 * @module
 */
import { Effect, Option } from "effect"
import type { Scope } from "effect"
import * as Canonical from "../receipt/Canonical.ts"
import * as Crypto from "../Crypto.ts"
import type { Receipt, UnsignedReceipt } from "../Model.ts"
import * as ReceiptModule from "../receipt/Receipt.ts"
import type { ReceiptStoreService } from "../store/ReceiptStore.ts"
import * as Signer from "../receipt/Signer.ts"
import * as Expect from "./_expect.ts"
import { SECRET } from "./Testing.ts"

/** A store under test, with a way to write raw bytes under a run id where the store keeps bytes (files). */
export type Subject = ReceiptStoreService | {
  readonly store: ReceiptStoreService
  /** Writes `bytes` as the stored form of `runId`, bypassing `put` (a file written by hand or by an attacker). */
  readonly writeRaw: (runId: string, bytes: Uint8Array) => Effect.Effect<void, unknown>
}

const unsigned = (runId: string, fields: Partial<UnsignedReceipt>): UnsignedReceipt => ({
  format_version: 2,
  run_id: runId,
  workflow: "conformance",
  user_email: "conformance@enact.test",
  user_attributes: { team: "qa" },
  payload: { note: "café ✓", amount: 1.5, big: 1e21, nested: [{ a: null, b: true }], empty: "" },
  policy_results: [{ policy: "p", passed: true, reason: "ok" }],
  policy_reads: [],
  decision: "PASS",
  reason: null,
  actions_taken: [],
  manual_steps: [],
  original_run_id: null,
  timestamp: "2026-01-01T00:00:00.000Z",
  signature_alg: "hmac-sha256",
  key_id: "conformance",
  ...fields
})

const signer = Signer.makeHmac({ secret: SECRET, keyId: "conformance" }).pipe(Effect.provide(Crypto.layerWebCrypto))

/**
 * A receipt signed with the test secret, as a plain mutable copy (as another process would read it back), so
 * a store is checked on receipts it has not seen sealed.
 */
const signed = (runId: string, fields: Partial<UnsignedReceipt> = {}): Effect.Effect<Receipt, Expect.ConformanceFailure> =>
  Effect.flatMap(signer, (s) =>
    ReceiptModule.sign(unsigned(runId, fields)).pipe(
      Effect.provideService(Signer.Signer, s),
      Effect.provide(Crypto.layerWebCrypto),
      Effect.map((r) => JSON.parse(JSON.stringify(r)) as Receipt)
    )).pipe(
      (effect) => Expect.unexpected(effect, "Cannot sign a sample receipt")
    )

const ids = (rs: ReadonlyArray<Receipt>) => rs.map((r) => r.run_id)

/** Run ids a store must refuse before they reach a path or a query. */
export const invalidRunIds: ReadonlyArray<string> = ["", "../escape", "a/b", "a\\b", ".", "..", "-lead", "_lead", "a b", "é", "a\0b", "x".repeat(129), "run;drop"]

const canonicalVariants = (c: string): ReadonlyArray<readonly [string, string]> => [
  ["1.0 for 1.5's neighbour", c.replace("\"amount\":1.5", "\"amount\":1.50")],
  ["\\u escape", c.replace("\"conformance\"", "\"\\u0063onformance\"")],
  ["whitespace", c.replace("{", "{ ")],
  ["reordered keys", JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(c) as object).reverse()))],
  ["duplicate key", c.replace("{", "{\"workflow\":\"forged\",")],
  ["unknown field", Canonical.encode({ ...(JSON.parse(c) as object), zz_extra: 1 })]
]

/** The checks, each on a fresh store from `make`. */
export const receiptStoreChecks = <E, R>(make: Effect.Effect<Subject, E, R>): ReadonlyArray<Expect.Check<Exclude<R, Scope.Scope>>> => {
  const check = (name: string, body: (store: ReceiptStoreService, subject: Subject) => Effect.Effect<void, unknown, R>) =>
    Expect.named(name, Effect.scoped(Effect.flatMap(Expect.unexpected(make, "make failed"), (s) => body("store" in s ? s.store : s, s))))

  return [
    check("put then get returns the same receipt, in canonical form, as a copy the caller cannot edit in place", (store) =>
      Effect.gen(function*() {
        const r = yield* signed("rt-1")
        yield* store.put(r)
        const got = yield* store.get("rt-1")
        yield* Expect.that(Option.isSome(got), "get after put: expected the receipt, got None")
        const back = Option.getOrThrow(got)
        yield* Expect.that(Canonical.encode(back) === Canonical.encode(r), `get after put: expected ${Expect.show(r)}, got ${Expect.show(back)}`)
        if (!Object.isFrozen(back)) (back as { workflow: string }).workflow = "edited by a reader"
        yield* Expect.sameJson(Option.getOrThrow(yield* store.get("rt-1")).workflow, "conformance", "a receipt read back and edited in place")
        yield* Expect.sameJson(ids(yield* store.list()), ["rt-1"], "list after one put")
        yield* Expect.sameJson(yield* store.ids(), ["rt-1"], "ids after one put")
      })),

    check("put is write-once: a second receipt under the same run id is AlreadyExists and the first stays", (store) =>
      Effect.gen(function*() {
        const first = yield* signed("once")
        yield* store.put(first)
        yield* Expect.storeReason(store.put(yield* signed("once", { workflow: "second" })), "AlreadyExists", "a second put under one run id")
        yield* Expect.storeReason(store.put(first), "AlreadyExists", "the same receipt put twice")
        yield* Expect.sameJson(Option.getOrUndefined(yield* store.get("once"))?.workflow, "conformance", "the stored receipt after a refused put")
        yield* Expect.sameJson((yield* store.list()).length, 1, "receipts listed after a refused put")
      })),

    check("concurrent puts under one run id: exactly one is stored", (store) =>
      Effect.gen(function*() {
        const candidates = yield* Effect.forEach(["a", "b", "c", "d"], (w) => signed("race", { workflow: w }))
        const results = yield* Effect.forEach(candidates, (r) => Effect.result(store.put(r)), { concurrency: "unbounded" })
        const won = results.flatMap((r, i) => (r._tag === "Success" ? [candidates[i]!.workflow] : []))
        yield* Expect.that(won.length === 1, `concurrent puts: expected exactly one to succeed, ${won.length} did`)
        for (const r of results) {
          if (r._tag === "Failure") yield* Expect.that(r.failure.reason._tag === "AlreadyExists", `a losing put: expected AlreadyExists, got ${r.failure.message}`)
        }
        yield* Expect.sameJson(Option.getOrUndefined(yield* store.get("race"))?.workflow, won[0], "the stored receipt is the one whose put succeeded")
      })),

    check("put and get take effect when their effect runs, not when they are called", (store) =>
      Effect.gen(function*() {
        const r = yield* signed("lazy-1")
        const neverRun = store.put(yield* signed("never-run"))
        const readLater = store.get("lazy-1")
        yield* Expect.sameJson(yield* store.ids(), [], "ids after building a put that never ran")
        yield* store.put(r)
        yield* Expect.that(Option.isSome(yield* readLater), "a get built before the put but run after it: expected the receipt, got None")
        yield* Expect.that(Effect.isEffect(neverRun), "put did not return an effect")
      })),

    check("a fresh store is empty; get of an unknown run id is None", (store) =>
      Effect.gen(function*() {
        yield* Expect.that(Option.isNone(yield* store.get("never-stored")), "get of an unknown run id: expected None")
        yield* Expect.sameJson(yield* store.ids(), [], "ids of a fresh store")
        yield* Expect.sameJson(yield* store.list(), [], "list of a fresh store")
      })),

    check("ids lists every stored run id, sorted", (store) =>
      Effect.gen(function*() {
        for (const id of ["m-2", "a-9", "z-1", "m-10"]) yield* store.put(yield* signed(id))
        yield* Expect.sameJson(yield* store.ids(), ["a-9", "m-10", "m-2", "z-1"], "ids")
      })),

    check("list returns newest first and honours limit", (store) =>
      Effect.gen(function*() {
        const times = [["t-3", "2026-03-01T00:00:00.000Z"], ["t-1", "2026-01-01T00:00:00.000Z"], ["t-4", "2026-04-01T00:00:00.000Z"], ["t-2", "2026-02-01T00:00:00.000Z"]]
        for (const [id, timestamp] of times) yield* store.put(yield* signed(id!, { timestamp: timestamp! }))
        yield* Expect.sameJson(ids(yield* store.list()), ["t-4", "t-3", "t-2", "t-1"], "list")
        yield* Expect.sameJson(ids(yield* store.list({ limit: 2 })), ["t-4", "t-3"], "list with limit 2")
        yield* Expect.sameJson(ids(yield* store.list({ limit: 0 })), [], "list with limit 0")
        yield* Expect.sameJson(ids(yield* store.list({ limit: 10 })), ["t-4", "t-3", "t-2", "t-1"], "list with a limit above the count")
      })),

    check("list filters by workflow, decision, user, originalRunId, since (inclusive) and until (exclusive), all together", (store) =>
      Effect.gen(function*() {
        const rows: ReadonlyArray<readonly [string, Partial<UnsignedReceipt>]> = [
          ["f-1", { workflow: "deploy", decision: "PASS", user_email: "ada@co", timestamp: "2026-01-01T00:00:00.000Z" }],
          ["f-2", { workflow: "deploy", decision: "BLOCK", user_email: "ada@co", timestamp: "2026-01-02T00:00:00.000Z" }],
          ["f-3", { workflow: "email", decision: "PASS", user_email: "bob@co", timestamp: "2026-01-03T00:00:00.000Z" }],
          ["rb-1-f-1", { workflow: "deploy", decision: "ROLLED_BACK", user_email: "ada@co", timestamp: "2026-01-04T00:00:00.000Z", original_run_id: "f-1" }]
        ]
        for (const [id, fields] of rows) yield* store.put(yield* signed(id, fields))
        const cases: ReadonlyArray<readonly [string, Parameters<ReceiptStoreService["list"]>[0], ReadonlyArray<string>]> = [
          ["workflow", { workflow: "deploy" }, ["rb-1-f-1", "f-2", "f-1"]],
          ["decision", { decision: "PASS" }, ["f-3", "f-1"]],
          ["user", { user: "bob@co" }, ["f-3"]],
          ["originalRunId", { originalRunId: "f-1" }, ["rb-1-f-1"]],
          ["since (inclusive)", { since: "2026-01-02T00:00:00.000Z" }, ["rb-1-f-1", "f-3", "f-2"]],
          ["until (exclusive)", { until: "2026-01-03T00:00:00.000Z" }, ["f-2", "f-1"]],
          ["all together", { workflow: "deploy", user: "ada@co", since: "2026-01-01T00:00:00.000Z", until: "2026-01-04T00:00:00.000Z", decision: "BLOCK" }, ["f-2"]],
          ["with limit", { workflow: "deploy", limit: 1 }, ["rb-1-f-1"]],
          ["matching nothing", { workflow: "nope" }, []]
        ]
        for (const [label, filter, expected] of cases) yield* Expect.sameJson(ids(yield* store.list(filter)), expected, `list filtered by ${label}`)
      })),

    check("invalid run ids are refused with InvalidRunId before anything is stored", (store) =>
      Effect.gen(function*() {
        const valid = yield* signed("valid-1")
        for (const id of invalidRunIds) {
          yield* Expect.storeReason(store.put({ ...valid, run_id: id }), "InvalidRunId", `put with run id ${JSON.stringify(id)}`)
          yield* Expect.storeReason(store.get(id), "InvalidRunId", `get with run id ${JSON.stringify(id)}`)
        }
        yield* Expect.sameJson(yield* store.ids(), [], "ids after refused puts")
      })),

    check("a value that is not a receipt is refused with Corrupt and nothing is stored", (store) =>
      Effect.gen(function*() {
        const r = yield* signed("shape-1")
        const bad: ReadonlyArray<readonly [string, unknown]> = [
          ["an unknown field", { ...r, extra: true }],
          ["a missing field", Object.fromEntries(Object.entries(r).filter(([k]) => k !== "decision"))],
          ["a wrong type", { ...r, actions_taken: "none" }],
          ["an unknown decision", { ...r, decision: "MAYBE" }],
          ["a number JSON cannot hold", { ...r, payload: { n: Number.NaN } }]
        ]
        for (const [label, value] of bad) yield* Expect.storeReason(store.put(value as Receipt), "Corrupt", `put of a receipt with ${label}`)
        yield* Expect.sameJson(yield* store.ids(), [], "ids after refused puts")
      })),

    check("every JSON value in a receipt round-trips exactly", (store) =>
      Effect.gen(function*() {
        const payloads = [
          { text: "line\nbreak \"quoted\" \\ tab\t nul\u0000 emoji 👋 é", unicode: "\u2028\u2029" },
          { numbers: [0, -1, 1e-7, 1.7976931348623157e308, 5e-324, 2 ** 53, 123.456] },
          { deep: { a: { b: { c: { d: [[[]], {}] } } } } },
          [],
          "just a string",
          null
        ]
        for (const [i, payload] of payloads.entries()) {
          const r = yield* signed(`json-${i}`, { payload })
          yield* store.put(r)
          const back = Option.getOrUndefined(yield* store.get(`json-${i}`))
          yield* Expect.that(back !== undefined && Canonical.encode(back) === Canonical.encode(r), `round trip of payload ${Expect.show(payload)}: got ${Expect.show(back)}`)
        }
      })),

    check("stored bytes: a canonical receipt written by hand is read; any other spelling is Corrupt for get, skipped by list, named by ids", (store, subject) =>
      Effect.gen(function*() {
        if (!("writeRaw" in subject)) return // a store that keeps no bytes of its own cannot be given bad ones
        const honest = yield* signed("by-hand")
        yield* subject.writeRaw("by-hand", new TextEncoder().encode(Canonical.encode(honest) + "\n"))
        yield* Expect.sameJson(Option.getOrUndefined(yield* store.get("by-hand")), honest, "a canonical receipt written by hand")
        const spelled = canonicalVariants(Canonical.encode(yield* signed("spelled")))
        for (const [i, [label, text]] of spelled.entries()) {
          const id = `spelled-${i}`
          yield* subject.writeRaw(id, new TextEncoder().encode(text.replace("\"spelled\"", JSON.stringify(id)) + "\n"))
          yield* Expect.storeReason(store.get(id), "Corrupt", `get of a receipt stored with ${label}`)
        }
        yield* Expect.sameJson(ids(yield* store.list()), ["by-hand"], "list skips receipts that are not canonical")
        yield* Expect.sameJson((yield* store.ids()).length, spelled.length + 1, "ids names every stored entry, refused ones too")
      }))
  ]
}
