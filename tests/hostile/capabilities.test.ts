/**
 * Capabilities, not objects (issue 6, item 1), attacked: nothing a policy, a workflow or the caller can
 * reach (contexts, results, errors, connector handles, the Effect context they run in) lets code run an
 * action the allowlist forbids, a mutating action from a policy, an inverse, or any action unrecorded.
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option, Schema } from "effect"
import * as Connector from "../../src/Connector.ts"
import * as ConnectorError from "../../src/ConnectorError.ts"
import type { ActionResult } from "../../src/Model.ts"
import * as Policy from "../../src/Policy.ts"
import * as Workflow from "../../src/Workflow.ts"
import type { PolicyContext, WorkflowContext } from "../../src/WorkflowContext.ts"
import { setup, stateOf } from "../support/enact.ts"
import { makeKv } from "../support/kv.ts"
import { functionPaths, functionsIn } from "./support/hostile.ts"

const set = (key: string, value: string) => ({ action: "set", args: { key, value } })
const noop = Workflow.make({ name: "noop", payload: Schema.Json, run: () => Effect.void })

describe("connector handles", () => {
  it.effect("a handle is frozen and nothing callable on it runs an action", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["get"] })
      const handle = kv.connector
      assert.isTrue(Object.isFrozen(handle))
      const calls: ReadonlyArray<ReadonlyArray<unknown>> = [
        [],
        ["set"],
        ["publish"],
        [set("a", "1")],
        [{ action: "publish", args: { key: "a" } }],
        ["kv", set("a", "1")]
      ]
      const found = functionsIn(handle)
      for (const { fn } of found) {
        for (const args of calls) {
          let out: unknown
          try {
            out = fn(...args)
          } catch {
            continue // refusing is the point
          }
          // Whatever comes back is run as far as it goes: an Effect, then a plan's `apply`.
          if (Effect.isEffect(out)) {
            const exit = yield* Effect.exit(out as Effect.Effect<unknown, unknown>)
            const plan = Exit.isSuccess(exit) ? exit.value : undefined
            const apply = typeof plan === "object" && plan !== null ? (plan as { apply?: unknown }).apply : undefined
            if (Effect.isEffect(apply)) yield* Effect.exit(apply as Effect.Effect<unknown, unknown>)
          }
        }
      }
      assert.deepStrictEqual(kv.log, [], `functions reachable from the handle: ${found.map((f) => f.path).join(", ")}`)
      assert.deepStrictEqual(stateOf(kv.data), {})
    }))

  it.effect("Set.prototype.add.call on a handle's allowlist does not let anyone run the action", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["get"] })
      try {
        Set.prototype.add.call(kv.connector.allowedActions, "set")
        Set.prototype.add.call(kv.connector.readOnlyActions, "set")
      } catch {
        // a handle that refuses is fine too
      }
      const readAttempt = Policy.make("reads_set", (ctx) =>
        Effect.map(Effect.exit(ctx.read("kv", set("p", "policy"))), () => Policy.pass("tried")))
      const { enact } = yield* setup({ systems: { kv: kv.connector }, policies: [readAttempt], workflows: [noop] })
      const viaRead = yield* enact.run({ workflow: "noop", user: "u", payload: {} })
      assert.strictEqual(viaRead.receipt.policy_reads[0]?.success, false)
      const viaAct = yield* enact.runAction({ system: "kv", action: "set", args: { key: "a", value: "1" }, user: "u" })
      assert.strictEqual(viaAct.receipt.decision, "PARTIAL")
      assert.include(viaAct.receipt.actions_taken[0]?.error ?? "", "NotAllowed")
      assert.deepStrictEqual(kv.log, [])
    }))

  it("a handle cannot be edited to look as if it allowed more (or less)", () => {
    const kv = makeKv({ allowedActions: ["get"] })
    const handle = kv.connector
    for (const [method, arg] of [[Set.prototype.add, "publish"], [Set.prototype.delete, "get"], [Set.prototype.clear, undefined]] as const) {
      for (const set of [handle.allowedActions, handle.readOnlyActions]) {
        try {
          ;(method as (this: unknown, v?: unknown) => unknown).call(set, arg)
        } catch {
          // refusing is the point
        }
      }
    }
    assert.deepStrictEqual([...handle.allowedActions], ["get"], "what the handle says it allows is what the engine allows")
    assert.deepStrictEqual([...handle.readOnlyActions], ["get"])
  })

  it.effect("Enact refuses anything that is not a handle built by Connector.make, however close a copy", () =>
    Effect.gen(function*() {
      const real = makeKv({ allowedActions: ["get"] }).connector
      const forgeries: Record<string, unknown> = {
        plain: { kind: "kv", allowedActions: new Set(["get", "set"]), readOnlyActions: new Set(["get"]) },
        spread: { ...real },
        inheriting: Object.create(real),
        proxied: new Proxy(real, {}),
        frozenCopy: Object.freeze(Object.assign(Object.create(Object.getPrototypeOf(real)), real))
      }
      for (const [name, forged] of Object.entries(forgeries)) {
        const exit = yield* Effect.exit(setup({ systems: { kv: forged as Connector.Connector }, workflows: [noop] }))
        assert.isTrue(Exit.isFailure(exit), `${name} was accepted as a connector`)
        if (Exit.isFailure(exit)) {
          const e = Cause.squash(exit.cause)
          assert.instanceOf(e, TypeError, name)
          assert.include((e as TypeError).message, "systems.kv", name)
        }
        assert.isFalse(Connector.isConnector(forged), name)
      }
    }))

  it.effect("a second Enact over the same handle enforces the same allowlist", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["get"] })
      const first = yield* setup({ systems: { kv: kv.connector }, workflows: [noop] })
      const second = yield* setup({ systems: { kv: kv.connector, again: kv.connector }, workflows: [noop] })
      for (const [enact, system] of [[first.enact, "kv"], [second.enact, "kv"], [second.enact, "again"]] as const) {
        const { receipt } = yield* enact.runAction({ system, action: "set", args: { key: "a", value: "1" }, user: "u" })
        assert.strictEqual(receipt.decision, "PARTIAL")
        assert.include(receipt.actions_taken[0]?.error ?? "", "NotAllowed")
      }
      assert.deepStrictEqual(kv.log, [])
    }))
})

describe("what workflows can call", () => {
  it.effect("inverses, disallowed actions and Object.prototype names are refused, recorded, and run nothing", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["get", "set"] })
      const names = ["restore", "publish", "fail", "__proto__", "constructor", "toString", "hasOwnProperty", "prototype", "valueOf"]
      const systems = ["__proto__", "constructor", "toString", "hasOwnProperty"]
      const wf = Workflow.make({
        name: "probe",
        payload: Schema.Json,
        run: (ctx) =>
          Effect.gen(function*() {
            for (const action of names) yield* Effect.exit(ctx.act("kv", { action, args: { key: "k", value: "v" } }))
            for (const system of systems) yield* Effect.exit(ctx.act(system, set("k", "v")))
          })
      })
      const { enact } = yield* setup({ systems: { kv: kv.connector }, workflows: [wf] })
      const { receipt } = yield* enact.run({ workflow: "probe", user: "u", payload: {} })
      assert.strictEqual(receipt.actions_taken.length, names.length + systems.length, "every attempt is recorded")
      for (const a of receipt.actions_taken) {
        assert.isFalse(a.success, `${a.system}.${a.action}`)
        assert.match(a.error ?? "", /NotAllowed|UnknownAction|UnknownSystem/, `${a.system}.${a.action}`)
        assert.isNull(a.rollback_data)
      }
      assert.deepStrictEqual(kv.log, [])
      assert.deepStrictEqual(yield* enact.verify(receipt), { valid: true })
    }))

  it.effect("runAction cannot name an inverse or a disallowed action", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["get"] })
      const { enact } = yield* setup({ systems: { kv: kv.connector } })
      for (const action of ["restore", "set", "publish"]) {
        const { receipt } = yield* enact.runAction({ system: "kv", action, args: { key: "a", value: "1" }, user: "u" })
        assert.strictEqual(receipt.decision, "PARTIAL", action)
        assert.isFalse(receipt.actions_taken[0]?.success, action)
      }
      assert.deepStrictEqual(kv.log, [])
    }))

  it.effect("the policy context offers only read and history, the workflow context only act; both frozen", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["get", "set"] })
      const seen: { policy?: PolicyContext; workflow?: WorkflowContext } = {}
      const grab = Policy.make("grab", (ctx) => {
        seen.policy = ctx
        return Policy.pass("grabbed")
      })
      const wf = Workflow.make({
        name: "grab",
        payload: Schema.Json,
        run: (ctx) =>
          Effect.sync(() => {
            seen.workflow = ctx
          })
      })
      const { enact } = yield* setup({ systems: { kv: kv.connector }, policies: [grab], workflows: [wf] })
      yield* enact.run({ workflow: "grab", user: "u", payload: { nested: { list: [1, { deep: true }] } }, userAttributes: { role: { name: "dev" } } })
      const { policy, workflow } = seen
      assert.isDefined(policy)
      assert.isDefined(workflow)
      if (policy === undefined || workflow === undefined) return
      assert.deepStrictEqual(functionPaths(policy), ["history", "read"])
      assert.deepStrictEqual(functionPaths(workflow), ["act"])
      for (const ctx of [policy, workflow]) {
        assert.isTrue(Object.isFrozen(ctx))
        assert.throws(() => {
          ;(ctx as { payload: unknown }).payload = {}
        })
        assert.throws(() => {
          ;((ctx.payload as { nested: { list: Array<unknown> } }).nested.list).push(2)
        })
        assert.throws(() => {
          ;((ctx.userAttributes as { role: { name: string } }).role).name = "admin"
        })
      }
    }))

  it.effect("results, errors and outcomes hold nothing callable", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["get", "set"] })
      const got: { result?: ActionResult; error?: unknown } = {}
      const wf = Workflow.make({
        name: "collect",
        payload: Schema.Json,
        run: (ctx) =>
          Effect.gen(function*() {
            got.result = yield* ctx.act("kv", set("a", "1"))
            got.error = yield* Effect.flip(ctx.act("kv", { action: "publish", args: { key: "a" } }))
          })
      })
      const { enact } = yield* setup({ systems: { kv: kv.connector }, workflows: [wf] })
      const outcome = yield* enact.run({ workflow: "collect", user: "u", payload: {} })
      assert.instanceOf(got.error, ConnectorError.ConnectorError)
      assert.deepStrictEqual(functionPaths(got.result), [])
      assert.deepStrictEqual(functionPaths(got.error), [])
      assert.deepStrictEqual(functionPaths(outcome), [])
    }))

  it.effect("the result ctx.act returns cannot be edited into the signed receipt (no forged rollback data)", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      kv.data.set("victim", "original")
      const wf = Workflow.make({
        name: "forge",
        payload: Schema.Json,
        run: (ctx) =>
          Effect.gen(function*() {
            const r = (yield* ctx.act("kv", set("a", "1"))) as { -readonly [K in keyof ActionResult]: unknown }
            try {
              r.rollback_data = { action: "restore", args: { key: "victim", value: "pwned" } }
              r.args = { key: "elsewhere", value: "1" }
              r.success = false
            } catch {
              // a frozen result is the fix
            }
          })
      })
      const { enact } = yield* setup({ systems: { kv: kv.connector }, workflows: [wf] })
      const { receipt } = yield* enact.run({ workflow: "forge", user: "u", payload: {} })
      const recorded = receipt.actions_taken[0]
      assert.deepStrictEqual(recorded?.args, { key: "a", value: "1" })
      assert.deepStrictEqual(recorded?.rollback_data, { action: "restore", args: { expected: "1", key: "a", value: null } })
      assert.isTrue(recorded?.success)
      yield* enact.rollback(receipt.run_id)
      assert.deepStrictEqual(stateOf(kv.data), { victim: "original" }, "rollback undid the write and touched nothing else")
    }))

  it.live("the result an async workflow's act resolves with cannot be edited into the signed receipt", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      kv.data.set("victim", "original")
      const wf = Workflow.makeAsync({
        name: "forge_async",
        payload: Schema.Json,
        run: async (ctx) => {
          const r = (await ctx.act("kv", set("a", "1"))) as { -readonly [K in keyof ActionResult]: unknown }
          try {
            r.rollback_data = { action: "restore", args: { key: "victim", value: "pwned" } }
          } catch {
            // a frozen result is the fix
          }
        }
      })
      const { enact } = yield* setup({ systems: { kv: kv.connector }, workflows: [wf] })
      const { receipt } = yield* enact.run({ workflow: "forge_async", user: "u", payload: {} })
      assert.deepStrictEqual(receipt.actions_taken[0]?.rollback_data, { action: "restore", args: { expected: "1", key: "a", value: null } })
      yield* enact.rollback(receipt.run_id)
      assert.deepStrictEqual(stateOf(kv.data), { victim: "original" })
    }))

  it.effect("a workflow that keeps ctx.act cannot act after its receipt is sealed", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      let kept: WorkflowContext["act"] | undefined
      const wf = Workflow.make({
        name: "keep",
        payload: Schema.Json,
        run: (ctx) =>
          Effect.andThen(
            Effect.sync(() => {
              kept = ctx.act
            }),
            ctx.act("kv", set("a", "1"))
          )
      })
      const { enact, store } = yield* setup({ systems: { kv: kv.connector }, workflows: [wf] })
      const { receipt } = yield* enact.run({ workflow: "keep", user: "u", payload: {}, runId: "kept-act" })
      assert.isDefined(kept)
      const late = yield* Effect.exit(kept!("kv", set("b", "2")))
      assert.isTrue(Exit.isFailure(late))
      assert.deepStrictEqual(stateOf(kv.data), { a: "1" })
      const stored = yield* store.get("kept-act")
      assert.isTrue(Option.isSome(stored))
      if (Option.isSome(stored)) assert.deepStrictEqual(stored.value, receipt)
      // A later run of the same workflow (a fresh context) does not revive the kept one either.
      const first = kept!
      yield* enact.run({ workflow: "keep", user: "u", payload: {} })
      assert.notStrictEqual(kept, first)
      assert.isTrue(Exit.isFailure(yield* Effect.exit(first("kv", set("c", "3")))))
      assert.isFalse(kv.data.has("c"))
    }))

  it.effect("a workflow's ctx.read, where offered, reads (the context type promises it)", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["get"] })
      kv.data.set("a", "1")
      const wf = Workflow.make({
        name: "reads",
        payload: Schema.Json,
        run: (ctx) => {
          const read = (ctx as { readonly read?: PolicyContext["read"] }).read
          return read === undefined ? Effect.succeed("no read offered") : read("kv", { action: "get", args: { key: "a" } })
        }
      })
      const { enact } = yield* setup({ systems: { kv: kv.connector }, workflows: [wf] })
      const { receipt, result } = yield* enact.run({ workflow: "reads", user: "u", payload: {} })
      assert.strictEqual(receipt.decision, "PASS", receipt.reason ?? "")
      assert.oneOf(JSON.stringify(result.output), [JSON.stringify("no read offered"), JSON.stringify({ key: "a", value: "1" })])
    }))
})
