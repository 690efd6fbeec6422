/**
 * One snapshot of the request (issue 6, item 2) as properties over generated hostile values: objects with
 * getters, Proxies whose traps lie after the first read, vanishing keys, hidden fields, class instances,
 * `toJSON`, revoked Proxies, holes, BigInt and the like, anywhere in the payload, the user attributes, the
 * action arguments or a connector's output. Every trap answers honestly once, so reading once has exactly
 * one correct result (`expected`); the receipt must hold it, and everybody must have seen it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import type { Scope } from "effect"
import fc from "fast-check"
import type { Json } from "../../src/Model.ts"
import * as Workflow from "../../src/Workflow.ts"
import { setup, toJson } from "../support/enact.ts"
import { assertOneSnapshot, observe } from "./support/observe.ts"
import { build, canonical, expected, objectRecipe, recipe } from "./support/recipes.ts"
import { makeEcho } from "./support/systems.ts"

const RUNS = 150

const check = <A>(arb: fc.Arbitrary<A>, body: (a: A) => Effect.Effect<void, unknown, Scope.Scope>) =>
  fc.assert(fc.asyncProperty(arb, (a) => Effect.runPromise(Effect.scoped(body(a)))), { numRuns: RUNS })

describe("generated hostile requests", () => {
  it("payload: the receipt holds the one reading of it that the policy and the workflow saw and the connector received", () =>
    check(recipe, (r) =>
      Effect.gen(function*() {
        const want = expected(r)
        const o = yield* observe({ payload: build(r) })
        const verdict = assertOneSnapshot(o)
        assert.strictEqual(verdict, want.refused ? "refused" : "accepted", o.outcome.receipt.reason ?? "")
        if (!want.refused) assert.strictEqual(canonical(o.outcome.receipt.payload), canonical(want.value))
      })))

  it("user attributes: the same, for the attributes every policy is given", () =>
    check(objectRecipe, (r) =>
      Effect.gen(function*() {
        const want = expected(r)
        const o = yield* observe({ payload: { fixed: true }, userAttributes: build(r) })
        const verdict = assertOneSnapshot(o)
        assert.strictEqual(verdict, want.refused ? "refused" : "accepted", o.outcome.receipt.reason ?? "")
        if (!want.refused) assert.strictEqual(canonical(o.outcome.receipt.user_attributes), canonical(want.value))
      })))

  it("action args: the connector receives exactly what the receipt records, or nothing when they are refused", () =>
    check(recipe, (r) =>
      Effect.gen(function*() {
        const want = expected(r)
        const echo = makeEcho()
        const wf = Workflow.make({
          name: "send",
          payload: Schema.Json,
          run: (ctx) => Effect.exit(ctx.act("echo", { action: "echo", args: build(r) as Json }))
        })
        const { enact } = yield* setup({ systems: { echo: echo.connector }, workflows: [wf] })
        const { receipt } = yield* enact.run({ workflow: "send", user: "u", payload: {} })
        assert.isTrue((yield* enact.verify(toJson(receipt))).valid)
        const action = receipt.actions_taken[0]
        if (want.refused) {
          assert.deepStrictEqual(echo.received, [])
          assert.isFalse(action?.success)
          assert.include(action?.error ?? "", "args")
        } else {
          assert.deepStrictEqual(echo.received, [canonical(want.value)])
          assert.strictEqual(canonical(action?.args), canonical(want.value))
        }
      })))

  it("connector output: the workflow sees exactly what the receipt records", () =>
    check(recipe, (r) =>
      Effect.gen(function*() {
        const want = expected(r)
        const echo = makeEcho({ output: () => build(r) })
        const seen: Array<string> = []
        const wf = Workflow.make({
          name: "fetch",
          payload: Schema.Json,
          run: (ctx) => Effect.map(ctx.act("echo", { action: "peek", args: {} }), (res) => seen.push(canonical(res.output)))
        })
        const { enact } = yield* setup({ systems: { echo: echo.connector }, workflows: [wf] })
        const { receipt } = yield* enact.run({ workflow: "fetch", user: "u", payload: {} })
        assert.isTrue((yield* enact.verify(toJson(receipt))).valid)
        const recorded = receipt.actions_taken[0]?.output
        assert.deepStrictEqual(seen, [canonical(recorded)])
        assert.strictEqual(canonical(recorded), want.refused ? "null" : canonical(want.value))
      })))
})
