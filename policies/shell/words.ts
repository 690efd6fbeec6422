/**
 * Words for the shell lexer (private): the token types, and reading one word — quotes, backslash escapes,
 * `$'…'` (ANSI-C) strings, parameter expansions (`$x`, `${x:-y}`, `${#x}`, `${x[i]}`), command
 * substitutions (`$( )`, backticks), arithmetic (`$(( ))`) and process substitutions (`<( )`). Nested
 * scripts are lexed by the concrete lexer (`lex.ts`) through `child`; nesting is capped at `MAX_NESTING`,
 * so recursion never grows with the input.
 *
 * @example
 * ```ts
 * import { lex } from "./lex.ts"
 * const [, word] = lex("echo $'a\\x41'")
 * if (word?.t === "word") word.parts // [{ k: "lit", text: "aA", q: true }]: one quoted literal
 * ```
 * @module
 */

import { decodeAnsiC } from "./ansiC.ts"

/** One piece of a word. `q` is true when the text was quoted (no globbing, brace expansion or splitting). */
export type Part =
  | { readonly k: "lit"; readonly text: string; readonly q: boolean }
  | { readonly k: "var"; readonly name: string; readonly q: boolean; readonly op: string; readonly arg: Word | undefined }
  | { readonly k: "sub"; readonly tokens: ReadonlyArray<Token>; readonly q: boolean }
  | { readonly k: "arith"; readonly word: Word; readonly q: boolean }
  | { readonly k: "proc"; readonly tokens: ReadonlyArray<Token>; readonly out: boolean }

/** A word: its parts, and the source text it came from (for reasons). */
export interface Word {
  readonly t: "word"
  readonly parts: ReadonlyArray<Part>
  readonly raw: string
  /** For `x=( … )`: the array's element words. */
  readonly array?: ReadonlyArray<Word>
}

/** A heredoc body, filled in when the lexer reaches the end of the line that opened it. */
export interface Heredoc {
  body: Word
}

/** A token: a word, a control operator (`;`, `&&`, `|`, `(`, newline as `"\n"`…), a redirection, or `(( … ))`. */
export type Token =
  | Word
  | { readonly t: "op"; readonly op: string }
  | { readonly t: "redir"; readonly op: string; readonly target: Word; readonly heredoc: Heredoc | undefined }
  | { readonly t: "arith"; readonly word: Word }

/** Syntax the lexer cannot read. */
export class LexError extends Error {}

/** How deeply `$( )`, backticks, `${ }` and process substitutions may nest. */
export const MAX_NESTING = 16

/** Characters that end a plain run inside an unquoted word. */
export const WORD_STOP: ReadonlyArray<boolean> = Array.from({ length: 128 }, (_, c) => " \t\n\r;&|()<>'\"\\$`".includes(String.fromCharCode(c)))
/** Characters that end a plain run inside double quotes or a heredoc body. */
const DQ_STOP: ReadonlyArray<boolean> = Array.from({ length: 128 }, (_, c) => "\"\\$`".includes(String.fromCharCode(c)))
const NAME_START = /[A-Za-z_]/
const NAME_CHAR: ReadonlyArray<boolean> = Array.from({ length: 128 }, (_, c) => /[A-Za-z0-9_]/.test(String.fromCharCode(c)))
const SPECIAL_PARAMS = "@*#?-$!"
const PARAM_OPS = [":-", ":=", ":?", ":+", "##", "%%", "//", "/#", "/%", "^^", ",,", "-", "=", "?", "+", "#", "%", "/", "^", ",", ":", "@"]


/** A heredoc waiting for the end of its line. */
export interface Pending {
  readonly delimiter: string
  readonly strip: boolean
  readonly quoted: boolean
  readonly heredoc: Heredoc
}

/** How many words, operators and word parts one command string may hold in all (nested scripts included). */
export const MAX_TOKENS = 20_000

/** What one parse may still read, shared by every lexer it runs. */
export interface Budget {
  tokens: number
}

/** Reads words; the concrete lexer adds scripts, operators, redirections and heredocs. */
export abstract class WordReader {
  i = 0
  readonly pending: Array<Pending> = []
  protected readonly src: string
  protected readonly depth: number
  protected readonly budget: Budget

  constructor(src: string, depth: number, budget: Budget) {
    this.src = src
    this.depth = depth
    this.budget = budget
    if (depth > MAX_NESTING) throw new LexError(`the command nests substitutions more than ${MAX_NESTING} levels deep`)
  }

  /** Counts one token or part against the budget. */
  protected spend(): void {
    if (++this.budget.tokens > MAX_TOKENS) throw new LexError(`the command has more than ${MAX_TOKENS} words, operators and word parts`)
  }

  /** A lexer for nested text (`$( )`, backticks, heredoc bodies) at `depth`. */
  protected abstract child(src: string, depth: number): WordReader

  /** Tokens up to the end of the text, or up to the `)` that closes a `$(` when `closing`. */
  abstract script(closing: boolean): Array<Token>

  protected fail(what: string): never {
    throw new LexError(what)
  }

  /** A word, from `start`; `stop` is an extra character code that ends it (`}` in `${x:-…}`), or -1. */
  word(stop: number, start: number): Word {
    const { src } = this
    const parts: Array<Part> = []
    const n = src.length
    while (this.i < n) {
      const c = src.charCodeAt(this.i)
      if (c === stop) break
      if (c < 128 && WORD_STOP[c]) {
        const ch = src[this.i]!
        if (ch === "'") {
          const end = src.indexOf("'", this.i + 1)
          if (end < 0) this.fail("a single quote is never closed")
          parts.push({ k: "lit", text: src.slice(this.i + 1, end), q: true })
          this.i = end + 1
        } else if (ch === "\"") {
          this.i++
          parts.push(...this.quoted(true).parts)
        } else if (ch === "\\") {
          if (src[this.i + 1] === "\n") this.i += 2
          else if (this.i + 1 < n) {
            parts.push({ k: "lit", text: src[this.i + 1]!, q: true })
            this.i += 2
          } else {
            parts.push({ k: "lit", text: "\\", q: true })
            this.i++
          }
        } else if (ch === "$" && src[this.i + 1] === "\"") {
          this.i += 2
          parts.push(...this.quoted(true).parts)
        } else if (ch === "$") {
          parts.push(this.dollar(false))
        } else if (ch === "`") {
          parts.push(this.backtick(false))
        } else if ((ch === "<" || ch === ">") && src[this.i + 1] === "(" && this.i === start) {
          const out = ch === ">"
          this.i += 2
          parts.push({ k: "proc", tokens: this.child(src, this.depth + 1).at(this.i, (l) => l.script(true), this), out })
        } else if (stop >= 0 && ch !== "\n") {
          // Inside `${x:-…}` blanks and operators are plain text.
          parts.push({ k: "lit", text: ch, q: false })
          this.i++
        } else break
      } else {
        let j = this.i + 1
        while (j < n) {
          const d = src.charCodeAt(j)
          if (d === stop || (d < 128 && WORD_STOP[d])) break
          j++
        }
        parts.push({ k: "lit", text: src.slice(this.i, j), q: false })
        this.i = j
      }
    }
    this.budget.tokens += parts.length
    this.spend()
    return { t: "word", parts, raw: src.slice(start, this.i) }
  }

  /** Runs `f` on this lexer from position `at`, then moves `parent` past what it read. */
  at<A>(at: number, f: (l: WordReader) => A, parent: WordReader): A {
    this.i = at
    const out = f(this)
    parent.i = this.i
    // A heredoc opened inside `$( … )` on this line is read by the enclosing script at its next newline.
    parent.pending.push(...this.pending.splice(0))
    return out
  }

  /** Double-quoted text (up to the closing `"` when `closing`, else to the end: a heredoc body). */
  quoted(closing: boolean): Word {
    const { src } = this
    const start = this.i
    const parts: Array<Part> = []
    const n = src.length
    while (true) {
      if (this.i >= n) {
        if (closing) this.fail("a double quote is never closed")
        break
      }
      const c = src.charCodeAt(this.i)
      if (c < 128 && DQ_STOP[c]) {
        const ch = src[this.i]!
        if (ch === "\"") {
          if (closing) {
            this.i++
            break
          }
          parts.push({ k: "lit", text: "\"", q: true })
          this.i++
        } else if (ch === "\\") {
          const next = src[this.i + 1]
          if (next === "\n") this.i += 2
          else if (next === "$" || next === "`" || next === "\\" || (next === "\"" && closing)) {
            parts.push({ k: "lit", text: next, q: true })
            this.i += 2
          } else {
            parts.push({ k: "lit", text: "\\", q: true })
            this.i++
          }
        } else if (ch === "$") {
          parts.push(this.dollar(true))
        } else {
          parts.push(this.backtick(true))
        }
      } else {
        let j = this.i + 1
        while (j < n) {
          const d = src.charCodeAt(j)
          if (d < 128 && DQ_STOP[d]) break
          j++
        }
        parts.push({ k: "lit", text: src.slice(this.i, j), q: true })
        this.i = j
      }
    }
    if (parts.length === 0 && closing) parts.push({ k: "lit", text: "", q: true })
    return { t: "word", parts, raw: src.slice(start, this.i) }
  }

  /** A `$` expansion at `this.i`. */
  protected dollar(q: boolean): Part {
    const { src } = this
    const next = src[this.i + 1]
    if (next === "'" && !q) {
      this.i += 2
      return { k: "lit", text: this.ansiC(), q: true }
    }
    if (next === "(") {
      if (src[this.i + 2] === "(") {
        this.i += 3
        return { k: "arith", word: this.arithmetic(), q }
      }
      this.i += 2
      return { k: "sub", tokens: this.child(src, this.depth + 1).at(this.i, (l) => l.script(true), this), q }
    }
    if (next === "[") {
      // `$[ … ]`: old arithmetic.
      this.i += 2
      const end = src.indexOf("]", this.i)
      if (end < 0) this.fail("a '$[' is never closed")
      const inner = this.child(src.slice(this.i, end), this.depth + 1).quoted(false)
      this.i = end + 1
      return { k: "arith", word: inner, q }
    }
    if (next === "{") {
      this.i += 2
      return this.braced(q)
    }
    if (next !== undefined && NAME_START.test(next)) {
      let j = this.i + 2
      while (j < src.length && NAME_CHAR[src.charCodeAt(j)]) j++
      const name = src.slice(this.i + 1, j)
      this.i = j
      return { k: "var", name, q, op: "", arg: undefined }
    }
    if (next !== undefined && ((next >= "0" && next <= "9") || SPECIAL_PARAMS.includes(next))) {
      this.i += 2
      return { k: "var", name: next, q, op: "", arg: undefined }
    }
    this.i++
    return { k: "lit", text: "$", q }
  }

  /** `${ … }` after the `${`. Unusual forms are kept as an operator the expander treats as unknown. */
  protected braced(q: boolean): Part {
    const { src } = this
    let prefix = ""
    if ((src[this.i] === "#" || src[this.i] === "!") && src[this.i + 1] !== "}") {
      prefix = src[this.i]!
      this.i++
    }
    let name = ""
    const c = src[this.i]
    if (c !== undefined && NAME_START.test(c)) {
      let j = this.i + 1
      while (j < src.length && NAME_CHAR[src.charCodeAt(j)]) j++
      name = src.slice(this.i, j)
      this.i = j
    } else if (c !== undefined && ((c >= "0" && c <= "9") || SPECIAL_PARAMS.includes(c))) {
      let j = this.i + 1
      while (c >= "0" && c <= "9" && j < src.length && src[j]! >= "0" && src[j]! <= "9") j++
      name = src.slice(this.i, j)
      this.i = j
    } else {
      this.fail("a '${' expansion has no name")
    }
    let op = prefix === "#" ? "len" : prefix === "!" ? "ind" : ""
    if (src[this.i] === "[") {
      // An array subscript: arithmetic that may hold substitutions.
      this.i++
      const sub = this.until("]")
      op += "[]"
      if (src[this.i] === "}") {
        this.i++
        return { k: "var", name, q, op, arg: sub }
      }
      op += "~"
    }
    if (src[this.i] === "}") {
      this.i++
      return { k: "var", name, q, op, arg: undefined }
    }
    let matched = ""
    for (const candidate of PARAM_OPS) {
      if (src.startsWith(candidate, this.i)) {
        matched = candidate
        break
      }
    }
    if (matched === "") this.fail(`the expansion '\${${name}' has an operator this guard cannot read`)
    this.i += matched.length
    const arg = this.until("}")
    return { k: "var", name, q, op: op + matched, arg }
  }

  /** A word up to the unquoted character `end` (which is consumed); nested `${ }` and quotes honoured. */
  protected until(end: string): Word {
    const start = this.i
    const parts: Array<Part> = []
    const code = end.charCodeAt(0)
    while (true) {
      if (this.i >= this.src.length) this.fail(`a '${end === "}" ? "${" : "["}' is never closed`)
      if (this.src.charCodeAt(this.i) === code) break
      const w = this.word(code, this.i)
      parts.push(...w.parts)
      if (w.raw === "" && this.src.charCodeAt(this.i) !== code) {
        parts.push({ k: "lit", text: this.src[this.i]!, q: false })
        this.i++
      }
    }
    const raw = this.src.slice(start, this.i)
    this.i++
    return { t: "word", parts, raw }
  }

  /** `$'…'` after the opening quote: backslash escapes decoded. */
  /** `$'…'` after the opening quote, decoded (`ansiC.ts`). */
  protected ansiC(): string {
    const r = decodeAnsiC(this.src, this.i)
    if (r === undefined) this.fail("a $'…' string is never closed")
    this.i = r.end
    return r.text
  }


  /** A backtick substitution at `this.i`: its text unescaped, then lexed on its own. */
  protected backtick(q: boolean): Part {
    const { src } = this
    let j = this.i + 1
    let inner = ""
    while (true) {
      if (j >= src.length) this.fail("a backtick is never closed")
      const ch = src[j]!
      if (ch === "`") break
      if (ch === "\\" && (src[j + 1] === "`" || src[j + 1] === "\\" || src[j + 1] === "$" || (q && src[j + 1] === "\""))) {
        inner += src[j + 1]
        j += 2
      } else {
        inner += ch
        j++
      }
    }
    this.i = j + 1
    return { k: "sub", tokens: this.child(inner, this.depth + 1).script(false), q }
  }

  /** Arithmetic text up to the `))` that closes `$((` or `((`; substitutions inside are kept. */
  protected arithmetic(): Word {
    const { src } = this
    const start = this.i
    const parts: Array<Part> = []
    let depth = 0
    let run = this.i
    const flush = () => {
      if (this.i > run) parts.push({ k: "lit", text: src.slice(run, this.i), q: true })
    }
    while (true) {
      if (this.i >= src.length) this.fail("a '((' is never closed")
      const ch = src[this.i]!
      if (ch === "(") depth++
      else if (ch === ")") {
        if (depth === 0 && src[this.i + 1] === ")") {
          flush()
          const raw = src.slice(start, this.i)
          this.i += 2
          return { t: "word", parts, raw }
        }
        if (depth === 0) this.fail("a '((' is closed by a single ')'")
        depth--
      } else if (ch === "$" || ch === "`") {
        flush()
        parts.push(ch === "$" ? this.dollar(true) : this.backtick(true))
        run = this.i
        continue
      }
      this.i++
    }
  }
}
