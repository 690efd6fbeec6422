/**
 * A policy that never answers (a hung lookup, a hostile Effect that refuses to be interrupted) fails closed
 * after `policyTimeout`: the run still ends in a signed BLOCK receipt, every other policy is still
 * evaluated and recorded once, in order, and nothing the abandoned policy does later changes the receipt.
 */
import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Schema } from "effect"
import { EnactClient } from "../../src/Client.ts"
import type { Receipt } from "../../src/Model.ts"
import * as Policy from "../../src/Policy.ts"
import * as Workflow from "../../src/Workflow.ts"
import { SECRET } from "../support/enact.ts"
import { makeKv } from "../support/kv.ts"

const acting = Workflow.make({
  name: "acting",
  payload: Schema.Json,
  run: (ctx) => ctx.act("kv", { action: "set", args: { key: "x", value: "v" } })
})

const runWith = async (policies: ReadonlyArray<Policy.Policy>, policyTimeout: Duration.Input) => {
  const kv = makeKv({ allowedActions: ["get", "set"] })
  const client = new EnactClient({ secret: SECRET, store: "memory", systems: { kv: kv.connector }, policies, workflows: [acting], policyTimeout })
  try {
    const started = performance.now()
    const { receipt } = await client.run({ workflow: "acting", user: "u", payload: {} })
    const elapsed = performance.now() - started
    const verified = await client.verify(receipt)
    return { receipt, elapsed, verified, kv }
  } finally {
    await client.close()
  }
}

const names = (r: Receipt) => r.policy_results.map((p) => [p.policy, p.passed])
const after = (name: string) => Policy.make(name, () => Policy.pass(`${name} ran`))

describe("policy time limit", () => {
  it.live("a policy whose Effect never finishes: BLOCK naming the limit; the others are evaluated; nothing acts", () =>
    Effect.promise(async () => {
      const { receipt, verified, kv } = await runWith([Policy.make("hung", () => Effect.never), after("next")], "100 millis")
      assert.strictEqual(receipt.decision, "BLOCK")
      assert.deepStrictEqual(names(receipt), [["hung", false], ["next", true]])
      assert.match(receipt.policy_results[0]!.reason, /fail closed.*did not finish within 100ms/)
      assert.deepStrictEqual(verified, { valid: true })
      assert.deepStrictEqual(kv.log, [])
    }))

  it.live("a policy that refuses to be interrupted does not hold the run up, and records nothing once abandoned", () =>
    Effect.promise(async () => {
      let finishedLate = false
      const stubborn = Policy.make("stubborn", () =>
        Effect.uninterruptible(Effect.sleep("400 millis").pipe(
          Effect.andThen(Effect.sync(() => (finishedLate = true))),
          Effect.as(Policy.pass("too late"))
        )))
      const forever = Policy.make("forever", () => Effect.uninterruptible(Effect.never))
      const { receipt, elapsed, kv } = await runWith([stubborn, after("middle"), forever, after("last")], "100 millis")
      assert.isBelow(elapsed, 390, "the run waited for a policy past its time")
      assert.strictEqual(receipt.decision, "BLOCK")
      assert.deepStrictEqual(names(receipt), [["stubborn", false], ["middle", true], ["forever", false], ["last", true]])
      assert.deepStrictEqual(kv.log, [])
      await new Promise((resolve) => setTimeout(resolve, 450))
      assert.isTrue(finishedLate, "the abandoned policy did run to its end")
      assert.deepStrictEqual(names(receipt), [["stubborn", false], ["middle", true], ["forever", false], ["last", true]])
    }))

  it.live("the limit is per policy: several slow policies that each finish in time all pass", () =>
    Effect.promise(async () => {
      const slow = (name: string) => Policy.make(name, () => Effect.as(Effect.sleep("60 millis"), Policy.pass(`${name} done`)))
      const { receipt, kv } = await runWith([slow("a"), slow("b"), slow("c"), slow("d")], "150 millis")
      assert.strictEqual(receipt.decision, "PASS")
      assert.deepStrictEqual(names(receipt), [["a", true], ["b", true], ["c", true], ["d", true]])
      assert.deepStrictEqual(kv.log, ["x=v"])
    }))

  it.live("a policy timeout that is not a positive duration is refused when the client starts", () =>
    Effect.promise(async () => {
      for (const bad of ["0 millis", "-5 seconds", "soon"]) {
        const client = new EnactClient({ secret: SECRET, store: "memory", workflows: [acting], policyTimeout: bad as Duration.Input })
        try {
          const failed = await client.run({ workflow: "acting", user: "u", payload: {} }).then(() => undefined, (e: unknown) => e)
          assert.match(String(failed), /policyTimeout must be a positive duration/, bad)
        } finally {
          await client.close().catch(() => undefined)
        }
      }
    }))
})
