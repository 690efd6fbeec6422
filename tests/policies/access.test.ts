import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import fc from "fast-check"
import * as Access from "../../policies/access.ts"
import * as Policy from "../../src/Policy.ts"
import * as Workflow from "../../src/Workflow.ts"
import { setup } from "../support/enact.ts"
import { makeKv } from "../support/kv.ts"
import { assertAlwaysDecides, type Attributes, policyHarness } from "../support/policies.ts"

const { ctx, verdict, blocks, passes } = policyHarness({ workflow: "crm.update", showAttributes: true })

describe("require_actor_role", () => {
  const policy = Access.requireActorRole(["admin", "engineer"])

  it("passes an allowed role from payload.actor_role, blocks another, naming it", () => {
    passes(policy, { actor_role: "engineer" })
    assert.include(blocks(policy, { actor_role: "viewer" }), "'viewer'")
  })

  it("regression: reads the vouched role from userAttributes", () => {
    assert.strictEqual(passes(policy, {}, { role: "admin" }), "Role 'admin' is authorized")
    blocks(policy, {}, { role: "viewer" })
  })

  it("does not let the payload claim more than the vouched role", () => {
    assert.include(blocks(policy, { actor_role: "admin" }, { role: "viewer" }), "does not match")
    passes(policy, { actor_role: "admin" }, { role: "admin" })
  })

  it("blocks when no role is given at all", () => assert.include(blocks(policy, {}), "No role given"))

  it("blocks roles of the wrong type", () => {
    blocks(policy, {}, { role: 1 })
    blocks(policy, { actor_role: { name: "admin" } })
  })

  it("blocks everyone with an empty list", () => blocks(Access.requireActorRole([]), { actor_role: "admin" }))
})

describe("require_user_role", () => {
  const policy = Access.requireUserRole("admin", "engineer")

  it("passes listed roles, one or several held", () => {
    passes(policy, {}, { role: "engineer" })
    passes(policy, {}, { role: ["viewer", "admin"] })
  })

  it("blocks other roles and a missing role", () => {
    assert.include(blocks(policy, {}, { role: "viewer" }), "not in allowed roles")
    blocks(policy, {})
  })

  it("ignores payload.actor_role (the agent cannot vouch for itself)", () => {
    blocks(policy, { actor_role: "admin" })
  })
})

describe("contractor_cannot_write_pii", () => {
  const policy = Access.contractorCannotWritePii(["ssn", "date_of_birth"])
  const contractor = { role: "contractor" }

  it("blocks a contractor writing a PII field, naming it", () => {
    assert.include(blocks(policy, { data: { ssn: "123-45-6789", name: "Jane" } }, contractor), "'ssn'")
  })

  it("reads the contractor role from userAttributes or payload.actor_role", () => {
    blocks(policy, { actor_role: "contractor", data: { ssn: "1" } })
    blocks(policy, { actor_role: "employee", data: { ssn: "1" } }, contractor)
  })

  it("matches field names ignoring case and separators, nested and in arrays", () => {
    blocks(policy, { data: { SSN: "1" } }, contractor)
    blocks(policy, { data: { dateOfBirth: "1990-01-01" } }, contractor)
    blocks(policy, { data: [{ name: "a" }, { profile: { "Date-Of-Birth": "x" } }] }, contractor)
  })

  it("adds payload.pii_fields to the configured list", () => {
    blocks(Access.contractorCannotWritePii(), { pii_fields: ["dob"], data: { dob: "x" } }, contractor)
  })

  it("inspects SQL writes", () => {
    assert.include(blocks(policy, { sql: "UPDATE users SET ssn = '1' WHERE id = 1" }, contractor), "UPDATE")
    blocks(policy, { sql: "INSERT INTO users (name, \"SSN\") VALUES ('a', 'b')" }, contractor)
    blocks(policy, { sql: "INSERT INTO users VALUES ('a', 'b')" }, contractor)
    passes(policy, { sql: "UPDATE users SET name = 'x' WHERE id = 1" }, contractor)
  })

  it("passes employees, and contractors writing no PII", () => {
    passes(policy, { data: { ssn: "1" } }, { role: "employee" })
    passes(policy, { data: { name: "Jane", company: "Acme" } }, contractor)
    passes(policy, {}, contractor)
  })

  it("blocks a contractor's data of the wrong type", () => {
    blocks(policy, { data: "ssn=1" }, contractor)
    blocks(policy, { pii_fields: 5, data: {} }, contractor)
  })
})

describe("dont_read_sensitive_tables", () => {
  const policy = Access.dontReadSensitiveTables(["salaries", "hr.reviews"])

  it("blocks a sensitive payload.table, folding case like PostgreSQL", () => {
    assert.include(blocks(policy, { table: "salaries" }), "'salaries'")
    blocks(policy, { table: "SALARIES" })
    blocks(policy, { table: "hr.Reviews" })
    passes(policy, { table: "\"SALARIES\"" })
  })

  it("blocks sensitive tables referenced in the SQL", () => {
    blocks(policy, { sql: "SELECT avg(amount) FROM payroll.salaries" })
    blocks(policy, { sql: "SELECT * FROM users u JOIN hr.reviews r ON r.user_id = u.id" })
    passes(policy, { sql: "SELECT * FROM public.reviews" })
  })

  it("passes other and absent tables", () => {
    passes(policy, { table: "orders" })
    passes(policy, {})
  })
})

describe("dont_read_sensitive_paths", () => {
  const policy = Access.dontReadSensitivePaths(["/etc", "/var/secrets"])

  it("blocks paths under a sensitive directory, naming it", () => {
    assert.include(blocks(policy, { path: "/etc/passwd" }), "'/etc'")
    blocks(policy, { path: "/var/secrets" })
  })

  it("regression: normalises .. and // before comparing", () => {
    blocks(policy, { path: "/tmp/../etc/passwd" })
    blocks(policy, { path: "//etc/passwd" })
    blocks(policy, { path: "/./etc//./passwd" })
    blocks(policy, { path: "/var/log/../secrets/key" })
  })

  it("matches component-wise: /etchosts is not under /etc", () => {
    passes(policy, { path: "/etchosts" })
    passes(policy, { path: "/var/secretsfile" })
  })

  it("is case-insensitive by default, exact with caseSensitive", () => {
    blocks(policy, { path: "/ETC/shadow" })
    passes(Access.dontReadSensitivePaths(["/etc"], { caseSensitive: true }), { path: "/ETC/shadow" })
  })

  it("resolves relative paths against cwd", () => {
    blocks(Access.dontReadSensitivePaths(["/etc"], { cwd: "/srv/app" }), { path: "../../etc/passwd" })
    passes(Access.dontReadSensitivePaths(["/etc"], { cwd: "/srv/app" }), { path: "etc/passwd" })
  })

  it("passes when the path is absent, blocks a wrong type", () => {
    passes(policy, {})
    blocks(policy, { path: 7 })
  })
})

describe("require_clearance_for_path", () => {
  const policy = Access.requireClearanceForPath(["/data/restricted"], 3)

  it("blocks low or missing clearance for a restricted path", () => {
    assert.include(blocks(policy, { path: "/data/restricted/a.csv" }), "Clearance level 0 insufficient")
    blocks(policy, { path: "/data/restricted/a.csv" }, { clearance: 2 })
  })

  it("passes enough clearance, from clearance or clearance_level", () => {
    passes(policy, { path: "/data/restricted/a.csv" }, { clearance: 3 })
    passes(policy, { path: "/data/restricted/a.csv" }, { clearance_level: 5 })
  })

  it("regression: normalises the path before deciding it is unrestricted", () => {
    blocks(policy, { path: "/data/public/../restricted/a.csv" })
    blocks(policy, { path: "//data//restricted/a.csv" })
  })

  it("passes unrestricted paths whatever the clearance", () => passes(policy, { path: "/data/public/a.csv" }))

  it("blocks a clearance of the wrong type", () => {
    assert.include(blocks(policy, { path: "/data/restricted/a" }, { clearance: "5" }), "must be a number")
  })
})

describe("role attributes reach access policies on every entry point", () => {
  const workflow = Workflow.make({
    name: "write",
    payload: Schema.Json,
    run: (c) => c.act("store", { action: "set", args: { key: "a", value: "1" } })
  })

  it.effect("regression: run passes userAttributes to require_actor_role and require_user_role", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const policies = [Access.requireActorRole(["admin"]), Access.requireUserRole("admin")]
      const { enact } = yield* setup({ systems: { store: kv.connector }, policies, workflows: [workflow] })
      const admin = yield* enact.run({ workflow: "write", user: "u@co", payload: {}, userAttributes: { role: "admin" } })
      assert.strictEqual(admin.receipt.decision, "PASS")
      assert.deepStrictEqual(admin.receipt.policy_results.map((r) => r.passed), [true, true])
      const viewer = yield* enact.run({ workflow: "write", user: "u@co", payload: { actor_role: "admin" }, userAttributes: { role: "viewer" } })
      assert.strictEqual(viewer.receipt.decision, "BLOCK")
      assert.include(viewer.receipt.reason ?? "", "does not match")
    }))

  it.effect("regression: runAction passes userAttributes too", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const { enact } = yield* setup({ systems: { store: kv.connector }, policies: [Access.requireUserRole("admin")] })
      const request = { system: "store", action: "set", args: { key: "a", value: "1" }, user: "u" }
      const allowed = yield* enact.runAction({ ...request, userAttributes: { role: "admin" } })
      assert.strictEqual(allowed.result.decision, "PASS")
      const denied = yield* enact.runAction({ ...request, userAttributes: { role: "viewer" } })
      assert.strictEqual(denied.result.decision, "BLOCK")
    }))
})

describe("access policies through the gate", () => {
  const all = [
    Access.requireActorRole(["admin"]),
    Access.requireUserRole("admin"),
    Access.contractorCannotWritePii(["ssn"]),
    Access.dontReadSensitiveTables(["salaries"]),
    Access.dontReadSensitivePaths(["/etc"]),
    Access.requireClearanceForPath(["/etc"], 2)
  ]

  it.effect("records each verdict under its snake_case name", () =>
    Effect.gen(function*() {
      const results = yield* Policy.evaluate(all, ctx({ path: "/tmp/../etc/shadow", data: { ssn: "1" }, table: "salaries" }, { userAttributes: { role: "contractor", clearance: 1 } }))
      assert.deepStrictEqual(results.map((r) => [r.policy, r.passed]), [
        ["require_actor_role", false],
        ["require_user_role", false],
        ["contractor_cannot_write_pii", false],
        ["dont_read_sensitive_tables", false],
        ["dont_read_sensitive_paths", false],
        ["require_clearance_for_path", false]
      ])
    }))

  it("never throws on arbitrary payloads and attributes", () => {
    const fields = ["actor_role", "data", "table", "path", "sql", "pii_fields"]
    assertAlwaysDecides(
      all,
      fc.tuple(
        fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom(...fields), fc.anything())),
        fc.dictionary(fc.constantFrom("role", "clearance", "clearance_level", "team"), fc.jsonValue())
      ),
      (p, [payload, attributes]) => verdict(p, payload, { userAttributes: attributes as Attributes })
    )
  })
})

describe("regressions found by the corpus: SQL sent through a database client", () => {
  it("dont_read_sensitive_tables reads SQL in payload.command", () => {
    const policy = Access.dontReadSensitiveTables(["salaries"])
    blocks(policy, { command: "psql -c 'SELECT * FROM salaries'" })
    blocks(policy, { command: "sqlite3 hr.db 'select name, amount from Salaries'" })
    passes(policy, { command: "psql -c 'SELECT count(*) FROM orders'" })
  })
})
