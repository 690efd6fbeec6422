/**
 * Fail closed means a receipt, always (issue 6, item 3), attacked: hostile policies and workflows must
 * end in a signed receipt recording every action that ran; never a rejected `run()` without a receipt,
 * never an unhandled rejection, never an action that runs (or is left out) after the receipt is sealed.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Option, Schema } from "effect"
import { EnactClient } from "../../src/Client.ts"
import type { Receipt } from "../../src/Model.ts"
import * as Policy from "../../src/Policy.ts"
import * as Workflow from "../../src/Workflow.ts"
import type { WorkflowContext } from "../../src/WorkflowContext.ts"
import { SECRET, setup } from "../support/enact.ts"
import { makeKv } from "../support/kv.ts"
import { collectUnhandled, fakeEffect, hostileError, revoked } from "./support/hostile.ts"
import { makeSlowKv, type SlowKv } from "./support/systems.ts"

const set = (key: string, value = "v") => ({ action: "set", args: { key, value } })

/**
 * Every change the kv connector made is a successful recorded `set` in the receipt, and every recorded
 * change happened (compared as multisets: detached fibers may interleave).
 */
const assertReceiptMatches = (receipt: Receipt, log: ReadonlyArray<string>): void => {
  const recorded = receipt.actions_taken
    .filter((a) => a.system === "kv" && a.action === "set" && a.success && !a.already_done)
    .map((a) => {
      const args = a.args as { readonly key: string; readonly value: string }
      return `${args.key}=${args.value}`
    })
  assert.deepStrictEqual([...recorded].sort(), [...log].sort(), "the receipt records exactly the changes made")
}

/** Runs one request against a fresh kv (`set`, `get` allowed), then waits for stragglers; reports unhandled rejections. */
const runHostile = (options: {
  readonly policies?: ReadonlyArray<Policy.Policy>
  readonly workflow: Workflow.Workflow<unknown>
}) =>
  collectUnhandled(async () => {
    const kv = makeKv({ allowedActions: ["get", "set"] })
    const exit = await Effect.runPromiseExit(Effect.scoped(Effect.gen(function*() {
      const { enact, store } = yield* setup({ systems: { kv: kv.connector }, policies: options.policies ?? [], workflows: [options.workflow] })
      const outcome = yield* enact.run({ workflow: options.workflow.name, user: "u", payload: {} })
      const verified = yield* enact.verify(outcome.receipt)
      return { outcome, verified, store }
    })))
    return { exit, kv }
  }, 80).then(async ({ value, unhandled }) => {
    assert.deepStrictEqual(unhandled.map(String), [], "no unhandled rejection")
    const { exit, kv } = value
    if (Exit.isFailure(exit)) assert.fail(`run() failed without a receipt: ${Cause.pretty(exit.cause)}`)
    const { outcome, verified, store } = exit.value
    assert.deepStrictEqual(verified, { valid: true })
    const stored = await Effect.runPromise(store.get(outcome.receipt.run_id))
    assert.isTrue(Option.isSome(stored), "the receipt is stored")
    return { receipt: outcome.receipt, kv, stored: Option.getOrUndefined(stored) }
  })

const acting = Workflow.make({ name: "acting", payload: Schema.Json, run: (ctx) => ctx.act("kv", set("x")) })

describe("hostile policies end in a BLOCK receipt and nothing runs", () => {
  const hostile: Record<string, Policy.Check> = {
    "throws an error whose message, name and stack getters throw": () => {
      throw hostileError()
    },
    "throws a revoked Proxy": () => {
      throw revoked()
    },
    "returns a revoked Proxy": () => revoked() as Policy.Verdict,
    "returns a verdict whose reason getter throws": () => ({
      passed: true,
      get reason(): string {
        throw hostileError()
      }
    }),
    "returns a verdict whose passed getter throws": () => ({
      get passed(): boolean {
        throw new Error("no")
      },
      reason: "x"
    }),
    "returns a verdict whose redact list is a revoked Proxy": () => ({ passed: true, reason: "x", redact: revoked() as Array<string> }),
    "is async and passes": (async () => Policy.pass("async")) as unknown as Policy.Check,
    "is async and rejects with a hostile error": (async () => {
      throw hostileError()
    }) as unknown as Policy.Check,
    "returns a thenable whose then throws": () => ({ then: () => { throw new Error("then") } }) as unknown as Policy.Verdict,
    "returns an Effect that dies with a hostile error": () => Effect.die(hostileError()),
    "returns an Effect that fails with a revoked Proxy": () => Effect.fail(revoked()),
    "returns an Effect that interrupts itself": () => Effect.interrupt,
    "returns an Effect that succeeds with a rejected Promise": () =>
      Effect.sync(() => Promise.reject(hostileError()) as unknown as Policy.Verdict),
    "returns an Effect that succeeds with a revoked Proxy": () => Effect.sync(() => revoked() as Policy.Verdict),
    "returns something that claims to be an Effect but has no body": () => fakeEffect() as Policy.Verdict
  }
  for (const [what, check] of Object.entries(hostile)) {
    it(`a policy that ${what}`, async () => {
      const { kv, receipt } = await runHostile({ policies: [Policy.make("hostile", check)], workflow: acting })
      assert.strictEqual(receipt.decision, "BLOCK")
      assert.strictEqual(receipt.policy_results[0]?.policy, "hostile")
      assert.isFalse(receipt.policy_results[0]?.passed)
      assert.deepStrictEqual(receipt.actions_taken, [])
      assert.deepStrictEqual(kv.log, [])
    })
  }

  it("a hostile policy does not stop later policies from being recorded", async () => {
    const { receipt } = await runHostile({
      policies: [Policy.make("first", () => revoked() as Policy.Verdict), Policy.make("second", () => Policy.pass("ran"))],
      workflow: acting
    })
    assert.deepStrictEqual(receipt.policy_results.map((r) => r.policy), ["first", "second"])
  })
})

describe("hostile workflows end in a receipt that records every action that ran", () => {
  it("an async function passed to Workflow.make: PARTIAL, acts before its first await recorded, later ones refused", async () => {
    const wf = Workflow.make({
      name: "async_make",
      payload: Schema.Json,
      run: (async (ctx: WorkflowContext) => {
        await Effect.runPromise(ctx.act("kv", set("before")))
        await Effect.runPromise(ctx.act("kv", set("after")))
      }) as unknown as (ctx: WorkflowContext) => Effect.Effect<unknown>
    })
    const { kv, receipt } = await runHostile({ workflow: wf })
    assert.strictEqual(receipt.decision, "PARTIAL")
    assert.include(receipt.reason ?? "", "Promise")
    assert.isFalse(kv.data.has("after"), "nothing runs once the receipt is sealed")
    assertReceiptMatches(receipt, kv.log)
  })

  const nonEffects: Record<string, () => unknown> = {
    "a number": () => 42,
    "undefined": () => undefined,
    "a revoked Proxy": () => revoked(),
    "a thenable whose then throws": () => ({ then: () => { throw new Error("then") } }),
    "an object whose then getter throws": () => ({
      get then() {
        throw hostileError()
      }
    }),
    "something that claims to be an Effect but has no body": () => fakeEffect()
  }
  for (const [what, value] of Object.entries(nonEffects)) {
    it(`a workflow returning ${what}: PARTIAL, nothing ran`, async () => {
      const wf = Workflow.make({ name: "odd", payload: Schema.Json, run: value as () => Effect.Effect<unknown> })
      const { kv, receipt } = await runHostile({ workflow: wf })
      assert.strictEqual(receipt.decision, "PARTIAL")
      assert.deepStrictEqual(kv.log, [])
    })
  }

  const failures: Record<string, (ctx: WorkflowContext) => Effect.Effect<unknown, unknown>> = {
    "throws a hostile error before returning": () => {
      throw hostileError()
    },
    "dies with a hostile error after acting": (ctx) => Effect.andThen(ctx.act("kv", set("a")), Effect.die(hostileError())),
    "fails with a revoked Proxy after acting": (ctx) => Effect.andThen(ctx.act("kv", set("a")), Effect.fail(revoked())),
    "interrupts itself after acting": (ctx) => Effect.andThen(ctx.act("kv", set("a")), Effect.interrupt)
  }
  for (const [what, run] of Object.entries(failures)) {
    it(`a workflow that ${what}: PARTIAL with every action`, async () => {
      const { kv, receipt } = await runHostile({ workflow: Workflow.make({ name: "failing", payload: Schema.Json, run }) })
      assert.strictEqual(receipt.decision, "PARTIAL")
      assertReceiptMatches(receipt, kv.log)
    })
  }

  it("a workflow that forks detached acts (started and not yet started): every change is in the receipt", async () => {
    const wf = Workflow.make({
      name: "forks",
      payload: Schema.Json,
      run: (ctx) =>
        Effect.gen(function*() {
          yield* Effect.forkDetach(ctx.act("kv", set("started")))
          yield* Effect.forkDetach(Effect.andThen(Effect.sleep(10), ctx.act("kv", set("late"))))
          yield* Effect.forkDetach(Effect.forever(Effect.andThen(ctx.act("kv", set("loop")), Effect.sleep(2))))
          yield* Effect.yieldNow
        })
    })
    const { kv, receipt, stored } = await runHostile({ workflow: wf })
    assertReceiptMatches(receipt, kv.log)
    assert.deepStrictEqual(stored, receipt)
  })

  it("Workflow.makeAsync that forgets to await an act, and acts after it returned", async () => {
    let kept: ((system: string, call: { action: string; args: { key: string; value: string } }) => Promise<unknown>) | undefined
    const wf = Workflow.makeAsync({
      name: "careless",
      payload: Schema.Json,
      run: async (ctx) => {
        kept = ctx.act
        void ctx.act("kv", set("unawaited"))
        setTimeout(() => void ctx.act("kv", set("timer")), 5)
        queueMicrotask(() => void ctx.act("kv", set("microtask")))
        return "done"
      }
    })
    const { kv, receipt } = await runHostile({ workflow: wf })
    assert.strictEqual(receipt.decision, "PASS")
    assert.isTrue(kv.data.has("unawaited"), "a call made before the workflow settled runs and is waited for")
    assertReceiptMatches(receipt, kv.log)
    await collectUnhandled(async () => {
      const late = await kept!("kv", set("later")).then(() => "ran", () => "refused")
      assert.strictEqual(late, "refused")
    }).then(({ unhandled }) => assert.deepStrictEqual(unhandled, []))
    assert.isFalse(kv.data.has("later"))
  })

  it("Workflow.makeAsync whose function throws synchronously, or returns a thenable that throws", async () => {
    for (const run of [
      () => {
        throw hostileError()
      },
      () => ({ then: () => { throw revoked() } }) as unknown as Promise<unknown>
    ]) {
      const { receipt } = await runHostile({ workflow: Workflow.makeAsync({ name: "bad_async", payload: Schema.Json, run }) })
      assert.strictEqual(receipt.decision, "PARTIAL")
    }
  })
})

describe("an act cut short is still receipted", () => {
  /** A workflow whose one `set` (300 ms to answer, its change made at once) is wrapped by `wrap`. */
  const impatient = (wrap: (act: Effect.Effect<unknown, unknown>, slow: SlowKv) => Effect.Effect<unknown, unknown>) =>
    Effect.gen(function*() {
      const slow = makeSlowKv(300)
      slow.data.set("b", "before")
      const wf = Workflow.make({
        name: "impatient",
        payload: Schema.Json,
        run: (ctx) => wrap(ctx.act("slow", { action: "set", args: { key: "b", value: "after" } }), slow)
      })
      const { enact } = yield* setup({ systems: { slow: slow.connector }, workflows: [wf] })
      const { receipt } = yield* enact.run({ workflow: "impatient", user: "u", payload: {} })
      return { slow, receipt, enact }
    })

  it.live("a workflow that times out its own act: the change it made is in the receipt and rolls back", () =>
    Effect.gen(function*() {
      const { enact, receipt, slow } = yield* impatient((act) => Effect.ignore(Effect.timeout(act, 100)))
      assert.strictEqual(slow.applied.set, 1)
      assert.strictEqual(slow.data.get("b"), "after", "the system did change")
      const step = receipt.actions_taken.find((a) => a.system === "slow" && a.action === "set")
      assert.isDefined(step, "the change is in the receipt")
      assert.deepStrictEqual(step?.rollback_data, { action: "restore", args: { key: "b", value: "before" } })
      yield* enact.rollback(receipt.run_id)
      assert.strictEqual(slow.data.get("b"), "before")
    }))

  it.live("a workflow that stops waiting once its act has made the change (a race): the change is in the receipt", () =>
    Effect.gen(function*() {
      const { receipt, slow } = yield* impatient((act, s) => Effect.raceFirst(act, s.setsApplied(1)))
      assert.strictEqual(slow.data.get("b"), "after")
      assert.isDefined(receipt.actions_taken.find((a) => a.system === "slow"), "the change is in the receipt")
    }))

  it.live("a caller that interrupts run() mid-action still gets a stored receipt recording that action", () =>
    Effect.gen(function*() {
      const slow = makeSlowKv(300)
      const wf = Workflow.make({
        name: "two_steps",
        payload: Schema.Json,
        run: (ctx) =>
          Effect.andThen(
            ctx.act("slow", { action: "set", args: { key: "a", value: "1" } }),
            ctx.act("slow", { action: "set", args: { key: "b", value: "2" } })
          )
      })
      const { enact, store } = yield* setup({ systems: { slow: slow.connector }, workflows: [wf] })
      const running = yield* Effect.forkChild(enact.run({ workflow: "two_steps", user: "u", payload: {}, runId: "cut-short" }))
      yield* slow.setsApplied(2)
      yield* Fiber.interrupt(running)
      assert.deepStrictEqual([...slow.data.keys()].sort(), ["a", "b"], "both changes were made")
      const stored = yield* store.get("cut-short")
      assert.isTrue(Option.isSome(stored), "a receipt was stored")
      if (Option.isNone(stored)) return
      assert.deepStrictEqual(stored.value.actions_taken.map((a) => (a.args as { key: string }).key), ["a", "b"])
    }))
})

describe("the Promise API", () => {
  it("EnactClient resolves with a receipt for an async function passed to Workflow.make and for careless async workflows", async () => {
    const kv = makeKv({ allowedActions: ["set"] })
    const client = new EnactClient({
      secret: SECRET,
      store: "memory",
      systems: { kv: kv.connector },
      workflows: [
        Workflow.make({
          name: "promise",
          payload: Schema.Json,
          run: (async () => "not an Effect") as unknown as () => Effect.Effect<unknown>
        }),
        Workflow.makeAsync({
          name: "careless",
          payload: Schema.Json,
          run: async (ctx) => {
            void ctx.act("kv", set("unawaited"))
            setTimeout(() => void ctx.act("kv", set("timer")), 5)
          }
        })
      ]
    })
    try {
      const { value, unhandled } = await collectUnhandled(async () => [
        await client.run({ workflow: "promise", user: "u", payload: {} }),
        await client.run({ workflow: "careless", user: "u", payload: {} })
      ])
      assert.deepStrictEqual(unhandled, [])
      const [promise, careless] = value
      assert.strictEqual(promise?.receipt.decision, "PARTIAL")
      assert.strictEqual(careless?.receipt.decision, "PASS")
      if (careless !== undefined) assertReceiptMatches(careless.receipt, kv.log)
      for (const o of value) assert.isTrue((await client.verify(o.receipt)).valid)
    } finally {
      await client.close()
    }
  })
})
