/**
 * Capabilities, not objects (issue 6, item 1), from the policy side: policies look at systems only
 * through `ctx.read` (read-only actions the instance allows, every read recorded in the receipt); nothing
 * they can keep, fork or reach through their Effect context lets them read later, unrecorded, or change
 * a system.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Option, Schema } from "effect"
import { EnactClient } from "../../src/Client.ts"
import * as Enact from "../../src/Enact.ts"
import * as Policy from "../../src/Policy.ts"
import * as Workflow from "../../src/Workflow.ts"
import type { PolicyContext } from "../../src/WorkflowContext.ts"
import { SECRET, setup, stateOf } from "../support/enact.ts"
import { makeKv } from "../support/kv.ts"
import { makeEcho, makeSlowKv } from "./support/systems.ts"

const set = (key: string, value: string) => ({ action: "set", args: { key, value } })
const noop = Workflow.make({ name: "noop", payload: Schema.Json, run: () => Effect.void })

describe("what policies can call", () => {
  it.effect("ctx.read refuses mutating, disallowed, inverse and unknown actions, runs none of them, and records every read", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["get", "set"] })
      kv.data.set("a", "1")
      const writeOnly = makeKv({ allowedActions: ["set"], kind: "wo" })
      const attempts: ReadonlyArray<readonly [string, { action: string; args: { key: string; value?: string } }]> = [
        ["kv", set("a", "policy")],
        ["kv", { action: "publish", args: { key: "a" } }],
        ["kv", { action: "restore", args: { key: "a", value: "policy" } }],
        ["wo", { action: "get", args: { key: "a" } }],
        ["nowhere", { action: "get", args: { key: "a" } }],
        ["kv", { action: "get", args: { key: "a" } }]
      ]
      const prober = Policy.make("prober", (ctx) =>
        Effect.as(Effect.forEach(attempts, ([system, call]) => Effect.exit(ctx.read(system, call))), Policy.pass("probed")))
      const { enact } = yield* setup({ systems: { kv: kv.connector, wo: writeOnly.connector }, policies: [prober], workflows: [noop] })
      const { receipt } = yield* enact.run({ workflow: "noop", user: "u", payload: {} })
      assert.deepStrictEqual(receipt.policy_reads.map((r) => [r.system, r.action, r.success]), attempts.map(([s, c], i) => [s, c.action, i === attempts.length - 1]))
      assert.deepStrictEqual(receipt.policy_reads.at(-1)?.output, { key: "a", value: "1" })
      assert.deepStrictEqual(kv.log, [])
      assert.deepStrictEqual(writeOnly.log, [])
      assert.deepStrictEqual(stateOf(kv.data), { a: "1" })
    }))

  it.effect("a policy that keeps ctx.read cannot read later (from the workflow or after the run)", () =>
    Effect.gen(function*() {
      const echo = makeEcho()
      let kept: PolicyContext["read"] | undefined
      const keeper = Policy.make("keeper", (ctx) => {
        kept = ctx.read
        return Policy.pass("kept")
      })
      const wf = Workflow.make({
        name: "use_kept",
        payload: Schema.Json,
        run: () => (kept === undefined ? Effect.void : Effect.exit(kept("echo", { action: "peek", args: { from: "workflow" } })))
      })
      const { enact } = yield* setup({ systems: { echo: echo.connector }, policies: [keeper], workflows: [wf] })
      const { receipt } = yield* enact.run({ workflow: "use_kept", user: "u", payload: {} })
      assert.isTrue(Exit.isFailure(yield* Effect.exit(kept!("echo", { action: "peek", args: { from: "after" } }))))
      assert.strictEqual(echo.applied.n, 0)
      assert.deepStrictEqual(echo.received, [])
      assert.deepStrictEqual(receipt.policy_reads, [])
    }))

  it.live("a read a policy starts in a detached fiber is either refused or recorded in the receipt", () =>
    Effect.gen(function*() {
      const slow = makeSlowKv(20)
      const forker = Policy.make("forker", (ctx) =>
        Effect.gen(function*() {
          yield* Effect.forkDetach(ctx.read("slow", { action: "get", args: { key: "a" } }))
          yield* Effect.yieldNow
          return Policy.pass("forked a read")
        }))
      const { enact } = yield* setup({ systems: { slow: slow.connector }, policies: [forker], workflows: [noop] })
      const { receipt } = yield* enact.run({ workflow: "noop", user: "u", payload: {} })
      yield* Effect.sleep(60)
      assert.strictEqual(
        receipt.policy_reads.length,
        slow.applied.get,
        "every read that reached the system is in the receipt's policy_reads"
      )
    }))

  it.live("a policy cannot reach the Enact service through its Effect context to run a mutating action", () =>
    Effect.promise(async () => {
      const kv = makeKv({ allowedActions: ["get", "set"] })
      let armed = true
      const sneaky = Policy.make("sneaky", () =>
        Effect.gen(function*() {
          if (!armed) return Policy.pass("inner run")
          armed = false
          const service = yield* Effect.serviceOption(Enact.Enact)
          if (Option.isSome(service)) {
            yield* Effect.exit(service.value.runAction({ system: "kv", action: "set", args: { key: "p", value: "policy" }, user: "policy" }))
          }
          return Policy.pass("looked around")
        }))
      const client = new EnactClient({ secret: SECRET, store: "memory", systems: { kv: kv.connector }, policies: [sneaky], workflows: [noop] })
      try {
        const { receipt } = await client.run({ workflow: "noop", user: "u", payload: {} })
        assert.strictEqual(receipt.decision, "PASS")
        assert.deepStrictEqual(stateOf(kv.data), {}, "a policy changed a system")
      } finally {
        await client.close()
      }
    }))

  it.effect("a policy sees the shared services of the run's own caller, even when callers alternate, and never an unshared one", () =>
    Effect.gen(function*() {
      class Shared extends Context.Service<Shared, { readonly who: string }>()("test/PolicyCapabilities/Shared") {}
      class Private extends Context.Service<Private, { readonly who: string }>()("test/PolicyCapabilities/Private") {}
      Policy.shareService(Shared)
      const looker = Policy.make("looker", () =>
        Effect.gen(function*() {
          const shared = yield* Effect.serviceOption(Shared)
          const hidden = yield* Effect.serviceOption(Private)
          return Policy.pass(`shared=${Option.isSome(shared) ? shared.value.who : "none"} private=${Option.isSome(hidden) ? hidden.value.who : "none"}`)
        }))
      const { enact } = yield* setup({ policies: [looker], workflows: [noop] })
      const runAs = (who: string | undefined) => {
        const run = enact.run({ workflow: "noop", user: "u", payload: {} }).pipe(Effect.provideService(Private, { who: `${who}-private` }))
        return Effect.map(who === undefined ? run : Effect.provideService(run, Shared, { who }), (o) => o.receipt.policy_results[0]?.reason)
      }
      for (const who of ["alice", "bob", "alice", undefined, "bob"]) {
        assert.strictEqual(yield* runAs(who), `shared=${who ?? "none"} private=none`)
      }
    }))
})
