import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Connector from "../src/Connector.ts"
import * as ConnectorError from "../src/ConnectorError.ts"
import type * as Journal from "../src/store/Journal.ts"
import * as JournalChain from "../src/store/JournalChain.ts"
import type * as Signer from "../src/receipt/Signer.ts"
import * as Policy from "../src/Policy.ts"
import { setMany, setup, stateOf, steps, refusal } from "./support/enact.ts"
import { makeCounter } from "./support/counter.ts"
import { makeKv } from "./support/kv.ts"

type Pair = { readonly key: string; readonly value: string }
const payload = (system: string, pairs: ReadonlyArray<Pair>) => ({ system, pairs })

/** A kv store seeded with `a=0`, an Enact over it as `store`, and a run that sets a, b and c. */
const seeded = Effect.gen(function*() {
  const kv = makeKv({ allowedActions: ["set", "get", "publish", "fail"] })
  kv.data.set("a", "0")
  kv.data.set("untouched", "same")
  const noBlocked = Policy.make("no_blocked_key", (ctx) => {
    const pairs = (ctx.payload as { readonly pairs?: ReadonlyArray<Pair> }).pairs ?? []
    return Policy.check(pairs.every((p) => p.key !== "blocked"), "ok", "key 'blocked' is not allowed")
  })
  const h = yield* setup({ systems: { store: kv.connector }, policies: [noBlocked], workflows: [setMany] })
  const before = stateOf(kv.data)
  const run = yield* h.enact.run({
    workflow: "set_many",
    user: "agent@co",
    payload: payload("store", [{ key: "a", value: "1" }, { key: "b", value: "2" }, { key: "c", value: "3" }])
  })
  assert.strictEqual(run.result.decision, "PASS")
  assert.deepStrictEqual(stateOf(kv.data), { a: "1", b: "2", c: "3", untouched: "same" })
  kv.log.length = 0
  return { ...h, kv, before, run }
})

describe("rollback", () => {
  it.effect("undoes actions in reverse order and restores the exact prior state, removing keys that did not exist", () =>
    Effect.gen(function*() {
      const { before, enact, kv, run } = yield* seeded
      const rb = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(rb.result.decision, "ROLLED_BACK")
      assert.deepStrictEqual(kv.log, ["c=null", "b=null", "a=0"])
      assert.deepStrictEqual(stateOf(kv.data), before)
      assert.isFalse(kv.data.has("b"))
      assert.isFalse(kv.data.has("c"))
      assert.deepStrictEqual(rb.receipt.manual_steps, [])
      assert.deepStrictEqual(rb.receipt.actions_taken.map((a) => [a.action, a.system, a.success]), [
        ["restore", "store", true],
        ["restore", "store", true],
        ["restore", "store", true]
      ])
      assert.deepStrictEqual(rb.receipt.actions_taken.map((a) => (a.output as { readonly reversed_step: number }).reversed_step), [2, 1, 0])
    }))

  it.effect("the rollback receipt links the original run, verifies, is stored and its run id starts with rb-", () =>
    Effect.gen(function*() {
      const { enact, run, store } = yield* seeded
      const rb = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(rb.receipt.original_run_id, run.receipt.run_id)
      assert.isTrue(rb.receipt.run_id.startsWith("rb-"))
      assert.strictEqual(rb.receipt.run_id, `rb-1-${run.receipt.run_id}`)
      assert.strictEqual(rb.receipt.workflow, "set_many")
      assert.strictEqual(rb.receipt.user_email, "agent@co", "defaults to the original run's user")
      assert.deepStrictEqual(rb.receipt.payload, { original_run_id: run.receipt.run_id })
      assert.deepStrictEqual(yield* enact.verify(rb.receipt), { valid: true })
      const stored = yield* store.get(rb.receipt.run_id)
      assert.isTrue(Option.isSome(stored) && stored.value.signature === rb.receipt.signature)
      const linked = yield* store.list({ originalRunId: run.receipt.run_id })
      assert.deepStrictEqual(linked.map((r) => r.run_id), [rb.receipt.run_id])
    }))

  it.effect("the rollback receipt names who asked for it", () =>
    Effect.gen(function*() {
      const { enact, run } = yield* seeded
      const rb = yield* enact.rollback(run.receipt.run_id, { user: "oncall@co" })
      assert.strictEqual(rb.receipt.user_email, "oncall@co")
    }))

  it.effect("rolling back twice is refused with AlreadyRolledBack and changes nothing the second time", () =>
    Effect.gen(function*() {
      const { before, enact, kv, run, store } = yield* seeded
      yield* enact.rollback(run.receipt.run_id)
      // someone writes after the rollback; a second rollback must not clobber it
      kv.data.set("a", "later")
      const logLength = kv.log.length
      const e = yield* Effect.flip(enact.rollback(run.receipt.run_id))
      assert.strictEqual(refusal(e), "AlreadyRolledBack")
      assert.strictEqual(e._tag === "EnactError" ? e.runId : null, run.receipt.run_id)
      assert.strictEqual(kv.log.length, logLength)
      assert.deepStrictEqual(stateOf(kv.data), { ...before, a: "later" })
      assert.strictEqual((yield* store.list({ originalRunId: run.receipt.run_id })).length, 1)
      const plan = yield* Effect.flip(enact.rollbackPlan(run.receipt.run_id))
      assert.isTrue(refusal(plan) === "AlreadyRolledBack")
    }))

  it.effect("rolling back a rollback receipt is refused with IsRollback", () =>
    Effect.gen(function*() {
      const { enact, kv, run } = yield* seeded
      const rb = yield* enact.rollback(run.receipt.run_id)
      const logLength = kv.log.length
      const e = yield* Effect.flip(enact.rollback(rb.receipt.run_id))
      assert.isTrue(refusal(e) === "IsRollback")
      assert.strictEqual(kv.log.length, logLength)
    }))

  it.effect("rolling back a BLOCKed run is refused with Blocked", () =>
    Effect.gen(function*() {
      const { enact, kv } = yield* seeded
      const blocked = yield* enact.run({ workflow: "set_many", user: "u", payload: payload("store", [{ key: "blocked", value: "x" }]) })
      assert.strictEqual(blocked.result.decision, "BLOCK")
      const e = yield* Effect.flip(enact.rollback(blocked.receipt.run_id))
      assert.isTrue(refusal(e) === "Blocked")
      assert.deepStrictEqual(kv.log, [])
    }))

  it.effect("rolling back an unknown run is refused with NotFound; a malformed run id is an InvalidRequest, as for run", () =>
    Effect.gen(function*() {
      const { enact } = yield* seeded
      const e = yield* Effect.flip(enact.rollback("no-such-run"))
      assert.isTrue(refusal(e) === "NotFound")
      const bad = yield* Effect.flip(enact.rollback("../../etc/passwd"))
      assert.strictEqual(refusal(bad), "InvalidRequest")
      assert.strictEqual(refusal(yield* Effect.flip(enact.rollbackPlan("../../etc/passwd"))), "InvalidRequest")
      const plan = yield* Effect.flip(enact.rollbackPlan("no-such-run"))
      assert.isTrue(refusal(plan) === "NotFound")
    }))

  it.effect("rollbackPlan lists the undo steps in reverse without changing anything", () =>
    Effect.gen(function*() {
      const { enact, kv, run, store } = yield* seeded
      const stateBefore = stateOf(kv.data)
      const receiptsBefore = (yield* store.list()).length
      const plan = yield* enact.rollbackPlan(run.receipt.run_id)
      assert.strictEqual(plan.runId, run.receipt.run_id)
      assert.strictEqual(plan.workflow, "set_many")
      assert.deepStrictEqual(plan.steps, [
        { step: 2, system: "store", action: "set", inverse: "restore", args: { key: "c", value: null, expected: "3" }, irreversible: false, manual: null },
        { step: 1, system: "store", action: "set", inverse: "restore", args: { key: "b", value: null, expected: "2" }, irreversible: false, manual: null },
        { step: 0, system: "store", action: "set", inverse: "restore", args: { key: "a", value: "0", expected: "1" }, irreversible: false, manual: null }
      ])
      assert.deepStrictEqual(kv.log, [])
      assert.deepStrictEqual(stateOf(kv.data), stateBefore)
      assert.strictEqual((yield* store.list()).length, receiptsBefore)
      // planning does not count as a rollback
      const rb = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(rb.result.decision, "ROLLED_BACK")
    }))

  it.effect("already_done actions are not undone", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      kv.data.set("x", "same")
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] })
      const run = yield* enact.run({ workflow: "set_many", user: "u", payload: payload("store", [{ key: "x", value: "same" }, { key: "y", value: "new" }]) })
      assert.deepStrictEqual(run.receipt.actions_taken.map((a) => a.already_done), [true, false])
      const plan = yield* enact.rollbackPlan(run.receipt.run_id)
      assert.deepStrictEqual(plan.steps.map((s) => s.step), [1])
      kv.log.length = 0
      const rb = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(rb.result.decision, "ROLLED_BACK")
      assert.deepStrictEqual(kv.log, ["y=null"])
      assert.deepStrictEqual(stateOf(kv.data), { x: "same" }, "the value that was already there stays")
    }))

  it.effect("read-only actions are not undone", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set", "get"] })
      const wf = steps("read_then_write", "store", [{ action: "get", args: { key: "a" } }, { action: "set", args: { key: "a", value: "1" } }])
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [wf] })
      const run = yield* enact.run({ workflow: "read_then_write", user: "u", payload: {} })
      const plan = yield* enact.rollbackPlan(run.receipt.run_id)
      assert.deepStrictEqual(plan.steps.map((s) => [s.step, s.action]), [[1, "set"]])
    }))

  it.effect("irreversible actions are reported as manual steps with their instructions (ROLLBACK_PARTIAL), never skipped silently", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set", "publish"] })
      const wf = steps("release", "store", [
        { action: "set", args: { key: "draft", value: "v2" } },
        { action: "publish", args: { key: "draft" } },
        { action: "set", args: { key: "status", value: "live" } }
      ])
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [wf] })
      const run = yield* enact.run({ workflow: "release", user: "u", payload: {} })
      assert.strictEqual(run.result.decision, "PASS")
      const plan = yield* enact.rollbackPlan(run.receipt.run_id)
      assert.deepStrictEqual(plan.steps.map((s) => [s.step, s.irreversible, s.manual]), [
        [2, false, null],
        [1, true, "Retract the publication of 'draft' by hand"],
        [0, false, null]
      ])
      kv.log.length = 0
      const rb = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(rb.result.decision, "ROLLBACK_PARTIAL")
      assert.strictEqual(rb.receipt.decision, "ROLLBACK_PARTIAL")
      assert.deepStrictEqual(rb.receipt.manual_steps, [{
        action: "publish",
        system: "store",
        reason: "Retract the publication of 'draft' by hand",
        rollback_data: { action: "none", args: { key: "draft" }, irreversible: true, manual: "Retract the publication of 'draft' by hand" }
      }])
      assert.deepStrictEqual(rb.result.manualSteps, rb.receipt.manual_steps)
      assert.include(rb.receipt.reason ?? "", "1 step(s) need manual attention")
      assert.deepStrictEqual(kv.log, ["status=null", "draft=null"], "the reversible steps around it were still undone")
      assert.deepStrictEqual(stateOf(kv.data), {})
      assert.deepStrictEqual(yield* enact.verify(rb.receipt), { valid: true })
    }))

  it.effect("retrying a partial rollback does not redo the steps already undone", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set", "publish"] })
      const wf = steps("release", "store", [{ action: "set", args: { key: "k", value: "v" } }, { action: "publish", args: { key: "k" } }])
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [wf] })
      const run = yield* enact.run({ workflow: "release", user: "u", payload: {} })
      const first = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(first.result.decision, "ROLLBACK_PARTIAL")
      kv.data.set("k", "rewritten-later")
      const logLength = kv.log.length
      const second = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(second.receipt.run_id, `rb-2-${run.receipt.run_id}`)
      assert.strictEqual(second.result.decision, "ROLLBACK_PARTIAL")
      assert.deepStrictEqual(second.receipt.actions_taken, [])
      assert.deepStrictEqual(second.receipt.manual_steps.map((m) => m.action), ["publish"])
      assert.strictEqual(kv.log.length, logLength, "the set undone by the first attempt is not undone again")
      assert.strictEqual(kv.data.get("k"), "rewritten-later")
    }))

  it.effect("the inverse goes through the connector registered under the receipt's system key, whatever the key", () =>
    Effect.gen(function*() {
      const primary = makeKv({ allowedActions: ["set"] })
      const replica = makeKv({ allowedActions: ["set"] })
      primary.data.set("k", "p0")
      replica.data.set("k", "r0")
      const both = Connector.make({ kind: "noop", allowedActions: [], actions: {} })
      const wf = steps("two_stores", "my-primary-store", [{ action: "set", args: { key: "k", value: "p1" } }])
      const wf2 = steps("replica_write", "replica/eu-west-1", [{ action: "set", args: { key: "k", value: "r1" } }])
      const { enact } = yield* setup({
        systems: { "my-primary-store": primary.connector, "replica/eu-west-1": replica.connector, "store": both },
        workflows: [wf, wf2]
      })
      const run = yield* enact.run({ workflow: "two_stores", user: "u", payload: {} })
      const run2 = yield* enact.run({ workflow: "replica_write", user: "u", payload: {} })
      assert.strictEqual(run.receipt.actions_taken[0]?.system, "my-primary-store")
      assert.deepStrictEqual([primary.data.get("k"), replica.data.get("k")], ["p1", "r1"])
      yield* enact.rollback(run.receipt.run_id)
      assert.deepStrictEqual([primary.data.get("k"), replica.data.get("k")], ["p0", "r1"])
      assert.deepStrictEqual(replica.log, ["k=r1"], "the other store was not touched")
      yield* enact.rollback(run2.receipt.run_id)
      assert.deepStrictEqual([primary.data.get("k"), replica.data.get("k")], ["p0", "r0"])
    }))

  it.effect("a workflow that fails part-way is PARTIAL, lists the successful action, and rolls back to the prior state", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set", "fail"] })
      kv.data.set("a", "0")
      const wf = steps("flaky", "store", [
        { action: "set", args: { key: "a", value: "1" } },
        { action: "set", args: { key: "new", value: "x" } },
        { action: "fail", args: {} }
      ])
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [wf] })
      const run = yield* enact.run({ workflow: "flaky", user: "u", payload: {} })
      assert.strictEqual(run.result.decision, "PARTIAL")
      assert.deepStrictEqual(run.receipt.actions_taken.map((a) => [a.action, a.success]), [["set", true], ["set", true], ["fail", false]])
      const plan = yield* enact.rollbackPlan(run.receipt.run_id)
      // The failed step may have taken effect before its answer was lost, so it is undone too: its inverse
      // compares before it swaps and, finding the key as it was before the run, changes nothing.
      assert.deepStrictEqual(plan.steps.map((s) => s.step), [2, 1, 0])
      const rb = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(rb.result.decision, "ROLLED_BACK")
      assert.deepStrictEqual(stateOf(kv.data), { a: "0" })
      assert.isFalse(kv.log.includes("never=null"), "the failed action's rollback data was not used")
    }))

  it.effect("a runAction can be rolled back", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const { enact } = yield* setup({ systems: { store: kv.connector } })
      const run = yield* enact.runAction({ system: "store", action: "set", args: { key: "a", value: "1" }, user: "u" })
      const rb = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(rb.result.decision, "ROLLED_BACK")
      assert.deepStrictEqual(stateOf(kv.data), {})
    }))

  it.effect("when the system is no longer registered, rollback stops and reports every remaining step for manual handling", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const first = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] })
      const run = yield* first.enact.run({ workflow: "set_many", user: "u", payload: payload("store", [{ key: "a", value: "1" }, { key: "b", value: "2" }]) })
      // a later deployment without that connector, sharing the store and key
      const later = yield* setup({ systems: {}, workflows: [setMany] }, { store: first.store, signer: first.signer })
      const rb = yield* later.enact.rollback(run.receipt.run_id)
      assert.strictEqual(rb.result.decision, "ROLLBACK_PARTIAL")
      assert.deepStrictEqual(rb.receipt.manual_steps.map((m) => m.action), ["set", "set"])
      assert.include(rb.receipt.manual_steps[0]?.reason ?? "", "store")
      assert.include(rb.receipt.manual_steps[1]?.reason ?? "", "Not attempted")
      assert.deepStrictEqual(stateOf(kv.data), { a: "1", b: "2" })
    }))

  it.effect("when an inverse fails, rollback stops there and records the failure", () =>
    Effect.gen(function*() {
      const undo = { fails: true }
      const { connector: counter, state } = makeCounter((n, current) =>
        undo.fails
          ? Effect.fail(ConnectorError.transport("counter", "set", "counter offline"))
          : Effect.sync(() => {
            current.value = n
            return null
          })
      )
      const wf = steps("bump_twice", "counter", [{ action: "bump", args: {} }, { action: "bump", args: {} }])
      const { enact } = yield* setup({ systems: { counter }, workflows: [wf] })
      const run = yield* enact.run({ workflow: "bump_twice", user: "u", payload: {} })
      assert.strictEqual(state.value, 2)
      const rb = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(rb.result.decision, "ROLLBACK_PARTIAL")
      assert.deepStrictEqual(rb.receipt.actions_taken.map((a) => [a.action, a.success]), [["set", false]])
      assert.include(rb.receipt.actions_taken[0]?.error ?? "", "counter offline")
      assert.deepStrictEqual(rb.receipt.manual_steps.map((m) => m.reason.startsWith("Undo failed") || m.reason.startsWith("Not attempted")), [true, true])
      assert.strictEqual(state.value, 2)
      // once the system is back, a retry finishes the job
      undo.fails = false
      const retry = yield* enact.rollback(run.receipt.run_id)
      assert.strictEqual(retry.result.decision, "ROLLED_BACK")
      assert.strictEqual(state.value, 0)
    }))

  it.effect("two concurrent rollbacks of one run: one runs, the other is refused with RunInProgress", () =>
    Effect.gen(function*() {
      const { before, enact, kv, run } = yield* seeded
      const results = yield* Effect.all([enact.rollback(run.receipt.run_id), enact.rollback(run.receipt.run_id)].map(Effect.result), { concurrency: 2 })
      const ok = results.filter((r) => r._tag === "Success")
      const refused = results.flatMap((r) => (r._tag === "Failure" ? [r.failure] : []))
      assert.strictEqual(ok.length, 1)
      assert.strictEqual(refused.length, 1)
      assert.isTrue(
        refused[0] !== undefined && ["RunInProgress", "AlreadyRolledBack"].includes(refusal(refused[0])),
        String(refused[0]?._tag)
      )
      assert.deepStrictEqual(kv.log, ["c=null", "b=null", "a=0"], "undone exactly once")
      assert.deepStrictEqual(stateOf(kv.data), before)
    }))

  it.effect("after the last allowed attempt, rollback refuses instead of running inverses again", () =>
    Effect.gen(function*() {
      const undo = { calls: 0 }
      const { connector: counter } = makeCounter(() =>
        Effect.suspend(() => {
          undo.calls++
          return Effect.fail(ConnectorError.transport("counter", "set", "counter offline"))
        })
      )
      const wf = steps("bump_once", "counter", [{ action: "bump", args: {} }])
      const { enact, store } = yield* setup({ systems: { counter }, workflows: [wf] })
      const run = yield* enact.run({ workflow: "bump_once", user: "u", payload: {} })
      for (let i = 1; i <= 20; i++) {
        const attempt = yield* enact.rollback(run.receipt.run_id)
        assert.strictEqual(attempt.result.decision, "ROLLBACK_PARTIAL", `attempt ${i}`)
      }
      assert.strictEqual(undo.calls, 20)
      const refused = yield* Effect.flip(enact.rollback(run.receipt.run_id))
      assert.strictEqual(refusal(refused), "TooManyAttempts")
      assert.strictEqual(undo.calls, 20, "no inverse ran on the refused attempt")
      const receipts = yield* store.list({ originalRunId: run.receipt.run_id })
      assert.strictEqual(receipts.length, 20)
    }))

  it.effect("a run with the longest caller-chosen run id can still be rolled back; longer ids are refused", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] })
      const runId = "r".repeat(100)
      const run = yield* enact.run({ workflow: "set_many", user: "u", runId, payload: payload("store", [{ key: "a", value: "1" }]) })
      assert.strictEqual(run.result.decision, "PASS")
      const rb = yield* Effect.result(enact.rollback(runId))
      assert.strictEqual(rb._tag, "Success", rb._tag === "Failure" ? rb.failure.message : "")
      assert.deepStrictEqual(stateOf(kv.data), {})
      const tooLong = yield* Effect.flip(
        enact.run({ workflow: "set_many", user: "u", runId: "r".repeat(101), payload: payload("store", [{ key: "a", value: "1" }]) })
      )
      assert.strictEqual(refusal(tooLong), "InvalidRequest")
      assert.deepStrictEqual(stateOf(kv.data), {})
    }))
})

describe("crash recovery", () => {
  /** Writes the journal a process would leave if it died after journaling `set key=value` but before its outcome. */
  const crashEntries = (runId: string, writes: ReadonlyArray<{ key: string; previous: string | null; done: boolean }>): Array<Journal.Body> => [
      {
        type: "begin",
        run_id: runId,
        workflow: "set_many",
        user_email: "agent@co",
        user_attributes: { role: "ops" },
        payload: payload("store", writes.map((s) => ({ key: s.key, value: "crashed" }))),
        timestamp: "2026-01-01T00:00:00.000Z"
      },
      ...writes.flatMap((s, step): Array<Journal.Body> => {
        const rollback_data = { action: "restore", args: { key: s.key, value: s.previous, expected: "crashed" } }
        const args = { key: s.key, value: "crashed" }
        const intent: Journal.Body = { type: "intent", step, system: "store", action: "set", args, rollback_data }
        return s.done
          ? [intent, {
            type: "outcome",
            step,
            result: { action: "set", system: "store", args, success: true, output: { key: s.key, value: "crashed" }, rollback_data, already_done: false }
          }]
          : [intent]
      })
    ]

  /** As the crashed process would have written it: every entry signed with the run's signer. */
  const crash = (
    journal: Journal.JournalService,
    signer: Signer.SignerService,
    runId: string,
    writes: ReadonlyArray<{ key: string; previous: string | null; done: boolean }>
  ) =>
    Effect.flatMap(
      JournalChain.seal(signer, runId, JournalChain.start(), crashEntries(runId, writes)),
      (entries) => journal.append(runId, entries)
    )

  it.effect("rollback of a crashed run receipts it from the journal as PARTIAL and undoes the journaled intent", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      kv.data.set("a", "0")
      const { enact, journal, store, signer } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] })
      // the process applied both writes, then died before journaling the second outcome
      yield* crash(journal, signer, "crashed-1", [{ key: "a", previous: "0", done: true }, { key: "b", previous: null, done: false }])
      kv.data.set("a", "crashed")
      kv.data.set("b", "crashed")
      const rb = yield* enact.rollback("crashed-1")
      assert.strictEqual(rb.result.decision, "ROLLED_BACK")
      assert.deepStrictEqual(stateOf(kv.data), { a: "0" })
      assert.deepStrictEqual(kv.log, ["b=null", "a=0"])
      const recovered = yield* store.get("crashed-1")
      assert.isTrue(Option.isSome(recovered))
      if (Option.isSome(recovered)) {
        const r = recovered.value
        assert.strictEqual(r.decision, "PARTIAL")
        assert.strictEqual(r.user_email, "agent@co")
        assert.deepStrictEqual(r.user_attributes, { role: "ops" })
        assert.strictEqual(r.actions_taken.length, 2)
        assert.include(r.actions_taken[1]?.error ?? "", "Outcome unknown")
        assert.deepStrictEqual(yield* enact.verify(r), { valid: true })
      }
      assert.deepStrictEqual(yield* journal.runs(), [], "the journal is gone once receipted")
      assert.strictEqual(rb.receipt.original_run_id, "crashed-1")
    }))

  it.effect("rollbackPlan of a crashed run plans from the verified journal and writes nothing", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const { enact, journal, store, signer } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] })
      yield* crash(journal, signer, "crashed-2", [{ key: "x", previous: null, done: false }])
      const plan = yield* enact.rollbackPlan("crashed-2")
      assert.deepStrictEqual(plan.steps.map((s) => [s.step, s.inverse, s.args]), [[0, "restore", { key: "x", value: null, expected: "crashed" }]])
      assert.isTrue(plan.fromJournal)
      assert.isTrue(Option.isNone(yield* store.get("crashed-2")), "planning is read-only: no PARTIAL receipt")
      assert.deepStrictEqual(yield* journal.runs(), ["crashed-2"], "the journal is left as it was")
      assert.deepStrictEqual(kv.log, [])
    }))

  it.effect("recover() receipts every journal-only run and leaves nothing behind", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const { enact, journal, store, signer } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] })
      const finished = yield* enact.run({ workflow: "set_many", user: "u", payload: payload("store", [{ key: "z", value: "1" }]) })
      yield* crash(journal, signer, "crash-a", [{ key: "a", previous: null, done: false }])
      yield* crash(journal, signer, "crash-b", [{ key: "b", previous: null, done: true }, { key: "c", previous: "7", done: false }])
      const report = yield* enact.recover()
      assert.deepStrictEqual(report.refused, [])
      const outcomes = report.recovered
      assert.deepStrictEqual(outcomes.map((o) => o.receipt.run_id).sort(), ["crash-a", "crash-b"])
      for (const o of outcomes) {
        assert.strictEqual(o.result.decision, "PARTIAL")
        assert.include(o.receipt.reason ?? "", "journal")
        assert.deepStrictEqual(yield* enact.verify(o.receipt), { valid: true })
        assert.isTrue(Option.isSome(yield* store.get(o.receipt.run_id)))
      }
      const b = outcomes.find((o) => o.receipt.run_id === "crash-b")
      assert.deepStrictEqual(b?.receipt.actions_taken.map((a) => a.rollback_data?.args), [{ key: "b", value: null, expected: "crashed" }, { key: "c", value: "7", expected: "crashed" }])
      assert.deepStrictEqual(yield* journal.runs(), [])
      assert.deepStrictEqual(yield* enact.recover(), { recovered: [], refused: [], inProgress: [], untrusted: [] }, "recovering again finds nothing")
      assert.isTrue(Option.isSome(yield* store.get(finished.receipt.run_id)))
      assert.deepStrictEqual(kv.log, ["z=1"], "recovery receipts runs; it does not undo them")
    }))

  it.effect("recover() drops a leftover journal whose run already has a receipt", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const { enact, journal, store, signer } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] })
      const done = yield* enact.run({ workflow: "set_many", user: "u", payload: payload("store", [{ key: "a", value: "1" }]) })
      yield* crash(journal, signer, done.receipt.run_id, [{ key: "a", previous: null, done: true }])
      assert.deepStrictEqual(yield* enact.recover(), { recovered: [], refused: [], inProgress: [], untrusted: [] })
      assert.deepStrictEqual(yield* journal.runs(), [])
      const kept = yield* store.get(done.receipt.run_id)
      assert.isTrue(Option.isSome(kept) && kept.value.decision === "PASS" && kept.value.signature === done.receipt.signature)
    }))

  it.effect("a journal edited on disk is refused: nothing is receipted and nothing is undone", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      kv.data.set("a", "crashed")
      const { enact, journal, store, signer } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] })
      const honest = yield* JournalChain.seal(signer, "edited-1", JournalChain.start(), crashEntries("edited-1", [{ key: "a", previous: "0", done: false }]))
      // An attacker rewrites the rollback data of the signed intent so that "rollback" writes their value.
      const forged = honest.map((e) =>
        e.type === "intent" ? { ...e, rollback_data: { action: "restore", args: { key: "a", value: "attacker" } } } : e
      )
      yield* journal.append("edited-1", forged)
      const refused = yield* Effect.flip(enact.rollback("edited-1"))
      assert.isTrue(refusal(refused) === "Corrupt", refused.message)
      assert.strictEqual(kv.data.get("a"), "crashed")
      assert.deepStrictEqual(yield* store.list(), [])
      // An unsigned journal (written without the signer) is refused the same way, and neither bad journal
      // stops recover() from receipting an honest crashed run next to them.
      yield* journal.append("unsigned-1", crashEntries("unsigned-1", [{ key: "a", previous: "0", done: false }]) as Array<Journal.Entry>)
      yield* crash(journal, signer, "honest-1", [{ key: "h", previous: null, done: false }])
      const report = yield* enact.recover()
      assert.deepStrictEqual(report.recovered.map((o) => o.receipt.run_id), ["honest-1"])
      assert.deepStrictEqual(report.refused.map((r) => r.runId).sort(), ["edited-1", "unsigned-1"])
      assert.isTrue(report.refused.every((r) => r.reason.includes("not signed")), JSON.stringify(report.refused))
      assert.strictEqual(kv.data.get("a"), "crashed")
      assert.sameMembers([...(yield* journal.runs())], ["edited-1", "unsigned-1"], "refused journals stay for a human")
    }))

  it.effect("a journal without a begin record is reported as corrupt, not silently receipted or undone", () =>
    Effect.gen(function*() {
      const { enact, journal, store, signer } = yield* setup({ workflows: [setMany] })
      const [intent] = yield* JournalChain.seal(signer, "torn-1", JournalChain.start(), [
        { type: "intent", step: 0, system: "store", action: "set", args: {}, rollback_data: null }
      ])
      yield* journal.append("torn-1", [intent!])
      const e = yield* Effect.flip(enact.rollback("torn-1"))
      assert.isTrue(refusal(e) === "Corrupt" && e.message.includes("begin"), e.message)
      assert.deepStrictEqual(yield* store.list(), [])
    }))
})
