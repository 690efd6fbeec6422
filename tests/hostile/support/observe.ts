/**
 * Runs one request through a real Enact and records what each party saw of it: the policy, the workflow,
 * the connector (the args it was handed) and the receipt. `assertOneSnapshot` then checks the promise of
 * issue 6 item 2: either the request was refused with a BLOCK receipt naming the field and nobody saw it,
 * or everybody saw the very same plain JSON and the receipt verifies (also after a JSON round trip).
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { assertOneSnapshot, observe } from "./support/observe.ts"
 * const test = Effect.gen(function*() {
 *   assertOneSnapshot(yield* observe({ payload: { path: "a.md" } }))
 * })
 * ```
 * @module
 */
import { assert } from "@effect/vitest"
import { Effect, Schema } from "effect"
import type { Outcome } from "../../../src/Model.ts"
import * as Policy from "../../../src/Policy.ts"
import * as Workflow from "../../../src/Workflow.ts"
import { setup, toJson } from "../../support/enact.ts"
import { canonical } from "./recipes.ts"
import { type Echo, makeEcho } from "./systems.ts"

/** Canonical JSON of the payload and user attributes as one party saw them. */
export interface View {
  readonly payload: string
  readonly attributes: string
}

export interface Observed {
  readonly outcome: Outcome
  readonly policy: View | undefined
  readonly workflow: View | undefined
  readonly echo: Echo
  /** The receipt verifies as returned, and after `JSON.parse(JSON.stringify(receipt))`. */
  readonly verifies: boolean
}

/** Runs `{ payload, userAttributes }` through a policy that looks and a workflow that echoes both to a connector. */
export const observe = (request: { readonly payload: unknown; readonly userAttributes?: unknown }): Effect.Effect<Observed, unknown> =>
  Effect.scoped(Effect.gen(function*() {
    const echo = makeEcho()
    const seen: { policy?: View; workflow?: View } = {}
    const look = Policy.make("look", (ctx) => {
      seen.policy = { payload: canonical(ctx.payload), attributes: canonical(ctx.userAttributes) }
      return Policy.pass("looked")
    })
    const wf = Workflow.make({
      name: "echo_request",
      payload: Schema.Json,
      run: (ctx) =>
        Effect.suspend(() => {
          seen.workflow = { payload: canonical(ctx.payload), attributes: canonical(ctx.userAttributes) }
          return ctx.act("echo", { action: "echo", args: { payload: ctx.payload, attributes: ctx.userAttributes } })
        })
    })
    const { enact } = yield* setup({ systems: { echo: echo.connector }, policies: [look], workflows: [wf] })
    const outcome = yield* enact.run({
      workflow: "echo_request",
      user: "agent@co",
      payload: request.payload,
      userAttributes: request.userAttributes as Readonly<Record<string, Schema.Json>> | undefined
    })
    const direct = yield* enact.verify(outcome.receipt)
    const roundTrip = yield* enact.verify(toJson(outcome.receipt))
    return { outcome, policy: seen.policy, workflow: seen.workflow, echo, verifies: direct.valid && roundTrip.valid }
  }))

/**
 * Either a BLOCK receipt from the request snapshot that names the field (and nobody saw the request), or
 * one snapshot that the policy, the workflow, the connector and the receipt all agree on.
 */
export const assertOneSnapshot = (o: Observed, label = ""): "refused" | "accepted" => {
  const { receipt } = o.outcome
  assert.isTrue(o.verifies, `${label} the receipt verifies`)
  if (receipt.decision === "BLOCK") {
    const first = receipt.policy_results[0]
    assert.oneOf(first?.policy, ["request_snapshot", "request_limits"], `${label} blocked by the snapshot`)
    assert.match(receipt.reason ?? "", /(payload|userAttributes)/, `${label} the reason names the field`)
    assert.isUndefined(o.policy, `${label} no policy saw a refused request`)
    assert.isUndefined(o.workflow, `${label} no workflow saw a refused request`)
    assert.deepStrictEqual(o.echo.received, [], `${label} no connector saw a refused request`)
    assert.deepStrictEqual(receipt.actions_taken, [])
    return "refused"
  }
  assert.strictEqual(receipt.decision, "PASS", `${label} ${receipt.reason ?? ""}`)
  const recorded: View = { payload: canonical(receipt.payload), attributes: canonical(receipt.user_attributes) }
  assert.deepStrictEqual(o.policy, recorded, `${label} the policy saw what the receipt records`)
  assert.deepStrictEqual(o.workflow, recorded, `${label} the workflow saw what the receipt records`)
  const sent = canonical({ payload: receipt.payload, attributes: receipt.user_attributes })
  assert.deepStrictEqual(o.echo.received, [sent], `${label} the connector received what the receipt records`)
  assert.strictEqual(canonical(receipt.actions_taken[0]?.args), sent, `${label} the recorded args are what the connector received`)
  return "accepted"
}
