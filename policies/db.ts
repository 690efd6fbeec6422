/**
 * Database policies. They read `payload.table`, `payload.where` (a structured filter map),
 * `payload.sql` (PostgreSQL text, parsed with a real SQL parser; unparseable SQL blocks) and
 * `payload.action`.
 *
 * The model: what the SQL reader cannot fully understand in a dangerous position blocks, with a reason
 * that says so. The WHERE policies pass a DELETE/UPDATE only when its WHERE provably narrows the rows — a
 * comparison of a column with a constant or parameter (`=`, `IN`, `<`, `>`, `<=`, `>=`, `BETWEEN`) in the
 * top-level AND, and in every OR branch (see `sql/where.ts`) — so `IS NOT NULL`, `x = x`, sub-selects and
 * `1=1` in disguise block. SQL that functions run from strings (`query_to_xml('…')`, `dblink_exec(c, '…')`)
 * is read as SQL of its own, and SQL text built at run time blocks. `block_ddl` also blocks what reaches
 * outside the database. Each policy has a `…With({ allow })` form to let specific tables, functions or
 * statements through, which the receipt records as "allowed by configuration".
 *
 * @example
 * ```ts
 * import * as Db from "./db.ts"
 * const policies = [Db.dontDeleteWithoutWhere, Db.blockDdl, Db.protectTables(["users", "billing.invoices"])]
 * ```
 * @module
 */
import * as Policy from "../src/Policy.ts"
import * as ClientSql from "./sql/clients.ts"
import { describeType, isRecord, readField, readString, show } from "./_payload.ts"
import * as Sql from "./sql/parse.ts"
import * as Fn from "./sql/functions.ts"
import * as Where from "./sql/where.ts"

/** Blocks every row deletion: `dontDeleteRow` on a client that must never delete rows. */
export const dontDeleteRow: Policy.Policy = Policy.make(
  "dont_delete_row",
  () => Policy.fail("Row deletion is not permitted on this client")
)

// ---------------------------------------------------------------------------------------------------
// Configuration

/**
 * Forms a database policy lets through although it would block them; each pass says "allowed by
 * configuration" in its reason, so the receipt records it.
 */
export interface DbAllow {
  /**
   * Tables the agent may change wholesale: a DELETE/UPDATE without a narrowing WHERE, TRUNCATE, or DDL
   * passes when every table the statement touches is listed (names fold like PostgreSQL's).
   */
  readonly tables?: ReadonlyArray<string>
  /** Functions that reach outside the database which `block_ddl` lets through (`dblink`, `pg_read_file`…). */
  readonly functions?: ReadonlyArray<string>
  /** Exact SQL texts that pass (compared after canonicalising case, comments and whitespace). */
  readonly statements?: ReadonlyArray<string>
}

/** A compiled `DbAllow`. */
interface Allow {
  readonly errors: ReadonlyArray<string>
  readonly tables: Sql.TableMatcher | undefined
  readonly functions: ReadonlySet<string>
  readonly statements: ReadonlySet<string>
}

const squash = (sql: string): string | undefined => Sql.canonical(sql)?.replace(/\s+/g, " ").replace(/\s*;?\s*$/, "").trim()

const compileAllow = (allow: DbAllow = {}): Allow => {
  const tables = allow.tables === undefined || allow.tables.length === 0 ? undefined : Sql.makeMatcher(allow.tables)
  const statements = new Set<string>()
  const errors = [...(tables?.errors ?? [])]
  for (const s of allow.statements ?? []) {
    const q = squash(s)
    if (q === undefined) errors.push(`allowed statement ${show(s)} cannot be read`)
    else statements.add(q)
  }
  return { errors, tables, functions: new Set((allow.functions ?? []).map((f) => f.toLowerCase())), statements }
}

/** The allowed statement the whole of `payload.sql` is, if any. */
const allowedStatement = (allow: Allow, sql: string): string | undefined =>
  allow.statements.size > 0 && allow.statements.has(squash(sql) ?? "\u0000") ? "the SQL is an allowed statement" : undefined

/** Whether every table `statement` touches is an allowed table (and it touches at least one). */
const allTablesAllowed = (allow: Allow, statement: Sql.Node): ReadonlyArray<string> | undefined => {
  if (allow.tables === undefined) return undefined
  const tables = Sql.tablesOf(statement)
  if (tables.length === 0 || tables.some((t) => allow.tables!.match(t) === undefined)) return undefined
  return [...new Set(tables.map(Sql.showTable))]
}

const allowedBy = (what: string): Policy.Verdict => Policy.pass(`allowed by configuration: ${what}`)

/** Why unparseable SQL blocks: what its tokens plainly do, or the parse error. */
const unparseable = (sql: string, reason: string): Policy.Verdict => {
  const danger = Fn.lexicalDanger(sql)
  return Policy.fail(danger === undefined
    ? `${reason}; refusing to run it (fail closed)`
    : `The SQL cannot be parsed, and ${danger}; refusing to run it (fail closed)`)
}

// ---------------------------------------------------------------------------------------------------
// WHERE policies

/** " on 'users'": the first table a statement names, for reasons. */
const targetOf = (statement: Sql.Node): string => {
  const own = Array.isArray(statement.table) ? Sql.tablesOf({ table: statement.table }) : Array.isArray(statement.name) ? Sql.tablesOf({ name: statement.name }) : []
  const t = own[0] ?? Sql.tablesOf(statement)[0]
  return t === undefined ? "" : ` on '${Sql.showTable(t)}'`
}

/** Most conditions read from a structured `payload.where`. */
const MAX_WHERE_ENTRIES = 1000

/** Where map values a connector can turn into an equality or IN test: scalars, or non-empty arrays of them. */
const isFilterValue = (v: unknown): boolean =>
  typeof v === "string" || (typeof v === "number" && Number.isFinite(v)) || typeof v === "boolean" ||
  (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string" || (typeof x === "number" && Number.isFinite(x)) || typeof x === "boolean"))

const guardWhere = (policyName: string, kind: "delete" | "update", options: DbAllow) => {
  const verb = kind === "delete" ? "delete" : "update"
  const VERB = kind.toUpperCase()
  const allow = compileAllow(options)
  return Policy.make(policyName, (ctx) => {
    if (allow.errors.length > 0) return Policy.fail(`${policyName} is misconfigured: ${allow.errors.join("; ")}`)
    const sql = readString(ctx.payload, "sql")
    if (sql._tag === "Invalid") return Policy.fail(sql.reason)
    let seen = 0
    const allowed: Array<string> = []
    if (sql._tag === "Present") {
      const parsed = Sql.parse(sql.value)
      if (parsed._tag === "Error") return unparseable(sql.value, parsed.reason)
      const expanded = Fn.expand(parsed.statements)
      if (expanded.problem !== undefined) return Policy.fail(`${expanded.problem}, so what it would ${verb} cannot be checked (fail closed)`)
      const byStatement = allowedStatement(allow, sql.value)
      let problem: string | undefined
      for (const statement of expanded.statements) {
        Sql.some(statement, (node) => {
          let p: string | undefined
          if (kind === "delete" && node.type === "truncate") {
            p = `TRUNCATE${targetOf(node)} would delete every row`
          } else if (node.type === kind && Object.hasOwn(node, "where")) {
            seen++
            const w = Where.problem(node.where, verb)
            if (w !== undefined) p = `${VERB}${targetOf(node)} ${w}`
          }
          if (p === undefined) return false
          const tables = byStatement === undefined ? allTablesAllowed(allow, node) : undefined
          if (byStatement !== undefined) allowed.push(byStatement)
          else if (tables !== undefined) allowed.push(`${VERB === "DELETE" && node.type === "truncate" ? "TRUNCATE" : VERB} of ${tables.map((t) => `'${t}'`).join(", ")}, an allowed table`)
          else problem = p
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
      const keys = Object.keys(where.value)
      if (keys.length > MAX_WHERE_ENTRIES) {
        return Policy.fail(`payload.where has ${keys.length} conditions, more than the ${MAX_WHERE_ENTRIES} inspected (fail closed)`)
      }
      const entries = Object.entries(where.value)
      if (entries.length === 0) {
        const table = readString(ctx.payload, "table")
        const t = table._tag === "Present" ? Sql.parseTableName(table.value) : undefined
        if (t !== undefined && typeof t !== "string" && allow.tables?.match(t) !== undefined) {
          return allowedBy(`a ${verb} of every row of '${Sql.showTable(t)}', an allowed table`)
        }
        return Policy.fail(`payload.where is empty, so the ${verb} would touch every row`)
      }
      const bad = entries.find(([k, v]) => k.trim() === "" || !isFilterValue(v))
      if (bad !== undefined) {
        return Policy.fail(`payload.where[${show(bad[0])}] is ${describeType(bad[1])}, not a value or list of values to compare the column with, so the filter cannot be checked`)
      }
      return Policy.pass(`WHERE filter present with ${entries.length} condition(s)`)
    }
    if (sql._tag === "Present") {
      if (allowed.length > 0) return allowedBy(allowed.join("; "))
      return Policy.pass(seen === 0 ? `The SQL has no ${VERB} statement` : `Every ${VERB} in the SQL has a WHERE clause that narrows the rows`)
    }
    return Policy.fail(`No WHERE filter given (payload.where is missing), so the ${verb} would touch every row`)
  })
}

/**
 * Blocks deletes without a WHERE that provably narrows the rows (see the module doc), with `allow` for
 * tables or statements that may be deleted wholesale: `dontDeleteWithoutWhereWith({ allow: { tables: ["sessions"] } })`.
 */
export const dontDeleteWithoutWhereWith = (options: { readonly allow?: DbAllow } = {}): Policy.Policy =>
  guardWhere("dont_delete_without_where", "delete", options.allow ?? {})

/**
 * Blocks updates without a WHERE that provably narrows the rows, with `allow` as for deletes:
 * `dontUpdateWithoutWhereWith({ allow: { tables: ["feature_flags"] } })`.
 */
export const dontUpdateWithoutWhereWith = (options: { readonly allow?: DbAllow } = {}): Policy.Policy =>
  guardWhere("dont_update_without_where", "update", options.allow ?? {})

/** Blocks deletes without a real filter: `dontDeleteWithoutWhere` rejects `where: {}`, `DELETE … WHERE 1=1` and `WHERE id IS NOT NULL`. */
export const dontDeleteWithoutWhere: Policy.Policy = dontDeleteWithoutWhereWith()

/** Blocks updates without a real filter: `dontUpdateWithoutWhere` rejects `UPDATE t SET a = 1 WHERE true`. */
export const dontUpdateWithoutWhere: Policy.Policy = dontUpdateWithoutWhereWith()

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

/** Longest `payload.action` read (an action is a name such as `drop_table`). */
const MAX_ACTION_LENGTH = 1024

const words = (s: string): ReadonlyArray<string> =>
  s.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== "")

/** The DDL or dangerous statement among (expanded) statements, described, or undefined. */
const findDdl = (statements: ReadonlyArray<Sql.Node>, allow: Allow, allowed: Array<string>): string | undefined => {
  for (let i = 0; i < statements.length; i++) {
    const statement = statements[i]!
    const danger = Fn.statementDanger(statement, allow.functions)
    if (danger !== undefined) return danger
    let found: string | undefined
    Sql.some(statement, (node) => {
      if (typeof node.type === "string" && DDL_TYPES.has(node.type)) found = Sql.label(node)
      else if (node.type === "into" && typeof node.expr === "string") found = "SELECT INTO (creates a table)"
      return found !== undefined
    })
    if (found === undefined) continue
    const tables = allTablesAllowed(allow, statement)
    if (tables !== undefined) {
      allowed.push(`${found} of ${tables.map((t) => `'${t}'`).join(", ")}, an allowed table`)
      continue
    }
    return statements.length > 1 ? `DDL statement ${found} (statement ${i + 1} of ${statements.length})` : `DDL statement ${found}`
  }
  return undefined
}

/**
 * Blocks schema changes and what reaches outside the database, with `allow` for tables, functions or
 * statements the agent may use: `blockDdlWith({ allow: { tables: ["scratch_results"] } })`. See `blockDdl`.
 */
export const blockDdlWith = (options: { readonly allow?: DbAllow } = {}): Policy.Policy => {
  const allow = compileAllow(options.allow)
  return Policy.make("block_ddl", (ctx) => {
    if (allow.errors.length > 0) return Policy.fail(`block_ddl is misconfigured: ${allow.errors.join("; ")}`)
    const action = readString(ctx.payload, "action")
    if (action._tag === "Invalid") return Policy.fail(action.reason)
    if (action._tag === "Present" && action.value.length > MAX_ACTION_LENGTH) {
      return Policy.fail(`payload.action is ${action.value.length} characters long, more than the ${MAX_ACTION_LENGTH} inspected (fail closed)`)
    }
    if (action._tag === "Present") {
      const w = words(action.value)
      const hit = w.findIndex((x, i) => DDL_VERBS.has(x) || (x === "create" && DDL_OBJECTS.has(w[i + 1] ?? "")))
      if (hit >= 0) return Policy.fail(`Action ${show(action.value)} is a schema change (${w[hit]}), which is not permitted`)
    }
    const sql = readString(ctx.payload, "sql")
    if (sql._tag === "Invalid") return Policy.fail(sql.reason)
    const allowed: Array<string> = []
    const viaClient = ClientSql.commandSql(ctx.payload)
    if (typeof viaClient === "string") return Policy.fail(viaClient)
    for (const text of viaClient) {
      if (text.length > Sql.MAX_SQL_LENGTH) {
        return Policy.fail(`SQL sent to a database client by the command is too long to inspect (${text.length} characters, limit ${Sql.MAX_SQL_LENGTH}; fail closed)`)
      }
      const meta = ClientSql.metaDanger(text)
      if (meta !== undefined) return Policy.fail(`The command's database client input is not permitted: ${meta}`)
      const parsed = ClientSql.parseClientSql(text)
      const expanded = parsed._tag === "Ok" ? Fn.expand(parsed.statements) : undefined
      const ddl = expanded === undefined
        ? ClientSql.lexicalDdl(text)
        : Fn.statementDangerOf(text) ?? findDdl(expanded.statements, allow, allowed) ?? expanded.problem
      if (ddl !== undefined) return Policy.fail(`SQL sent to a database client by the command is not permitted: ${ddl}`)
    }
    if (sql._tag === "Absent") return Policy.pass(viaClient.length === 0 ? "No SQL to inspect" : "No DDL statement in the command's SQL")
    const byStatement = allowedStatement(allow, sql.value)
    if (byStatement !== undefined) return allowedBy(byStatement)
    const parsed = Sql.parse(sql.value)
    if (parsed._tag === "Error") return unparseable(sql.value, parsed.reason)
    const expanded = Fn.expand(parsed.statements)
    const ddl = Fn.statementDangerOf(sql.value) ?? findDdl(expanded.statements, allow, allowed)
    if (ddl !== undefined) return Policy.fail(`${ddl} is not permitted`)
    if (expanded.problem !== undefined) return Policy.fail(`${expanded.problem} (fail closed)`)
    return allowed.length > 0 ? allowedBy(allowed.join("; ")) : Policy.pass("No DDL statement in the SQL")
  })
}

/**
 * Blocks schema and privilege changes — DROP, TRUNCATE, ALTER, CREATE, SELECT INTO, GRANT, REVOKE —
 * anywhere in `payload.sql` or in SQL that `payload.command` sends to a database client (`psql -c`,
 * `mysql -e`, a heredoc…), stacked statements and SQL run through functions (`dblink_exec(c, 'DROP …')`,
 * `query_to_xml('…')`) included; functions that reach outside the database (`dblink*`, `pg_read_file`,
 * `lo_import`/`lo_export`, `http_*`…); statements the parser cannot read whose tokens show a danger (`DO`
 * blocks, `COPY … PROGRAM`, `COPY` to or from files, `PREPARE`/`EXECUTE`, `LOAD`, untrusted function
 * languages); dangerous psql meta-commands (`\\!`, `\\gexec`); or a DDL `payload.action` such as
 * `drop_table`: `blockDdl`.
 */
export const blockDdl: Policy.Policy = blockDdlWith()
