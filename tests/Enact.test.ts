import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema } from "effect"
import * as Crypto from "../src/Crypto.ts"
import * as Enact from "../src/Enact.ts"
import * as Journal from "../src/store/Journal.ts"
import type { Json } from "../src/Model.ts"
import * as Policy from "../src/Policy.ts"
import * as ReceiptStore from "../src/store/ReceiptStore.ts"
import * as Signer from "../src/receipt/Signer.ts"
import * as Workflow from "../src/Workflow.ts"
import { SECRET, setup, stateOf, steps, refusal } from "./support/enact.ts"
import { makeKv } from "./support/kv.ts"

const KeyValue = Schema.Struct({ key: Schema.String, value: Schema.String })

/** `put`: sets one key; counts how often its body actually ran. */
const makePut = () => {
  const calls = { n: 0 }
  const workflow = Workflow.make({
    name: "put",
    payload: KeyValue,
    run: (ctx) =>
      Effect.gen(function*() {
        calls.n++
        yield* ctx.act("store", { action: "set", args: { key: ctx.payload.key, value: ctx.payload.value } })
        return { wrote: ctx.payload.key }
      })
  })
  return { workflow, calls }
}

const noForbiddenKey = Policy.make("no_forbidden_key", (ctx) => {
  const key = (ctx.payload as { readonly key?: unknown }).key
  return Policy.check(key !== "forbidden", "Key is allowed", `Key '${String(key)}' is forbidden`)
})

describe("Enact.run", () => {
  it.effect("a passing run executes the workflow and stores a PASS receipt that verifies", () => {
    const kv = makeKv({ allowedActions: ["set", "get"] })
    const { workflow } = makePut()
    const EnactLive = Enact.layer({ systems: { store: kv.connector }, policies: [noForbiddenKey], workflows: [workflow] }).pipe(
      Layer.provideMerge(Layer.mergeAll(ReceiptStore.layerMemory, Journal.layerMemory, Signer.layerHmac({ secret: SECRET }))),
      Layer.provideMerge(Crypto.layerWebCrypto)
    )
    return Effect.gen(function*() {
      const { receipt, result } = yield* Enact.run({ workflow: "put", user: "agent@co", payload: { key: "a", value: "1" } })
      assert.strictEqual(result.decision, "PASS")
      assert.strictEqual(receipt.decision, "PASS")
      assert.isNull(receipt.reason)
      assert.deepStrictEqual(result.output, { wrote: "a" })
      assert.deepStrictEqual(stateOf(kv.data), { a: "1" })
      assert.strictEqual(receipt.workflow, "put")
      assert.strictEqual(receipt.user_email, "agent@co")
      assert.deepStrictEqual(receipt.payload, { key: "a", value: "1" })
      assert.deepStrictEqual(receipt.policy_results, [{ policy: "no_forbidden_key", passed: true, reason: "Key is allowed" }])
      assert.strictEqual(receipt.actions_taken.length, 1)
      assert.deepStrictEqual(receipt.actions_taken[0], {
        action: "set",
        system: "store",
        args: { key: "a", value: "1" },
        success: true,
        output: { key: "a", value: "1" },
        rollback_data: { action: "restore", args: { expected: "1", key: "a", value: null } },
        already_done: false
      })
      const stored = yield* (yield* ReceiptStore.ReceiptStore).get(receipt.run_id)
      assert.isTrue(Option.isSome(stored))
      if (Option.isSome(stored)) assert.deepStrictEqual(stored.value, receipt)
      assert.deepStrictEqual(yield* Enact.verify(receipt), { valid: true })
      assert.deepStrictEqual(yield* (yield* Journal.Journal).runs(), [], "a finished run leaves no journal")
    }).pipe(Effect.provide(EnactLive))
  })

  it.effect("a blocked run executes nothing and stores a BLOCK receipt that verifies", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      kv.data.set("forbidden", "before")
      const { calls, workflow } = makePut()
      const { enact, journal, store } = yield* setup({ systems: { store: kv.connector }, policies: [noForbiddenKey], workflows: [workflow] })
      const { receipt, result } = yield* enact.run({ workflow: "put", user: "agent@co", payload: { key: "forbidden", value: "after" } })
      assert.strictEqual(result.decision, "BLOCK")
      assert.strictEqual(receipt.decision, "BLOCK")
      assert.strictEqual(receipt.reason, "no_forbidden_key: Key 'forbidden' is forbidden")
      assert.deepStrictEqual(receipt.actions_taken, [])
      assert.deepStrictEqual(result.actions, [])
      assert.strictEqual(calls.n, 0, "the workflow body never ran")
      assert.deepStrictEqual(stateOf(kv.data), { forbidden: "before" })
      assert.deepStrictEqual(kv.log, [])
      assert.deepStrictEqual(yield* journal.runs(), [])
      const stored = yield* store.get(receipt.run_id)
      assert.isTrue(Option.isSome(stored) && stored.value.decision === "BLOCK")
      assert.deepStrictEqual(yield* enact.verify(receipt), { valid: true })
    }))

  it.effect("a caller-chosen run id becomes the receipt's run id", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const { enact, store } = yield* setup({ systems: { store: kv.connector }, workflows: [makePut().workflow] })
      const { receipt } = yield* enact.run({ workflow: "put", user: "u", payload: { key: "a", value: "1" }, runId: "order-42_retry-1" })
      assert.strictEqual(receipt.run_id, "order-42_retry-1")
      assert.isTrue(Option.isSome(yield* store.get("order-42_retry-1")))
    }))

  it.effect("generated run ids are unique per run", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [makePut().workflow] })
      const ids = new Set<string>()
      for (let i = 0; i < 5; i++) {
        ids.add((yield* enact.run({ workflow: "put", user: "u", payload: { key: `k${i}`, value: "v" } })).receipt.run_id)
      }
      assert.strictEqual(ids.size, 5)
    }))

  it.effect("reusing a stored run id executes nothing and keeps the original receipt", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const { enact, store } = yield* setup({ systems: { store: kv.connector }, workflows: [makePut().workflow] })
      const first = yield* enact.run({ workflow: "put", user: "u", payload: { key: "a", value: "1" }, runId: "dup-1" })
      const again = yield* Effect.result(enact.run({ workflow: "put", user: "u", payload: { key: "a", value: "2" }, runId: "dup-1" }))
      // Either it is refused up front, or it must at least leave a receipt for what it did: silently
      // changing the system with no receipt for it is what Enact exists to prevent.
      assert.isTrue(again._tag === "Failure", "a second run under a taken id must not succeed")
      assert.deepStrictEqual(stateOf(kv.data), { a: "1" }, "the second run must not touch the system")
      const stored = yield* store.get("dup-1")
      assert.isTrue(Option.isSome(stored) && stored.value.signature === first.receipt.signature)
    }))

  it.effect("the workflow's own failure stops the run with a PARTIAL receipt listing what was done", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set", "fail"] })
      const wf = steps("half", "store", [
        { action: "set", args: { key: "a", value: "1" } },
        { action: "fail", args: {} },
        { action: "set", args: { key: "b", value: "2" } }
      ])
      const { enact, journal } = yield* setup({ systems: { store: kv.connector }, workflows: [wf] })
      const { receipt, result } = yield* enact.run({ workflow: "half", user: "u", payload: {} })
      assert.strictEqual(result.decision, "PARTIAL")
      assert.include(receipt.reason ?? "", "simulated outage")
      assert.deepStrictEqual(receipt.actions_taken.map((a) => [a.action, a.success]), [["set", true], ["fail", false]])
      assert.include(receipt.actions_taken[1]?.error ?? "", "Transport")
      assert.deepStrictEqual(stateOf(kv.data), { a: "1" }, "the step after the failure never ran")
      assert.isUndefined(result.output)
      assert.deepStrictEqual(yield* enact.verify(receipt), { valid: true })
      assert.deepStrictEqual(yield* journal.runs(), [])
    }))

  it.effect("a workflow that throws or dies still gets a PARTIAL receipt with the cause", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const throws = Workflow.make({
        name: "throws",
        payload: Schema.Json,
        run: () => {
          throw new Error("bug in workflow code")
        }
      })
      const dies = Workflow.make({
        name: "dies",
        payload: Schema.Json,
        run: (ctx) =>
          Effect.andThen(ctx.act("store", { action: "set", args: { key: "a", value: "1" } }), Effect.die(new Error("kaboom")))
      })
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [throws, dies] })
      const t = yield* enact.run({ workflow: "throws", user: "u", payload: null })
      assert.strictEqual(t.result.decision, "PARTIAL")
      assert.include(t.receipt.reason ?? "", "bug in workflow code")
      const d = yield* enact.run({ workflow: "dies", user: "u", payload: null })
      assert.strictEqual(d.result.decision, "PARTIAL")
      assert.include(d.receipt.reason ?? "", "kaboom")
      assert.strictEqual(d.receipt.actions_taken.length, 1)
      assert.deepStrictEqual(yield* enact.verify(d.receipt), { valid: true })
    }))

  it.effect("an idempotent action already in the requested state is recorded as already_done", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      kv.data.set("a", "1")
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [makePut().workflow] })
      const { receipt } = yield* enact.run({ workflow: "put", user: "u", payload: { key: "a", value: "1" } })
      assert.strictEqual(receipt.decision, "PASS")
      assert.isTrue(receipt.actions_taken[0]?.already_done)
      assert.deepStrictEqual(kv.log, [], "nothing was written")
    }))

  it.effect("a workflow calling an unregistered system gets UnknownSystem recorded and the run is PARTIAL", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const wf = steps("elsewhere", "nowhere", [{ action: "set", args: { key: "a", value: "1" } }])
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [wf] })
      const { receipt } = yield* enact.run({ workflow: "elsewhere", user: "u", payload: {} })
      assert.strictEqual(receipt.decision, "PARTIAL")
      assert.strictEqual(receipt.actions_taken[0]?.success, false)
      assert.include(receipt.actions_taken[0]?.error ?? "", "UnknownSystem")
      assert.include(receipt.actions_taken[0]?.error ?? "", "store")
      assert.deepStrictEqual(kv.log, [])
    }))

  it.effect("a workflow calling an action outside the allowlist gets a NotAllowed ConnectorError and nothing runs", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["get"] })
      const seen: Array<string> = []
      const wf = Workflow.make({
        name: "sneaky",
        payload: Schema.Json,
        run: (ctx) =>
          ctx.act("store", { action: "set", args: { key: "a", value: "1" } }).pipe(
            Effect.catchTag("ConnectorError", (e) => Effect.sync(() => seen.push(e.reason._tag)))
          )
      })
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [wf] })
      const { receipt } = yield* enact.run({ workflow: "sneaky", user: "u", payload: {} })
      assert.deepStrictEqual(seen, ["NotAllowed"])
      assert.strictEqual(receipt.actions_taken[0]?.success, false)
      assert.include(receipt.actions_taken[0]?.error ?? "", "NotAllowed")
      assert.deepStrictEqual(kv.log, [])
      assert.deepStrictEqual(stateOf(kv.data), {})
    }))

  it.effect("read-only actions are recorded without rollback data or a journal entry", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["get"] })
      kv.data.set("a", "1")
      const appended: Array<string> = []
      const memory = Journal.makeMemory()
      const journal: Journal.JournalService = {
        ...memory,
        append: (runId, entries) => Effect.andThen(Effect.sync(() => appended.push(runId)), memory.append(runId, entries))
      }
      const wf = steps("look", "store", [{ action: "get", args: { key: "a" } }])
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [wf] }, { journal })
      const { receipt } = yield* enact.run({ workflow: "look", user: "u", payload: {} })
      assert.strictEqual(receipt.decision, "PASS")
      assert.deepStrictEqual(receipt.actions_taken[0]?.output, { key: "a", value: "1" })
      assert.isNull(receipt.actions_taken[0]?.rollback_data)
      assert.deepStrictEqual(appended, [])
    }))

  it.effect("mutating actions are journaled (intent before the change) and the journal is dropped once receipted", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const memory = Journal.makeMemory()
      const seenBeforeApply: Array<ReadonlyArray<string>> = []
      const journal: Journal.JournalService = {
        ...memory,
        append: (runId, entries) =>
          Effect.andThen(
            Effect.sync(() => seenBeforeApply.push([...entries.map((e) => e.type), `kv:${kv.data.get("a") ?? "-"}`])),
            memory.append(runId, entries)
          )
      }
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [makePut().workflow] }, { journal })
      yield* enact.run({ workflow: "put", user: "u", payload: { key: "a", value: "1" } })
      assert.deepStrictEqual(seenBeforeApply, [["begin", "intent", "kv:-"], ["outcome", "kv:1"]])
      assert.deepStrictEqual(yield* memory.runs(), [])
    }))
})

describe("payload checking", () => {
  const bad = (payload: unknown) =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const { calls, workflow } = makePut()
      const policyCalls = { n: 0 }
      const counting = Policy.make("counting", () => {
        policyCalls.n++
        return Policy.pass("ok")
      })
      const { enact } = yield* setup({ systems: { store: kv.connector }, policies: [counting], workflows: [workflow] })
      const outcome = yield* enact.run({ workflow: "put", user: "u", payload })
      assert.strictEqual(outcome.result.decision, "BLOCK")
      assert.strictEqual(calls.n, 0, "the workflow never ran")
      assert.strictEqual(policyCalls.n, 0, "policies never saw an undecodable payload")
      assert.deepStrictEqual(kv.log, [])
      assert.deepStrictEqual(outcome.receipt.actions_taken, [])
      assert.strictEqual(outcome.receipt.policy_results.length, 1)
      assert.include(["payload_schema", "request_snapshot"], outcome.receipt.policy_results[0]?.policy)
      assert.isFalse(outcome.receipt.policy_results[0]?.passed)
      assert.deepStrictEqual(yield* enact.verify(outcome.receipt), { valid: true })
      return outcome.receipt
    })

  it.effect("a misnamed field blocks, naming both the unknown and the missing field", () =>
    Effect.gen(function*() {
      const r = yield* bad({ ky: "a", value: "1" })
      assert.include(r.reason ?? "", "ky: Unknown field")
      assert.include(r.reason ?? "", "key: Missing key")
      assert.deepStrictEqual(r.payload, { ky: "a", value: "1" }, "the receipt shows what the agent actually sent")
    }))

  it.effect("a field of the wrong type blocks, naming the field", () =>
    Effect.gen(function*() {
      const r = yield* bad({ key: "a", value: 1 })
      assert.include(r.reason ?? "", "value: Expected string")
      assert.notInclude(r.reason ?? "", "key:")
    }))

  it.effect("an extra field blocks, naming the field", () =>
    Effect.gen(function*() {
      const r = yield* bad({ key: "a", value: "1", force: true })
      assert.include(r.reason ?? "", "force: Unknown field")
    }))

  it.effect("every bad field is reported at once", () =>
    Effect.gen(function*() {
      const r = yield* bad({ key: 7, value: false, extra: "x" })
      for (const field of ["key:", "value:", "extra:"]) assert.include(r.reason ?? "", field)
    }))

  it.effect("a payload that is not plain JSON blocks without recording it", () =>
    Effect.gen(function*() {
      const r = yield* bad({ key: "a", value: "1", when: new Date(0) })
      assert.strictEqual(r.policy_results[0]?.policy, "request_snapshot")
      assert.isNull(r.payload)
      assert.include(r.reason ?? "", "payload.when is a Date, not plain JSON")
      const r2 = yield* bad({ key: "a", value: Number.NaN })
      assert.isNull(r2.payload)
      assert.include(r2.reason ?? "", "payload.value is NaN")
    }))

  it.effect("policies see the decoded payload and the run's identity", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const seen: Array<unknown> = []
      const spy = Policy.make("spy", (ctx) => {
        seen.push({ payload: ctx.payload, user: ctx.user, workflow: ctx.workflow, runId: ctx.runId, keys: Object.keys(ctx).sort() })
        return Policy.pass("seen")
      })
      const { enact } = yield* setup({ systems: { store: kv.connector }, policies: [spy], workflows: [makePut().workflow] })
      yield* enact.run({ workflow: "put", user: "bob@co", payload: { key: "a", value: "1" }, runId: "r-ctx" })
      assert.deepStrictEqual(seen, [{ payload: { key: "a", value: "1" }, user: "bob@co", workflow: "put", runId: "r-ctx", keys: ["history", "now", "payload", "read", "runId", "user", "userAttributes", "workflow"] }])
    }))
})

describe("request validation", () => {
  const harness = Effect.gen(function*() {
    const kv = makeKv({ allowedActions: ["set"] })
    const { calls, workflow } = makePut()
    const other = Workflow.make({ name: "other", payload: Schema.Json, run: () => Effect.void })
    const h = yield* setup({ systems: { store: kv.connector }, workflows: [workflow, other] })
    return { ...h, kv, calls }
  })

  it.effect("an unknown workflow fails with UnknownWorkflow listing the registered names", () =>
    Effect.gen(function*() {
      const { enact, kv, store } = yield* harness
      const e = yield* Effect.flip(enact.run({ workflow: "delete_everything", user: "u", payload: {} }))
      assert.strictEqual(refusal(e), "UnknownWorkflow")
      if (e._tag === "EnactError" && e.reason._tag === "UnknownWorkflow") {
        assert.strictEqual(e.reason.workflow, "delete_everything")
        assert.deepStrictEqual([...e.reason.registered].sort(), ["other", "put"])
        assert.include(e.message, "put")
      }
      assert.deepStrictEqual(kv.log, [])
      assert.deepStrictEqual(yield* store.list(), [])
    }))

  it.effect("an invalid run id is an InvalidRequest and runs nothing", () =>
    Effect.gen(function*() {
      const { calls, enact, store } = yield* harness
      for (const runId of ["../etc/passwd", "", "has space", "-leading-dash", "x".repeat(129), "a/b"]) {
        const e = yield* Effect.flip(enact.run({ workflow: "put", user: "u", payload: { key: "a", value: "1" }, runId }))
        assert.strictEqual(refusal(e), "InvalidRequest", `run id ${JSON.stringify(runId)}`)
      }
      const e = yield* Effect.flip(enact.runAction({ system: "store", action: "set", args: { key: "a", value: "1" }, user: "u", runId: "no/slashes" }))
      assert.strictEqual(refusal(e), "InvalidRequest")
      assert.strictEqual(calls.n, 0)
      assert.deepStrictEqual(yield* store.list(), [])
    }))

  it.effect("an empty or oversized user is an InvalidRequest", () =>
    Effect.gen(function*() {
      const { enact, kv } = yield* harness
      for (const user of ["", "x".repeat(321)]) {
        const e = yield* Effect.flip(enact.run({ workflow: "put", user, payload: { key: "a", value: "1" } }))
        assert.strictEqual(refusal(e), "InvalidRequest")
        const e2 = yield* Effect.flip(enact.runAction({ system: "store", action: "set", args: { key: "a", value: "1" }, user }))
        assert.strictEqual(refusal(e2), "InvalidRequest")
      }
      assert.deepStrictEqual(kv.log, [])
    }))

  it.effect("user attributes that are not a plain JSON object block with a receipt naming the field", () =>
    Effect.gen(function*() {
      const { enact } = yield* harness
      const attrs: ReadonlyArray<readonly [unknown, string]> = [
        [[1, 2], "userAttributes is an array"],
        [{ when: new Date(0) }, "userAttributes.when is a Date"],
        [{ n: Number.POSITIVE_INFINITY }, "userAttributes.n is Infinity"]
      ]
      for (const [userAttributes, why] of attrs) {
        const o = yield* enact.run({ workflow: "put", user: "u", payload: { key: "a", value: "1" }, userAttributes: userAttributes as Record<string, Json> })
        assert.strictEqual(o.receipt.decision, "BLOCK")
        assert.include(o.receipt.reason ?? "", why)
        assert.deepStrictEqual(o.receipt.user_attributes, {})
        assert.deepStrictEqual(yield* enact.verify(o.receipt), { valid: true })
      }
    }))

  it.effect("registering two workflows with the same name is refused", () =>
    Effect.gen(function*() {
      const a = Workflow.make({ name: "same", payload: Schema.Json, run: () => Effect.void })
      const exit = yield* Effect.exit(setup({ workflows: [a, a] }))
      assert.isTrue(exit._tag === "Failure")
    }))

  it("workflow names are validated at definition", () => {
    assert.throws(() => Workflow.make({ name: "bad name", payload: Schema.Json, run: () => Effect.void }))
    assert.throws(() => Workflow.make({ name: "", payload: Schema.Json, run: () => Effect.void }))
  })
})

describe("Enact.runAction", () => {
  it.effect("a single action is gated by policies, executed and receipted", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const { enact, store } = yield* setup({ systems: { store: kv.connector }, policies: [noForbiddenKey] })
      const { receipt, result } = yield* enact.runAction({ system: "store", action: "set", args: { key: "a", value: "1" }, user: "agent@co" })
      assert.strictEqual(result.decision, "PASS")
      assert.strictEqual(receipt.workflow, "store.set")
      assert.deepStrictEqual(receipt.payload, { key: "a", value: "1" })
      assert.deepStrictEqual(receipt.policy_results.map((p) => p.passed), [true])
      assert.strictEqual(receipt.actions_taken.length, 1)
      assert.strictEqual(receipt.actions_taken[0]?.success, true)
      assert.deepStrictEqual(stateOf(kv.data), { a: "1" })
      assert.isTrue(Option.isSome(yield* store.get(receipt.run_id)))
      assert.deepStrictEqual(yield* enact.verify(receipt), { valid: true })

      const blocked = yield* enact.runAction({ system: "store", action: "set", args: { key: "forbidden", value: "x" }, user: "agent@co" })
      assert.strictEqual(blocked.result.decision, "BLOCK")
      assert.deepStrictEqual(blocked.receipt.actions_taken, [])
      assert.deepStrictEqual(stateOf(kv.data), { a: "1" })
    }))

  it.effect("an action outside the allowlist is receipted as a failed NotAllowed action and nothing executes", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["get"] })
      const { enact, store } = yield* setup({ systems: { store: kv.connector } })
      const { receipt, result } = yield* enact.runAction({ system: "store", action: "set", args: { key: "a", value: "1" }, user: "u" })
      assert.strictEqual(result.decision, "PARTIAL")
      assert.strictEqual(receipt.actions_taken.length, 1)
      const a = receipt.actions_taken[0]
      assert.strictEqual(a?.action, "set")
      assert.strictEqual(a?.system, "store")
      assert.isFalse(a?.success)
      assert.isNull(a?.rollback_data)
      assert.include(a?.error ?? "", "NotAllowed")
      assert.include(receipt.reason ?? "", "not in the allowlist")
      assert.deepStrictEqual(kv.log, [])
      assert.deepStrictEqual(stateOf(kv.data), {})
      assert.isTrue(Option.isSome(yield* store.get(receipt.run_id)))
      assert.deepStrictEqual(yield* enact.verify(receipt), { valid: true })
    }))

  it.effect("inverse actions cannot be called directly as forward actions", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      kv.data.set("a", "1")
      const { enact } = yield* setup({ systems: { store: kv.connector } })
      const { receipt } = yield* enact.runAction({ system: "store", action: "restore", args: { key: "a", value: null }, user: "u" })
      assert.strictEqual(receipt.decision, "PARTIAL")
      assert.include(receipt.actions_taken[0]?.error ?? "", "NotAllowed")
      assert.deepStrictEqual(stateOf(kv.data), { a: "1" })
    }))

  it("a connector refuses an allowlist naming an action it does not have", () => {
    assert.throws(() => makeKv({ allowedActions: ["set", "drop_table"] }), /drop_table/)
  })
})
