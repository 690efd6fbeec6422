/**
 * The fake key-value connector fails where a real store fails (a key that is not there, a key taken, a
 * value changed between read and write, rate limits, refused credentials, lost connections), records
 * every remote call, and lets a test act at an exact call. Driven through Enact, as agents drive it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Enact from "../../src/Enact.ts"
import * as Workflow from "../../src/Workflow.ts"
import { FakeKv, Testing } from "../../testing.ts"

const user = "agent@example.com"
const run = (action: string, args: Record<string, string>, runId?: string) =>
  Effect.map(Enact.runAction({ system: "kv", action, args, user, ...(runId === undefined ? {} : { runId }) }), (o) => ({
    step: o.receipt.actions_taken[0]!,
    receipt: o.receipt
  }))
const withKv = (kv: FakeKv.FakeKv) => Effect.provide(Testing.layer({ systems: { kv: kv.connector } }))

describe("FakeKv", () => {
  it.effect("fails where a real store fails: update of a missing key, create over another value; reads absent keys as null", () => {
    const kv = FakeKv.make({ allowedActions: FakeKv.actionNames })
    kv.data.set("taken", "theirs")
    return Effect.gen(function*() {
      const update = yield* run("update", { key: "missing", value: "x" })
      assert.isFalse(update.step.success)
      assert.include(update.step.error ?? "", "NotFound")
      const create = yield* run("create", { key: "taken", value: "mine" })
      assert.include(create.step.error ?? "", "Conflict")
      assert.deepStrictEqual((yield* run("get", { key: "missing" })).step.output, { key: "missing", value: null })
      assert.deepStrictEqual(Object.fromEntries(kv.data), { taken: "theirs" }, "nothing was written")
      assert.isTrue((yield* run("create", { key: "taken", value: "theirs" })).step.already_done, "creating what is already there is done")
      assert.isTrue((yield* run("delete", { key: "missing" })).step.already_done)
    }).pipe(withKv(kv))
  })

  it.effect("a value changed between the connector's read and its write is a Conflict; the other writer's value stays", () => {
    const kv = FakeKv.make({ allowedActions: ["set"] })
    kv.data.set("k", "0")
    kv.before((call) => {
      if (call.call === "write" && call.action === "set") kv.data.set("k", "someone else")
    })
    return Effect.gen(function*() {
      const { step } = yield* run("set", { key: "k", value: "1" })
      assert.isFalse(step.success)
      assert.include(step.error ?? "", "Conflict")
      assert.strictEqual(kv.data.get("k"), "someone else")
      assert.deepStrictEqual(kv.calls().map((c) => [c.call, c.outcome]), [["read", "ok"], ["write", "Conflict"]])
    }).pipe(withKv(kv))
  })

  it.effect("a rate limit says when to retry, is retryable, and is recorded on the call", () => {
    const kv = FakeKv.make({ allowedActions: ["set"] })
    kv.fail({ call: "write", reason: "RateLimited", retryAfter: "30 seconds" })
    return Effect.gen(function*() {
      const { step } = yield* run("set", { key: "k", value: "1" })
      assert.include(step.error ?? "", "RateLimited")
      assert.include(step.error ?? "", "retry after 30s")
      assert.isFalse(kv.data.has("k"))
      assert.deepStrictEqual(kv.calls().at(-1), { call: "write", action: "set", key: "k", value: "1", outcome: "RateLimited" })
      assert.strictEqual(kv.pendingFaults(), 0)
      const retried = yield* run("set", { key: "k", value: "1" })
      assert.isTrue(retried.step.success, "the next call goes through")
      assert.strictEqual(kv.data.get("k"), "1")
    }).pipe(withKv(kv))
  })

  it.effect("the connector error of a rate limit or a lost connection is retryable; refused credentials are not", () => {
    const kv = FakeKv.make({ allowedActions: ["get"] })
    const seen: Array<readonly [string, boolean]> = []
    kv.fail({ action: "get", reason: "RateLimited" })
    kv.fail({ action: "get", reason: "Transport" })
    kv.fail({ action: "get", reason: "Unauthorized" })
    return Effect.gen(function*() {
      const probe = Workflow.make({
        name: "probe",
        payload: Schema.Json,
        run: (ctx) =>
          Effect.forEach([1, 2, 3], () =>
            ctx.act("kv", { action: "get", args: { key: "a" } }).pipe(
              Effect.catchTag("ConnectorError", (e) => Effect.sync(() => void seen.push([e.reason._tag, e.isRetryable])))
            ), { discard: true })
      })
      yield* Effect.flatMap(Effect.service(Enact.Enact), (e) => e.run({ workflow: "probe", user, payload: {} })).pipe(
        Effect.provide(Testing.layer({ systems: { kv: kv.connector }, workflows: [probe] }))
      )
      assert.deepStrictEqual(seen, [["RateLimited", true], ["Transport", true], ["Unauthorized", false]])
    })
  })

  it.effect("a lost answer: the write happened, the call failed with Transport; faults can target a key and repeat", () => {
    const kv = FakeKv.make({ allowedActions: ["set"] })
    kv.fail({ call: "write", key: "b", reason: "Transport", applied: true })
    kv.fail({ call: "read", key: "c", reason: "Unauthorized", times: 2 })
    return Effect.gen(function*() {
      assert.isTrue((yield* run("set", { key: "a", value: "1" })).step.success, "a fault on key b leaves key a alone")
      const lost = yield* run("set", { key: "b", value: "1" })
      assert.isFalse(lost.step.success)
      assert.include(lost.step.error ?? "", "Transport")
      assert.strictEqual(kv.data.get("b"), "1", "the write reached the store before the connection dropped")
      for (const _ of [1, 2]) assert.include((yield* run("set", { key: "c", value: "1" })).step.error ?? "", "Unauthorized")
      assert.isTrue((yield* run("set", { key: "c", value: "1" })).step.success)
      assert.strictEqual(kv.pendingFaults(), 0)
    }).pipe(withKv(kv))
  })

  it.effect("arguments are decoded strictly: a missing, empty or extra field is InvalidArgs and nothing is called", () => {
    const kv = FakeKv.make({ allowedActions: ["set"] })
    return Effect.gen(function*() {
      for (const args of [{ key: "a" }, { key: "", value: "x" }, { key: "a", value: "x", extra: "y" }]) {
        const { step } = yield* run("set", args)
        assert.include(step.error ?? "", "InvalidArgs", JSON.stringify(args))
      }
      assert.deepStrictEqual(kv.calls(), [])
    }).pipe(withKv(kv))
  })

  it.effect("rollback runs the inverse's calls, and the inverse compares before it swaps", () => {
    const kv = FakeKv.make({ allowedActions: ["set", "delete"] })
    kv.data.set("a", "0")
    kv.data.set("b", "keep")
    return Effect.gen(function*() {
      const first = yield* run("set", { key: "a", value: "1" })
      const second = yield* run("delete", { key: "b" })
      assert.deepStrictEqual(second.step.rollback_data, { action: "restore", args: { key: "b", value: "keep", expected: null } })
      const before = kv.calls().length
      assert.strictEqual((yield* Enact.rollback(second.receipt.run_id)).result.decision, "ROLLED_BACK")
      assert.deepStrictEqual(kv.calls().slice(before).map((c) => `${c.call} ${c.action} ${c.key}`), ["read restore b", "write restore b"])
      kv.data.set("a", "edited by a human")
      const partial = yield* Enact.rollback(first.receipt.run_id)
      assert.strictEqual(partial.result.decision, "ROLLBACK_PARTIAL")
      assert.deepStrictEqual(partial.result.manualSteps[0]?.changed, { expected: "1", current: "edited by a human" })
      assert.deepStrictEqual(Object.fromEntries(kv.data), { a: "edited by a human", b: "keep" })
    }).pipe(withKv(kv))
  })

  it.effect("publish is irreversible: rollback reports what to do by hand", () => {
    const kv = FakeKv.make({ allowedActions: ["publish"] })
    return Effect.gen(function*() {
      const { receipt } = yield* run("publish", { key: "post" })
      const undone = yield* Enact.rollback(receipt.run_id)
      assert.strictEqual(undone.result.decision, "ROLLBACK_PARTIAL")
      assert.strictEqual(undone.result.manualSteps[0]?.reason, "Retract the publication of 'post' by hand")
      assert.deepStrictEqual(kv.calls().map((c) => c.call), ["publish"])
    }).pipe(withKv(kv))
  })

  it.effect("observe sees each call after it ends; a hook that is removed stops firing", () => {
    const seen: Array<string> = []
    const kv = FakeKv.make({ allowedActions: ["set"], observe: (c) => seen.push(`${c.call}:${c.outcome}`) })
    let fired = 0
    const stop = kv.before(() => void fired++)
    return Effect.gen(function*() {
      yield* run("set", { key: "a", value: "1" })
      stop()
      yield* run("set", { key: "a", value: "2" })
      assert.deepStrictEqual(seen, ["read:ok", "write:ok", "read:ok", "write:ok"])
      assert.strictEqual(fired, 2)
    }).pipe(withKv(kv))
  })

  // Known engine gap (reported to the lead): an action whose change landed but whose answer was lost is
  // recorded as failed, and rollback skips failed steps, so it reports ROLLED_BACK with the change still
  // there. The crash path (an intent without an outcome) treats the same step as applied. Inverses compare
  // before they swap, so undoing failed steps that carry rollback data would be safe. Fix it and this passes.
  it.effect("a change whose answer was lost is undone by rollback", () => {
    const kv = FakeKv.make({ allowedActions: ["set"] })
    kv.data.set("a", "0")
    kv.fail({ call: "write", reason: "Transport", applied: true })
    return Effect.gen(function*() {
      const { receipt, step } = yield* run("set", { key: "a", value: "1" })
      assert.isFalse(step.success)
      assert.strictEqual(kv.data.get("a"), "1", "the change landed")
      const undone = yield* Enact.rollback(receipt.run_id)
      assert.strictEqual(kv.data.get("a"), "0", `rollback said ${undone.result.decision} and left the change in place`)
    }).pipe(withKv(kv))
  })
})
