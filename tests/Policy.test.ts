import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import type { Json } from "../src/Model.ts"
import * as Policy from "../src/Policy.ts"
import * as Workflow from "../src/Workflow.ts"
import { setup, stateOf } from "./support/enact.ts"
import { makeKv } from "./support/kv.ts"
import { policyContext } from "./support/policies.ts"

/** A workflow that sets `a=1` on `store` and counts its runs. */
const makeWrite = () => {
  const calls = { n: 0 }
  const workflow = Workflow.make({
    name: "write",
    payload: Schema.Json,
    run: (ctx) =>
      Effect.suspend(() => {
        calls.n++
        return ctx.act("store", { action: "set", args: { key: "a", value: "1" } })
      })
  })
  return { workflow, calls }
}

/** Runs the `write` workflow under the given policies. */
const runWith = (policies: ReadonlyArray<Policy.Policy>, userAttributes?: Readonly<Record<string, Json>>) =>
  Effect.gen(function*() {
    const kv = makeKv({ allowedActions: ["set"] })
    const { calls, workflow } = makeWrite()
    const { enact } = yield* setup({ systems: { store: kv.connector }, policies, workflows: [workflow] })
    const outcome = yield* enact.run({ workflow: "write", user: "u@co", payload: { n: 1 }, userAttributes })
    const verified = yield* enact.verify(outcome.receipt)
    assert.deepStrictEqual(verified, { valid: true })
    return { ...outcome, kv, calls }
  })

/** Asserts a run was blocked and executed nothing. */
const assertBlocked = (o: { readonly receipt: { readonly decision: string; readonly actions_taken: ReadonlyArray<unknown> }; readonly calls: { readonly n: number }; readonly kv: { readonly log: ReadonlyArray<string> } }) => {
  assert.strictEqual(o.receipt.decision, "BLOCK")
  assert.deepStrictEqual(o.receipt.actions_taken, [])
  assert.strictEqual(o.calls.n, 0)
  assert.deepStrictEqual(o.kv.log, [])
}

const ctx = policyContext(null, { workflow: "w", user: "u" })

describe("the policy gate", () => {
  it.effect("runs every policy after one fails and records all results in registration order", () =>
    Effect.gen(function*() {
      const ran: Array<string> = []
      const track = (name: string, passed: boolean) =>
        Policy.make(name, () => {
          ran.push(name)
          return passed ? Policy.pass(`${name} ok`) : Policy.fail(`${name} says no`)
        })
      const o = yield* runWith([track("first", false), track("second", true), track("third", false)])
      assertBlocked(o)
      assert.deepStrictEqual(ran, ["first", "second", "third"])
      assert.deepStrictEqual(o.receipt.policy_results, [
        { policy: "first", passed: false, reason: "first says no" },
        { policy: "second", passed: true, reason: "second ok" },
        { policy: "third", passed: false, reason: "third says no" }
      ])
      assert.strictEqual(o.receipt.reason, "first: first says no; third: third says no")
    }))

  it.effect("passes when every policy passes, and records each verdict", () =>
    Effect.gen(function*() {
      const o = yield* runWith([
        Policy.make("a", () => Policy.check(true, "a holds", "a broken")),
        Policy.make("b", () => Effect.succeed(Policy.pass("b holds")))
      ])
      assert.strictEqual(o.receipt.decision, "PASS")
      assert.deepStrictEqual(o.receipt.policy_results, [
        { policy: "a", passed: true, reason: "a holds" },
        { policy: "b", passed: true, reason: "b holds" }
      ])
      assert.strictEqual(o.calls.n, 1)
      assert.deepStrictEqual(stateOf(o.kv.data), { a: "1" })
    }))

  it.effect("a throwing policy blocks (fail closed) with its error as the reason", () =>
    Effect.gen(function*() {
      const o = yield* runWith([
        Policy.make("ok", () => Policy.pass("fine")),
        Policy.make("throws", () => {
          throw new Error("database unreachable")
        }),
        Policy.make("after", () => Policy.pass("still ran"))
      ])
      assertBlocked(o)
      const r = o.receipt.policy_results[1]
      assert.strictEqual(r?.policy, "throws")
      assert.isFalse(r?.passed)
      assert.include(r?.reason ?? "", "fail closed")
      assert.include(r?.reason ?? "", "database unreachable")
      assert.include(o.receipt.reason ?? "", "database unreachable")
      assert.strictEqual(o.receipt.policy_results.length, 3, "the policies after the throwing one still ran")
    }))

  it.effect("a policy throwing a non-Error value blocks too", () =>
    Effect.gen(function*() {
      const o = yield* runWith([
        Policy.make("throws_string", () => {
          throw "nope"
        })
      ])
      assertBlocked(o)
      assert.include(o.receipt.policy_results[0]?.reason ?? "", "nope")
    }))

  it.effect("a policy returning something that is not a result blocks", () =>
    Effect.gen(function*() {
      const notResults: ReadonlyArray<unknown> = [{ passed: "yes", reason: "looks fine" }, { passed: true }, null, undefined, true, "PASS", Promise.resolve(Policy.pass("async"))]
      for (const value of notResults) {
        const o = yield* runWith([Policy.make("sloppy", () => value as Policy.Verdict)])
        assertBlocked(o)
        assert.isFalse(o.receipt.policy_results[0]?.passed)
        assert.include(o.receipt.policy_results[0]?.reason ?? "", "invalid result")
      }
    }))

  it.effect("an Effect policy that fails blocks with its error", () =>
    Effect.gen(function*() {
      const o = yield* runWith([
        Policy.make("remote_check", () => Effect.fail(new Error("quota service timed out"))),
        Policy.make("after", () => Policy.pass("ran"))
      ])
      assertBlocked(o)
      assert.include(o.receipt.policy_results[0]?.reason ?? "", "quota service timed out")
      assert.strictEqual(o.receipt.policy_results[1]?.passed, true)
    }))

  it.effect("an Effect policy that dies blocks", () =>
    Effect.gen(function*() {
      const o = yield* runWith([Policy.make("dies", () => Effect.die(new Error("defect in check")))])
      assertBlocked(o)
      assert.include(o.receipt.policy_results[0]?.reason ?? "", "defect in check")
    }))

  it.effect("an Effect policy succeeding with a non-result blocks", () =>
    Effect.gen(function*() {
      const o = yield* runWith([Policy.make("weird", () => Effect.succeed({ passed: 1, reason: "x" } as unknown as Policy.Verdict))])
      assertBlocked(o)
      assert.include(o.receipt.policy_results[0]?.reason ?? "", "invalid result")
    }))

  it.effect("synchronous and Effect policies interleaved keep registration order", () =>
    Effect.gen(function*() {
      const names = ["s1", "e1", "s2", "e2", "s3"]
      const policies = names.map((n) =>
        Policy.make(n, () => (n.startsWith("e") ? Effect.succeed(Policy.fail(n)) : Policy.fail(n)))
      )
      const o = yield* runWith(policies)
      assertBlocked(o)
      assert.deepStrictEqual(o.receipt.policy_results.map((r) => r.policy), names)
    }))

  it.effect("a failing shadow policy is recorded with shadow: true but does not block", () =>
    Effect.gen(function*() {
      const o = yield* runWith([
        Policy.shadow(Policy.make("new_rule", () => Policy.fail("would have blocked"))),
        Policy.shadow(Policy.make("new_throwing_rule", () => {
          throw new Error("not ready")
        })),
        Policy.make("enforced", () => Policy.pass("ok"))
      ])
      assert.strictEqual(o.receipt.decision, "PASS")
      assert.strictEqual(o.calls.n, 1)
      assert.deepStrictEqual(stateOf(o.kv.data), { a: "1" })
      assert.deepStrictEqual(o.receipt.policy_results[0], { policy: "new_rule", passed: false, reason: "would have blocked", shadow: true })
      assert.strictEqual(o.receipt.policy_results[1]?.shadow, true)
      assert.isFalse(o.receipt.policy_results[1]?.passed)
      assert.isUndefined(o.receipt.policy_results[2]?.shadow)
      assert.isNull(o.receipt.reason)
    }))

  it.effect("a shadow policy does not hide an enforced failure", () =>
    Effect.gen(function*() {
      const o = yield* runWith([
        Policy.shadow(Policy.make("shadowed", () => Policy.fail("log only"))),
        Policy.make("enforced", () => Policy.fail("no"))
      ])
      assertBlocked(o)
      assert.strictEqual(o.receipt.reason, "enforced: no", "the block reason names only enforced failures")
    }))

  it.effect("userAttributes reach policies in run, and are recorded in the receipt", () =>
    Effect.gen(function*() {
      const seen: Array<unknown> = []
      const clearance = Policy.make("needs_admin", (c) => {
        seen.push(c.userAttributes)
        return Policy.check(c.userAttributes["role"] === "admin", "admin", `role ${String(c.userAttributes["role"])} is not admin`)
      })
      const admin = yield* runWith([clearance], { role: "admin", teams: ["core"] })
      assert.strictEqual(admin.receipt.decision, "PASS")
      assert.deepStrictEqual(admin.receipt.user_attributes, { role: "admin", teams: ["core"] })
      const intern = yield* runWith([clearance], { role: "intern" })
      assertBlocked(intern)
      assert.strictEqual(intern.receipt.reason, "needs_admin: role intern is not admin")
      const nobody = yield* runWith([clearance])
      assertBlocked(nobody)
      assert.deepStrictEqual(nobody.receipt.user_attributes, {})
      assert.deepStrictEqual(seen, [{ role: "admin", teams: ["core"] }, { role: "intern" }, {}])
    }))

  it.effect("userAttributes reach policies in runAction", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const seen: Array<unknown> = []
      const clearance = Policy.make("needs_admin", (c) => {
        seen.push({ attrs: c.userAttributes, payload: c.payload, workflow: c.workflow })
        return Policy.check(c.userAttributes["role"] === "admin", "admin", "not admin")
      })
      const { enact } = yield* setup({ systems: { store: kv.connector }, policies: [clearance] })
      const denied = yield* enact.runAction({ system: "store", action: "set", args: { key: "a", value: "1" }, user: "u", userAttributes: { role: "viewer" } })
      assert.strictEqual(denied.result.decision, "BLOCK")
      assert.deepStrictEqual(kv.log, [])
      const allowed = yield* enact.runAction({ system: "store", action: "set", args: { key: "a", value: "1" }, user: "u", userAttributes: { role: "admin" } })
      assert.strictEqual(allowed.result.decision, "PASS")
      assert.deepStrictEqual(stateOf(kv.data), { a: "1" })
      assert.deepStrictEqual(allowed.receipt.user_attributes, { role: "admin" })
      assert.deepStrictEqual(seen, [
        { attrs: { role: "viewer" }, payload: { key: "a", value: "1" }, workflow: "store.set" },
        { attrs: { role: "admin" }, payload: { key: "a", value: "1" }, workflow: "store.set" }
      ])
    }))
})

describe("Policy helpers", () => {
  it("check picks the reason matching the verdict", () => {
    assert.deepStrictEqual(Policy.check(true, "yes", "no"), { passed: true, reason: "yes" })
    assert.deepStrictEqual(Policy.check(false, "yes", "no"), { passed: false, reason: "no" })
  })

  it("shadow keeps the name and check but marks the policy log-only", () => {
    const p = Policy.make("p", () => Policy.fail("x"))
    const s = Policy.shadow(p)
    assert.isFalse(p.shadow)
    assert.isTrue(s.shadow)
    assert.strictEqual(s.name, "p")
    assert.strictEqual(s.check, p.check)
  })

  it("allPassed ignores shadow failures only", () => {
    assert.isTrue(Policy.allPassed([]))
    assert.isTrue(Policy.allPassed([{ policy: "a", passed: false, reason: "x", shadow: true }]))
    assert.isFalse(Policy.allPassed([{ policy: "a", passed: true, reason: "ok" }, { policy: "b", passed: false, reason: "x" }]))
  })

  it.effect("evaluate never fails and returns one result per policy", () =>
    Effect.gen(function*() {
      const results = yield* Policy.evaluate([
        Policy.make("a", () => Policy.pass("ok")),
        Policy.make("b", () => Effect.fail("boom")),
        Policy.make("c", () => {
          throw new TypeError("bad")
        }),
        Policy.make("d", (c) => Policy.check(c.user === "u", "is u", "not u"))
      ], ctx)
      assert.deepStrictEqual(results.map((r) => [r.policy, r.passed]), [["a", true], ["b", false], ["c", false], ["d", true]])
      assert.include(results[1]?.reason ?? "", "boom")
      assert.include(results[2]?.reason ?? "", "bad")
    }))
})
