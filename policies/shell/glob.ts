/**
 * A linear-time glob matcher for one path component (private): `*`, `?`, `[…]`, `[!…]`, backslash
 * escapes. The pattern is compiled once in one pass (no regular expression is built from it), and
 * matching keeps a single backtrack point per `*`, so it takes at most pattern × text steps — the
 * texts matched here are short names (`.env`, `id_rsa`), so time grows linearly with the pattern.
 *
 * @example
 * ```ts
 * import { compileGlob, globMatch } from "./glob.ts"
 * globMatch(compileGlob("id_*"), "id_rsa")   // true
 * globMatch(compileGlob(".e*q"), ".env")     // false
 * ```
 * @module
 */

type Token =
  | { readonly k: "lit"; readonly ch: string }
  | { readonly k: "one" }
  | { readonly k: "star" }
  | { readonly k: "class"; readonly negated: boolean; readonly chars: string; readonly ranges: ReadonlyArray<readonly [number, number]> }

/** A compiled glob, and how many literal letters, digits and dots it holds (few literals match nearly anything). */
export interface Glob {
  readonly tokens: ReadonlyArray<Token>
  readonly literals: number
}

/** Whether a word has unescaped glob characters. */
export const isGlob = (s: string): boolean => /[*?[]/.test(s)

/** Compiles one path component of a glob; text after an unclosed `[` is literal. */
export const compileGlob = (p: string): Glob => {
  const n = p.length
  // nextClose[i]: the first `]` at or after i (one right-to-left pass, so unclosed `[` runs stay linear).
  const nextClose = new Int32Array(n + 1)
  nextClose[n] = -1
  for (let i = n - 1; i >= 0; i--) nextClose[i] = p[i] === "]" ? i : nextClose[i + 1]!
  const tokens: Array<Token> = []
  let literals = 0
  for (let i = 0; i < n; i++) {
    const ch = p[i]!
    if (ch === "*") {
      if (tokens.length === 0 || tokens[tokens.length - 1]!.k !== "star") tokens.push({ k: "star" })
    } else if (ch === "?") tokens.push({ k: "one" })
    else if (ch === "[") {
      const negated = p[i + 1] === "!" || p[i + 1] === "^"
      const start = i + 1 + (negated ? 1 : 0)
      const close = start + 1 <= n ? nextClose[start + 1] ?? -1 : -1
      if (close < 0) {
        tokens.push({ k: "lit", ch })
        continue
      }
      const body = p.slice(start, close)
      let chars = ""
      const ranges: Array<readonly [number, number]> = []
      for (let k = 0; k < body.length; k++) {
        if (body[k + 1] === "-" && k + 2 < body.length) {
          ranges.push([body.charCodeAt(k), body.charCodeAt(k + 2)])
          k += 2
        } else chars += body[k]
      }
      tokens.push({ k: "class", negated, chars, ranges })
      i = close
    } else {
      const lit = ch === "\\" && i + 1 < n ? p[++i]! : ch
      if (/[a-z0-9.]/i.test(lit)) literals++
      tokens.push({ k: "lit", ch: lit })
    }
  }
  return { tokens, literals }
}

const matchOne = (t: Token, ch: string): boolean => {
  switch (t.k) {
    case "lit":
      return t.ch === ch
    case "one":
      return true
    case "class": {
      const code = ch.charCodeAt(0)
      const hit = t.chars.includes(ch) || t.ranges.some(([a, b]) => code >= a && code <= b)
      return hit !== t.negated
    }
    default:
      return false
  }
}

/** Whether `text` matches the whole glob. */
export const globMatch = (g: Glob, text: string): boolean => {
  const t = g.tokens
  let pi = 0
  let ti = 0
  let starP = -1
  let starT = 0
  while (ti < text.length) {
    const tok = pi < t.length ? t[pi] : undefined
    if (tok !== undefined && tok.k === "star") {
      starP = pi++
      starT = ti
    } else if (tok !== undefined && matchOne(tok, text[ti]!)) {
      pi++
      ti++
    } else if (starP >= 0) {
      pi = starP + 1
      ti = ++starT
    } else return false
  }
  while (pi < t.length && t[pi]!.k === "star") pi++
  return pi === t.length
}
