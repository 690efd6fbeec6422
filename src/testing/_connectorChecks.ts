/**
 * The conformance checks of a connector (private; public through `Conformance.connector`). Per sample:
 * the allowlist is respected; nothing changes before the intent is journaled (so `prepare` changed
 * nothing); a change made between `prepare` and `apply` is not overwritten; a reversible change is undone
 * by rollback; a second run is already done; the inverse leaves
 * a target changed since the run alone (`Changed`), succeeds without change on a target already back to
 * its pre-state (a crash between the journal and the change), and never overwrites a changed target
 * whatever rollback data it is handed. Reads change nothing and journal nothing.
 *
 * @example
 * ```ts
 * import { connectorChecks } from "./_connectorChecks.ts"
 * declare const scenario: import("./_connectorRuns.ts").Scenario<unknown>
 * const checks = connectorChecks(scenario)
 * ```
 * @module
 */
import { Effect, Option } from "effect"
import type { Scope } from "effect"
import * as Expect from "./_expect.ts"
import * as Runs from "./_connectorRuns.ts"

const labelOf = (s: Runs.Sample): string => s.label ?? s.action
const kindOf = (s: Runs.Sample): NonNullable<Runs.Sample["kind"]> => s.kind ?? "reversible"

/** The checks for every sample of `scenario`, plus one that every declared action has a sample. */
export const connectorChecks = <T, E, R>(scenario: Runs.Scenario<T, E, R>): ReadonlyArray<Expect.Check<Exclude<R, Scope.Scope>>> => {
  const allActions = [...new Set(scenario.samples.map((s) => s.action))]
  const check = (name: string, body: Effect.Effect<void, unknown, R | Scope.Scope>) => Expect.named(name, Effect.scoped(body))

  /** A world allowing every sampled action; checks that `sample` is of the kind it says. */
  const world = (sample: Runs.Sample, allowed: ReadonlyArray<string> = allActions) =>
    Effect.gen(function*() {
      const w = yield* Runs.open(scenario, allowed)
      const mutating = Runs.isMutating(w.connector, sample.action)
      if (mutating === undefined) return yield* Expect.fail(`The connector has no action '${sample.action}'`)
      const declared = kindOf(sample)
      if (mutating !== (declared !== "read")) {
        return yield* Expect.fail(`The sample says '${sample.action}' is ${declared === "read" ? "read-only" : "mutating"}; the connector declares it ${mutating ? "mutating" : "read-only"}`)
      }
      return w
    })

  const coverage = check("the samples cover every action the connector declares", Effect.gen(function*() {
    const w = yield* Runs.open(scenario, allActions)
    const missing = Runs.declaredActions(w.connector).filter((a) => !allActions.includes(a))
    yield* Expect.that(missing.length === 0, `No sample for ${missing.map((a) => `'${a}'`).join(", ")}: every action needs one`)
  }))

  const perSample = (sample: Runs.Sample, i: number): ReadonlyArray<Expect.Check<Exclude<R, Scope.Scope>>> => {
    const label = labelOf(sample)
    const id = (n: string) => `c${i}-${n}`
    const kind = kindOf(sample)
    const checks = [
      check(`${label}: refused with NotAllowed when not on the allowlist, changing nothing`, Effect.gen(function*() {
        const w = yield* world(sample, allActions.filter((a) => a !== sample.action))
        yield* Expect.that(!w.connector.allowedActions.has(sample.action), "The connector allows an action its allowlist did not name")
        const before = yield* w.observe
        const { step } = yield* Runs.act(w, sample, id("refused"))
        yield* Expect.that(!step.success && (step.error ?? "").includes("NotAllowed"), `Expected a NotAllowed refusal, got ${Expect.show(step)}`)
        yield* Expect.sameJson(yield* w.observe, before, "The target after a refused action")
      }))
    ]
    if (kind === "read") {
      checks.push(check(`${label}: reads without changing anything, journaling anything or recording rollback data`, Effect.gen(function*() {
        const w = yield* world(sample)
        const before = yield* w.observe
        w.harness.faults.failNext({ operation: "append" })
        const { step } = yield* Runs.actOk(w, sample, id("read"))
        yield* Expect.that(w.harness.faults.pending() === 1, "A read-only action wrote to the journal")
        yield* Expect.that(step.rollback_data === null && !step.already_done, `A read recorded ${Expect.show(step)}`)
        yield* Expect.sameJson(yield* w.observe, before, "The target after a read")
      })))
      return checks
    }
    checks.push(check(`${label}: changes nothing unless its intent is journaled first (prepare changes nothing)`, Effect.gen(function*() {
      const w = yield* world(sample)
      const before = yield* w.observe
      w.harness.faults.failNext({ operation: "append", runId: id("unjournaled") })
      const { step } = yield* Runs.act(w, sample, id("unjournaled"))
      yield* Expect.that(w.harness.faults.pending() === 0, "The run never journaled an intent: the action did not prepare a change (is the sample's target already in the requested state?)")
      yield* Expect.that(!step.success, `The action ran although its intent could not be journaled: ${Expect.show(step)}`)
      yield* Expect.sameJson(yield* w.observe, before, "The target after prepare, with the journal refusing the intent")
    })))
    if (kind === "irreversible") {
      checks.push(check(`${label}: irreversible: rollback reports a manual step and changes nothing`, Effect.gen(function*() {
        const w = yield* world(sample)
        const { step } = yield* Runs.actOk(w, sample, id("done"))
        yield* Expect.that(step.rollback_data?.irreversible === true, `Declared irreversible, but the rollback data is ${Expect.show(step.rollback_data)}`)
        const after = yield* w.observe
        const undone = yield* Runs.rollback(w, id("done"))
        yield* Expect.that(undone.result.decision === "ROLLBACK_PARTIAL" && undone.result.manualSteps.some((m) => m.action === sample.action),
          `Expected a manual step for ${sample.action}: ${Runs.summary(undone)}`)
        yield* Expect.sameJson(yield* w.observe, after, "The target after rolling back an irreversible action")
      })))
    } else {
      checks.push(
        check(`${label}: changes the target, and rollback returns it to its state before the run`, Effect.gen(function*() {
          const w = yield* world(sample)
          const before = yield* w.observe
          const { step } = yield* Runs.actOk(w, sample, id("undo"))
          yield* Expect.that(!step.already_done, "The sample was already done: pick arguments that change the target")
          yield* Expect.that(step.rollback_data !== null && step.rollback_data.irreversible !== true,
            `Expected rollback data naming an inverse, got ${Expect.show(step.rollback_data)} (declare kind: "irreversible" if it cannot be undone)`)
          yield* Expect.that(!Expect.jsonEqual(yield* w.observe, before), "The target did not change: the sample must change what observe shows")
          const undone = yield* Runs.rollback(w, id("undo"))
          yield* Expect.that(undone.result.decision === "ROLLED_BACK", `Rollback: ${Runs.summary(undone)}`)
          yield* Expect.sameJson(yield* w.observe, before, "The target after rollback")
        })),
        check(`${label}: does not overwrite a target changed between its prepare and its apply`, Effect.gen(function*() {
          const w = yield* world(sample)
          const before = yield* w.observe
          let changed: unknown = undefined
          w.afterIntent(Effect.orDie(Effect.gen(function*() {
            yield* w.interfere(sample)
            changed = yield* w.observe
          })))
          const { step } = yield* Runs.act(w, sample, id("raced"))
          yield* Expect.that(changed !== undefined, "The run never journaled an intent")
          yield* Expect.that(!Expect.jsonEqual(changed, before), "interfere did not change what observe shows")
          yield* Expect.that(!step.success, `The action succeeded over a change made after it prepared: ${Expect.show(step)}`)
          yield* Expect.sameJson(yield* w.observe, changed, "The target changed between prepare and apply")
        })),
        check(`${label}: its inverse leaves a target changed since the run alone (Changed, nothing touched)`, Effect.gen(function*() {
          const w = yield* world(sample)
          yield* Runs.actOk(w, sample, id("changed"))
          const after = yield* w.observe
          yield* w.interfere(sample)
          const changed = yield* w.observe
          yield* Expect.that(!Expect.jsonEqual(changed, after), "interfere did not change what observe shows")
          const undone = yield* Runs.rollback(w, id("changed"))
          const manual = undone.result.manualSteps.find((m) => m.action === sample.action)
          yield* Expect.that(undone.result.decision === "ROLLBACK_PARTIAL" && manual?.changed !== undefined,
            `Expected the inverse to fail with Changed (a manual step with both states): ${Runs.summary(undone)}`)
          yield* Expect.sameJson(yield* w.observe, changed, "The target changed since the run, after rollback")
        })),
        check(`${label}: its inverse succeeds without change on a target already in its pre-state (a crash before the change)`, Effect.gen(function*() {
          const w = yield* world(sample)
          const before = yield* w.observe
          const runId = id("crashed")
          // The intent reaches the journal but the process "dies" before the change and before its receipt.
          w.harness.faults.failNext({ operation: "append", runId, applied: true })
          w.harness.faults.failNext({ operation: "put", runId })
          yield* Effect.result(w.harness.enact.runAction({ system: Runs.SYSTEM, action: sample.action, args: sample.args, user: "conformance@enact.test", runId }))
          yield* Expect.that(w.harness.faults.pending() === 0, "The run did not journal an intent and then fail to store its receipt")
          yield* Expect.sameJson(yield* w.observe, before, "The target after a run that stopped after journaling its intent")
          yield* Expect.that(Option.isSome(yield* Expect.unexpected(w.harness.journal.read(runId), "Reading the journal")), "The intent is not in the journal")
          const undone = yield* Runs.rollback(w, runId)
          yield* Expect.that(undone.result.decision === "ROLLED_BACK" && undone.result.actions.every((a) => a.success),
            `Rolling back a step that never happened must succeed without change: ${Runs.summary(undone)}`)
          yield* Expect.sameJson(yield* w.observe, before, "The target after rolling back a step that never happened")
        })),
        check(`${label}: its inverse never overwrites a changed target, whatever rollback data it is handed`, Effect.gen(function*() {
          const w = yield* world(sample)
          const { step } = yield* Runs.actOk(w, sample, id("edited"))
          yield* w.interfere(sample)
          const changed = yield* w.observe
          for (const [n, [what, args]] of Runs.malformed(step.rollback_data?.args ?? null).entries()) {
            const forged = id(`edited-${n}`)
            yield* Runs.forge(w, id("edited"), forged, args)
            const undone = yield* Runs.rollback(w, forged)
            yield* Expect.sameJson(yield* w.observe, changed, `The changed target after an inverse got rollback data with ${what} (${Runs.summary(undone)})`)
          }
        }))
      )
    }
    if (sample.repeatable !== true) {
      checks.push(check(`${label}: a second run is already done, changes nothing, and leaves nothing to undo`, Effect.gen(function*() {
        const w = yield* world(sample)
        yield* Runs.actOk(w, sample, id("first"))
        const after = yield* w.observe
        const { step } = yield* Runs.actOk(w, sample, id("second"))
        yield* Expect.that(step.already_done, `The second run was not already done: ${Expect.show(step)}`)
        yield* Expect.sameJson(yield* w.observe, after, "The target after the second run")
        const undone = yield* Runs.rollback(w, id("second"))
        yield* Expect.that(undone.result.decision === "ROLLED_BACK" && undone.result.actions.length === 0, `Rolling back an already-done run: ${Runs.summary(undone)}`)
        yield* Expect.sameJson(yield* w.observe, after, "The target after rolling back the already-done run")
      })))
    }
    return checks
  }

  return [coverage, ...scenario.samples.flatMap(perSample)]
}
