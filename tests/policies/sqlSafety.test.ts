/**
 * Issue 8, SQL: WHERE clauses must prove they narrow the rows; SQL run by functions is read as SQL;
 * functions that reach outside the database block; statements the parser cannot read block with a
 * reason that names what they do; a DELETE on a table renamed earlier in the session blocks; the
 * `allow` escape hatches pass exactly what they name and say so.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import * as Access from "../../policies/access.ts"
import * as Db from "../../policies/db.ts"
import * as Sets from "../../policies/sets.ts"
import * as Shell from "../../policies/shell.ts"
import * as Policy from "../../src/Policy.ts"
import { policyHarness } from "../support/policies.ts"

const { ctx, verdict, judge, blocks, passes } = policyHarness({ workflow: "db.execute", wrap: (sql) => ({ sql }) })
const del = Db.dontDeleteWithoutWhere

describe("WHERE selectivity", () => {
  it("passes comparisons of a column with constants and parameters, in AND and in every OR branch", () => {
    for (const where of [
      "id = 5", "id = $1", "id = :id", "5 = id", "t.id = 5", "id::text = '5'", "id IN (1, 2)", "id = ANY($1)",
      "id = ANY(ARRAY[1, 2])", "id BETWEEN 1 AND 9", "created_at < now() - interval '30 days'", "n >= -1", "id = -5",
      "(id = 1 OR id = 2) AND x IS NOT NULL", "id = 1 AND (a = b OR c <> d)", "a = 1 OR (b = 2 AND c = c)"
    ]) passes(del, `DELETE FROM t WHERE ${where}`)
  })

  it("blocks what it cannot prove, and the reason names the condition", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["id IS NOT NULL", "holds for nearly every row"],
      ["id = id", "compares column 'id' with itself"],
      ["a = b", "compares two columns"],
      ["id IN (SELECT id FROM t)", "sub-select"],
      ["id = (SELECT 1)", "sub-select"],
      ["EXISTS (SELECT 1)", "tests a sub-select"],
      ["length('x') = 1", "depends on no column"],
      ["1 = 1", "is always true"],
      ["flag", "bare column"],
      ["NOT (id = 1)", "negated"],
      ["id <> 1", "negative test"],
      ["name LIKE 'a%'", "uses LIKE"],
      ["lower(name) = 'x'", "not a plain column"],
      ["id = 1 OR id IS NOT NULL", "OR branch 2 of 2"],
      ["id < 5 OR id >= 5", "together cover every value"],
      ["ok = true OR ok = false", "together cover every value"],
      ["name >= ''", "extreme bound"],
      ["ts < 'infinity'", "extreme bound"]
    ]
    for (const [where, reason] of cases) assert.include(blocks(del, `DELETE FROM t WHERE ${where}`), reason, where)
  })

  it("property: a selective comparison AND anything passes; OR with a tautology always blocks", () => {
    const column = fc.constantFrom("id", "customer_id", "t.status", "\"Name\"")
    const constant = fc.oneof(fc.integer({ min: -1000, max: 1000 }).map(String), fc.constantFrom("'a'", "'2024-01-01'", "$1", ":p", "true"))
    const op = fc.constantFrom("=", "<", ">", "<=", ">=")
    const tautology = fc.constantFrom("1 = 1", "true", "'a' = 'a'", "x = x", "x IS NOT NULL", "(SELECT 1) = 1", "NOT false")
    const other = fc.constantFrom("a = b", "x IS NULL", "y LIKE 'z%'", "q = 3", "EXISTS (SELECT 1)")
    fc.assert(fc.property(column, op, constant, other, (c, o, v, x) => {
      const where = `${c} ${o} ${v} AND ${x}`
      const r = verdict(del, { sql: `DELETE FROM t WHERE ${where}` })
      // An extreme bound (n > -2147483648) is treated as covering every value; everything else passes.
      return r.passed || r.reason.includes("extreme bound")
    }), { numRuns: 300 })
    fc.assert(fc.property(column, op, constant, tautology, (c, o, v, t) => {
      return !verdict(del, { sql: `DELETE FROM t WHERE ${c} ${o} ${v} OR ${t}` }).passed
    }), { numRuns: 300 })
  })

  it("structured where maps must hold values, and are bounded", () => {
    const on = (where: unknown) => verdict(del, { where })
    assert.isTrue(on({ id: 5, status: ["a", "b"] }).passed)
    assert.include(on({ id: { $ne: null } }).reason, "not a value or list of values")
    assert.isFalse(on({ "": 1 }).passed)
    assert.include(on({ id: [] }).reason, "not a value")
    assert.include(on(Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`c${i}`, i]))).reason, "more than the 1000 inspected")
  })
})

describe("SQL run by functions, and functions that reach outside", () => {
  const sensitive = Access.dontReadSensitiveTables(["salaries"])
  const protect = Db.protectTables(["users"])

  it("reads the SQL inside query_to_xml, dblink, crosstab, ts_stat and table_to_xml", () => {
    for (const sql of [
      "SELECT query_to_xml('select * from salaries', true, false, '')",
      "SELECT * FROM crosstab('select * from salaries')",
      "SELECT ts_stat('select note from salaries')",
      "SELECT table_to_xml('salaries'::regclass, true, false, '')",
      "SELECT query_to_xml('select query_to_xml(''select 1 from salaries'', true, false, '''')', true, false, '')"
    ]) assert.include(blocks(sensitive, sql), "salaries", sql)
    passes(sensitive, "SELECT query_to_xml('select * from products', true, false, '')")
    assert.include(blocks(Db.blockDdl, "SELECT query_to_xml('drop table users', true, false, '')"), "DROP TABLE")
  })

  it("blocks SQL text built at run time, and whole-database readers, saying why", () => {
    assert.include(blocks(sensitive, "SELECT query_to_xml('select * from ' || 'salaries', true, false, '')"), "from an expression")
    assert.include(blocks(protect, "SELECT database_to_xml(true, false, '')"), "reads every table of the database")
    assert.include(blocks(Db.blockDdl, "SELECT query_to_xml(current_setting('x'), true, false, '')"), "not a literal")
    assert.include(blocks(Db.blockDdl, "SELECT query_to_xml('selec broken', true, false, '')"), "cannot be read")
  })

  it("a DELETE run through dblink_exec is judged like any other DELETE", () => {
    const r = blocks(del, "SELECT dblink_exec('dbname=app', 'DELETE FROM orders')")
    assert.include(r, "DELETE on 'orders' has no WHERE clause")
  })

  it("block_ddl names what reaches outside the database", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["SELECT dblink_exec('host=x', 'select 1')", "dblink"],
      ["SELECT dblink_connect('c', 'host=x')", "dblink"],
      ["SELECT pg_read_file('/etc/passwd')", "files on the database server"],
      ["SELECT pg_catalog.pg_ls_dir('.')", "files on the database server"],
      ["SELECT lo_export(1, '/tmp/x')", "server's disk"],
      ["SELECT http_post('https://x.example', 'd')", "network request"],
      ["SELECT pg_terminate_backend(42)", "controls the database server"],
      ["GRANT pg_execute_server_program TO me", "run programs"],
      ["REVOKE SELECT ON t FROM bob", "changes privileges"],
      ["COPY t TO PROGRAM 'sh'", "COPY … PROGRAM"],
      ["COPY t FROM '/etc/passwd'", "server's disk"],
      ["DO $$ BEGIN EXECUTE 'x'; END $$", "DO block"],
      ["PREPARE p AS DELETE FROM t; EXECUTE p", "PREPARE/EXECUTE"],
      ["LOAD 'x.so'", "shared library"],
      ["CREATE FUNCTION f() RETURNS int LANGUAGE plperlu AS 'x'", "untrusted language"],
      ["SET ROLE admin", "session's role"]
    ]
    for (const [sql, reason] of cases) assert.include(blocks(Db.blockDdl, sql), reason, sql)
    passes(Db.blockDdl, "SELECT lower(name), now() FROM products WHERE id = 1")
    passes(Db.blockDdl, "EXPLAIN SELECT * FROM products WHERE id = 1")
    assert.include(blocks(Db.blockDdl, "EXPLAIN ANALYZE DROP TABLE products"), "DROP TABLE")
  })

  it("psql meta-commands that run shell commands or hidden SQL block", () => {
    for (const command of ["psql -c '\\! rm -rf /'", "psql <<'EOF'\nselect 1\n\\gexec\nEOF", "psql -f x.sql <<'EOF'\n\\i /tmp/evil.sql\nEOF"]) {
      assert.isFalse(verdict(Db.blockDdl, { command }).passed, command)
    }
  })
})

describe("rename, then DELETE, in one session", () => {
  it.effect("blocks a DELETE on a table renamed from a protected table earlier in the session", () =>
    Effect.gen(function*() {
      const policy = Shell.blockRenameThenDrop({ state: Shell.memorySessionState(), tables: ["users"] })
      const first = yield* judge(policy, { sql: "ALTER TABLE users RENAME TO users_old", session_id: "s1" })
      assert.isTrue(first.passed, first.reason)
      const later = yield* judge(policy, { sql: "DELETE FROM users_old WHERE id = 1", session_id: "s1" })
      assert.isFalse(later.passed)
      assert.include(later.reason, "DELETE of table 'users_old' is blocked: it was renamed from protected table 'users'")
      const other = yield* judge(policy, { sql: "DELETE FROM users_old WHERE id = 1", session_id: "s2" })
      assert.isTrue(other.passed, "another session did not rename it")
      const inOne = yield* judge(policy, { sql: "ALTER TABLE users RENAME TO u2; DELETE FROM u2 WHERE id = 3" })
      assert.isFalse(inOne.passed)
    }))

  it.effect("the database set carries it", () =>
    Effect.gen(function*() {
      const set = Sets.database({ protectedTables: ["users"] })
      const run = (sql: string) => Policy.evaluate(set, ctx({ sql, session_id: "s9" }))
      yield* run("ALTER TABLE users RENAME TO users_tmp")
      const results = yield* run("DELETE FROM users_tmp WHERE id = 1")
      assert.isFalse(results.find((r) => r.policy === "block_rename_then_drop")!.passed)
    }))
})

describe("allow: escape hatches say 'allowed by configuration'", () => {
  const allow = { tables: ["scratch"], functions: ["pg_read_file"], statements: ["TRUNCATE   audit_scratch;"] }
  const ddl = Db.blockDdlWith({ allow })
  const wipe = Db.dontDeleteWithoutWhereWith({ allow })

  it("lets listed tables change wholesale, and only them", () => {
    assert.match(passes(wipe, "DELETE FROM scratch"), /^allowed by configuration: DELETE of 'scratch'/)
    assert.match(passes(ddl, "DROP TABLE scratch"), /^allowed by configuration: DROP TABLE of 'scratch'/)
    blocks(wipe, "DELETE FROM orders")
    blocks(wipe, "DELETE FROM scratch; DELETE FROM orders")
    blocks(ddl, "ALTER TABLE orders RENAME TO scratch")
    assert.match(verdict(wipe, { table: "scratch", where: {} }).reason, /^allowed by configuration/)
    assert.isFalse(verdict(wipe, { table: "orders", where: {} }).passed)
  })

  it("lets listed functions and exact statements through, nothing else", () => {
    assert.include(passes(ddl, "SELECT 1"), "No DDL")
    passes(ddl, "SELECT length(pg_read_file('/srv/app/VERSION'))")
    blocks(ddl, "SELECT pg_ls_dir('/')")
    assert.match(passes(ddl, "truncate audit_scratch"), /^allowed by configuration: the SQL is an allowed statement/)
    blocks(ddl, "TRUNCATE audit_scratch; DROP TABLE orders")
  })

  it("rejects a misconfigured allow list", () => {
    assert.include(blocks(Db.blockDdlWith({ allow: { tables: ["not a name!"] } }), "SELECT 1"), "misconfigured")
  })
})
