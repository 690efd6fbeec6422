import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { type Duration, Effect } from "effect"
import * as Email from "../../policies/email.ts"
import type { Receipt } from "../../src/Model.ts"
import * as Policy from "../../src/Policy.ts"
import * as ReceiptStore from "../../src/store/ReceiptStore.ts"
import * as StoreError from "../../src/store/StoreError.ts"
import { setup, steps } from "../support/enact.ts"
import { makeKv } from "../support/kv.ts"
import { policyHarness, withHistory } from "../support/policies.ts"
import { storedReceipt, storeWith } from "../support/receipts.ts"

const NOW = "2025-01-15T12:00:00.000Z"

const { ctx, judge, verdict } = policyHarness({ workflow: "send_email", runId: "run-now", now: NOW })

/** A stored receipt of an earlier run (fields the policies do not read are filler). */
const receipt = (runId: string, payload: Receipt["payload"], over: Partial<Receipt> = {}): Receipt =>
  storedReceipt({ run_id: runId, workflow: "send_email", user_email: "agent@co", payload, timestamp: "2025-01-15T11:00:00.000Z", ...over })

describe("no_mass_emails", () => {
  const blocks = (payload: unknown, count?: number) => {
    const v = verdict(Email.noMassEmails, payload)
    assert.isFalse(v.passed, JSON.stringify(payload))
    if (count !== undefined) assert.include(v.reason, `Email has ${count} recipients`)
  }
  const passes = (payload: unknown) => {
    const v = verdict(Email.noMassEmails, payload)
    assert.isTrue(v.passed, `${JSON.stringify(payload)}: ${v.reason}`)
  }

  it("passes a single recipient, however it is written", () => {
    passes({ to: "ann@co.com" })
    passes({ to: ["ann@co.com"] })
    passes({ to: "Ann Smith <ann@co.com>" })
    passes({ to: "\"Smith, Ann\" <ann@co.com>" })
    passes({ to: "ann@co.com", cc: "ANN@CO.COM", bcc: ["Ann <Ann@Co.Com>"] })
    passes({ to: "mailto:ann@co.com" })
    assert.strictEqual(verdict(Email.noMassEmails, { to: "Ann <ann@co.com>" }).reason, "Email has a single recipient (ann@co.com)")
  })

  it("blocks more than one recipient in a list", () => {
    blocks({ to: ["ann@co.com", "bob@co.com"] }, 2)
  })

  it("regression: blocks several recipients packed into one string (commas, semicolons, spaces)", () => {
    blocks({ to: "ann@co.com, bob@co.com" }, 2)
    blocks({ to: "ann@co.com;bob@co.com;cat@co.com" }, 3)
    blocks({ to: "ann@co.com bob@co.com" }, 2)
    blocks({ to: "Ann <ann@co.com>, Bob <bob@co.com>" }, 2)
    blocks({ to: "team: ann@co.com, bob@co.com;" }, 2)
    blocks({ to: ["ann@co.com, bob@co.com"] }, 2)
  })

  it("regression: counts cc and bcc with to", () => {
    blocks({ to: "ann@co.com", cc: "bob@co.com" }, 2)
    blocks({ to: "ann@co.com", bcc: ["bob@co.com"] }, 2)
    blocks({ bcc: "ann@co.com, bob@co.com" }, 2)
  })

  it("names the recipients, a few of them", () => {
    const v = verdict(Email.noMassEmails, { to: ["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io"] })
    assert.strictEqual(v.reason, "Email has 5 recipients (a@x.io, b@x.io, c@x.io and 2 more); at most one is allowed")
  })

  it("a list alias counts as a recipient", () => {
    blocks({ to: "all-staff, ann@co.com" }, 2)
    passes({ to: "all-staff" })
  })

  it("passes when there are no recipients", () => {
    for (const payload of [{}, { to: null }, { to: "" }, { to: [] }, { subject: "hi" }, null, "ann@co.com, bob@co.com"]) passes(payload)
  })

  it("blocks recipient fields of the wrong type (fail closed)", () => {
    for (const payload of [{ to: 42 }, { to: { address: "a@x.io" } }, { to: ["a@x.io", 7] }, { cc: true }, { bcc: [null] }]) {
      const v = verdict(Email.noMassEmails, payload)
      assert.isFalse(v.passed, JSON.stringify(payload))
      assert.include(v.reason, "expected a string or an array of strings")
    }
  })
})

describe("no_mass_emails never throws", () => {
  it("on arbitrary payloads and recipient fields", () => {
    const recipients = fc.oneof(fc.string(), fc.array(fc.string()), fc.emailAddress(), fc.anything())
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ to: recipients, cc: recipients, bcc: recipients }, { requiredKeys: [] })), (payload) => {
        assert.isBoolean(verdict(Email.noMassEmails, payload).passed)
      }),
      { numRuns: 300 }
    )
  })

  it("a recipient field whose getter throws blocks with a reason", () => {
    const throwing = Object.defineProperty({ to: "a@co.com" }, "cc", { enumerable: true, get: () => { throw new Error("boom") } })
    const v = verdict(Email.noMassEmails, throwing)
    assert.isFalse(v.passed)
    assert.include(v.reason, "Payload field 'cc' is unreadable")
  })
})

describe("no_repeat_emails", () => {
  const sent = receipt("run-1", { to: "ann@co.com", subject: "Your invoice" })

  it.effect("blocks the same recipient and subject inside the window, naming the earlier run", () =>
    Effect.gen(function*() {
      const store = yield* storeWith(sent)
      const v = yield* judge(withHistory(Email.noRepeatEmails(), store), { to: "ann@co.com", subject: "Your invoice" })
      assert.isFalse(v.passed)
      assert.strictEqual(
        v.reason,
        "An email with subject 'Your invoice' already went to ann@co.com at 2025-01-15T11:00:00.000Z (run run-1), within 24 hours"
      )
    }))

  it.effect("compares recipients and subjects case-insensitively, across to/cc/bcc", () =>
    Effect.gen(function*() {
      const store = yield* storeWith(receipt("run-1", { to: "Ann <ANN@co.com>", cc: ["bob@co.com"], subject: "  your   INVOICE " }))
      const policy = withHistory(Email.noRepeatEmails(), store)
      assert.isFalse((yield* judge(policy, { to: "ann@CO.com", subject: "Your invoice" })).passed)
      assert.isFalse((yield* judge(policy, { to: "bob@co.com", subject: "your invoice" })).passed)
      assert.isFalse((yield* judge(policy, { to: "cat@co.com", bcc: "bob@co.com", subject: "Your Invoice" })).passed)
    }))

  it.effect("passes a different subject, a different recipient, or an email outside the window", () =>
    Effect.gen(function*() {
      const store = yield* storeWith(sent)
      const policy = withHistory(Email.noRepeatEmails({ window: "1 hour" }), store)
      assert.isTrue((yield* judge(policy, { to: "ann@co.com", subject: "Your receipt" })).passed)
      assert.isTrue((yield* judge(policy, { to: "bob@co.com", subject: "Your invoice" })).passed)
      assert.isFalse((yield* judge(policy, { to: "ann@co.com", subject: "Your invoice" }, { now: "2025-01-15T11:59:00.000Z" })).passed)
      const later = yield* judge(policy, { to: "ann@co.com", subject: "Your invoice" }, { now: "2025-01-15T12:00:01.000Z" })
      assert.isTrue(later.passed, later.reason)
      assert.include(later.reason, "within 1 hour")
    }))

  it.effect("only emails that went out count: BLOCK receipts do not, PARTIAL receipts with a successful action do", () =>
    Effect.gen(function*() {
      const action = { action: "send", system: "mail", args: {}, success: true, output: null, rollback_data: null, already_done: false }
      const blocked = receipt("run-1", { to: "ann@co.com", subject: "Hi" }, { decision: "BLOCK" })
      const failedEarly = receipt("run-2", { to: "bob@co.com", subject: "Hi" }, { decision: "PARTIAL", actions_taken: [{ ...action, success: false }] })
      const partial = receipt("run-3", { to: "cat@co.com", subject: "Hi" }, { decision: "PARTIAL", actions_taken: [action] })
      const policy = withHistory(Email.noRepeatEmails(), yield* storeWith(blocked, failedEarly, partial))
      assert.isTrue((yield* judge(policy, { to: "ann@co.com", subject: "Hi" })).passed)
      assert.isTrue((yield* judge(policy, { to: "bob@co.com", subject: "Hi" })).passed)
      assert.isFalse((yield* judge(policy, { to: "cat@co.com", subject: "Hi" })).passed)
    }))

  it.effect("a missing subject matches only other emails without one", () =>
    Effect.gen(function*() {
      const store = yield* storeWith(receipt("run-1", { to: "ann@co.com" }))
      const policy = withHistory(Email.noRepeatEmails(), store)
      assert.isFalse((yield* judge(policy, { to: "ann@co.com" })).passed)
      assert.isTrue((yield* judge(policy, { to: "ann@co.com", subject: "Hello" })).passed)
    }))

  it.effect("can be limited to some workflows", () =>
    Effect.gen(function*() {
      const store = yield* storeWith(receipt("run-1", { to: "ann@co.com", subject: "Hi" }, { workflow: "calendar_invite" }))
      assert.isTrue((yield* judge(withHistory(Email.noRepeatEmails({ workflows: ["send_email"] }), store), { to: "ann@co.com", subject: "Hi" })).passed)
      assert.isFalse((yield* judge(withHistory(Email.noRepeatEmails(), store), { to: "ann@co.com", subject: "Hi" })).passed)
    }))

  it.effect("passes without recipients; blocks a wrong-typed subject or recipient", () =>
    Effect.gen(function*() {
      const policy = withHistory(Email.noRepeatEmails(), yield* storeWith(sent))
      assert.isTrue((yield* judge(policy, { subject: "Your invoice" })).passed)
      assert.include((yield* judge(policy, { to: "ann@co.com", subject: 7 })).reason, "Payload field 'subject' is a number")
      assert.isFalse((yield* judge(policy, { to: { ann: true } })).passed)
    }))

  it.effect("a receipt store that fails blocks (fail closed)", () =>
    Effect.gen(function*() {
      const store: ReceiptStore.ReceiptStoreService = { ...ReceiptStore.makeMemory(), list: () => Effect.fail(StoreError.io("disk unreadable")) }
      const v = yield* judge(withHistory(Email.noRepeatEmails(), store), { to: "ann@co.com", subject: "Hi" })
      assert.isFalse(v.passed)
      assert.include(v.reason, "receipt store failed")
      assert.include(v.reason, "disk unreadable")
    }))

  it("an invalid window is a configuration error when built", () => {
    const store = ReceiptStore.makeMemory()
    for (const window of ["soon", 0, -5, "Infinity"] as ReadonlyArray<Duration.Input>) {
      assert.throws(() => withHistory(Email.noRepeatEmails({ window }), store), /Cannot build no_repeat_emails/, String(window))
    }
  })

  it.effect("end to end: the second identical email through Enact is blocked, read back from the stored receipts", () =>
    Effect.gen(function*() {
      const store = ReceiptStore.makeMemory()
      const kv = makeKv({ allowedActions: ["set"] })
      const send = steps("send_email", "mail", [{ action: "set", args: { key: "sent", value: "1" } }])
      const { enact } = yield* setup(
        { systems: { mail: kv.connector }, policies: [Email.noMassEmails, withHistory(Email.noRepeatEmails(), store)], workflows: [send] },
        { store }
      )
      const payload = { to: "ann@co.com", subject: "Your invoice" }
      const first = yield* enact.run({ workflow: "send_email", user: "agent@co", payload })
      assert.strictEqual(first.receipt.decision, "PASS")
      const second = yield* enact.run({ workflow: "send_email", user: "agent@co", payload: { ...payload, to: "ANN@co.com" } })
      assert.strictEqual(second.receipt.decision, "BLOCK")
      assert.include(second.receipt.reason ?? "", `no_repeat_emails: An email with subject 'Your invoice' already went to ann@co.com`)
      assert.include(second.receipt.reason ?? "", first.receipt.run_id)
      const mass = yield* enact.run({ workflow: "send_email", user: "agent@co", payload: { to: "x@co.com, y@co.com", subject: "New" } })
      assert.strictEqual(mass.receipt.decision, "BLOCK")
      assert.strictEqual(mass.receipt.reason, "no_mass_emails: Email has 2 recipients (x@co.com, y@co.com); at most one is allowed")
    }))

  it.effect("through Policy.evaluate", () =>
    Effect.gen(function*() {
      const results = yield* Policy.evaluate(
        [Email.noMassEmails, withHistory(Email.noRepeatEmails(), yield* storeWith(sent))],
        ctx({ to: "ann@co.com", subject: "Your invoice" })
      )
      assert.deepStrictEqual(results.map((r) => [r.policy, r.passed]), [["no_mass_emails", true], ["no_repeat_emails", false]])
    }))
})
