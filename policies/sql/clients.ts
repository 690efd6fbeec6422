/**
 * SQL sent through database clients in a shell command (private): the texts a command gives `psql -c`,
 * `mysql -e`, `sqlite3 db "…"`, `clickhouse-client -q` and the like, or feeds them on standard input
 * (heredoc, here-string, `echo … |`), and what that SQL does — drop a database, read PII in bulk, rename
 * or drop tables. Statements are read with the SQL parser (`_sql.ts`); statements it does not know
 * (`DROP DATABASE`, MySQL's `RENAME TABLE`) are matched on its canonical token text, where comments and
 * string contents can neither hide nor fake a keyword. psql meta-commands (`\dt`) are skipped.
 *
 * @example
 * ```ts
 * import { parse } from "../shell/parse.ts"
 * import { sqlTexts, tableEvents } from "./clients.ts"
 * const [psql] = parse(`psql -c "DROP DATABASE prod"`).commands
 * if (psql !== undefined) sqlTexts(psql)                         // ["DROP DATABASE prod"]
 * tableEvents("ALTER TABLE users RENAME TO u2; DROP TABLE u2") // [rename users → u2, drop u2]
 * ```
 * @module
 */
import { get, readString, readStrings } from "../_payload.ts"
import type { Command } from "../shell/model.ts"
import * as Sh from "../shell/model.ts"
import { parse } from "../shell/parse.ts"
import * as Sql from "./parse.ts"
import * as Fn from "./functions.ts"
import * as Where from "./where.ts"

/** How a client takes SQL: options (short letter, long name), valued short letters, positional SQL. */
interface Client {
  readonly options: ReadonlyArray<readonly [string | undefined, string | undefined]>
  readonly valuedLetters: string
  readonly positional?: boolean
}

const CLIENTS: ReadonlyMap<string, Client> = new Map<string, Client>([
  ["psql", { options: [["c", "command"]], valuedLetters: "hpUdfoLvPTFRzC" }],
  ["mysql", { options: [["e", "execute"]], valuedLetters: "uhpPSDBOoWAc" }],
  ["mariadb", { options: [["e", "execute"]], valuedLetters: "uhpPSDBOoWAc" }],
  ["sqlite3", { options: [], valuedLetters: "", positional: true }],
  ["sqlite", { options: [], valuedLetters: "", positional: true }],
  ["duckdb", { options: [["c", undefined]], valuedLetters: "", positional: true }],
  ["clickhouse-client", { options: [["q", "query"]], valuedLetters: "hudp" }],
  ["cockroach", { options: [["e", "execute"]], valuedLetters: "" }],
  ["usql", { options: [["c", "command"]], valuedLetters: "" }],
  ["mongosh", { options: [[undefined, "eval"]], valuedLetters: "" }],
  ["mongo", { options: [[undefined, "eval"]], valuedLetters: "" }]
])
const SQLITE_VALUED = new Set(["-separator", "-newline", "-nullvalue", "-init", "-cmd"])

/** Every SQL (or Mongo) text a command sends to a database client. */
export const sqlTexts = (c: Command): ReadonlyArray<string> => {
  let argv = c.argv
  if (c.name === "clickhouse" && argv[1] === "client") argv = argv.slice(1)
  const client = CLIENTS.get(Sh.programName(argv[0]) === "clickhouse" ? "clickhouse-client" : Sh.programName(argv[0]))
  if (client === undefined) return []
  const a = argv.slice(1)
  const out: Array<string> = []
  for (const [short, long] of client.options) out.push(...Sh.optionValues(a, short, long, client.valuedLetters))
  if (client.positional === true) {
    const p: Array<string> = []
    for (let i = 0; i < a.length; i++) {
      if (a[i] === "-cmd") out.push(a[i + 1] ?? "")
      if (SQLITE_VALUED.has(a[i]!)) i++
      else if (!a[i]!.startsWith("-")) p.push(a[i]!)
    }
    out.push(...p.slice(1))
  }
  if (c.stdin !== undefined) out.push(c.stdin)
  return out
}

const META_LINE = /^\s*\\.*$/gm
const plain = Fn.plain

/**
 * The SQL texts database clients receive in `payload.command`, for the database policies: empty when
 * there is no command they can read (the shell policies judge a malformed one), or why the command
 * cannot be inspected (fail closed).
 */
export const commandSql = (payload: unknown): ReadonlyArray<string> | string => {
  const v = get(payload, "command")
  if (typeof v !== "string" && !(Array.isArray(v) && v.every((w) => typeof w === "string"))) return []
  const script = parse(v as string | ReadonlyArray<string>)
  if (script.problem !== undefined) return `The command cannot be fully inspected: ${script.problem} (fail closed)`
  const out: Array<string> = []
  for (const c of script.commands) out.push(...sqlTexts(c))
  return out
}

/** Parses client SQL, psql meta-command lines (such as `\dt`) dropped. */
export const parseClientSql = (sql: string): Sql.Parsed => Sql.parse(sql.replace(META_LINE, ""))

const DDL_WORD = /\b(drop|truncate|alter|create|grant|revoke)\b/

/** The DDL keyword or dangerous statement in client SQL the parser cannot read (MySQL syntax…), on canonical tokens. */
export const lexicalDdl = (sql: string): string | undefined =>
  Fn.lexicalDanger(sql) ?? DDL_WORD.exec(plain(sql))?.[1]?.toUpperCase()

const META_DANGER: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\s*\\!/m, "a psql \\! meta-command runs a shell command"],
  [/^\s*\\(?:o|out|g|gx)\s*\|/m, "a psql meta-command pipes output to a shell command"],
  [/^\s*\\gexec\b/m, "psql \\gexec runs query results as SQL the guard cannot see"],
  [/^\s*\\(?:i|ir|include|include_relative)\b/m, "a psql meta-command runs SQL from a file the guard cannot see"],
  [/^\s*\\copy\b.*\bprogram\b/im, "psql \\copy … program runs a shell command"]
]

/** What a psql meta-command line in client SQL does that is dangerous, if anything. */
export const metaDanger = (sql: string): string | undefined => {
  if (!sql.includes("\\")) return undefined
  for (const [re, what] of META_DANGER) if (re.test(sql)) return what
  return undefined
}

/** What finding a configured table in a payload found. */
export type TableHit =
  | { readonly _tag: "Fail"; readonly reason: string }
  | { readonly _tag: "Found"; readonly table: string; readonly where: string }
  | undefined

/** The first table of parsed statements (with the SQL their functions run) that `matcher` matches. */
const findInStatements = (statements: ReadonlyArray<Sql.Node>, matcher: Sql.TableMatcher, where: string): TableHit => {
  const expanded = Fn.expand(statements)
  for (const statement of expanded.statements) {
    for (const ref of Sql.tablesOf(statement)) {
      if (matcher.match(ref) !== undefined) return { _tag: "Found", table: Sql.showTable(ref), where: `${where} (${Sql.label(statement)})` }
    }
  }
  for (const text of expanded.tables) {
    const ref = Sql.parseTableName(text)
    if (typeof ref === "string") return { _tag: "Fail", reason: `${where} reads a table named by a string that is not a table name: ${ref}` }
    if (matcher.match(ref) !== undefined) return { _tag: "Found", table: Sql.showTable(ref), where: `${where} (read by a function)` }
  }
  if (expanded.problem !== undefined) return { _tag: "Fail", reason: `${where}: ${expanded.problem}, so the tables it reads cannot be checked (fail closed)` }
  if (expanded.readsAll !== undefined) return { _tag: "Fail", reason: `${where}: ${expanded.readsAll}, so no table can be ruled out (fail closed)` }
  return undefined
}

/**
 * Finds the first matched table in `payload.table` or `payload.sql` (tables read through SQL-running
 * functions included): `Found` (the name as written and where it was seen), `Fail` for unreadable input
 * (a wrong type, unparseable SQL, SQL text built at run time), undefined for none.
 */
export const findTable = (payload: unknown, matcher: Sql.TableMatcher): TableHit => {
  const table = readStrings(payload, "table")
  if (table._tag === "Invalid") return { _tag: "Fail", reason: table.reason }
  if (table._tag === "Present") {
    for (const t of table.value) {
      const parsed = Sql.parseTableName(t)
      if (typeof parsed === "string") return { _tag: "Fail", reason: `payload.table ${parsed}` }
      if (matcher.match(parsed) !== undefined) return { _tag: "Found", table: t, where: "payload.table" }
    }
  }
  const sql = readString(payload, "sql")
  if (sql._tag === "Invalid") return { _tag: "Fail", reason: sql.reason }
  if (sql._tag === "Present") {
    const parsed = Sql.parse(sql.value)
    if (parsed._tag === "Error") {
      const danger = Fn.lexicalDanger(sql.value)
      return { _tag: "Fail", reason: `${danger === undefined ? parsed.reason : `The SQL cannot be parsed: ${danger}`}; refusing to run it (fail closed)` }
    }
    return findInStatements(parsed.statements, matcher, "the SQL")
  }
  return undefined
}

/**
 * The first table `matcher` matches in `payload.table`/`payload.sql` (see `findTable`) or in SQL the
 * command sends to a database client; client SQL the parser cannot read is matched word by word.
 */
export const findTableAnywhere = (payload: unknown, matcher: Sql.TableMatcher): TableHit => {
  const found = findTable(payload, matcher)
  if (found !== undefined) return found
  const texts = commandSql(payload)
  if (typeof texts === "string") return { _tag: "Fail", reason: texts }
  for (const text of texts) {
    const parsed = parseClientSql(text)
    if (parsed._tag === "Ok") {
      const hit = findInStatements(parsed.statements, matcher, "the command's SQL")
      if (hit !== undefined) return hit
      continue
    }
    for (const word of plain(text).split(/[^a-z0-9_$."]+/)) {
      const t = word === "" ? undefined : Sql.parseTableName(word)
      if (t !== undefined && typeof t !== "string" && matcher.match(t) !== undefined) {
        return { _tag: "Found", table: word, where: "the command's SQL" }
      }
    }
  }
  return undefined
}

const DROP_DATABASE = /\bdrop\s+(database|schema)\b/
const DB_FRAMEWORK = /^(?:db:(?:drop|reset|purge)|migrate:fresh|db:wipe|ecto\.(?:drop|reset)|flush|reset_db)$/

const DB_TOOLS = new Set([...CLIENTS.keys(), "clickhouse", "dropdb", "mysqladmin", "redis-cli", "rails", "rake", "mix", "sequelize", "sequelize-cli", "php"])

/** What a command does that drops a whole database, if anything. */
export const dropsDatabase = (c: Command): string | undefined => {
  if (!DB_TOOLS.has(c.name) && !c.name.startsWith("python")) return undefined
  for (const sql of sqlTexts(c)) {
    const m = DROP_DATABASE.exec(plain(sql))
    if (m !== null) return `drops a whole ${m[1]} (DROP ${m[1]!.toUpperCase()})`
    if (/\.dropdatabase\s*\(/i.test(sql)) return "drops a whole Mongo database"
  }
  const a = c.args
  if (c.name === "dropdb") return "drops a whole database (dropdb)"
  if (c.name === "mysqladmin" && Sh.positionals(a).some((w) => w.toLowerCase() === "drop")) return "drops a whole database (mysqladmin drop)"
  if (c.name === "redis-cli" && [...a, c.stdin ?? ""].some((w) => /^\s*flush(?:all|db)\b/i.test(w))) return "wipes a Redis database (FLUSHALL/FLUSHDB)"
  const framework = ["rails", "rake", "mix", "sequelize", "sequelize-cli"].includes(c.name) ||
    (/^python[\d.]*$/.test(c.name) && /manage\.py$/.test(a[0] ?? "")) || (c.name === "php" && /artisan$/.test(a[0] ?? ""))
  const task = framework ? a.find((w) => DB_FRAMEWORK.test(w)) : undefined
  return task === undefined ? undefined : `drops or wipes the database (${task})`
}

// ---------------------------------------------------------------------------------------------------
// PII

const DEFAULT_PII_COLUMNS = [
  "email", "email_address", "phone", "phone_number", "mobile", "ssn", "social_security_number", "date_of_birth", "dob",
  "birth_date", "birthdate", "address", "street_address", "home_address", "credit_card", "card_number", "cc_number",
  "iban", "passport_number", "national_id", "tax_id", "first_name", "last_name", "full_name", "ip_address", "password",
  "password_hash"
]
const DEFAULT_PII_TABLES = [
  "users", "customers", "accounts", "patients", "employees", "contacts", "members", "people", "persons", "profiles",
  "subscribers", "clients", "leads", "students", "applicants"
]
const SAFE_AGGREGATES = new Set(["COUNT", "SUM", "AVG", "MIN", "MAX"])
const fieldKey = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "")

/** The options of the PII checker (see `blockUnboundedPiiSelect`). */
export interface PiiOptions {
  readonly columns?: ReadonlyArray<string>
  readonly tables?: ReadonlyArray<string>
  readonly maxRows?: number
}

/** A PII column an expression reads (outside COUNT/SUM/AVG/MIN/MAX), `*` for a star, or undefined. */
const piiColumn = (expr: unknown, pii: ReadonlySet<string>): string | undefined => {
  const stack: Array<unknown> = [expr]
  while (stack.length > 0) {
    const u = stack.pop()
    if (Array.isArray(u)) stack.push(...u)
    else if (Sql.isNode(u)) {
      if (u.type === "aggr_func" && SAFE_AGGREGATES.has(String(u.name).toUpperCase())) continue
      if (u.type === "column_ref") {
        const name = Sql.columnName(u)
        if (name === "*" || (name !== undefined && pii.has(fieldKey(name)))) return name
      }
      for (const k in u) if (typeof u[k] === "object" && u[k] !== null) stack.push(u[k])
    }
  }
  return undefined
}

/** Whether a SELECT is narrowed by a real WHERE or a LIMIT of at most `maxRows`. */
const bounded = (select: Sql.Node, maxRows: number): boolean => {
  if (select.where !== null && select.where !== undefined && Where.problem(select.where, "read") === undefined) return true
  const limit = select.limit
  const first = Sql.isNode(limit) && Array.isArray(limit.value) ? limit.value[0] : undefined
  return Sql.isNode(first) && first.type === "number" && typeof first.value === "number" && first.value <= maxRows
}

/** Builds a checker: for one SQL text, what unbounded PII it selects ("PII column 'email'"), or undefined. */
export const piiSelectChecker = (options: PiiOptions): (sql: string) => string | undefined => {
  const pii = new Set((options.columns ?? DEFAULT_PII_COLUMNS).map(fieldKey))
  const tables = new Set((options.tables ?? DEFAULT_PII_TABLES).map((t) => t.toLowerCase()))
  const maxRows = options.maxRows ?? 1000
  const unbounded = (select: Sql.Node): string | undefined => {
    if (!Array.isArray(select.from) || select.from.length === 0 || bounded(select, maxRows)) return undefined
    for (const column of Array.isArray(select.columns) ? select.columns : []) {
      const hit = piiColumn(Sql.isNode(column) ? column.expr : column, pii)
      if (hit === undefined) continue
      if (hit !== "*") return `PII column '${hit}'`
      const table = Sql.tablesOf({ from: select.from }).find((t) => tables.has(t.name))
      if (table !== undefined) return `every column of '${Sql.showTable(table)}'`
    }
    return undefined
  }
  const lexical = (text: string): string | undefined => {
    const p = plain(text)
    if (!/\b(?:select|copy)\b/.test(p) || /\b(?:where|limit)\b/.test(p)) return undefined
    const words = p.split(/[^a-z0-9_$]+/)
    const column = words.find((w) => pii.has(fieldKey(w)))
    if (column !== undefined) return `PII column '${column}'`
    const star = /select\s+(?:[a-z0-9_]+\.)?\*|\bcopy\s+(?!\()/.test(p)
    const table = star ? words.find((w) => tables.has(w)) : undefined
    return table === undefined ? undefined : `every column of '${table}'`
  }
  return (sql) => {
    for (const line of sql.match(/^\s*\\copy\b.*$/gim) ?? []) {
      const hit = lexical(line.replace(/^\s*\\/, ""))
      if (hit !== undefined) return hit
    }
    const text = sql.replace(META_LINE, "")
    if (text.trim() === "") return undefined
    const parsed = Sql.parse(text)
    if (parsed._tag === "Error") return lexical(text)
    for (const statement of Fn.expand(parsed.statements).statements) {
      let found: string | undefined
      Sql.some(statement, (node) => {
        if (node.type === "select") found = unbounded(node)
        return found !== undefined
      })
      if (found !== undefined) return found
    }
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------------
// Table renames, drops and deletes

/** A table rename, or a drop, truncation or DELETE of its rows, in statement order. */
export type TableEvent =
  | { readonly _tag: "Rename"; readonly from: Sql.TableName; readonly to: Sql.TableName }
  | { readonly _tag: "Drop"; readonly table: Sql.TableName; readonly verb: string }

const tableName = (schema: unknown, name: unknown): Sql.TableName | undefined =>
  typeof name === "string" ? { schema: typeof schema === "string" ? schema : undefined, name } : undefined

const NAME = String.raw`((?:"[^"]+"|\`[^\`]+\`|[a-z0-9_$]+)(?:\.(?:"[^"]+"|\`[^\`]+\`|[a-z0-9_$]+))*)`
const RENAME_RE = new RegExp(
  String.raw`\balter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?${NAME}\s+rename\s+to\s+${NAME}|\brename\s+table\s+${NAME}\s+to\s+${NAME}`,
  "g"
)
const DROP_RE = new RegExp(String.raw`\b(drop\s+table|truncate)\s+(?:table\s+)?(?:if\s+exists\s+)?(?:only\s+)?${NAME}((?:\s*,\s*${NAME.replace("(", "(?:")})*)`, "g")
const DELETE_RE = new RegExp(String.raw`\bdelete\s+from\s+(?:only\s+)?${NAME}`, "g")

const named = (text: string): Sql.TableName | undefined => {
  const t = Sql.parseTableName(text.replaceAll("`", "\""))
  return typeof t === "string" ? undefined : t
}

/** Renames and drops matched on canonical text, for SQL the parser cannot read. */
const lexicalEvents = (sql: string): ReadonlyArray<TableEvent> => {
  const p = plain(sql)
  const events: Array<readonly [number, TableEvent]> = []
  for (const m of p.matchAll(RENAME_RE)) {
    const from = named(m[1] ?? m[3] ?? "")
    const to = named(m[2] ?? m[4] ?? "")
    if (from !== undefined && to !== undefined) events.push([m.index, { _tag: "Rename", from, to }])
  }
  for (const m of p.matchAll(DROP_RE)) {
    const verb = m[1]!.startsWith("drop") ? "DROP" : "TRUNCATE"
    for (const part of [m[2]!, ...m[3]!.split(",").slice(1)]) {
      const table = named(part.trim())
      if (table !== undefined) events.push([m.index, { _tag: "Drop", table, verb }])
    }
  }
  for (const m of p.matchAll(DELETE_RE)) {
    const table = named(m[1]!)
    if (table !== undefined) events.push([m.index, { _tag: "Drop", table, verb: "DELETE" }])
  }
  return events.sort((x, y) => x[0] - y[0]).map(([, e]) => e)
}

/**
 * The table renames, drops, truncations and DELETEs in one SQL text, in order (SQL run by functions such
 * as `dblink_exec` included).
 */
export const tableEvents = (sql: string): ReadonlyArray<TableEvent> => {
  // Longer SQL is refused by every SQL policy (`Sql.MAX_SQL_LENGTH`); reading its events would only be slow.
  if (sql.length > Sql.MAX_SQL_LENGTH) return []
  const text = sql.replace(META_LINE, "")
  if (!/rename|drop|truncate|delete/i.test(text)) return []
  const parsed = Sql.parse(text)
  if (parsed._tag === "Error") return lexicalEvents(text)
  const out: Array<TableEvent> = []
  for (const s of Fn.expand(parsed.statements).statements) {
    if (s.type === "alter" && Array.isArray(s.table) && Array.isArray(s.expr)) {
      const from = Sql.isNode(s.table[0]) ? tableName(s.table[0].db, s.table[0].table) : undefined
      for (const e of s.expr) {
        if (from === undefined || !Sql.isNode(e) || e.action !== "rename" || e.resource !== "table") continue
        const to = tableName(from.schema, e.table)
        if (to !== undefined) out.push({ _tag: "Rename", from, to })
      }
    } else if ((s.type === "drop" && s.keyword === "table") || s.type === "truncate") {
      for (const n of Array.isArray(s.name) ? s.name : []) {
        const table = Sql.isNode(n) ? tableName(n.db, n.table) : undefined
        if (table !== undefined) out.push({ _tag: "Drop", table, verb: s.type === "drop" ? "DROP" : "TRUNCATE" })
      }
    } else if (s.type === "delete") {
      for (const n of Array.isArray(s.table) ? s.table : []) {
        const table = Sql.isNode(n) ? tableName(n.db, n.table) : undefined
        if (table !== undefined) out.push({ _tag: "Drop", table, verb: "DELETE" })
      }
    }
  }
  return out
}
