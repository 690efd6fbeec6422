import { assert, describe, it } from "@effect/vitest"
import { type Duration, Effect, Schema } from "effect"
import * as Crm from "../../policies/crm.ts"
import * as Connector from "../../src/Connector.ts"
import * as ConnectorError from "../../src/ConnectorError.ts"
import type { ActionResult, Json, Receipt } from "../../src/Model.ts"
import * as Policy from "../../src/Policy.ts"
import * as ReceiptStore from "../../src/store/ReceiptStore.ts"
import * as StoreError from "../../src/store/StoreError.ts"
import * as Workflow from "../../src/Workflow.ts"
import { setup } from "../support/enact.ts"
import { policyHarness, withHistory } from "../support/policies.ts"
import { storedReceipt, storeWith } from "../support/receipts.ts"

const NOW = "2025-01-15T12:00:00.000Z"

const { ctx, judge } = policyHarness({ workflow: "crm.create_contact", runId: "run-now", now: NOW })

const field = (json: Json, key: string): unknown =>
  typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Readonly<Record<string, unknown>>)[key] : undefined

const str = (args: Json, key: string): string | undefined => {
  const v = field(args, key)
  return typeof v === "string" ? v : undefined
}

/**
 * A small in-memory CRM connector: contacts by email, tasks per contact. It fails like a real CRM would:
 * a conflict on a duplicate contact, invalid args without an email, an outage when `down` is set.
 */
const makeCrm = (
  options: { readonly contacts?: ReadonlyArray<string>; readonly down?: boolean; readonly allowed?: ReadonlyArray<string> } = {}
) => {
  const contacts = new Map<string, string>((options.contacts ?? []).map((e, i) => [e, `c_${i + 1}`]))
  const tasks: Array<{ id: string; contact_id: string }> = []
  const calls: Array<string> = []
  const email = (args: Json, action: string) => {
    const e = str(args, "email")
    return e === undefined ? Effect.fail(ConnectorError.invalidArgs("crm", action, "'email' must be a string")) : Effect.succeed(e.toLowerCase())
  }
  const connector = Connector.make({
    kind: "crm",
    allowedActions: options.allowed ?? ["find_contact", "search_contacts", "create_contact", "create_task"],
    actions: {
      find_contact: Connector.readOnly((args) =>
        Effect.gen(function*() {
          calls.push("find_contact")
          if (options.down === true) return yield* Effect.fail(ConnectorError.transport("crm", "find_contact", "CRM API timed out"))
          const e = yield* email(args, "find_contact")
          const id = contacts.get(e)
          return { alreadyDone: false, rollback: null, apply: Effect.succeed(id === undefined ? { found: false } : { found: true, id }) }
        })
      ),
      search_contacts: Connector.readOnly((args) =>
        Effect.map(email(args, "search_contacts"), (e) => ({
          alreadyDone: false,
          rollback: null,
          apply: Effect.succeed(contacts.has(e) ? [{ id: contacts.get(e)! }] : [])
        }))
      ),
      create_contact: Connector.mutating((args) =>
        Effect.gen(function*() {
          calls.push("create_contact")
          const e = yield* email(args, "create_contact")
          if (contacts.has(e)) return yield* Effect.fail(ConnectorError.conflict("crm", "create_contact", `${e} exists`))
          const id = `c_${contacts.size + 1}`
          return {
            alreadyDone: false,
            rollback: { action: "delete_contact", args: { id } },
            apply: Effect.sync(() => {
              contacts.set(e, id)
              return { id, email: e }
            })
          }
        })
      ),
      create_task: Connector.mutating((args) =>
        Effect.gen(function*() {
          const contact = str(args, "contact_id")
          if (contact === undefined) return yield* Effect.fail(ConnectorError.invalidArgs("crm", "create_task", "'contact_id' must be a string"))
          const id = `t_${tasks.length + 1}`
          return {
            alreadyDone: false,
            rollback: { action: "delete_task", args: { id } },
            apply: Effect.sync(() => {
              tasks.push({ id, contact_id: contact })
              return { id, contact_id: contact }
            })
          }
        })
      )
    },
    inverses: {
      delete_contact: () => Effect.succeed(null),
      delete_task: () => Effect.succeed(null)
    }
  })
  return { connector, contacts, tasks, calls }
}

describe("dont_duplicate_contacts with a lookup function", () => {
  const existing = new Set(["ann@co.com"])
  const seen: Array<string> = []
  const policy = Crm.dontDuplicateContacts({
    lookup: (email) => Effect.sync(() => {
      seen.push(email)
      return existing.has(email)
    })
  })

  it.effect("blocks an email the CRM already has, asking with the trimmed, lowercased email", () =>
    Effect.gen(function*() {
      const v = yield* judge(policy, { email: "  Ann@CO.com " })
      assert.deepStrictEqual(v, { passed: false, reason: "The CRM already has a contact with email 'ann@co.com'" })
      assert.strictEqual(seen.at(-1), "ann@co.com")
    }))

  it.effect("passes a new email", () =>
    Effect.gen(function*() {
      const v = yield* judge(policy, { email: "bob@co.com" })
      assert.deepStrictEqual(v, { passed: true, reason: "The CRM has no contact with email 'bob@co.com'" })
    }))

  it.effect("passes when there is no email; blocks a wrong type or a malformed address without asking", () =>
    Effect.gen(function*() {
      const before = seen.length
      assert.isTrue((yield* judge(policy, { name: "Ann" })).passed)
      assert.include((yield* judge(policy, { email: 42 })).reason, "Payload field 'email' is a number")
      assert.include((yield* judge(policy, { email: "not an email" })).reason, "is not an email address")
      assert.include((yield* judge(policy, { email: "" })).reason, "is not an email address")
      assert.strictEqual(seen.length, before)
    }))

  it.effect("a lookup that fails blocks (fail closed)", () =>
    Effect.gen(function*() {
      const down = Crm.dontDuplicateContacts({ lookup: () => Effect.fail(new Error("HubSpot 503")) })
      const v = yield* judge(down, { email: "ann@co.com" })
      assert.isFalse(v.passed)
      assert.strictEqual(v.reason, "Cannot check the CRM for a contact with email 'ann@co.com': HubSpot 503")
    }))

  it.effect("a lookup answering something other than a boolean blocks", () =>
    Effect.gen(function*() {
      const sloppy = Crm.dontDuplicateContacts({ lookup: () => Effect.succeed("yes" as unknown as boolean) })
      assert.include((yield* judge(sloppy, { email: "ann@co.com" })).reason, "returned a string, not a boolean")
    }))

  it("refuses options that name neither a lookup nor a connector action", () => {
    assert.throws(() => Crm.dontDuplicateContacts({} as unknown as Crm.ContactLookup), /Cannot build dont_duplicate_contacts/)
    assert.throws(() => Crm.dontDuplicateContacts({ system: "crm" } as unknown as Crm.ContactLookup), /Cannot build dont_duplicate_contacts/)
  })
})

describe("dont_duplicate_contacts through a connector read action", () => {
  const policy = Crm.dontDuplicateContacts({ system: "crm", action: "find_contact" })

  it.effect("blocks when the CRM finds the contact, passes when it does not", () =>
    Effect.gen(function*() {
      const crm = makeCrm({ contacts: ["ann@co.com"] })
      assert.isFalse((yield* judge(policy, { email: "ANN@co.com" }, { systems: { crm: crm.connector } })).passed)
      assert.isTrue((yield* judge(policy, { email: "bob@co.com" }, { systems: { crm: crm.connector } })).passed)
      assert.deepStrictEqual(crm.calls, ["find_contact", "find_contact"])
    }))

  it.effect("reads list outputs (empty list: not found) and takes custom args and exists", () =>
    Effect.gen(function*() {
      const crm = makeCrm({ contacts: ["ann@co.com"] })
      const search = Crm.dontDuplicateContacts({ system: "crm", action: "search_contacts" })
      assert.isFalse((yield* judge(search, { email: "ann@co.com" }, { systems: { crm: crm.connector } })).passed)
      assert.isTrue((yield* judge(search, { email: "bob@co.com" }, { systems: { crm: crm.connector } })).passed)
      const custom = Crm.dontDuplicateContacts({
        system: "crm",
        action: "find_contact",
        args: (email) => ({ email, fields: ["id"] }),
        exists: (output) => typeof field(output, "id") === "string"
      })
      assert.isFalse((yield* judge(custom, { email: "ann@co.com" }, { systems: { crm: crm.connector } })).passed)
      assert.isTrue((yield* judge(custom, { email: "bob@co.com" }, { systems: { crm: crm.connector } })).passed)
    }))

  it.effect("a CRM that fails blocks (fail closed)", () =>
    Effect.gen(function*() {
      const crm = makeCrm({ down: true })
      const v = yield* judge(policy, { email: "ann@co.com" }, { systems: { crm: crm.connector } })
      assert.isFalse(v.passed)
      assert.include(v.reason, "CRM API timed out")
    }))

  it.effect("a missing system or action blocks instead of passing", () =>
    Effect.gen(function*() {
      const crm = makeCrm()
      assert.include((yield* judge(policy, { email: "ann@co.com" })).reason, "No system registered as 'crm'")
      const typo = Crm.dontDuplicateContacts({ system: "crm", action: "find_contacts" })
      assert.include((yield* judge(typo, { email: "ann@co.com" }, { systems: { crm: crm.connector } })).reason, "find_contacts: UnknownAction")
    }))

  it.effect("a read-only action the instance does not allow is refused, and nothing runs", () =>
    Effect.gen(function*() {
      const crm = makeCrm({ allowed: ["create_contact"] })
      const v = yield* judge(policy, { email: "ann@co.com" }, { systems: { crm: crm.connector } })
      assert.isFalse(v.passed)
      assert.include(v.reason, "NotAllowed")
      assert.deepStrictEqual(crm.calls, [])
    }))

  it.effect("refuses to run a mutating action, and nothing is mutated", () =>
    Effect.gen(function*() {
      const crm = makeCrm()
      const wrong = Crm.dontDuplicateContacts({ system: "crm", action: "create_contact" })
      const v = yield* judge(wrong, { email: "ann@co.com" }, { systems: { crm: crm.connector } })
      assert.isFalse(v.passed)
      assert.include(v.reason, "policies may only read")
      assert.deepStrictEqual(crm.calls, [])
      assert.strictEqual(crm.contacts.size, 0)
    }))

  it.effect("end to end through Enact: the second create_contact for the same email is blocked", () =>
    Effect.gen(function*() {
      const crm = makeCrm()
      const { enact } = yield* setup({ systems: { crm: crm.connector }, policies: [policy] })
      const first = yield* enact.runAction({ system: "crm", action: "create_contact", args: { email: "ann@co.com" }, user: "agent@co" })
      assert.strictEqual(first.result.decision, "PASS")
      const second = yield* enact.runAction({ system: "crm", action: "create_contact", args: { email: "Ann@Co.com" }, user: "agent@co" })
      assert.strictEqual(second.result.decision, "BLOCK")
      assert.strictEqual(second.receipt.reason, "dont_duplicate_contacts: The CRM already has a contact with email 'ann@co.com'")
      assert.strictEqual(crm.contacts.size, 1)
      // The CRM lookups are recorded in each receipt, attributed to the policy that made them.
      assert.deepStrictEqual(second.receipt.policy_reads, [{
        action: "find_contact",
        args: { email: "ann@co.com" },
        output: { found: true, id: "c_1" },
        policy: "dont_duplicate_contacts",
        success: true,
        system: "crm"
      }])
      assert.strictEqual(first.receipt.policy_reads.length, 1)
      assert.deepStrictEqual(yield* enact.verify(second.receipt), { valid: true })
    }))
})

/** A recorded action result. */
const action = (over: Partial<ActionResult> = {}): ActionResult => ({
  action: "create_task",
  system: "crm",
  args: {},
  success: true,
  output: { id: "t_1", contact_id: "c_1" },
  rollback_data: null,
  already_done: false,
  ...over
})

/** A stored receipt of an earlier task-creating run. */
const receipt = (runId: string, actions: ReadonlyArray<ActionResult>, over: Partial<Receipt> = {}): Receipt =>
  storedReceipt({
    run_id: runId,
    workflow: "crm.create_task",
    user_email: "agent@co",
    payload: {},
    actions_taken: actions,
    timestamp: "2025-01-14T12:00:00.000Z",
    ...over
  })

describe("limit_tasks_per_contact", () => {
  it.effect("blocks the run that would exceed max tasks in the window, counting stored task creations", () =>
    Effect.gen(function*() {
      const store = yield* storeWith(receipt("r1", [action()]), receipt("r2", [action(), action({ output: { id: "t_3", contact_id: "c_2" } })]))
      const policy = withHistory(Crm.limitTasksPerContact({ max: 2 }), store)
      const v = yield* judge(policy, { contact_id: "c_1" })
      assert.deepStrictEqual(v, { passed: false, reason: "Contact 'c_1' already has 2 tasks created within 7 days (limit 2)" })
      const other = yield* judge(policy, { contact_id: "c_2" })
      assert.deepStrictEqual(other, { passed: true, reason: "Contact 'c_2' has 1 tasks created within 7 days (limit 2)" })
    }))

  it.effect("regression: a count the agent supplies is ignored", () =>
    Effect.gen(function*() {
      const store = yield* storeWith(receipt("r1", [action(), action(), action()]))
      const policy = withHistory(Crm.limitTasksPerContact(), store)
      assert.isFalse((yield* judge(policy, { contact_id: "c_1", recent_task_count: 0, task_count: 0 })).passed)
      assert.isTrue((yield* judge(policy, { contact_id: "c_9", recent_task_count: 99 })).passed)
    }))

  it.effect("counts only successful, newly created tasks of the configured actions, inside the window", () =>
    Effect.gen(function*() {
      const store = yield* storeWith(
        receipt("failed", [action({ success: false, output: null, error: "boom" })]),
        receipt("noop", [action({ already_done: true })]),
        receipt("other-action", [action({ action: "update_contact" })]),
        receipt("old", [action(), action(), action()], { timestamp: "2025-01-01T00:00:00.000Z" }),
        receipt("counted", [action()])
      )
      const v = yield* judge(withHistory(Crm.limitTasksPerContact({ max: 2 }), store), { contact_id: "c_1" })
      assert.deepStrictEqual(v, { passed: true, reason: "Contact 'c_1' has 1 tasks created within 7 days (limit 2)" })
      const wider = yield* judge(withHistory(Crm.limitTasksPerContact({ max: 2, window: "30 days" }), store), { contact_id: "c_1" })
      assert.isFalse(wider.passed)
      const renamed = yield* judge(withHistory(Crm.limitTasksPerContact({ max: 1, actions: ["update_contact"] }), store), { contact_id: "c_1" })
      assert.isFalse(renamed.passed)
    }))

  it.effect("finds the contact in the output, the rollback args, or the run's payload", () =>
    Effect.gen(function*() {
      const store = yield* storeWith(
        receipt("by-output", [action({ output: { id: "t", contactId: 7 } })]),
        receipt("by-rollback", [action({ output: { id: "t" }, rollback_data: { action: "delete_task", args: { id: "t", contact_id: "7" } } })]),
        receipt("by-payload", [action({ output: { id: "t" } })], { payload: { contact_id: 7 } }),
        receipt("output-wins", [action({ output: { id: "t", contact_id: "8" } })], { payload: { contact_id: "7" } })
      )
      const v = yield* judge(withHistory(Crm.limitTasksPerContact({ max: 10 }), store), { contact_id: 7 })
      assert.include(v.reason, "Contact '7' has 3 tasks")
    }))

  it.effect("passes when there is no contact id; blocks a contact id of the wrong type", () =>
    Effect.gen(function*() {
      const policy = withHistory(Crm.limitTasksPerContact(), ReceiptStore.makeMemory())
      assert.isTrue((yield* judge(policy, { title: "call back" })).passed)
      for (const contact_id of ["", "  ", true, { id: "c_1" }, ["c_1"], Number.NaN]) {
        const v = yield* judge(policy, { contact_id })
        assert.isFalse(v.passed, JSON.stringify(contact_id))
        assert.include(v.reason, "Payload field 'contact_id'")
      }
    }))

  it.effect("a receipt store that fails blocks (fail closed)", () =>
    Effect.gen(function*() {
      const store: ReceiptStore.ReceiptStoreService = { ...ReceiptStore.makeMemory(), list: () => Effect.fail(StoreError.io("connection refused")) }
      const v = yield* judge(withHistory(Crm.limitTasksPerContact(), store), { contact_id: "c_1" })
      assert.isFalse(v.passed)
      assert.include(v.reason, "connection refused")
    }))

  it("refuses a bad max or window when built", () => {
    const store = ReceiptStore.makeMemory()
    assert.throws(() => withHistory(Crm.limitTasksPerContact({ max: -1 }), store), /max must be a non-negative integer/)
    assert.throws(() => withHistory(Crm.limitTasksPerContact({ max: 1.5 }), store), /max must be a non-negative integer/)
    assert.throws(() => withHistory(Crm.limitTasksPerContact({ window: "a week" as Duration.Input }), store), /window must be a positive/)
  })

  it.effect("end to end through Enact: the fourth task for a contact is blocked, other contacts are not", () =>
    Effect.gen(function*() {
      const store = ReceiptStore.makeMemory()
      const crm = makeCrm()
      const followUps = Workflow.make({
        name: "follow_up",
        payload: Schema.Struct({ contact_id: Schema.String, tasks: Schema.Number }),
        run: (ctx) =>
          Effect.forEach(
            Array.from({ length: ctx.payload.tasks }, (_, i) => i),
            () => ctx.act("crm", { action: "create_task", args: { contact_id: ctx.payload.contact_id } }),
            { discard: true }
          )
      })
      const { enact } = yield* setup(
        { systems: { crm: crm.connector }, policies: [withHistory(Crm.limitTasksPerContact(), store)], workflows: [followUps] },
        { store }
      )
      const task = (contact_id: string) => enact.runAction({ system: "crm", action: "create_task", args: { contact_id }, user: "agent@co" })
      assert.strictEqual((yield* enact.run({ workflow: "follow_up", user: "agent@co", payload: { contact_id: "c_1", tasks: 2 } })).result.decision, "PASS")
      assert.strictEqual((yield* task("c_1")).result.decision, "PASS")
      const fourth = yield* task("c_1")
      assert.strictEqual(fourth.result.decision, "BLOCK")
      assert.strictEqual(fourth.receipt.reason, "limit_tasks_per_contact: Contact 'c_1' already has 3 tasks created within 7 days (limit 3)")
      assert.strictEqual((yield* task("c_2")).result.decision, "PASS")
      assert.deepStrictEqual(crm.tasks.map((t) => t.contact_id), ["c_1", "c_1", "c_1", "c_2"])
    }))

  it.effect("through Policy.evaluate, both CRM policies", () =>
    Effect.gen(function*() {
      const crm = makeCrm({ contacts: ["ann@co.com"] })
      const results = yield* Policy.evaluate(
        [Crm.dontDuplicateContacts({ system: "crm", action: "find_contact" }), withHistory(Crm.limitTasksPerContact(), ReceiptStore.makeMemory())],
        ctx({ email: "bob@co.com", contact_id: "c_1" }, { systems: { crm: crm.connector } })
      )
      assert.deepStrictEqual(results.map((r) => [r.policy, r.passed]), [["dont_duplicate_contacts", true], ["limit_tasks_per_contact", true]])
    }))
})
