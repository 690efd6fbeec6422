/**
 * Database policies. They read `payload.table`, `payload.where` (a structured filter map),
 * `payload.sql` (PostgreSQL text, parsed with a real SQL parser; unparseable SQL blocks) and
 * `payload.action`.
 *
 * @example
 * ```ts
 * import * as Db from "./policies/db.ts"
 * const policies = [Db.dontDeleteWithoutWhere, Db.blockDdl, Db.protectTables(["users", "billing.invoices"])]
 * ```
 * @module
 */
import * as Policy from "../src/Policy.ts"
import * as ClientSql from "./_clientSql.ts"
import { describeType, isRecord, readField, readString, show } from "./_payload.ts"
import * as Sql from "./_sql.ts"
import * as Where from "./_where.ts"

/** Blocks every row deletion: `dontDeleteRow` on a client that must never delete rows. */
export const dontDeleteRow: Policy.Policy = Policy.make(
  "dont_delete_row",
  () => Policy.fail("Row deletion is not permitted on this client")
)

// ---------------------------------------------------------------------------------------------------
// WHERE policies

/** " on 'users'": the first table a statement names, for reasons. */
const targetOf = (statement: Sql.Node): string => {
  const t = Sql.tablesOf(statement)[0]
  return t === undefined ? "" : ` on '${Sql.showTable(t)}'`
}

const guardWhere = (policyName: string, kind: "delete" | "update") => {
  const verb = kind === "delete" ? "delete" : "update"
  const VERB = kind.toUpperCase()
  return Policy.make(policyName, (ctx) => {
    const sql = readString(ctx.payload, "sql")
    if (sql._tag === "Invalid") return Policy.fail(sql.reason)
    let seen = 0
    if (sql._tag === "Present") {
      const parsed = Sql.parse(sql.value)
      if (parsed._tag === "Error") return Policy.fail(`${parsed.reason}; refusing to run it (fail closed)`)
      let problem: string | undefined
      for (const statement of parsed.statements) {
        Sql.some(statement, (node) => {
          if (kind === "delete" && node.type === "truncate") {
            problem = `TRUNCATE${targetOf(node)} would delete every row`
          } else if (node.type === kind && Object.hasOwn(node, "where")) {
            seen++
            const p = Where.problem(node.where, verb)
            if (p !== undefined) problem = `${VERB}${targetOf(node)} ${p}`
          }
          return problem !== undefined
        })
        if (problem !== undefined) return Policy.fail(problem)
      }
    }
    const where = readField(ctx.payload, "where")
    if (where._tag === "Invalid") return Policy.fail(where.reason)
    if (where._tag === "Present") {
      if (!isRecord(where.value)) {
        return Policy.fail(`payload.where must be a map of column to value, got ${describeType(where.value)}`)
      }
      const n = Object.keys(where.value).length
      if (n === 0) return Policy.fail(`payload.where is empty, so the ${verb} would touch every row`)
      return Policy.pass(`WHERE filter present with ${n} condition(s)`)
    }
    if (sql._tag === "Present") {
      return Policy.pass(seen === 0 ? `The SQL has no ${VERB} statement` : `Every ${VERB} in the SQL has a WHERE clause that narrows the rows`)
    }
    return Policy.fail(`No WHERE filter given (payload.where is missing), so the ${verb} would touch every row`)
  })
}

/** Blocks deletes without a real filter: `dontDeleteWithoutWhere` rejects `where: {}` and `DELETE … WHERE 1=1`. */
export const dontDeleteWithoutWhere: Policy.Policy = guardWhere("dont_delete_without_where", "delete")

/** Blocks updates without a real filter: `dontUpdateWithoutWhere` rejects `UPDATE t SET a = 1 WHERE true`. */
export const dontUpdateWithoutWhere: Policy.Policy = guardWhere("dont_update_without_where", "update")

// ---------------------------------------------------------------------------------------------------
// Tables and DDL

/** Options for `protectTables`. */
export interface ProtectTablesOptions {
  /** The session's search_path, to resolve unqualified names; by default they may be in any schema. */
  readonly searchPath?: ReadonlyArray<string>
}

/**
 * Blocks any operation on listed tables, in `payload.table`, anywhere in `payload.sql`, or in SQL that
 * `payload.command` sends to a database client; names fold like
 * PostgreSQL's (`Users` is `users`, `"Users"` is not): `protectTables(["users", "billing.invoices"])`.
 */
export const protectTables = (tables: ReadonlyArray<string>, options: ProtectTablesOptions = {}): Policy.Policy => {
  const matcher = Sql.makeMatcher(tables, options.searchPath)
  return Policy.make("protect_tables", (ctx) => {
    if (matcher.errors.length > 0) return Policy.fail(`protect_tables is misconfigured: ${matcher.errors.join("; ")}`)
    const found = ClientSql.findTableAnywhere(ctx.payload, matcher)
    if (found === undefined) return Policy.pass("No protected table is referenced")
    if (found._tag === "Fail") return Policy.fail(found.reason)
    return Policy.fail(`Table ${show(found.table)} in ${found.where} is protected: operations on it are not permitted`)
  })
}

const DDL_TYPES = new Set(["create", "drop", "alter", "truncate", "rename"])
const DDL_VERBS = new Set(["drop", "truncate", "alter"])
const DDL_OBJECTS = new Set([
  "table", "tables", "index", "view", "schema", "database", "db", "sequence", "function", "procedure", "trigger",
  "extension", "column", "constraint", "materialized", "domain", "type", "tablespace"
])

const words = (s: string): ReadonlyArray<string> =>
  s.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== "")

/** The DDL statement among `statements`, described, or undefined. */
const findDdl = (statements: ReadonlyArray<Sql.Node>): string | undefined => {
  for (let i = 0; i < statements.length; i++) {
    let found: string | undefined
    Sql.some(statements[i], (node) => {
      if (typeof node.type === "string" && DDL_TYPES.has(node.type)) found = Sql.label(node)
      else if (node.type === "into" && typeof node.expr === "string") found = "SELECT INTO (creates a table)"
      return found !== undefined
    })
    if (found !== undefined) return statements.length > 1 ? `${found} (statement ${i + 1} of ${statements.length})` : found
  }
  return undefined
}

/**
 * Blocks schema changes: DROP, TRUNCATE, ALTER, CREATE (and SELECT INTO) anywhere in `payload.sql` or in
 * SQL that `payload.command` sends to a database client (`psql -c`, `mysql -e`, a heredoc…), stacked
 * statements included, or a DDL `payload.action` such as `drop_table`: `blockDdl`.
 */
export const blockDdl: Policy.Policy = Policy.make("block_ddl", (ctx) => {
  const action = readString(ctx.payload, "action")
  if (action._tag === "Invalid") return Policy.fail(action.reason)
  if (action._tag === "Present") {
    const w = words(action.value)
    const hit = w.findIndex((x, i) => DDL_VERBS.has(x) || (x === "create" && DDL_OBJECTS.has(w[i + 1] ?? "")))
    if (hit >= 0) return Policy.fail(`Action ${show(action.value)} is a schema change (${w[hit]}), which is not permitted`)
  }
  const sql = readString(ctx.payload, "sql")
  if (sql._tag === "Invalid") return Policy.fail(sql.reason)
  const viaClient = ClientSql.commandSql(ctx.payload)
  if (typeof viaClient === "string") return Policy.fail(viaClient)
  for (const text of viaClient) {
    const parsed = ClientSql.parseClientSql(text)
    const ddl = parsed._tag === "Ok" ? findDdl(parsed.statements) : ClientSql.lexicalDdl(text)
    if (ddl !== undefined) return Policy.fail(`DDL statement ${ddl} sent to a database client by the command is not permitted`)
  }
  if (sql._tag === "Absent") return Policy.pass(viaClient.length === 0 ? "No SQL to inspect" : "No DDL statement in the command's SQL")
  const parsed = Sql.parse(sql.value)
  if (parsed._tag === "Error") return Policy.fail(`${parsed.reason}; refusing to run it (fail closed)`)
  const ddl = findDdl(parsed.statements)
  return ddl === undefined
    ? Policy.pass("No DDL statement in the SQL")
    : Policy.fail(`DDL statement ${ddl} is not permitted`)
})
