/**
 * WHERE analysis for the DELETE/UPDATE policies (private). Instead of spotting tautologies, it proves that
 * a WHERE clause narrows the rows, and anything it cannot prove blocks:
 *
 * - a condition is **selective** when it compares a column (optionally cast) with a constant or parameter
 *   by `=`, `IN (…)`, `= ANY(…)`, `<`, `>`, `<=`, `>=` or `BETWEEN`; constants are literals, `$1`/`:name`
 *   parameters, casts, arithmetic and concatenation of constants, `interval '…'`, and the clock functions
 *   (`now()`, `current_timestamp`…);
 * - an AND is selective when one of its operands is; an OR when every branch is, and the branches do not
 *   together cover every value of one column (`id < 5 OR id >= 5`, `flag = true OR flag = false`);
 * - a comparison with an extreme bound (`name >= ''`, `ts < 'infinity'`, `id > -2147483648`) is treated
 *   as covering every value.
 *
 * Everything else — `IS NOT NULL`, `<>`, `NOT …`, LIKE, a column compared with itself or another column,
 * sub-selects, EXISTS, bare columns, functions — proves nothing on its own and blocks with a reason that
 * names it. Range comparisons prove that a filter exists, not that it is narrow (`id > 0` may hold for
 * every row): that part is a heuristic, and the docs say so.
 *
 * @example
 * ```ts
 * import * as Sql from "./parse.ts"
 * import { problem } from "./where.ts"
 * const parsed = Sql.parse("DELETE FROM t WHERE id = 1 OR name IS NOT NULL")
 * const where = parsed._tag === "Ok" ? parsed.statements[0]?.where : undefined
 * problem(where, "delete")     // "has a WHERE clause that does not provably narrow the rows (OR branch 2 of 2 does not narrow …"
 * problem(undefined, "delete") // "has no WHERE clause, so it would delete every row"
 * ```
 * @module
 */
import * as Sql from "./parse.ts"
import * as C from "./constants.ts"

const MAX_DEPTH = 64
const COMPARISONS = new Set(["=", "<", ">", "<=", ">="])
const FLIP: Readonly<Record<string, string>> = { "=": "=", "<": ">", ">": "<", "<=": ">=", ">=": "<=" }
const CLOCK = new Set([
  "now", "current_timestamp", "current_date", "current_time", "localtimestamp", "localtime", "statement_timestamp",
  "transaction_timestamp", "clock_timestamp"
])

type Value = number | string | boolean | null

/** A proven comparison of one column with constants; `values` holds the folded constants (undefined: a parameter). */
interface Comparison {
  readonly column: string
  readonly op: string
  readonly values: ReadonlyArray<Value | undefined>
}

/** The column a side of a comparison names (`t.id`, `id::text`), as a key, or undefined. */
const columnKey = (e: unknown): string | undefined => {
  if (!Sql.isNode(e)) return undefined
  if (e.type === "cast") return columnKey(e.expr)
  if (e.type !== "column_ref") return undefined
  const name = Sql.columnName(e)
  if (name === undefined || name === "*") return undefined
  return typeof e.table === "string" ? `${e.table}.${name}` : name
}

const hasSubSelect = (e: unknown): boolean => Sql.some(e, (n) => Sql.isNode(n.ast) || n.type === "select")

/** Whether an expression is a constant or parameter for the statement (see the module doc). */
const isConstantTerm = (e: unknown, depth = 0): boolean => {
  if (!Sql.isNode(e) || depth > MAX_DEPTH) return false
  switch (e.type) {
    case "number":
    case "bool":
    case "boolean":
    case "single_quote_string":
    case "string":
    case "null":
    case "param":
      return true
    case "var":
      return e.prefix === "$" && typeof e.name === "number"
    case "cast":
    case "interval":
      return isConstantTerm(e.expr, depth + 1)
    case "unary_expr":
      return e.operator === "-" && isConstantTerm(e.expr, depth + 1)
    case "binary_expr":
      return ["+", "-", "*", "/", "||"].includes(String(e.operator)) && isConstantTerm(e.left, depth + 1) &&
        isConstantTerm(e.right, depth + 1)
    case "array": {
      const items = Sql.isNode(e.expr_list) ? C.listOf(e.expr_list) : undefined
      return items !== undefined && items.every((i) => isConstantTerm(i, depth + 1))
    }
    case "function": {
      const fn = C.functionName(e)
      const args = C.listOf(e.args)
      return fn !== undefined && CLOCK.has(fn) && (args === undefined || args.every((a) => isConstantTerm(a, depth + 1)))
    }
    default:
      return false
  }
}

const valueOf = (e: unknown): Value | undefined => C.constant(e)?.v

const ISO_YEAR = /^\s*(\d{4})-\d\d/
const INT4_MIN = -2147483648
const INT4_MAX = 2147483647

/** Whether `column op value` holds for (nearly) every value: an extreme lower or upper bound. */
const extremeBound = (op: string, v: Value | undefined): boolean => {
  if (v === undefined || v === null) return false
  const lower = op === ">" || op === ">="
  const upper = op === "<" || op === "<="
  if (typeof v === "number") return (lower && v <= INT4_MIN) || (upper && v >= INT4_MAX)
  if (typeof v !== "string") return false
  const s = v.trim().toLowerCase()
  if (lower && (s === "" || s === "-infinity")) return true
  if (upper && s === "infinity") return true
  const year = ISO_YEAR.exec(s)
  return year !== null && ((lower && Number(year[1]) <= 1900) || (upper && Number(year[1]) >= 9999))
}

/** The condition as SQL, for reasons: rendered only when a reason is actually built (by `toString`). */
const lazyShown = (node: Sql.Node): { toString: () => string } => ({ toString: () => `(${Sql.render(node)})` })

/** A comparison of a column with constants, or why the condition is not one. */
const comparisonOf = (e: Sql.Node): Comparison | string => {
  const shown = lazyShown(e)
  const constant = C.constant(e)
  if (constant !== undefined) {
    return C.toBool(constant.v) === true ? `${shown} is always true` : `${shown} is a constant that depends on no row`
  }
  if (e.type === "column_ref") return `${shown} is a bare column, not a comparison with a constant`
  if (e.type === "unary_expr" || (e.type === "function" && C.functionName(e) === "not")) {
    return `${shown} is a negated condition, which proves nothing about how many rows it keeps`
  }
  if (e.type === "function" && C.functionName(e) === "exists") return `${shown} tests a sub-select, not a column`
  if (e.type !== "binary_expr") {
    return Sql.some(e, (n) => n.type === "column_ref")
      ? `${shown} is not a comparison of a column with a constant or parameter`
      : `${shown} depends on no column`
  }
  const op = String(e.operator).toUpperCase()
  const left = columnKey(e.left)
  const right = columnKey(e.right)
  if (COMPARISONS.has(op)) {
    if (left !== undefined && right !== undefined) {
      return left === right
        ? `${shown} compares column '${left}' with itself`
        : `${shown} compares two columns, which narrows nothing by itself`
    }
    const [column, other, flipped] = left !== undefined ? [left, e.right, op] : [right, e.left, FLIP[op]!]
    if (column === undefined) {
      return Sql.some(e, (n) => n.type === "column_ref")
        ? `${shown} compares an expression, not a plain column, with a value`
        : `${shown} depends on no column`
    }
    if (op === "=" && Sql.isNode(other) && other.type === "function" && C.functionName(other) === "any") {
      const args = C.listOf(other.args)
      if (args?.length === 1 && isConstantTerm(args[0])) return { column, op: "IN", values: [undefined] }
      return `${shown} compares with ANY of something other than a constant array or parameter`
    }
    if (!isConstantTerm(other)) {
      return hasSubSelect(other) ? `${shown} compares with a sub-select` : `${shown} compares with an expression that is not a constant or parameter`
    }
    const v = valueOf(other)
    if (extremeBound(flipped, v)) return `${shown} compares with an extreme bound that every value passes`
    return { column, op: flipped, values: [v] }
  }
  if (op === "IN" || op === "BETWEEN") {
    if (left === undefined) return `${shown} does not test a plain column`
    const items = C.listOf(e.right)
    if (items === undefined || items.length === 0) return `${shown} has an empty or unreadable list`
    if (items.some((i) => !isConstantTerm(i))) {
      return hasSubSelect(e.right) ? `${shown} tests membership in a sub-select` : `${shown} lists values that are not constants or parameters`
    }
    const values = items.map(valueOf)
    if (op === "BETWEEN" && (extremeBound(">=", values[0]) && extremeBound("<=", values[1]))) {
      return `${shown} spans every value`
    }
    return { column: left, op, values }
  }
  if (op === "IS NOT") return `${shown} holds for nearly every row`
  if (op === "IS") return `${shown} is an IS test, not a comparison with a constant`
  if (op === "<>" || op === "!=" || op.startsWith("NOT")) return `${shown} is a negative test, which keeps nearly every row`
  if (op === "AND" || op === "OR") return `${shown} is nested too deeply to analyse`
  return `${shown} uses ${op}, not =, IN, <, >, <=, >= or BETWEEN with a constant`
}

/** Flattens a chain of `op` (AND or OR) into its operands, iteratively. */
const operands = (e: unknown, op: "AND" | "OR"): Array<Sql.Node> => {
  const out: Array<Sql.Node> = []
  const stack: Array<unknown> = [e]
  while (stack.length > 0) {
    const u = stack.pop()
    if (Sql.isNode(u) && u.type === "binary_expr" && String(u.operator).toUpperCase() === op) stack.push(u.right, u.left)
    else if (Sql.isNode(u)) out.push(u)
  }
  return out
}

// ---------------------------------------------------------------------------------------------------
// Coverage: OR branches on one column that together cover every value.

interface Interval {
  readonly lo: Value | undefined
  readonly loIn: boolean
  readonly hi: Value | undefined
  readonly hiIn: boolean
}

const ALL: Interval = { lo: undefined, loIn: false, hi: undefined, hiIn: false }

const intervalsOf = (c: Comparison): ReadonlyArray<Interval> | undefined => {
  if (c.values.some((v) => v === undefined || v === null)) return undefined
  const v = c.values as ReadonlyArray<Value>
  switch (c.op) {
    case "=":
    case "IN":
      return v.map((x) => ({ lo: x, loIn: true, hi: x, hiIn: true }))
    case "<":
    case "<=":
      return [{ ...ALL, hi: v[0]!, hiIn: c.op === "<=" }]
    case ">":
    case ">=":
      return [{ ...ALL, lo: v[0]!, loIn: c.op === ">=" }]
    case "BETWEEN":
      return [{ lo: v[0]!, loIn: true, hi: v[1]!, hiIn: true }]
    default:
      return undefined
  }
}

const cmp = (a: Value, b: Value): number => (C.compare(a, b) ?? 0)

/**
 * The column and intervals of a branch whose every (not trivially true) condition compares one column:
 * the points of its first `=`/`IN` (a safe over-estimate), else the intersection of its ranges.
 */
const branchIntervals = (branch: Sql.Node): readonly [string, ReadonlyArray<Interval>] | undefined => {
  let column: string | undefined
  let points: ReadonlyArray<Interval> | undefined
  let range: Interval = ALL
  for (const part of operands(branch, "AND")) {
    if (C.alwaysTrue(part)) continue
    const c = comparisonOf(part)
    if (typeof c === "string" || (column !== undefined && c.column !== column)) return undefined
    const iv = intervalsOf(c)
    if (iv === undefined) return undefined
    column = c.column
    if (c.op === "=" || c.op === "IN") points ??= iv
    else range = intersect(range, iv[0]!)
  }
  return column === undefined ? undefined : [column, points ?? [range]]
}

const intersect = (a: Interval, b: Interval): Interval => {
  const lo = a.lo === undefined ? b : b.lo === undefined ? a : cmp(a.lo, b.lo) >= 0 ? a : b
  const hi = a.hi === undefined ? b : b.hi === undefined ? a : cmp(a.hi, b.hi) <= 0 ? a : b
  return { lo: lo.lo, loIn: lo.loIn, hi: hi.hi, hiIn: hi.hiIn }
}

/** Whether intervals of comparable values cover every value (or both booleans). */
const covers = (intervals: ReadonlyArray<Interval>): boolean => {
  const values = intervals.flatMap((i) => [i.lo, i.hi]).filter((v) => v !== undefined)
  if (values.length > 0 && values.every((v) => typeof v === "boolean")) return values.includes(true) && values.includes(false)
  if (!(values.every((v) => typeof v === "number") || values.every((v) => typeof v === "string"))) return false
  const sorted = [...intervals].sort((a, b) =>
    a.lo === undefined ? -1 : b.lo === undefined ? 1 : cmp(a.lo, b.lo) || Number(b.loIn) - Number(a.loIn)
  )
  if (sorted[0]?.lo !== undefined) return false
  let reach: Value | undefined = sorted[0]!.hi
  let reachIn = sorted[0]!.hiIn
  for (const i of sorted.slice(1)) {
    if (reach === undefined) return true
    if (i.lo !== undefined && (cmp(i.lo, reach) > 0 || (cmp(i.lo, reach) === 0 && !reachIn && !i.loIn))) return false
    if (i.hi === undefined) return true
    const c = cmp(i.hi, reach)
    if (c > 0) {
      reach = i.hi
      reachIn = i.hiIn
    } else if (c === 0) reachIn ||= i.hiIn
  }
  return reach === undefined
}

/** The column whose values OR branches together cover, if any. */
const coveredColumn = (branches: ReadonlyArray<Sql.Node>): string | undefined => {
  const byColumn = new Map<string, Array<Interval>>()
  for (const b of branches) {
    const r = branchIntervals(b)
    if (r !== undefined) byColumn.set(r[0], [...(byColumn.get(r[0]) ?? []), ...r[1]])
  }
  for (const [column, intervals] of byColumn) if (covers(intervals)) return column
  return undefined
}

// ---------------------------------------------------------------------------------------------------
// The proof

/** Why a condition is not selective, or undefined when it provably narrows the rows. */
const selective = (e: Sql.Node, depth: number): string | undefined => {
  if (depth > MAX_DEPTH) return "the condition is nested too deeply to analyse"
  const branches = operands(e, "OR")
  if (branches.length === 1) return selectiveAnd(e, depth)
  for (let i = 0; i < branches.length; i++) {
    const r = selectiveAnd(branches[i]!, depth + 1)
    if (r !== undefined) return `OR branch ${i + 1} of ${branches.length} does not narrow the rows: ${r}`
  }
  const column = coveredColumn(branches)
  return column === undefined ? undefined : `the OR branches on column '${column}' together cover every value`
}

const selectiveAnd = (e: Sql.Node, depth: number): string | undefined => {
  let first: string | undefined
  for (const part of operands(e, "AND")) {
    const isOr = part.type === "binary_expr" && String(part.operator).toUpperCase() === "OR"
    const r = isOr ? selective(part, depth + 1) : comparisonOf(part)
    if (r === undefined || typeof r !== "string") return undefined
    first ??= r
  }
  return first ?? "the condition is empty"
}

const ONLY =
  "only a comparison of a column with a constant or parameter (=, IN, <, >, <=, >=, BETWEEN) counts, in every OR branch"

/** What is wrong with a DELETE/UPDATE (or bulk-read) WHERE clause, or undefined when it provably narrows the rows. */
export const problem = (where: unknown, verb: string): string | undefined => {
  if (where === null || where === undefined) return `has no WHERE clause, so it would ${verb} every row`
  if (!Sql.isNode(where)) return `has a WHERE clause that cannot be read, so it could ${verb} every row`
  const r = selective(where, 0)
  if (r === undefined) return undefined
  return `has a WHERE clause that does not provably narrow the rows (${r}); ${ONLY}, so it could ${verb} every row`
}
