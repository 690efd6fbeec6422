/**
 * A linear-time matcher for one path component of a glob (private): `*`, `?`, `[…]`, `[!…]`/`[^…]` with
 * ranges, and backslash escapes. Globs come from agents, so they are never translated into a regular
 * expression (a backtracking engine takes exponential time on `.e*****…q` against `.env.production`).
 * Compiling is one pass (the closing `]` of every bracket is found from a table built right to left, so a
 * megabyte of `[` is still linear); matching is the classic greedy star algorithm, O(pattern × name) at
 * worst, and a glob with more fixed characters than the name cannot match, which is checked first.
 *
 * @example
 * ```ts
 * import { compile } from "./_glob.ts"
 * const g = compile(".e*q")
 * g.test(".env.q") // true
 * g.test(".env")   // false
 * g.literals       // 2 (letters and digits written literally: "e", "q")
 * ```
 * @module
 */

/** One token: a literal character, any character (`?`), a bracket class, or a star. */
type Token =
  | { readonly _tag: "Char"; readonly c: string }
  | { readonly _tag: "Any" }
  | { readonly _tag: "Class"; readonly negated: boolean; readonly body: string }
  | { readonly _tag: "Star" }

/** A compiled glob component. */
export interface Glob {
  /** Whether the whole of `name` matches the glob (no path separators are special here). */
  readonly test: (name: string) => boolean
  /** How many ASCII letters and digits the glob writes literally (a glob with almost none matches anything). */
  readonly literals: number
}

const STAR: Token = { _tag: "Star" }
const ANY: Token = { _tag: "Any" }

/** Whether `c` is in a bracket body (`a-z`, single characters), read left to right. */
const inClass = (body: string, c: string): boolean => {
  const n = body.length
  for (let i = 0; i < n; i++) {
    const lo = body[i]!
    if (i + 2 < n && body[i + 1] === "-") {
      if (c >= lo && c <= body[i + 2]!) return true
      i += 2
    } else if (lo === c) return true
  }
  return false
}

const matches = (t: Token, c: string): boolean => {
  switch (t._tag) {
    case "Char":
      return t.c === c
    case "Any":
      return true
    case "Class":
      return inClass(t.body, c) !== t.negated
    case "Star":
      return true
  }
}

const isAlnum = (c: string): boolean => (c >= "a" && c <= "z") || (c >= "0" && c <= "9")

/** Compiles a glob component. Never throws; a `[` without a closing `]` is a literal `[`. */
export const compile = (pattern: string): Glob => {
  const n = pattern.length
  // nextClose[i]: the first index ≥ i holding "]", or n.
  const nextClose = new Int32Array(n + 1)
  nextClose[n] = n
  for (let i = n - 1; i >= 0; i--) nextClose[i] = pattern[i] === "]" ? i : nextClose[i + 1]!
  const tokens: Array<Token> = []
  let literals = 0
  let fixed = 0
  for (let i = 0; i < n; i++) {
    const ch = pattern[i]!
    if (ch === "*") {
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR)
      continue
    }
    fixed++
    if (ch === "?") tokens.push(ANY)
    else if (ch === "[") {
      const negated = pattern[i + 1] === "!" || pattern[i + 1] === "^"
      const from = i + (negated ? 3 : 2)
      const close = from <= n ? nextClose[from]! : n
      if (close >= n) tokens.push({ _tag: "Char", c: "[" })
      else {
        tokens.push({ _tag: "Class", negated, body: pattern.slice(i + (negated ? 2 : 1), close) })
        i = close
      }
    } else {
      const c = ch === "\\" && i + 1 < n ? pattern[++i]! : ch
      if (isAlnum(c)) literals++
      tokens.push({ _tag: "Char", c })
    }
  }
  const m = tokens.length
  const test = (name: string): boolean => {
    const len = name.length
    if (fixed > len) return false
    let p = 0
    let i = 0
    let starP = -1
    let starI = 0
    while (i < len) {
      const t = p < m ? tokens[p]! : undefined
      if (t !== undefined && t !== STAR && matches(t, name[i]!)) {
        p++
        i++
      } else if (t === STAR) {
        starP = p++
        starI = i
      } else if (starP >= 0) {
        p = starP + 1
        i = ++starI
      } else return false
    }
    while (p < m && tokens[p] === STAR) p++
    return p === m
  }
  return { test, literals }
}
