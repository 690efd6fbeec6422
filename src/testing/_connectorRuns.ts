/**
 * How the connector conformance suite drives a connector (private): only through Enact, as an agent and
 * a rollback would, so the suite grants no way around the allowlist. Each check gets a fresh target from
 * the scenario and an Enact over memory stores whose journal and store it can make fail; inverses run
 * from rollbacks of signed receipts, including receipts the suite signs with edited rollback data.
 *
 * @example
 * ```ts
 * import * as Runs from "./_connectorRuns.ts"
 * declare const scenario: Runs.Scenario<unknown>
 * const world = Runs.open(scenario, ["write_file"]) // a target, a connector on it, and Enact over it
 * ```
 * @module
 */
import { Effect, Option } from "effect"
import type { Scope } from "effect"
import * as Definitions from "../_connectorDefinitions.ts"
import type { Connector } from "../Connector.ts"
import * as Crypto from "../Crypto.ts"
import type { ActionResult, Json, Outcome, Receipt } from "../Model.ts"
import * as ReceiptModule from "../receipt/Receipt.ts"
import * as Signer from "../receipt/Signer.ts"
import * as Journal from "../store/Journal.ts"
import * as Expect from "./_expect.ts"
import * as Testing from "./Testing.ts"

/** One call the suite makes: an action and its arguments. */
export interface Sample {
  readonly action: string
  readonly args: Json
  /** Names the sample in check names (default: the action). */
  readonly label?: string
  /**
   * What the action does: `"read"` (read-only: changes nothing), `"reversible"` (the default: a change
   * rollback undoes), `"irreversible"` (a change rollback reports as a manual step).
   */
  readonly kind?: "read" | "reversible" | "irreversible"
  /** Running it twice does it twice (default false: the second run must be already done). */
  readonly repeatable?: boolean
}

/**
 * How to test a connector: build it on a fresh target, observe the target, and change it behind the
 * connector's back (someone else editing what the sample changed).
 */
export interface Scenario<T, E = never, R = never> {
  /** A fresh target holding what the samples need, and a connector on it allowing `allowedActions`. */
  readonly make: (allowedActions: ReadonlyArray<string>) => Effect.Effect<{ readonly connector: Connector; readonly target: T }, E, R | Scope.Scope>
  /** Everything the connector can change on the target, as JSON (compared before and after). */
  readonly observe: (target: T) => Effect.Effect<Json, E, R>
  /** Changes what `sample` changed, as another user would, without the connector. */
  readonly interfere: (target: T, sample: Sample) => Effect.Effect<void, E, R>
  /** At least one sample per action of the connector. */
  readonly samples: ReadonlyArray<Sample>
}

/** The system key the suite registers the connector under. */
export const SYSTEM = "target"
const USER = "conformance@enact.test"

/**
 * A fresh world: the scenario's target and connector, and Enact over them. `afterIntent` arms an effect
 * that runs once, right after the next intent reaches the journal: between `prepare` and `apply`.
 */
export const open = <T, E, R>(scenario: Scenario<T, E, R>, allowed: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const built = yield* Expect.unexpected(scenario.make(allowed), "The scenario's make failed")
    const context = yield* Effect.context<R>()
    let armed: Effect.Effect<void> | undefined
    const memory = Journal.makeMemory()
    const journal: Journal.JournalService = {
      ...memory,
      append: (runId, entries) =>
        Effect.tap(memory.append(runId, entries), () => {
          const hook = entries.some((e) => e.type === "intent") ? armed : undefined
          armed = undefined
          return hook ?? Effect.void
        })
    }
    const harness = yield* Expect.unexpected(Testing.make({ systems: { [SYSTEM]: built.connector } }, { journal }), "Cannot build Enact")
    const observe = Expect.unexpected(scenario.observe(built.target), "The scenario's observe failed").pipe(Effect.provide(context))
    const interfere = (sample: Sample) =>
      Expect.unexpected(scenario.interfere(built.target, sample), "The scenario's interfere failed").pipe(Effect.provide(context))
    const afterIntent = (effect: Effect.Effect<void>) => {
      armed = effect
    }
    return { ...built, harness, observe, interfere, afterIntent }
  })

export type World = Effect.Success<ReturnType<typeof open>>

/** The names of every action the connector declares (names only: nothing callable leaves the registry). */
export const declaredActions = (connector: Connector): ReadonlyArray<string> =>
  Object.keys(Definitions.definitionOf(connector)?.actions ?? {}).sort()

/** Whether the connector declares `action` mutating. */
export const isMutating = (connector: Connector, action: string): boolean | undefined =>
  Definitions.definitionOf(connector)?.actions[action]?.mutating

/** Runs the sample through Enact under `runId`; returns the outcome and the recorded action. */
export const act = (world: World, sample: Sample, runId: string) =>
  Effect.gen(function*() {
    const outcome = yield* Expect.unexpected(
      world.harness.enact.runAction({ system: SYSTEM, action: sample.action, args: sample.args, user: USER, runId }),
      `Running ${sample.action}`
    )
    const step = outcome.receipt.actions_taken[0]
    if (step === undefined) return yield* Expect.fail(`Running ${sample.action}: the receipt records no action`)
    return { outcome, step }
  })

/** Runs the sample and fails unless it succeeded. */
export const actOk = (world: World, sample: Sample, runId: string) =>
  Effect.tap(act(world, sample, runId), ({ step }) =>
    Expect.that(step.success, `Running ${sample.action} with ${Expect.show(sample.args)} failed: ${step.error ?? "no error recorded"}`))

/** Rolls `runId` back through Enact. */
export const rollback = (world: World, runId: string): Effect.Effect<Outcome, Expect.ConformanceFailure> =>
  Expect.unexpected(world.harness.enact.rollback(runId), `Rolling back ${runId}`)

/** What a rollback outcome says, for messages. */
export const summary = (o: Outcome): string =>
  `${o.result.decision}; reversed ${Expect.show(o.result.actions.map((a) => ({ action: a.action, success: a.success, error: a.error ?? null })))}; manual ${
    Expect.show(o.result.manualSteps.map((m) => m.reason))
  }`

/** Stores a copy of the receipt of `runId` under `newId`, its one action's rollback data args replaced, signed with the test signer. */
export const forge = (world: World, runId: string, newId: string, args: Json) =>
  Effect.gen(function*() {
    const stored = yield* Expect.unexpected(world.harness.store.get(runId), "Reading the run's receipt")
    if (Option.isNone(stored)) return yield* Expect.fail(`The receipt of ${runId} is not in the store`)
    const original: Receipt = stored.value
    const actions: Array<ActionResult> = original.actions_taken.map((a) =>
      a.rollback_data === null ? a : { ...a, rollback_data: { ...a.rollback_data, args } }
    )
    const unsigned = ReceiptModule.unsigned({ ...original, run_id: newId, actions_taken: actions })
    const signed = yield* Expect.unexpected(
      ReceiptModule.sign(unsigned).pipe(Effect.provideService(Signer.Signer, world.harness.signer), Effect.provide(Crypto.layerWebCrypto)),
      "Signing an edited receipt"
    )
    yield* Expect.unexpected(world.harness.store.put(signed), "Storing an edited receipt")
  })

/** Edited versions of rollback data args: not data at all, empty, and each top-level field missing or null. */
export const malformed = (args: Json): ReadonlyArray<readonly [string, Json]> => {
  const out: Array<readonly [string, Json]> = [["null", null], ["an empty array", []], ["a string", "garbage"], ["an empty object", {}]]
  if (typeof args === "object" && args !== null && !Array.isArray(args)) {
    for (const key of Object.keys(args)) {
      out.push([`'${key}' missing`, Object.fromEntries(Object.entries(args).filter(([k]) => k !== key))])
      out.push([`'${key}' null`, { ...args, [key]: null }])
    }
  }
  return out
}
