/**
 * Input limits (issue 6, item 13), attacked: payloads over the size limit (default 1 MiB, configurable)
 * or deeper than the depth limit (default 64) are refused at entry with a signed BLOCK receipt that says
 * so, cheaply; the same limits bound user attributes, action arguments and what connectors return.
 * The 50 MB refusal is timed and the figure printed (not asserted).
 */
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Schema } from "effect"
import { EnactClient } from "../../src/Client.ts"
import type { Json } from "../../src/Model.ts"
import * as Policy from "../../src/Policy.ts"
import * as Workflow from "../../src/Workflow.ts"
import { SECRET, setup, toJson } from "../support/enact.ts"
import { makeEcho } from "./support/systems.ts"

const MiB = 1024 * 1024

/** `{"s":"xxx…"}` whose JSON text is exactly `bytes` long. */
const payloadOfSize = (bytes: number) => ({ s: "x".repeat(bytes - 8) })

/** `depth` arrays nested in one another. */
const nested = (depth: number): Json => {
  let v: Json = "leaf"
  for (let i = 0; i < depth; i++) v = [v]
  return v
}

const harness = (limits?: { readonly maxBytes?: number; readonly maxDepth?: number }) =>
  Effect.gen(function*() {
    const echo = makeEcho()
    const looked = { n: 0 }
    const look = Policy.make("look", () => {
      looked.n++
      return Policy.pass("looked")
    })
    const wf = Workflow.make({ name: "take", payload: Schema.Json, run: (ctx) => ctx.act("echo", { action: "echo", args: { n: 1 } }) })
    const { enact } = yield* setup({ systems: { echo: echo.connector }, policies: [look], workflows: [wf], ...(limits === undefined ? {} : { limits }) })
    return { enact, echo, looked }
  })

const assertLimitBlock = (receipt: { readonly decision: string; readonly reason: string | null; readonly policy_results: ReadonlyArray<{ readonly policy: string }> }, words: RegExp) => {
  assert.strictEqual(receipt.decision, "BLOCK")
  assert.strictEqual(receipt.policy_results[0]?.policy, "request_limits")
  assert.match(receipt.reason ?? "", words)
}

describe("payload size", () => {
  it.effect("the default limit is 1 MiB of JSON text: exactly 1 MiB runs, one byte more is a BLOCK receipt that says so", () =>
    Effect.gen(function*() {
      const { echo, enact, looked } = yield* harness()
      assert.strictEqual(JSON.stringify(payloadOfSize(MiB)).length, MiB)
      const ok = yield* enact.run({ workflow: "take", user: "u", payload: payloadOfSize(MiB) })
      assert.strictEqual(ok.receipt.decision, "PASS")
      const over = yield* enact.run({ workflow: "take", user: "u", payload: payloadOfSize(MiB + 1) })
      assertLimitBlock(over.receipt, /size limit.*1048576 bytes/)
      assert.include(over.receipt.reason ?? "", "payload")
      assert.isNull(over.receipt.payload, "the refused payload is not copied into the receipt")
      assert.isBelow(JSON.stringify(over.receipt).length, 4096)
      assert.isTrue((yield* enact.verify(toJson(over.receipt))).valid)
      assert.strictEqual(looked.n, 1, "no policy saw the oversized payload")
      assert.strictEqual(echo.applied.n, 1, "only the accepted run acted")
    }))

  it.effect("multi-byte characters count as their UTF-8 bytes", () =>
    Effect.gen(function*() {
      const { enact } = yield* harness({ maxBytes: 100 })
      const ascii = yield* enact.run({ workflow: "take", user: "u", payload: { s: "x".repeat(60) } })
      assert.strictEqual(ascii.receipt.decision, "PASS")
      const wide = yield* enact.run({ workflow: "take", user: "u", payload: { s: "€".repeat(60) } })
      assertLimitBlock(wide.receipt, /size limit/)
    }))

  it.live("a 50 MB string payload is refused with a BLOCK receipt (time printed)", () =>
    Effect.gen(function*() {
      const { enact, looked } = yield* harness()
      const payload = { s: "x".repeat(50 * 1000 * 1000) }
      const started = performance.now()
      const { receipt } = yield* enact.run({ workflow: "take", user: "u", payload })
      const ms = performance.now() - started
      console.info(`[limits] 50 MB string payload refused in ${ms.toFixed(1)} ms`)
      assertLimitBlock(receipt, /size limit/)
      assert.strictEqual(looked.n, 0)
    }))

  it.effect("a huge sparse array or a Proxy claiming a huge length is refused by size without walking it", () =>
    Effect.gen(function*() {
      const { enact } = yield* harness()
      const huge = new Array(2 ** 31)
      const liar = new Proxy([], { get: (t, k, r) => (k === "length" ? 1e12 : Reflect.get(t, k, r)) })
      for (const payload of [huge, { list: liar }]) {
        const { receipt } = yield* enact.run({ workflow: "take", user: "u", payload })
        assertLimitBlock(receipt, /size limit/)
      }
    }))

  it.effect("the limit is configurable through Enact.make({ limits })", () =>
    Effect.gen(function*() {
      const small = yield* harness({ maxBytes: 100 })
      assert.strictEqual((yield* small.enact.run({ workflow: "take", user: "u", payload: payloadOfSize(100) })).receipt.decision, "PASS")
      assertLimitBlock((yield* small.enact.run({ workflow: "take", user: "u", payload: payloadOfSize(101) })).receipt, /size limit.*100 bytes/)
      const large = yield* harness({ maxBytes: 4 * MiB })
      assert.strictEqual((yield* large.enact.run({ workflow: "take", user: "u", payload: payloadOfSize(2 * MiB) })).receipt.decision, "PASS")
    }))

  it.effect("limits that are not positive numbers are refused when Enact is built", () =>
    Effect.gen(function*() {
      for (const limits of [{ maxBytes: 0 }, { maxBytes: -1 }, { maxBytes: Number.NaN }, { maxDepth: 0 }, { maxDepth: Number.NaN }]) {
        const exit = yield* Effect.exit(setup({ limits }))
        assert.isTrue(Exit.isFailure(exit), JSON.stringify(limits))
        if (Exit.isFailure(exit)) assert.include(String(Cause.squash(exit.cause)), "limits")
      }
    }))
})

describe("payload depth", () => {
  it.effect("64 levels run by default; 65 are a BLOCK receipt that says so", () =>
    Effect.gen(function*() {
      const { enact } = yield* harness()
      assert.strictEqual((yield* enact.run({ workflow: "take", user: "u", payload: nested(64) })).receipt.decision, "PASS")
      const deep = yield* enact.run({ workflow: "take", user: "u", payload: nested(65) })
      assertLimitBlock(deep.receipt, /nested deeper than the limit of 64/)
    }))

  it.effect("a 100 000-level payload is refused without overflowing the stack; the depth is configurable", () =>
    Effect.gen(function*() {
      const { enact } = yield* harness()
      assertLimitBlock((yield* enact.run({ workflow: "take", user: "u", payload: nested(100_000) })).receipt, /nested deeper/)
      const shallow = yield* harness({ maxDepth: 3 })
      assert.strictEqual((yield* shallow.enact.run({ workflow: "take", user: "u", payload: nested(3) })).receipt.decision, "PASS")
      assertLimitBlock((yield* shallow.enact.run({ workflow: "take", user: "u", payload: nested(4) })).receipt, /limit of 3/)
    }))
})

describe("the same limits elsewhere", () => {
  it.effect("oversized or too deep user attributes are a BLOCK receipt naming them", () =>
    Effect.gen(function*() {
      const { enact, looked } = yield* harness({ maxBytes: 100, maxDepth: 3 })
      const big = yield* enact.run({ workflow: "take", user: "u", payload: {}, userAttributes: { bio: "x".repeat(200) } })
      assertLimitBlock(big.receipt, /userAttributes/)
      const deep = yield* enact.run({ workflow: "take", user: "u", payload: {}, userAttributes: { a: nested(5) } })
      assertLimitBlock(deep.receipt, /userAttributes/)
      assert.strictEqual(looked.n, 0)
    }))

  it.effect("oversized action args are refused before the connector and the attempt is recorded", () =>
    Effect.gen(function*() {
      const echo = makeEcho()
      const wf = Workflow.make({ name: "big_args", payload: Schema.Json, run: (ctx) => ctx.act("echo", { action: "echo", args: { s: "x".repeat(200) } }) })
      const { enact } = yield* setup({ systems: { echo: echo.connector }, workflows: [wf], limits: { maxBytes: 100 } })
      const { receipt } = yield* enact.run({ workflow: "big_args", user: "u", payload: {} })
      assert.strictEqual(receipt.decision, "PARTIAL")
      assert.isFalse(receipt.actions_taken[0]?.success)
      assert.match(receipt.actions_taken[0]?.error ?? "", /size limit/)
      assert.deepStrictEqual(echo.received, [])
    }))

  it.effect("runAction args over the limit are a BLOCK receipt", () =>
    Effect.gen(function*() {
      const echo = makeEcho()
      const { enact } = yield* setup({ systems: { echo: echo.connector }, limits: { maxBytes: 100 } })
      const { receipt } = yield* enact.runAction({ system: "echo", action: "echo", args: { s: "x".repeat(200) }, user: "u" })
      assertLimitBlock(receipt, /size limit/)
      assert.deepStrictEqual(echo.received, [])
    }))

  it.effect("an oversized connector output is not recorded, and the workflow sees what the receipt says", () =>
    Effect.gen(function*() {
      const echo = makeEcho({ output: () => ({ s: "x".repeat(500) }) })
      const seen: Array<unknown> = []
      const wf = Workflow.make({
        name: "big_output",
        payload: Schema.Json,
        run: (ctx) => Effect.map(ctx.act("echo", { action: "peek", args: {} }), (r) => seen.push(r.output))
      })
      const { enact } = yield* setup({ systems: { echo: echo.connector }, workflows: [wf], limits: { maxBytes: 100 } })
      const { receipt } = yield* enact.run({ workflow: "big_output", user: "u", payload: {} })
      assert.isNull(receipt.actions_taken[0]?.output)
      assert.match(receipt.actions_taken[0]?.error ?? "", /size limit/)
      assert.deepStrictEqual(seen, [null])
    }))

  it("EnactClient takes the same limits and answers an oversized payload with a BLOCK receipt", async () => {
    const client = new EnactClient({
      secret: SECRET,
      store: "memory",
      limits: { maxBytes: 100 },
      workflows: [Workflow.make({ name: "take", payload: Schema.Json, run: () => Effect.void })]
    })
    try {
      const { receipt } = await client.run({ workflow: "take", user: "u", payload: payloadOfSize(101) })
      assertLimitBlock(receipt, /size limit/)
      assert.isTrue((await client.verify(receipt)).valid)
    } finally {
      await client.close()
    }
  })
})
