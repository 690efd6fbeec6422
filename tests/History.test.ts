/**
 * History is evidence only when signed (issue 6, item 10): history-aware policies count only receipts
 * whose signature verifies, so a receipt forged into (or edited in) the store can neither cause a block
 * nor hide a repeat.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Crm from "../policies/crm.ts"
import * as Email from "../policies/email.ts"
import type { Receipt } from "../src/Model.ts"
import * as Workflow from "../src/Workflow.ts"
import { setup } from "./support/enact.ts"
import { makeKv } from "./support/kv.ts"
import { storedReceipt } from "./support/receipts.ts"

const Mail = Schema.Struct({ to: Schema.String, subject: Schema.String })
const send = Workflow.make({
  name: "send_email",
  payload: Mail,
  run: (ctx) => ctx.act("mail", { action: "set", args: { key: ctx.payload.to, value: ctx.payload.subject } })
})

const world = Effect.gen(function*() {
  const kv = makeKv({ allowedActions: ["set"] })
  const h = yield* setup({ systems: { mail: kv.connector }, policies: [Email.noRepeatEmails({ window: "24 hours" })], workflows: [send] })
  return { ...h, kv }
})

const forged = (over: Partial<Receipt>): Receipt =>
  storedReceipt({ workflow: "send_email", user_email: "agent@co", timestamp: new Date(0).toISOString(), ...over })

describe("history-aware policies read only receipts that verify", () => {
  it.effect("a forged receipt claiming an earlier email does not block the real one", () =>
    Effect.gen(function*() {
      const w = yield* world
      yield* w.store.put(forged({ run_id: "forged-1", payload: { to: "ann@co.com", subject: "Invoice" }, key_id: w.signer.keyId }))
      const o = yield* w.enact.run({ workflow: "send_email", user: "agent@co", payload: { to: "ann@co.com", subject: "Invoice" } })
      assert.strictEqual(o.result.decision, "PASS", o.result.reason ?? "")
      // ...and recover() reports it to a human.
      const report = yield* w.enact.recover()
      assert.deepStrictEqual(report.untrusted.map((u) => u.runId), ["forged-1"])
      assert.include(report.untrusted[0]?.reason ?? "", "Signature")
    }))

  it.effect("a genuine earlier receipt blocks the repeat; the same receipt edited on disk no longer counts", () =>
    Effect.gen(function*() {
      const w = yield* world
      const first = yield* w.enact.run({ workflow: "send_email", user: "agent@co", payload: { to: "bob@co.com", subject: "Hello" } })
      assert.strictEqual(first.result.decision, "PASS")
      const again = yield* w.enact.run({ workflow: "send_email", user: "agent@co", payload: { to: "bob@co.com", subject: "Hello" } })
      assert.strictEqual(again.result.decision, "BLOCK")
      assert.include(again.result.reason ?? "", first.receipt.run_id)
      // A copy of the genuine receipt with its recipient edited is not evidence for the new recipient.
      yield* w.store.put({ ...first.receipt, run_id: "copied-1", payload: { to: "cat@co.com", subject: "Hello" } })
      const cat = yield* w.enact.run({ workflow: "send_email", user: "agent@co", payload: { to: "cat@co.com", subject: "Hello" } })
      assert.strictEqual(cat.result.decision, "PASS", cat.result.reason ?? "")
      assert.deepStrictEqual((yield* w.enact.recover()).untrusted.map((u) => u.runId), ["copied-1"])
    }))

  it.effect("forged task receipts do not exhaust a contact's task limit", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const task = Workflow.make({
        name: "create_task",
        payload: Schema.Struct({ contact_id: Schema.String }),
        run: (ctx) => ctx.act("crm", { action: "set", args: { key: `task-${ctx.payload.contact_id}`, value: "x" } })
      })
      const { enact, signer, store } = yield* setup({
        systems: { crm: kv.connector },
        policies: [Crm.limitTasksPerContact({ max: 1, actions: ["set"] })],
        workflows: [task]
      })
      const fake = {
        action: "set",
        system: "crm",
        args: {},
        success: true,
        output: { contact_id: "c_1" },
        rollback_data: null,
        already_done: false
      }
      yield* store.put(forged({ run_id: "forged-task", workflow: "create_task", payload: { contact_id: "c_1" }, actions_taken: [fake], key_id: signer.keyId }))
      const first = yield* enact.run({ workflow: "create_task", user: "agent@co", payload: { contact_id: "c_1" } })
      assert.strictEqual(first.result.decision, "PASS", first.result.reason ?? "")
      const second = yield* enact.run({ workflow: "create_task", user: "agent@co", payload: { contact_id: "c_1" } })
      assert.strictEqual(second.result.decision, "BLOCK", "the genuine task counts")
    }))
})
