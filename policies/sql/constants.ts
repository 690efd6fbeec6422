/**
 * Constant folding for SQL expressions (private): the value of an expression that reads no column and
 * no parameter, folded the way PostgreSQL coerces (`'1'::int = 1`, `1 IN (1, 2)`, `coalesce(null, 1) = 1`,
 * `'ab' LIKE 'a%'`), and whether a WHERE condition is always true. The WHERE policies use it to name a
 * tautology in their reasons; what they let through is decided by `where.ts`, which proves selectivity.
 * LIKE patterns are matched by a linear-time wildcard matcher, never compiled into a regular expression.
 *
 * @example
 * ```ts
 * import { alwaysTrue, constant } from "./constants.ts"
 * import { parse } from "./parse.ts"
 * const parsed = parse("DELETE FROM t WHERE 1 = 1")
 * const where = parsed._tag === "Ok" ? parsed.statements[0]?.where : undefined
 * constant(where)    // { v: true }
 * alwaysTrue(where)  // true; also for `x = x` and `x IS NOT NULL`, false for `id = 5`
 * ```
 * @module
 */
import * as Sql from "./parse.ts"

type Value = number | string | boolean | null
/** A folded constant, or undefined when the expression is not constant (or not understood). */
export type Const = { readonly v: Value } | undefined

const TRUE_WORDS = new Set(["t", "true", "y", "yes", "on", "1"])
const FALSE_WORDS = new Set(["f", "false", "n", "no", "off", "0"])

/** A value read as a boolean the way PostgreSQL casts text: true, false, null, or undefined (not a boolean). */
export const toBool = (v: Value): boolean | null | undefined => {
  if (v === null || typeof v === "boolean") return v
  if (typeof v === "number") return v !== 0
  const s = v.trim().toLowerCase()
  return TRUE_WORDS.has(s) ? true : FALSE_WORDS.has(s) ? false : undefined
}

const toNumber = (v: Value): number | undefined => {
  if (typeof v === "number") return v
  if (typeof v === "string" && v.trim() !== "") {
    const n = Number(v)
    return Number.isFinite(n) ? n : undefined
  }
  return undefined
}

/** Compares two constants the way PostgreSQL coerces them: <0, 0, >0, null (NULL), undefined (unknown). */
export const compare = (a: Value, b: Value): number | null | undefined => {
  if (a === null || b === null) return null
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === "boolean" || typeof b === "boolean") {
    const x = toBool(a)
    const y = toBool(b)
    return typeof x === "boolean" && typeof y === "boolean" ? Number(x) - Number(y) : undefined
  }
  const x = toNumber(a)
  const y = toNumber(b)
  return x === undefined || y === undefined ? undefined : x - y
}

/** SQL LIKE (`%`, `_`, backslash escape) in linear time: the greedy wildcard algorithm, no regular expression. */
export const like = (text: string, pattern: string, insensitive: boolean): boolean => {
  const s = insensitive ? text.toLowerCase() : text
  const p = insensitive ? pattern.toLowerCase() : pattern
  const tokens: Array<string | 0 | 1> = [] // 0: %, 1: _
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!
    if (c === "%") {
      if (tokens[tokens.length - 1] !== 0) tokens.push(0)
    } else if (c === "_") tokens.push(1)
    else tokens.push(c === "\\" && i + 1 < p.length ? p[++i]! : c)
  }
  let t = 0
  let i = 0
  let star = -1
  let mark = 0
  while (i < s.length) {
    const tok = tokens[t]
    if (tok !== undefined && tok !== 0 && (tok === 1 || tok === s[i])) {
      t++
      i++
    } else if (tok === 0) {
      star = t++
      mark = i
    } else if (star >= 0) {
      t = star + 1
      i = ++mark
    } else return false
  }
  while (tokens[t] === 0) t++
  return t === tokens.length
}

const notOf = (c: Const): Const => {
  if (c === undefined) return undefined
  const b = toBool(c.v)
  return b === undefined ? undefined : { v: b === null ? null : !b }
}

/** The items of an `expr_list` node. */
export const listOf = (u: unknown): ReadonlyArray<unknown> | undefined =>
  Sql.isNode(u) && u.type === "expr_list" && Array.isArray(u.value) ? u.value : undefined

/** The lower-cased name of a function call node (`pg_catalog.now()` → "now"). */
export const functionName = (e: Sql.Node): string | undefined => {
  const n = e.name
  if (Sql.isNode(n) && Array.isArray(n.name)) {
    const last = n.name[n.name.length - 1]
    return Sql.isNode(last) ? String(last.value).toLowerCase() : undefined
  }
  return typeof n === "string" ? n.toLowerCase() : undefined
}

const MAX_DEPTH = 64

/** The value of a constant expression (no columns, no parameters), or undefined. */
export const constant = (e: unknown, depth = 0): Const => {
  if (!Sql.isNode(e) || depth > MAX_DEPTH) return undefined
  switch (e.type) {
    case "number": {
      const n = Number(e.value)
      return Number.isFinite(n) ? { v: n } : undefined
    }
    case "bool":
    case "boolean":
      return typeof e.value === "boolean" ? { v: e.value } : undefined
    case "single_quote_string":
    case "string":
      return typeof e.value === "string" ? { v: e.value } : undefined
    case "null":
      return { v: null }
    case "cast": {
      const inner = constant(e.expr, depth + 1)
      const target = Array.isArray(e.target) && Sql.isNode(e.target[0]) ? String(e.target[0].dataType).toUpperCase() : ""
      if (inner === undefined) return undefined
      if (target.startsWith("BOOL")) {
        const b = toBool(inner.v)
        return b === undefined ? undefined : { v: b }
      }
      if (/INT|NUMERIC|DECIMAL|REAL|DOUBLE|FLOAT/.test(target)) {
        const n = inner.v === null ? null : toNumber(inner.v)
        return n === undefined ? undefined : { v: n }
      }
      if (/CHAR|TEXT/.test(target)) return { v: inner.v === null ? null : String(inner.v) }
      return undefined
    }
    case "unary_expr": {
      const inner = constant(e.expr, depth + 1)
      if (e.operator === "NOT") return notOf(inner)
      if (e.operator === "-" && inner !== undefined) {
        const n = inner.v === null ? null : toNumber(inner.v)
        return n === undefined ? undefined : { v: n === null ? null : -n }
      }
      return undefined
    }
    case "function": {
      const fn = functionName(e)
      const args = listOf(e.args)
      if (fn === "not" && args?.length === 1) return notOf(constant(args[0], depth + 1))
      if (fn === "coalesce" && args !== undefined) {
        for (const a of args) {
          const c = constant(a, depth + 1)
          if (c === undefined) return undefined
          if (c.v !== null) return c
        }
        return { v: null }
      }
      return undefined
    }
    case "binary_expr":
      return binary(String(e.operator).toUpperCase(), e.left, e.right, depth + 1)
    default:
      return undefined
  }
}

const binary = (op: string, left: unknown, right: unknown, depth: number): Const => {
  if (op === "IN" || op === "NOT IN" || op === "BETWEEN" || op === "NOT BETWEEN") {
    const l = constant(left, depth)
    const items = listOf(right)?.map((i) => constant(i, depth))
    if (l === undefined || items === undefined || items.some((i) => i === undefined)) return undefined
    const values = items.map((i) => i!.v)
    let r: Const
    if (op.endsWith("IN")) {
      const cmp = values.map((v) => compare(l.v, v))
      if (cmp.some((c) => c === undefined)) return undefined
      r = { v: cmp.includes(0) ? true : cmp.includes(null) ? null : false }
    } else {
      const lo = compare(l.v, values[0] ?? null)
      const hi = compare(l.v, values[1] ?? null)
      if (lo === undefined || hi === undefined) return undefined
      r = { v: lo === null || hi === null ? null : lo >= 0 && hi <= 0 }
    }
    return op.startsWith("NOT") ? notOf(r) : r
  }
  const l = constant(left, depth)
  const r = constant(right, depth)
  if (op === "AND" || op === "OR") {
    const a = l === undefined ? undefined : toBool(l.v)
    const b = r === undefined ? undefined : toBool(r.v)
    if (op === "AND") {
      if (a === false || b === false) return { v: false }
      return a === true && b === true ? { v: true } : a === undefined || b === undefined ? undefined : { v: null }
    }
    if (a === true || b === true) return { v: true }
    return a === false && b === false ? { v: false } : a === undefined || b === undefined ? undefined : { v: null }
  }
  if (l === undefined || r === undefined) return undefined
  switch (op) {
    case "IS":
    case "IS NOT": {
      const same = r.v === null ? l.v === null : toBool(l.v) === toBool(r.v)
      return { v: op === "IS" ? same : !same }
    }
    case "=":
    case "!=":
    case "<>":
    case "<":
    case ">":
    case "<=":
    case ">=": {
      const c = compare(l.v, r.v)
      if (c === undefined) return undefined
      if (c === null) return { v: null }
      const v = op === "=" ? c === 0 : op === "<" ? c < 0 : op === ">" ? c > 0 : op === "<=" ? c <= 0 : op === ">=" ? c >= 0 : c !== 0
      return { v }
    }
    case "LIKE":
    case "NOT LIKE":
    case "ILIKE":
    case "NOT ILIKE": {
      if (typeof l.v !== "string" || typeof r.v !== "string") return undefined
      const m = like(l.v, r.v, op.includes("ILIKE"))
      return { v: op.startsWith("NOT") ? !m : m }
    }
    case "||":
      return l.v === null || r.v === null ? { v: null } : { v: `${String(l.v)}${String(r.v)}` }
    case "+":
    case "-":
    case "*":
    case "/":
    case "%": {
      const x = l.v === null ? null : toNumber(l.v)
      const y = r.v === null ? null : toNumber(r.v)
      if (x === undefined || y === undefined) return undefined
      if (x === null || y === null) return { v: null }
      if ((op === "/" || op === "%") && y === 0) return undefined
      return { v: op === "+" ? x + y : op === "-" ? x - y : op === "*" ? x * y : op === "/" ? x / y : x % y }
    }
    default:
      return undefined
  }
}

/** Whether both sides are the same column reference (same qualifier, same canonical name). */
export const sameColumn = (a: unknown, b: unknown): boolean =>
  Sql.isNode(a) && Sql.isNode(b) && a.type === "column_ref" && b.type === "column_ref" &&
  (a.table ?? null) === (b.table ?? null) && Sql.columnName(a) !== undefined && Sql.columnName(a) === Sql.columnName(b)

const REFLEXIVE = new Set(["=", "<=", ">=", "LIKE", "ILIKE"])

/**
 * Whether a condition holds for every row (where its columns are not NULL): a true constant (`1 = 1`,
 * `'a' = 'a'`), a column compared with itself (`x = x`, `x >= x`), `IS NOT NULL` of a column, or an AND
 * of such conditions.
 */
export const alwaysTrue = (e: unknown, depth = 0): boolean => {
  if (depth > MAX_DEPTH) return false
  const c = constant(e)
  if (c !== undefined) return toBool(c.v) === true
  if (!Sql.isNode(e) || e.type !== "binary_expr") return false
  const op = String(e.operator).toUpperCase()
  if (op === "AND") return alwaysTrue(e.left, depth + 1) && alwaysTrue(e.right, depth + 1)
  if (REFLEXIVE.has(op) && sameColumn(e.left, e.right)) return true
  return op === "IS NOT" && Sql.isNode(e.right) && e.right.type === "null" && Sql.isNode(e.left) && e.left.type === "column_ref"
}
