import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import * as Db from "../../policies/db.ts"
import * as Policy from "../../src/Policy.ts"
import { assertAlwaysDecides, policyHarness } from "../support/policies.ts"

const { ctx, verdict, blocks, passes } = policyHarness({ workflow: "db.execute" })

describe("dont_delete_row", () => {
  it("always blocks, even with a WHERE filter", () => {
    assert.include(blocks(Db.dontDeleteRow, {}).toLowerCase(), "deletion")
    blocks(Db.dontDeleteRow, { table: "users", where: { id: 42 } })
    assert.strictEqual(Db.dontDeleteRow.name, "dont_delete_row")
  })
})

describe("dont_delete_without_where (structured where)", () => {
  const policy = Db.dontDeleteWithoutWhere

  it("blocks a missing or empty where map, mentioning WHERE", () => {
    assert.include(blocks(policy, { table: "users" }).toLowerCase(), "where")
    assert.include(blocks(policy, { table: "users", where: {} }), "empty")
  })

  it("passes a non-empty where map", () => {
    assert.include(passes(policy, { table: "users", where: { id: 42 } }), "1 condition")
    passes(policy, { table: "orders", where: { status: "cancelled", user_id: 7 } })
  })

  it("blocks a where that is not a map (fail closed)", () => {
    assert.include(blocks(policy, { where: "1=1" }), "got a string")
    blocks(policy, { where: [["id", 1]] })
    blocks(policy, { where: 5 })
  })
})

describe("dont_delete_without_where (SQL)", () => {
  const policy = Db.dontDeleteWithoutWhere
  const sql = (text: string) => ({ sql: text })

  it("blocks a DELETE with no WHERE clause", () => {
    assert.strictEqual(
      blocks(policy, sql("DELETE FROM users")),
      "DELETE on 'users' has no WHERE clause, so it would delete every row"
    )
  })

  it("regression: a 1=1 WHERE clause blocks", () => {
    assert.include(blocks(policy, sql("DELETE FROM users WHERE 1=1")), "(1 = 1) is always true")
  })

  it("blocks other always-true WHERE clauses", () => {
    for (const where of ["true", "TRUE", "'a'='a'", "1", "2>1", "1 <> 2", "x = x", "t.id = t.id", "NOT false", "(1=1)", "1+1=2", "'1'::int = 1", "true::boolean", "1 IN (1, 2)", "1 BETWEEN 0 AND 2", "'ab' LIKE 'a%'", "null IS NULL", "coalesce(null, 1) = 1"]) {
      blocks(policy, sql(`DELETE FROM t WHERE ${where}`))
    }
  })

  it("blocks an OR with an always-true side", () => {
    assert.include(blocks(policy, sql("DELETE FROM t WHERE id = 5 OR 1 = 1")), "always true")
    blocks(policy, sql("DELETE FROM t WHERE id = 5 OR true"))
    blocks(policy, sql("DELETE FROM t WHERE (status = 'x' AND 1=1) OR 'a' = 'a'"))
  })

  it("blocks disjunctions that cover every row", () => {
    blocks(policy, sql("DELETE FROM t WHERE x IS NULL OR x IS NOT NULL"))
    blocks(policy, sql("DELETE FROM t WHERE id = 5 OR NOT (id = 5)"))
  })

  it("blocks a WHERE clause that depends on no column", () => {
    assert.include(blocks(policy, sql("DELETE FROM t WHERE $1")), "depends on no column")
    blocks(policy, sql("DELETE FROM t WHERE exists (select 1)"))
  })

  it("passes WHERE clauses that narrow the rows", () => {
    passes(policy, sql("DELETE FROM users WHERE id = 5"))
    passes(policy, sql("DELETE FROM users WHERE id = $1"))
    passes(policy, sql("DELETE FROM users WHERE id = 5 AND 1 = 1"))
    passes(policy, sql("DELETE FROM users WHERE id IN (1, 2, 3)"))
    passes(policy, sql("DELETE FROM users WHERE id = ANY($1)"))
    passes(policy, sql("DELETE FROM sessions WHERE expires_at < now() - interval '30 days'"))
    passes(policy, sql("DELETE FROM events WHERE created_at BETWEEN '2024-01-01' AND '2024-02-01'"))
    passes(policy, sql("DELETE FROM users WHERE (id = 5 OR id = 6) AND deleted_at IS NOT NULL"))
    passes(policy, sql("DELETE FROM t WHERE tenant_id = :tenant AND id >= 100"))
  })

  it("passes only what it can prove: sub-selects, negations and contradictions block, naming the condition", () => {
    assert.include(blocks(policy, sql("DELETE FROM users WHERE id IN (SELECT user_id FROM bans)")), "sub-select")
    assert.include(blocks(policy, sql("DELETE FROM users WHERE NOT (id = 5)")), "negated")
    assert.include(blocks(policy, sql("DELETE FROM t WHERE 1 = 0")), "depends on no row")
    assert.include(blocks(policy, sql("DELETE FROM t WHERE id IS NOT NULL")), "nearly every row")
    assert.include(blocks(policy, sql("DELETE FROM t WHERE id <> 0")), "negative test")
    assert.include(blocks(policy, sql("DELETE FROM t WHERE a = b")), "two columns")
    assert.include(blocks(policy, sql("DELETE FROM t WHERE id = 1 OR (select 1) = 1")), "OR branch 2 of 2")
    assert.include(blocks(policy, sql("DELETE FROM t WHERE id < 5 OR id >= 5")), "together cover every value")
    assert.include(blocks(policy, sql("DELETE FROM t WHERE name >= ''")), "extreme bound")
    assert.include(blocks(policy, sql("DELETE FROM users WHERE id IN (SELECT user_id FROM bans)")), "DELETE on 'users'")
  })

  it("checks every statement, and treats TRUNCATE as deleting every row", () => {
    blocks(policy, sql("SELECT 1; DELETE FROM users"))
    blocks(policy, sql("DELETE FROM a WHERE id = 1; DELETE FROM b WHERE true"))
    assert.include(blocks(policy, sql("TRUNCATE users")), "TRUNCATE")
  })

  it("does not let a comment or a string hide the missing WHERE", () => {
    blocks(policy, sql("DELETE FROM t -- WHERE id = 1"))
    blocks(policy, sql("DELETE FROM t /* WHERE id = 1 */"))
    blocks(policy, sql("SELECT '\\'; DELETE FROM users; --'"))
  })

  it("passes SQL without a DELETE", () => {
    assert.include(passes(policy, sql("SELECT * FROM users")), "no DELETE")
  })

  it("blocks unparseable SQL with the parse problem (fail closed)", () => {
    const reason = blocks(policy, sql("DELET FROM users WHERE id = 1"))
    assert.include(reason, "could not be parsed at line 1")
    assert.include(reason, "fail closed")
    blocks(policy, sql("DELETE FROM t WHERE id = 'unterminated"))
  })

  it("blocks SQL of the wrong type", () => {
    assert.include(blocks(policy, { sql: 42 }), "payload.sql must be a string")
  })

  it("checks both the SQL and a structured where when both are given", () => {
    blocks(policy, { sql: "DELETE FROM t WHERE id = 1", where: {} })
    passes(policy, { sql: "DELETE FROM t WHERE id = 1", where: { id: 1 } })
  })
})

describe("dont_update_without_where", () => {
  const policy = Db.dontUpdateWithoutWhere

  it("blocks a missing or empty where map", () => {
    assert.include(blocks(policy, { table: "users", data: { status: "inactive" } }).toLowerCase(), "where")
    blocks(policy, { where: {} })
    passes(policy, { where: { id: 99 }, data: { status: "inactive" } })
  })

  it("blocks UPDATE without WHERE or with a tautology", () => {
    assert.include(blocks(policy, { sql: "UPDATE users SET admin = true" }), "UPDATE on 'users' has no WHERE clause")
    blocks(policy, { sql: "UPDATE users SET admin = true WHERE 1=1" })
    blocks(policy, { sql: "update users set admin = true where 'a'='a'" })
    blocks(policy, { sql: "UPDATE users SET a = 1 WHERE id = 2 OR 1 = 1" })
  })

  it("passes a narrowed UPDATE and ignores DELETEs", () => {
    passes(policy, { sql: "UPDATE users SET admin = true WHERE id = 7" })
    passes(policy, { sql: "UPDATE t SET a = 1 FROM u WHERE t.id = u.id AND u.batch = 7" })
    assert.include(blocks(policy, { sql: "UPDATE t SET a = 1 FROM u WHERE t.id = u.id" }), "UPDATE on 't'")
    passes(policy, { sql: "DELETE FROM users" })
  })
})

describe("protect_tables", () => {
  const policy = Db.protectTables(["users", "payments"])

  it("blocks a protected payload.table and names it", () => {
    assert.include(blocks(policy, { table: "users" }), "'users'")
    blocks(policy, { table: "payments" })
    passes(policy, { table: "temp_logs" })
  })

  it("passes when no table is referenced, and with an empty list", () => {
    passes(policy, {})
    passes(Db.protectTables([]), { table: "users" })
  })

  it("folds unquoted names like PostgreSQL: Users is users, \"Users\" is not", () => {
    blocks(policy, { table: "Users" })
    blocks(policy, { table: "USERS" })
    passes(policy, { table: "\"Users\"" })
    blocks(policy, { table: "\"users\"" })
    // Unlike the original (exact match), an unquoted configured "Users" protects users too.
    blocks(Db.protectTables(["Users"]), { table: "users" })
    const quoted = Db.protectTables(["\"Users\""])
    blocks(quoted, { sql: "SELECT * FROM \"Users\"" })
    passes(quoted, { sql: "SELECT * FROM Users" })
  })

  it("compares schema-qualified names", () => {
    const billing = Db.protectTables(["billing.invoices"])
    blocks(billing, { table: "billing.invoices" })
    blocks(billing, { table: "BILLING.Invoices" })
    blocks(billing, { table: "invoices" })
    passes(billing, { table: "public.invoices" })
    blocks(policy, { table: "public.users" })
    blocks(policy, { table: "mydb.auth.users" })
    const scoped = Db.protectTables(["billing.invoices"], { searchPath: ["public"] })
    passes(scoped, { table: "invoices" })
    blocks(scoped, { table: "billing.invoices" })
  })

  it("checks tables referenced in the SQL, not just payload.table", () => {
    for (const q of [
      "SELECT * FROM users",
      "select * from orders o join public.users u on u.id = o.user_id",
      "SELECT * FROM orders WHERE user_id IN (SELECT id FROM users)",
      "INSERT INTO users (name) VALUES ('x')",
      "UPDATE users SET name = 'x' WHERE id = 1",
      "DELETE FROM users WHERE id = 1",
      "DROP TABLE users",
      "TRUNCATE payments",
      "ALTER TABLE users ADD COLUMN x int",
      "GRANT SELECT ON users TO bob",
      "WITH x AS (SELECT * FROM users) SELECT * FROM x",
      "SELECT 1; SELECT * FROM USERS",
      "SELECT * FROM ONLY users",
      "DELETE FROM ONLY users WHERE id = 1"
    ]) {
      assert.include(blocks(policy, { sql: q }), "'", q)
    }
    passes(policy, { table: "orders", sql: "SELECT * FROM orders WHERE note = 'users'" })
    passes(policy, { sql: "SELECT users_count FROM stats" })
  })

  it("matches names PostgreSQL truncates to 63 bytes", () => {
    const long = "a".repeat(63)
    blocks(Db.protectTables([long]), { sql: `SELECT * FROM ${long}xyz` })
  })

  it("accepts an array of tables and blocks names that are not table names", () => {
    blocks(policy, { table: ["logs", "users"] })
    assert.include(blocks(policy, { table: "users; DROP TABLE x" }), "not a table name")
    blocks(policy, { table: 5 })
  })

  it("fails every check when misconfigured, instead of throwing", () => {
    assert.include(blocks(Db.protectTables(["bad name!"]), { table: "x" }), "misconfigured")
  })

  it("blocks unparseable SQL", () => assert.include(blocks(policy, { sql: "SELEC * FROM x" }), "could not be parsed"))
})

describe("block_ddl", () => {
  const ddl = (sql: string) => blocks(Db.blockDdl, { sql })
  const fine = (sql: string) => passes(Db.blockDdl, { sql })

  it("blocks DROP, TRUNCATE, ALTER and CREATE", () => {
    assert.strictEqual(ddl("DROP TABLE users"), "DDL statement DROP TABLE is not permitted")
    ddl("TRUNCATE users")
    ddl("ALTER TABLE users ADD COLUMN x int")
    ddl("CREATE TABLE t (a int)")
    ddl("CREATE INDEX i ON t (a)")
    ddl("create or replace view v as select 1")
    ddl("DROP VIEW v")
    ddl("CREATE SCHEMA s")
  })

  it("regression: stacked statements are caught (SELECT 1; DROP TABLE x)", () => {
    assert.include(ddl("SELECT 1; DROP TABLE x"), "statement 2 of 2")
    ddl("SELECT 1;DROP TABLE x")
    ddl("select 1; truncate t")
  })

  it("regression: created_at and 'please drop by' do not fire", () => {
    fine("SELECT created_at, updated_at FROM t WHERE note = 'please drop by'")
    fine("SELECT \"drop\", \"create\" FROM t")
    fine("SELECT * FROM creators WHERE dropped = false")
    fine("SELECT $$DROP TABLE x$$")
    fine("SELECT 1 -- DROP TABLE x")
    fine("SELECT 1 /* DROP TABLE x */")
    fine("SELECT 1 /* nested /* DROP TABLE x */ still a comment */")
  })

  it("sees through a backslash inside a standard string", () => {
    ddl("SELECT '\\'; DROP TABLE x; --'")
    ddl("SELECT '\\' , '; DROP TABLE x; --'")
  })

  it("blocks SELECT INTO, which creates a table", () => assert.include(ddl("SELECT * INTO copy FROM t"), "SELECT INTO"))

  it("blocks SQL it cannot parse (fail closed)", () => {
    assert.include(ddl("DROP SCHEMA s CASCADE"), "could not be parsed")
    ddl("SELECT `x` FROM t")
    ddl("SELECT 'unterminated")
  })

  it("blocks DDL actions, but not ordinary ones", () => {
    assert.include(blocks(Db.blockDdl, { action: "drop_table" }), "drop_table")
    blocks(Db.blockDdl, { action: "createTable" })
    blocks(Db.blockDdl, { action: "TRUNCATE" })
    passes(Db.blockDdl, { action: "create_contact" })
    passes(Db.blockDdl, { action: "dropdown_select" })
    passes(Db.blockDdl, { action: "update_row" })
  })

  it("passes when there is no SQL and blocks SQL of the wrong type", () => {
    passes(Db.blockDdl, {})
    blocks(Db.blockDdl, { sql: ["DROP TABLE x"] })
  })
})

describe("database policies through the gate", () => {
  const all = [
    Db.dontDeleteRow,
    Db.dontDeleteWithoutWhere,
    Db.dontUpdateWithoutWhere,
    Db.protectTables(["users"]),
    Db.blockDdl
  ]

  it.effect("records each verdict under its snake_case name", () =>
    Effect.gen(function*() {
      const results = yield* Policy.evaluate(all, ctx({ sql: "DELETE FROM users WHERE 1=1; DROP TABLE audit" }))
      assert.deepStrictEqual(results.map((r) => [r.policy, r.passed]), [
        ["dont_delete_row", false],
        ["dont_delete_without_where", false],
        ["dont_update_without_where", true],
        ["protect_tables", false],
        ["block_ddl", false]
      ])
    }))

  it("never throws on arbitrary payloads", () => {
    const fields = ["table", "where", "sql", "action", "data"]
    const sqlish = fc.oneof(fc.string(), fc.constantFrom("DELETE FROM t", "SELECT '", "DROP TABLE \"", "$$", "/*", "--", "E'\\"))
    assertAlwaysDecides(all, fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom(...fields), fc.oneof(fc.anything(), sqlish))), verdict)
  })
})

describe("regressions found by the corpus: SQL sent through a database client in payload.command", () => {
  it("block_ddl inspects psql -c, mysql -e, heredocs and pipes", () => {
    assert.include(blocks(Db.blockDdl, { command: "psql \"$DATABASE_URL\" -c 'DROP TABLE users'" }), "DROP TABLE")
    blocks(Db.blockDdl, { command: "echo 'TRUNCATE orders;' | psql" })
    blocks(Db.blockDdl, { command: "psql <<'SQL'\nSELECT 1;\nALTER TABLE orders DROP COLUMN total;\nSQL" })
    blocks(Db.blockDdl, { command: "mysql -uroot -e 'DROP TABLE `orders`'" })
    blocks(Db.blockDdl, { command: "docker exec db psql -U postgres -c 'create table t (id int)'" })
    passes(Db.blockDdl, { command: "psql -c 'SELECT id FROM orders WHERE id = 1'" })
    passes(Db.blockDdl, { command: "psql -c \"SELECT 'drop table' AS note\"" })
    passes(Db.blockDdl, { command: "mysql -e 'SELECT `created_at` FROM `orders` LIMIT 1'" })
    passes(Db.blockDdl, { command: "psql -c '\\dt'" })
    passes(Db.blockDdl, { command: "npm run db:migrate" })
  })

  it("protect_tables finds protected tables in the command's SQL, parsed or word by word", () => {
    const policy = Db.protectTables(["users", "billing.invoices"])
    assert.include(blocks(policy, { command: "psql -c 'DELETE FROM users'" }), "'users'")
    blocks(policy, { command: "mysql -e 'UPDATE `users` SET role = 1'" })
    blocks(policy, { command: "echo 'select * from billing.invoices' | psql" })
    passes(policy, { command: "psql -c 'SELECT * FROM orders'" })
    passes(policy, { command: "echo users" })
  })
})
