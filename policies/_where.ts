/**
 * Constant-WHERE analysis for the database policies (private): decides whether a parsed WHERE clause
 * holds for every row (`1=1`, `true`, `'a'='a'`, `1`, `2>1`, `x = x`, `id = 5 OR 1 = 1`, `p OR NOT p`,
 * `x IS NULL OR x IS NOT NULL`), for none (`1 = 0`), or depends on the row. Constants are folded the
 * way PostgreSQL coerces them (`'1'::int = 1`, `1 IN (1, 2)`, `coalesce(null, 1) = 1`).
 *
 * @example
 * ```ts
 * problem(deleteStatement.where, "delete") // "has a WHERE clause that is always true (1 = 1), so …"
 * ```
 * @module
 */
import * as Sql from "./_sql.ts"

type Value = number | string | boolean | null
type Const = { readonly v: Value } | undefined
type Truth = "always" | "never" | "maybe"

const TRUE_WORDS = new Set(["t", "true", "y", "yes", "on", "1"])
const FALSE_WORDS = new Set(["f", "false", "n", "no", "off", "0"])

const toBool = (v: Value): boolean | null | undefined => {
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
const compare = (a: Value, b: Value): number | null | undefined => {
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

const likeToRegExp = (pattern: string, flags: string): RegExp =>
  new RegExp(`^${pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replaceAll("%", ".*").replaceAll("_", ".")}$`, flags)

const notOf = (c: Const): Const => {
  if (c === undefined) return undefined
  const b = toBool(c.v)
  return b === undefined ? undefined : { v: b === null ? null : !b }
}

const listOf = (u: unknown): ReadonlyArray<unknown> | undefined =>
  Sql.isNode(u) && u.type === "expr_list" && Array.isArray(u.value) ? u.value : undefined

/** The value of a constant expression (no columns, no parameters), or undefined. */
const constant = (e: unknown): Const => {
  if (!Sql.isNode(e)) return undefined
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
      const inner = constant(e.expr)
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
      const inner = constant(e.expr)
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
      if (fn === "not" && args?.length === 1) return notOf(constant(args[0]))
      if (fn === "coalesce" && args !== undefined) {
        for (const a of args) {
          const c = constant(a)
          if (c === undefined) return undefined
          if (c.v !== null) return c
        }
        return { v: null }
      }
      return undefined
    }
    case "binary_expr":
      return binary(String(e.operator).toUpperCase(), e.left, e.right)
    default:
      return undefined
  }
}

const functionName = (e: Sql.Node): string | undefined => {
  const n = e.name
  if (Sql.isNode(n) && Array.isArray(n.name) && Sql.isNode(n.name[0])) return String(n.name[0].value).toLowerCase()
  return typeof n === "string" ? n.toLowerCase() : undefined
}

const binary = (op: string, left: unknown, right: unknown): Const => {
  if (op === "IN" || op === "NOT IN" || op === "BETWEEN" || op === "NOT BETWEEN") {
    const l = constant(left)
    const items = listOf(right)?.map(constant)
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
  const l = constant(left)
  const r = constant(right)
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
      const m = likeToRegExp(r.v, op.includes("ILIKE") ? "is" : "s").test(l.v)
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

const structure = (u: unknown): string => JSON.stringify(u, (k, v) => (k === "parentheses" || k === "loc" ? undefined : v))

const REFLEXIVE = new Set(["=", "<=", ">=", "LIKE", "ILIKE"])

/** Whether both sides are the same column reference (same qualifier, same canonical name). */
const sameColumn = (a: unknown, b: unknown): boolean =>
  Sql.isNode(a) && Sql.isNode(b) && a.type === "column_ref" && b.type === "column_ref" &&
  (a.table ?? null) === (b.table ?? null) && Sql.columnName(a) !== undefined && Sql.columnName(a) === Sql.columnName(b)

const negated = (e: Sql.Node): unknown => {
  if (e.type === "unary_expr" && e.operator === "NOT") return e.expr
  if (e.type === "function" && functionName(e) === "not") return listOf(e.args)?.[0]
  return undefined
}

const disjuncts = (e: unknown, out: Array<Sql.Node>): void => {
  if (Sql.isNode(e) && e.type === "binary_expr" && String(e.operator).toUpperCase() === "OR") {
    disjuncts(e.left, out)
    disjuncts(e.right, out)
  } else if (Sql.isNode(e)) out.push(e)
}

/** Whether some pair of disjuncts covers everything: `p OR NOT p`, `x IS NULL OR x IS NOT NULL`. */
const complementary = (parts: ReadonlyArray<Sql.Node>): boolean => {
  const keys = new Set(parts.map(structure))
  for (const p of parts) {
    const inner = negated(p)
    if (inner !== undefined && keys.has(structure(inner))) return true
    if (p.type === "binary_expr" && p.operator === "IS" && Sql.isNode(p.right) && p.right.type === "null") {
      if (keys.has(structure({ ...p, operator: "IS NOT" }))) return true
    }
  }
  return false
}

/** Whether a WHERE expression holds for every row ("always"), none, or depends on the row. */
const truth = (e: unknown): Truth => {
  const c = constant(e)
  if (c !== undefined) return toBool(c.v) === true ? "always" : toBool(c.v) === undefined ? "maybe" : "never"
  if (!Sql.isNode(e)) return "maybe"
  const inner = negated(e)
  if (inner !== undefined) {
    const t = truth(inner)
    return t === "always" ? "never" : t === "never" ? "always" : "maybe"
  }
  if (e.type !== "binary_expr") return "maybe"
  const op = String(e.operator).toUpperCase()
  if (op === "OR") {
    const parts: Array<Sql.Node> = []
    disjuncts(e, parts)
    const truths = parts.map(truth)
    if (truths.includes("always") || complementary(parts)) return "always"
    return truths.every((t) => t === "never") ? "never" : "maybe"
  }
  if (op === "AND") {
    const l = truth(e.left)
    const r = truth(e.right)
    return l === "never" || r === "never" ? "never" : l === "always" && r === "always" ? "always" : "maybe"
  }
  // `x = x`, `x >= x`, `x LIKE x`: true for every row where x is not NULL.
  if (REFLEXIVE.has(op) && sameColumn(e.left, e.right)) return "always"

  return "maybe"
}

/** What is wrong with a DELETE/UPDATE WHERE clause, or undefined when it narrows the rows. */
export const problem = (where: unknown, verb: string): string | undefined => {
  if (where === null || where === undefined) return `has no WHERE clause, so it would ${verb} every row`
  const t = truth(where)
  if (t === "always") return `has a WHERE clause that is always true (${Sql.render(where)}), so it would ${verb} every row`
  if (t === "never") return undefined
  if (!Sql.some(where, (n) => n.type === "column_ref")) {
    return `has a WHERE clause that depends on no column (${Sql.render(where)}), so it would ${verb} every row or none`
  }
  return undefined
}
