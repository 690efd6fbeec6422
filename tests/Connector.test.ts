import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Connector from "../src/Connector.ts"
import * as Workflow from "../src/Workflow.ts"
import { setup } from "./support/enact.ts"

/** A counter whose actions and inverse declare their arguments as Schemas. */
const makeTyped = () => {
  const state = { n: 0, calls: 0 }
  const connector = Connector.make({
    kind: "typed",
    allowedActions: ["add"],
    actions: {
      add: Connector.mutating(Schema.Struct({ by: Schema.Int }), ({ by }) =>
        Effect.sync(() => {
          state.calls++
          const before = state.n
          return {
            alreadyDone: by === 0,
            rollback: { action: "set", args: { from: before + by, to: before } },
            apply: Effect.sync(() => ({ n: (state.n += by) }))
          }
        }))
    },
    inverses: {
      set: Connector.inverse(Schema.Struct({ from: Schema.Int, to: Schema.Int }), ({ from, to }) =>
        Effect.sync(() => {
          if (state.n === to) return { restored: false }
          if (state.n !== from) throw new Error("moved on")
          state.n = to
          return { restored: true }
        }))
    }
  })
  return { connector, state }
}

const add = Workflow.make({
  name: "add",
  payload: Schema.Json,
  run: (ctx) => ctx.act("counter", { action: "add", args: ctx.payload })
})

describe("Schema-typed connector actions and inverses", () => {
  it.effect("arguments that do not decode fail with InvalidArgs naming the system, the action and the field; prepare never runs", () =>
    Effect.gen(function*() {
      const { connector, state } = makeTyped()
      const { enact } = yield* setup({ systems: { counter: connector }, workflows: [add] })
      for (const args of [{ by: "1" }, { by: 1, extra: true }, {}, { by: 1.5 }]) {
        const o = yield* enact.run({ workflow: "add", user: "u", payload: args })
        assert.strictEqual(o.result.decision, "PARTIAL")
        const error = o.receipt.actions_taken[0]?.error ?? ""
        assert.match(error, /^counter\.add: InvalidArgs: Invalid arguments: /, error)
      }
      assert.strictEqual(state.calls, 0)
      assert.strictEqual(state.n, 0)
    }))

  it.effect("decoded arguments reach prepare; the typed inverse undoes the run", () =>
    Effect.gen(function*() {
      const { connector, state } = makeTyped()
      const { enact } = yield* setup({ systems: { counter: connector }, workflows: [add] })
      const o = yield* enact.run({ workflow: "add", user: "u", payload: { by: 5 } })
      assert.strictEqual(o.result.decision, "PASS")
      assert.strictEqual(state.n, 5)
      const rb = yield* enact.rollback(o.receipt.run_id)
      assert.strictEqual(rb.result.decision, "ROLLED_BACK")
      assert.strictEqual(state.n, 0)
    }))

  it.effect("rollback data that does not decode is refused by the inverse and left for a human", () =>
    Effect.gen(function*() {
      const state = { n: 0 }
      const broken = Connector.make({
        kind: "typed",
        allowedActions: ["add"],
        actions: {
          add: Connector.mutating(() =>
            Effect.succeed({
              alreadyDone: false,
              rollback: { action: "set", args: { from: "five", to: 0 } },
              apply: Effect.sync(() => ({ n: (state.n += 5) }))
            }))
        },
        inverses: {
          set: Connector.inverse(Schema.Struct({ from: Schema.Int, to: Schema.Int }), () => Effect.sync(() => ({ restored: true })))
        }
      })
      const { enact } = yield* setup({ systems: { counter: broken }, workflows: [add] })
      const o = yield* enact.run({ workflow: "add", user: "u", payload: { by: 5 } })
      const rb = yield* enact.rollback(o.receipt.run_id)
      assert.strictEqual(rb.result.decision, "ROLLBACK_PARTIAL")
      assert.include(rb.receipt.manual_steps[0]?.reason ?? "", "counter.set: InvalidArgs")
      assert.strictEqual(state.n, 5, "nothing was guessed at")
    }))
})
