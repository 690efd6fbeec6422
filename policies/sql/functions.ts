/**
 * Functions and statements that run SQL text or reach outside the database (private), for the database
 * and access policies. Some PostgreSQL functions execute SQL given as a string (`query_to_xml('select …')`,
 * `dblink_exec(conn, 'drop table …')`, `crosstab`, `ts_stat`), read a table named by a string
 * (`table_to_xml('salaries'::regclass, …)`) or every table at once (`database_to_xml`), and others reach
 * the server's files, programs or network (`pg_read_file`, `lo_export`, `dblink_connect`, `http_get`).
 * `expand` turns the SQL in those strings into statements of its own, so every policy judges what would
 * really run; a string it cannot read (built at run time, or not parseable) is a problem the policies
 * fail closed on. `danger` names what reaches outside; `lexicalDanger` names the statements the parser
 * cannot read but whose danger is plain from their tokens (`DO` blocks, `COPY … PROGRAM`, `EXECUTE`…).
 *
 * @example
 * ```ts
 * import { expand } from "./functions.ts"
 * import * as Sql from "./parse.ts"
 * const parsed = Sql.parse("SELECT query_to_xml('select * from salaries', true, false, '')")
 * if (parsed._tag === "Ok") expand(parsed.statements).statements.length // 2: the SELECT and the inner one
 * ```
 * @module
 */
import * as Sql from "./parse.ts"
import { functionName, listOf } from "./constants.ts"

/** What a function does that matters here. */
interface FunctionInfo {
  /** Reaches outside the database: files, programs, network, server control. */
  readonly outside?: string
  /** The argument positions holding SQL text it executes, given the arguments. */
  readonly sqlArgs?: (args: ReadonlyArray<unknown>) => ReadonlyArray<number>
  /** The argument positions holding a table name it reads. */
  readonly tableArgs?: ReadonlyArray<number>
  /** Reads tables the guard cannot enumerate (a whole schema or database, a cursor). */
  readonly readsAll?: string
  /** The schema the function must be called in (`aws_lambda.invoke`); any schema when unset. */
  readonly schema?: string
}

const isBool = (u: unknown): boolean => Sql.isNode(u) && (u.type === "bool" || u.type === "boolean")
const first = () => [0]
/** dblink(sql), dblink(conn, sql), dblink(conn, sql, fail_on_error), dblink(sql, fail_on_error). */
const connThenSql = (args: ReadonlyArray<unknown>) => (args.length === 1 || isBool(args[1]) ? [0] : [1])

const DBLINK = "opens a connection to another database server (dblink)"
const FILES = "reads or writes files on the database server"
const SERVER = "controls the database server"
const HTTP = "sends a network request from the database server"

const FUNCTIONS: ReadonlyMap<string, FunctionInfo> = new Map<string, FunctionInfo>([
  ["dblink", { outside: DBLINK, sqlArgs: connThenSql }],
  ["dblink_exec", { outside: DBLINK, sqlArgs: connThenSql }],
  ["dblink_send_query", { outside: DBLINK, sqlArgs: () => [1] }],
  ["dblink_open", { outside: DBLINK, sqlArgs: (a) => (a.length === 2 || (a.length === 3 && isBool(a[2])) ? [1] : [2]) }],
  ...["query_to_xml", "query_to_xmlschema", "query_to_xml_and_xmlschema", "ts_stat", "crosstab2", "crosstab3", "crosstab4"]
    .map((n) => [n, { sqlArgs: first }] as const),
  ["crosstab", { sqlArgs: (a) => (a.length >= 2 && Sql.isNode(a[1]) && a[1].type !== "number" ? [0, 1] : [0]) }],
  ...["table_to_xml", "table_to_xmlschema", "table_to_xml_and_xmlschema", "connectby"].map((n) => [n, { tableArgs: [0] }] as const),
  ...["cursor_to_xml", "cursor_to_xmlschema"].map((n) => [n, { readsAll: "reads a cursor whose query the guard cannot see" }] as const),
  ...["schema_to_xml", "schema_to_xmlschema", "schema_to_xml_and_xmlschema"].map((n) => [n, { readsAll: "reads every table of a schema" }] as const),
  ...["database_to_xml", "database_to_xmlschema", "database_to_xml_and_xmlschema"]
    .map((n) => [n, { readsAll: "reads every table of the database" }] as const),
  ...[
    "pg_read_file", "pg_read_binary_file", "pg_stat_file", "pg_ls_dir", "pg_ls_logdir", "pg_ls_waldir", "pg_ls_tmpdir",
    "pg_ls_archive_statusdir", "pg_ls_logicalsnapdir", "pg_ls_logicalmapdir", "pg_ls_replslotdir", "pg_file_read",
    "pg_file_write", "pg_file_rename", "pg_file_unlink", "pg_file_sync", "pg_logdir_ls"
  ].map((n) => [n, { outside: FILES }] as const),
  ...["lo_import", "lo_export"].map((n) => [n, { outside: "moves a file between the server's disk and the database" }] as const),
  ...[
    "pg_reload_conf", "pg_rotate_logfile", "pg_promote", "pg_terminate_backend", "pg_cancel_backend", "pg_switch_wal",
    "pg_create_restore_point", "pg_drop_replication_slot", "pg_create_physical_replication_slot",
    "pg_create_logical_replication_slot", "pg_backup_start", "pg_backup_stop", "pg_start_backup", "pg_stop_backup"
  ].map((n) => [n, { outside: SERVER }] as const),
  ...["http", "http_get", "http_post", "http_put", "http_patch", "http_delete", "http_head"].map((n) => [n, { outside: HTTP }] as const),
  ["query_export_to_s3", { outside: "exports query results to S3", sqlArgs: first }],
  ["table_import_from_s3", { outside: "imports a file from S3", tableArgs: [0] }],
  ["invoke", { outside: "invokes an AWS Lambda function", schema: "aws_lambda" }]
])

const isDblink = (name: string): boolean => name.startsWith("dblink")

/** One call of a function that matters, with what it runs or reads. */
export interface Call {
  readonly name: string
  readonly outside: string | undefined
  readonly readsAll: string | undefined
  /** The SQL texts it executes (literal arguments). */
  readonly sqlTexts: ReadonlyArray<string>
  /** The table names it reads (literal arguments). */
  readonly tables: ReadonlyArray<string>
  /** Why some SQL or table argument cannot be read (built at run time), if so. */
  readonly unreadable: string | undefined
}

const schemaOf = (node: Sql.Node): string | undefined => {
  const n = node.name
  return Sql.isNode(n) && Sql.isNode(n.schema) ? String(n.schema.value) : undefined
}

/** The parser keeps a literal's escapes as written in the canonical text (`''`, `\\`); this removes them. */
const unescape = (raw: string): string => raw.replace(/\\\\|''/g, (m) => m[0]!)

/** The text of a string literal, possibly cast (`'salaries'::regclass`). */
const literalText = (u: unknown): string | undefined => {
  if (!Sql.isNode(u)) return undefined
  if (u.type === "cast") return literalText(u.expr)
  return u.type === "single_quote_string" || u.type === "string" ? (typeof u.value === "string" ? unescape(u.value) : undefined) : undefined
}

/** The call a function node makes, if it is one that matters. */
const callOf = (node: Sql.Node): Call | undefined => {
  if (node.type !== "function" && node.type !== "tablefunc") return undefined
  const name = functionName(node)
  if (name === undefined) return undefined
  const info = FUNCTIONS.get(name) ?? (isDblink(name) ? { outside: DBLINK } : undefined)
  if (info === undefined || (info.schema !== undefined && schemaOf(node) !== info.schema)) return undefined
  const args = listOf(node.args) ?? []
  const sqlTexts: Array<string> = []
  const tables: Array<string> = []
  let unreadable: string | undefined
  for (const i of info.sqlArgs?.(args) ?? []) {
    const text = literalText(args[i])
    if (text !== undefined) sqlTexts.push(text)
    else unreadable ??= `takes the SQL it runs from an expression, not a literal the guard can read`
  }
  for (const i of info.tableArgs ?? []) {
    const text = literalText(args[i])
    if (text !== undefined) tables.push(text)
    else unreadable ??= `takes the table it reads from an expression, not a literal the guard can read`
  }
  return { name, outside: info.outside, readsAll: info.readsAll, sqlTexts, tables, unreadable }
}

/** Every call that matters in a statement, in visiting order. */
export const callsIn = (statement: Sql.Node): ReadonlyArray<Call> => {
  const out: Array<Call> = []
  Sql.some(statement, (node) => {
    const c = callOf(node)
    if (c !== undefined) out.push(c)
    return false
  })
  return out
}

/** Statements with the SQL their functions execute, and what could not be read. */
export interface Expanded {
  /** The statements given, then the statements inside SQL-text arguments (recursively). */
  readonly statements: ReadonlyArray<Sql.Node>
  /** Tables named by string arguments (`table_to_xml('salaries'::regclass, …)`). */
  readonly tables: ReadonlyArray<string>
  /** Why some of what would run cannot be read (the policies fail closed). */
  readonly problem: string | undefined
  /** A call that reads tables the guard cannot enumerate. */
  readonly readsAll: string | undefined
}

const MAX_NESTING = 4
const MAX_STATEMENTS = 256

/** Adds the SQL run by functions (`query_to_xml('…')`, `dblink_exec(c, '…')`) as statements, recursively. */
export const expand = (statements: ReadonlyArray<Sql.Node>): Expanded => {
  const out: Array<Sql.Node> = [...statements]
  const tables: Array<string> = []
  let problem: string | undefined
  let readsAll: string | undefined
  const queue: Array<readonly [Sql.Node, number]> = statements.map((s) => [s, 0] as const)
  while (queue.length > 0) {
    const [statement, depth] = queue.shift()!
    for (const call of callsIn(statement)) {
      if (call.unreadable !== undefined) problem ??= `${call.name}(…) ${call.unreadable}`
      if (call.readsAll !== undefined) readsAll ??= `${call.name}(…) ${call.readsAll}`
      tables.push(...call.tables)
      for (const text of call.sqlTexts) {
        if (depth >= MAX_NESTING || out.length >= MAX_STATEMENTS) {
          problem ??= `${call.name}(…) nests SQL text too deeply to inspect`
          continue
        }
        const parsed = Sql.parse(text)
        if (parsed._tag === "Error") {
          problem ??= `${call.name}(…) runs SQL text that cannot be read: ${lexicalDanger(text) ?? parsed.reason}`
          continue
        }
        for (const s of parsed.statements) {
          out.push(s)
          queue.push([s, depth + 1])
        }
      }
    }
  }
  return { statements: out, tables, problem, readsAll }
}

// ---------------------------------------------------------------------------------------------------
// Danger

const ROLES = new Set(["pg_execute_server_program", "pg_read_server_files", "pg_write_server_files"])

/** What a parsed statement does that reaches outside the database or changes privileges, if anything. */
export const statementDanger = (statement: Sql.Node, allowFunctions: ReadonlySet<string>): string | undefined => {
  if (statement.type === "grant" || statement.type === "revoke") {
    let role: string | undefined
    Sql.some(statement, (n) => {
      if (typeof n.value === "string" && ROLES.has(n.value.toLowerCase())) role = n.value.toLowerCase()
      return role !== undefined
    })
    return role !== undefined
      ? `${String(statement.type).toUpperCase()} of ${role}, which lets a role run programs or touch files on the server`
      : `${String(statement.type).toUpperCase()} changes privileges`
  }
  for (const call of callsIn(statement)) {
    if (call.outside !== undefined && !allowFunctions.has(call.name)) return `${call.name}(…) ${call.outside}`
  }
  return undefined
}

/** The tokens of SQL with comments dropped and string contents emptied (lower-cased raw text when it cannot be lexed). */
export const plain = (sql: string): string => (Sql.canonical(sql) ?? sql.toLowerCase()).replace(/'(?:[^']|'')*'/g, "''")

/** Statement-level dangers, plain from the tokens whether or not the parser reads the statement. */
const STATEMENTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/(?:^|;)\s*do\b/, "a DO block runs procedural code (dynamic EXECUTE included) that the guard cannot analyse"],
  [/(?:^|;)\s*copy\b[^;]*\bprogram\b/, "COPY … PROGRAM runs a shell command on the database server"],
  [/(?:^|;)\s*copy\b[^;]*\b(?:from|to)\s+''/, "COPY to or from a file reads or writes the database server's disk"],
  [/(?:^|;)\s*(?:prepare|execute)\b/, "PREPARE/EXECUTE runs a statement whose text the guard cannot see"],
  [/\bload\s+data\s+(?:local\s+)?infile\b/, "LOAD DATA INFILE reads a file into the database"],
  [/(?:^|;)\s*load\b/, "LOAD loads a shared library into the database server"],
  [/\blanguage\s+(?:plpython\w*|plperlu|pltclu|c|plsh|plv8|pljava\w*|plr)\b/, "creates a function in an untrusted language, which runs code on the server"],
  [/(?:^|;)\s*(?:set|reset)\s+(?:session\s+|local\s+)?(?:role|session\s+authorization)\b/, "changes the session's role"],
  [/\binto\s+(?:out|dump)file\b/, "SELECT … INTO OUTFILE writes a file on the database server"],
  [/\bsys_(?:exec|eval)\b/, "calls a function that runs a shell command on the database server"]
]

/** Function names, for SQL the parser cannot read (read SQL judges calls through `callsIn`). */
const FUNCTION_NAMES = /\b(?:dblink\w*|pg_read_file|pg_read_binary_file|pg_ls_dir|lo_import|lo_export|query_to_xml\w*|pg_execute_server_program)\b/

/** What the tokens of SQL plainly do at statement level that is dangerous (checked on every SQL text), if anything. */
export const statementDangerOf = (sql: string): string | undefined => {
  if (sql.length > Sql.MAX_SQL_LENGTH) return undefined
  const p = plain(sql)
  for (const [re, what] of STATEMENTS) if (re.test(p)) return what
  return undefined
}

/** For SQL the parser cannot read: what its tokens plainly do that is dangerous, if anything. */
export const lexicalDanger = (sql: string): string | undefined => {
  if (sql.length > Sql.MAX_SQL_LENGTH) return undefined
  const statement = statementDangerOf(sql)
  if (statement !== undefined) return statement
  return FUNCTION_NAMES.test(plain(sql)) ? "calls a function that runs SQL text or reaches outside the database" : undefined
}
