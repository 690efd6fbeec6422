/**
 * SQL inspection for the database and access policies (private), on `node-sql-parser`'s PostgreSQL
 * grammar. Before parsing, a small lexer that follows PostgreSQL's own rules rewrites the text into an
 * unambiguous canonical form: comments dropped (nested block comments included), every string literal
 * (standard, `E'…'`, dollar-quoted) re-emitted as a plain `'…'` literal with `''` and `\\` escapes, and
 * unquoted identifiers folded to lower case the way PostgreSQL folds them (quoted ones kept). That closes
 * the gaps where the parser's lexing differs from the server's (`'\'; DROP TABLE x; --'` is a string
 * and a DROP to PostgreSQL, one string to the parser) and makes `"Users"` and `Users` different names.
 * Anything the lexer or the parser cannot read is an error: the policies fail closed on it.
 *
 * Parses are memoised (bounded), since several policies read the same `payload.sql` per run.
 *
 * @example
 * ```ts
 * import { parse } from "./parse.ts"
 * const parsed = parse("SELECT 1; DROP TABLE x")
 * if (parsed._tag === "Ok") parsed.statements.map((s) => s.type) // ["select", "drop"]
 * ```
 * @module
 */
import pkg from "node-sql-parser/build/postgresql.js"

const { Parser } = pkg
const parser = new Parser()
const OPTIONS = { database: "PostgreSQL" }

/** An AST node of the parser (read-only, shared between policies). */
export type Node = Readonly<Record<string, unknown>>

/** True for an AST node (a non-array object). */
export const isNode = (u: unknown): u is Node => typeof u === "object" && u !== null && !Array.isArray(u)

/** The parse of one `payload.sql`: its statements in order, or why it could not be read. */
export type Parsed =
  | { readonly _tag: "Ok"; readonly statements: ReadonlyArray<Node> }
  | { readonly _tag: "Error"; readonly reason: string }

const error = (reason: string): { readonly _tag: "Error"; readonly reason: string } => ({ _tag: "Error", reason })

// ---------------------------------------------------------------------------------------------------
// Lexer

const lowerAscii = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase())

/** Characters that continue an identifier (so a following `$` is part of it, not a dollar quote). */
const isIdentChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c >= 128

const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y
const E_ESCAPES: Readonly<Record<string, string>> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }

const literal = (value: string): string => `'${value.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`

type Lexed =
  | { readonly _tag: "Ok"; readonly text: string; readonly ambiguous: boolean }
  | { readonly _tag: "Error"; readonly reason: string }

/**
 * Rewrites `sql` into canonical form (see the module doc). `backslashEscapes` reads standard strings
 * the way a server with `standard_conforming_strings = off` does. `ambiguous` reports a backslash inside
 * a standard string, whose meaning depends on that setting.
 */
const canonicalize = (sql: string, backslashEscapes: boolean): Lexed => {
  let out = ""
  let plain = 0
  let ambiguous = false
  const n = sql.length
  const flush = (end: number) => {
    if (end > plain) out += lowerAscii(sql.slice(plain, end))
  }
  let i = 0
  while (i < n) {
    const c = sql.charCodeAt(i)
    if (c === 39) {
      const prefixE = i > 0 && (sql.charCodeAt(i - 1) | 32) === 101 && (i < 2 || !isIdentChar(sql.charCodeAt(i - 2)))
      flush(prefixE ? i - 1 : i)
      const escapes = prefixE || backslashEscapes
      let value = ""
      let j = i + 1
      let closed = false
      while (j < n) {
        const d = sql.charCodeAt(j)
        if (d === 39) {
          if (sql.charCodeAt(j + 1) === 39) {
            value += "'"
            j += 2
            continue
          }
          closed = true
          j++
          break
        }
        if (d === 92) {
          if (!prefixE) ambiguous = true
          if (escapes) {
            const e = sql[j + 1]
            if (e === undefined) break
            value += E_ESCAPES[e] ?? e
            j += 2
            continue
          }
        }
        value += sql[j]
        j++
      }
      if (!closed) return error("SQL has an unterminated string literal")
      out += literal(value)
      i = plain = j
    } else if (c === 34) {
      flush(i)
      let j = i + 1
      let closed = false
      while (j < n) {
        const d = sql.charCodeAt(j)
        if (d === 34) {
          if (sql.charCodeAt(j + 1) === 34) {
            j += 2
            continue
          }
          closed = true
          j++
          break
        }
        if (d === 92) return error("SQL has a backslash inside a quoted identifier, which parsers read differently")
        j++
      }
      if (!closed) return error("SQL has an unterminated quoted identifier")
      if (j - i === 2) return error("SQL has an empty quoted identifier")
      out += sql.slice(i, j)
      i = plain = j
    } else if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      flush(i)
      const end = sql.indexOf("\n", i)
      out += " "
      i = plain = end < 0 ? n : end
    } else if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      flush(i)
      let depth = 1
      let j = i + 2
      let lines = ""
      while (j < n && depth > 0) {
        const d = sql.charCodeAt(j)
        if (d === 47 && sql.charCodeAt(j + 1) === 42) {
          depth++
          j += 2
        } else if (d === 42 && sql.charCodeAt(j + 1) === 47) {
          depth--
          j += 2
        } else {
          if (d === 10) lines += "\n"
          j++
        }
      }
      if (depth > 0) return error("SQL has an unterminated comment")
      out += ` ${lines}`
      i = plain = j
    } else if (c === 36 && (i === 0 || !isIdentChar(sql.charCodeAt(i - 1)))) {
      DOLLAR_TAG.lastIndex = i
      const m = DOLLAR_TAG.exec(sql)
      if (m === null) {
        i++
        continue
      }
      flush(i)
      const tag = m[0]
      const end = sql.indexOf(tag, i + tag.length)
      if (end < 0) return error("SQL has an unterminated dollar-quoted string")
      out += literal(sql.slice(i + tag.length, end))
      i = plain = end + tag.length
    } else if (c === 96) {
      return error("SQL has a backtick, which PostgreSQL does not accept")
    } else {
      i++
    }
  }
  flush(n)
  return { _tag: "Ok", text: out, ambiguous }
}

/**
 * `sql` in canonical form (comments dropped, every string a plain `'…'` literal, unquoted text
 * lower-cased), or undefined when it cannot be lexed. For keyword checks on statements the parser does
 * not know (`DROP DATABASE`), which then cannot be fooled by comments or string contents.
 */
export const canonical = (sql: string): string | undefined => {
  const lexed = canonicalize(sql, false)
  return lexed._tag === "Ok" ? lexed.text : undefined
}

// ---------------------------------------------------------------------------------------------------
// Parsing

/**
 * Longest SQL inspected; longer text is refused (fail closed) rather than parsed slowly. The parser takes
 * about 2.5 µs a character on ordinary shapes and grows faster than linearly on long join chains, so the
 * cap keeps every parse well inside the 50 ms a policy evaluation may take.
 */
export const MAX_SQL_LENGTH = 6_144
const CACHE_SIZE = 256
const CACHEABLE_LENGTH = 16_384
const cache = new Map<string, Parsed>()

const describeParseError = (e: unknown, text: string): string => {
  const err = e as { message?: unknown; location?: { start?: { offset?: unknown; line?: unknown; column?: unknown } } }
  const start = err.location?.start
  if (start !== undefined && typeof start.offset === "number") {
    const near = text.slice(start.offset, start.offset + 24).trim()
    return `SQL could not be parsed at line ${String(start.line)}, column ${String(start.column)} (${
      near === "" ? "unexpected end of input" : `near '${near}'`
    })`
  }
  const message = typeof err.message === "string" ? err.message : String(e)
  return `SQL could not be parsed: ${message.slice(0, 160)}`
}

const flatten = (ast: unknown, out: Array<Node>): void => {
  if (Array.isArray(ast)) for (const a of ast) flatten(a, out)
  else if (isNode(ast) && typeof ast.type === "string") out.push(ast)
}

const astify = (text: string): Parsed => {
  try {
    const statements: Array<Node> = []
    flatten(parser.astify(text, OPTIONS), statements)
    return { _tag: "Ok", statements }
  } catch (e) {
    return error(describeParseError(e, text))
  }
}

const EXPLAIN = /^\s*explain\b(?:\s+(?:analy[sz]e|verbose))*\s*(?:\((?:[^()']|'(?:[^']|'')*')*\))?/

/** Canonical text without a leading EXPLAIN: the statement it explains is judged (EXPLAIN ANALYZE runs it). */
const unexplained = (text: string): string => {
  const m = EXPLAIN.exec(text)
  return m === null ? text : text.slice(m[0].length)
}

const parseUncached = (sql: string): Parsed => {
  if (sql.length > MAX_SQL_LENGTH) {
    return error(`SQL is too long to inspect (${sql.length} characters, limit ${MAX_SQL_LENGTH})`)
  }
  const lexed = canonicalize(sql, false)
  if (lexed._tag === "Error") return lexed
  const standard = astify(unexplained(lexed.text))
  if (standard._tag === "Error" || !lexed.ambiguous) return standard
  // With standard_conforming_strings off, `\'` ends no string: read the text that way too, keep both.
  const legacy = canonicalize(sql, true)
  if (legacy._tag === "Error") return standard
  const other = astify(unexplained(legacy.text))
  return other._tag === "Ok" ? { _tag: "Ok", statements: [...standard.statements, ...other.statements] } : standard
}

/** Parses PostgreSQL text into statements (memoised). Never throws. */
export const parse = (sql: string): Parsed => {
  if (sql.length > MAX_SQL_LENGTH) return parseUncached(sql)
  const hit = cache.get(sql)
  if (hit !== undefined) return hit
  const parsed = parseUncached(sql)
  if (sql.length <= CACHEABLE_LENGTH) {
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string)
    cache.set(sql, parsed)
  }
  return parsed
}

/**
 * Visits every node under `root` (itself included) depth first until `visit` returns true; returns
 * whether it did. Iterative, so deep expressions cannot overflow the stack.
 */
export const some = (root: unknown, visit: (node: Node) => boolean): boolean => {
  const stack: Array<unknown> = [root]
  while (stack.length > 0) {
    const u = stack.pop()
    if (Array.isArray(u)) {
      for (let i = u.length - 1; i >= 0; i--) stack.push(u[i])
    } else if (isNode(u)) {
      if (visit(u)) return true
      for (const k in u) {
        const v = u[k]
        if (typeof v === "object" && v !== null) stack.push(v)
      }
    }
  }
  return false
}

/** Renders an expression node back to SQL for a reason (cut to 80 characters). */
export const render = (node: unknown): string => {
  try {
    const s = parser.exprToSQL(node, OPTIONS)
    return s.length > 80 ? `${s.slice(0, 80)}…` : s
  } catch {
    return "…"
  }
}

/** "DROP TABLE", "CREATE INDEX", "DELETE": the statement's verb and object, for reasons. */
export const label = (statement: Node): string => {
  const type = String(statement.type).toUpperCase()
  return typeof statement.keyword === "string" && statement.keyword !== "priv"
    ? `${type} ${statement.keyword.toUpperCase()}`
    : type
}

// ---------------------------------------------------------------------------------------------------
// Names

/** A table name as PostgreSQL resolves it: case-folded unless quoted, cut to 63 bytes. */
export interface TableName {
  readonly schema: string | undefined
  readonly name: string
}

/** PostgreSQL truncates identifiers to NAMEDATALEN - 1 = 63 bytes (at a character boundary). */
const truncate = (s: string): string => {
  if (s.length <= 21) return s
  let bytes = 0
  let i = 0
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4
    if (bytes > 63) return s.slice(0, i)
    i += ch.length
  }
  return s
}

/** Shows a table name for reasons. */
export const showTable = (t: TableName): string => (t.schema === undefined ? t.name : `${t.schema}.${t.name}`)

const name = (schema: string | undefined, table: string): TableName => ({
  schema: schema === undefined ? undefined : truncate(schema),
  name: truncate(table)
})

const UNQUOTED = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*$/
/** Longest text read as a (database.schema.table) name: three quoted 63-byte parts fit well within it. */
const MAX_NAME_TEXT = 1024

/**
 * Reads a possibly qualified, possibly quoted table name as written in configuration or
 * `payload.table` (`users`, `public.users`, `"Users"`, `db.public."Users"`), or returns why it is not one.
 */
export const parseTableName = (text: string): TableName | string => {
  if (text.length > MAX_NAME_TEXT) return `a ${text.length}-character text is not a table name`
  const parts: Array<string> = []
  let i = 0
  const n = text.length
  for (;;) {
    while (i < n && text[i] === " ") i++
    if (text[i] === "\"") {
      let j = i + 1
      let part = ""
      for (;;) {
        const k = text.indexOf("\"", j)
        if (k < 0) return `'${text}' has an unterminated quoted identifier`
        part += text.slice(j, k)
        if (text[k + 1] === "\"") {
          part += "\""
          j = k + 2
        } else {
          i = k + 1
          break
        }
      }
      if (part === "") return `'${text}' has an empty quoted identifier`
      parts.push(part)
    } else {
      let j = i
      while (j < n && text[j] !== "." && text[j] !== " ") j++
      const part = text.slice(i, j)
      if (!UNQUOTED.test(part)) return `'${text}' is not a table name`
      parts.push(lowerAscii(part))
      i = j
    }
    while (i < n && text[i] === " ") i++
    if (i >= n) break
    if (text[i] !== ".") return `'${text}' is not a table name`
    i++
  }
  if (parts.length === 1) return name(undefined, parts[0]!)
  if (parts.length === 2 || parts.length === 3) return name(parts[parts.length - 2], parts[parts.length - 1]!)
  return `'${text}' is not a table name`
}

/** The table a node names, if it is a table reference (FROM item, DML target, DROP/ALTER/… target). */
const tableOf = (node: Node): TableName | undefined => {
  if (typeof node.table === "string" && Object.hasOwn(node, "db") && node.type !== "column_ref") {
    const schema = typeof node.schema === "string" ? node.schema : typeof node.db === "string" ? node.db : undefined
    return name(schema, node.table)
  }
  if (node.type === "into" && typeof node.expr === "string") {
    const t = parseTableName(node.expr)
    return typeof t === "string" ? name(undefined, node.expr) : t
  }
  return undefined
}

/** Every table a statement references, reads and writes alike (GRANT targets included). */
export const tablesOf = (statement: Node): ReadonlyArray<TableName> => {
  const out: Array<TableName> = []
  some(statement, (node) => {
    const t = tableOf(node)
    if (t !== undefined) {
      out.push(t)
      // The parser reads `FROM ONLY users` as table "only" aliased users; ONLY is reserved in PostgreSQL.
      if (t.name === "only" && t.schema === undefined && typeof node.as === "string") out.push(name(undefined, node.as))
    }
    const on = node.on
    if (isNode(on) && Array.isArray(on.priv_level)) {
      for (const p of on.priv_level) {
        if (isNode(p) && typeof p.name === "string") {
          out.push(name(typeof p.prefix === "string" ? p.prefix : undefined, p.name))
        }
      }
    }
    return false
  })
  return out
}

/** Matches table references against a configured list; `searchPath` narrows unqualified references. */
export interface TableMatcher {
  /** Configuration entries that are not table names (the policy then always fails). */
  readonly errors: ReadonlyArray<string>
  readonly match: (ref: TableName) => TableName | undefined
}

/**
 * Builds a matcher. An unqualified configured name matches that table in every schema; a qualified one
 * matches the same schema, or an unqualified reference when that schema is on `searchPath` (any schema
 * when no search path is given, since the policy cannot know the session's).
 */
export const makeMatcher = (tables: ReadonlyArray<string>, searchPath?: ReadonlyArray<string>): TableMatcher => {
  const errors: Array<string> = []
  const byName = new Map<string, Array<TableName>>()
  for (const t of tables) {
    const parsed = parseTableName(t)
    if (typeof parsed === "string") errors.push(parsed)
    else byName.set(parsed.name, [...(byName.get(parsed.name) ?? []), parsed])
  }
  const path = searchPath?.map(lowerAscii)
  return {
    errors,
    match: (ref) => {
      const candidates = byName.get(ref.name)
      if (candidates === undefined) return undefined
      for (const c of candidates) {
        if (c.schema === undefined || c.schema === ref.schema) return c
        if (ref.schema === undefined && (path === undefined || path.includes(c.schema))) return c
      }
      return undefined
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Column names

/** The column name of a column reference, SET item or INSERT column entry. */
export const columnName = (u: unknown): string | undefined => {
  if (typeof u === "string") return u
  if (!isNode(u)) return undefined
  if (typeof u.value === "string") return u.value
  const col = u.column
  if (typeof col === "string") return col
  if (isNode(col) && isNode(col.expr) && typeof col.expr.value === "string") return col.expr.value
  return undefined
}
