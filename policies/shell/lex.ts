/**
 * The shell lexer (private): turns a command string into tokens the way a POSIX shell (bash) reads it,
 * in one pass. Words keep their parts: literal text (quoted or not), parameter expansions (`$x`, `${x:-y}`),
 * command substitutions (`$( )` and backticks, lexed into their own tokens), arithmetic (`$(( ))`) and
 * process substitutions (`<( )`). Quoting, backslash escapes, `$'…'` (ANSI-C) strings, comments, line
 * continuations, heredocs (`<<`, `<<-`, quoted or not) and here-strings are resolved here; expansion
 * happens later (`expand.ts`).
 *
 * Linear time: every character is read once per nesting level, and nesting is capped (`MAX_NESTING`), so
 * recursion never grows with the input. Syntax the lexer cannot read (an unclosed quote, `$(` without
 * `)`) throws a `LexError`, which the parser turns into a reason to block.
 *
 * @example
 * ```ts
 * const tokens = lex("echo $'a\\x41' \"$HOME\"/x | sh")
 * tokens.length // 4: two words, the `|` operator, one word
 * ```
 * @module
 */

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

const C_TAB = 9
const C_NL = 10
const C_CR = 13
const C_SPACE = 32
const EMPTY: Word = { t: "word", parts: [], raw: "" }

/** Characters that end a plain run inside an unquoted word. */
const WORD_STOP: ReadonlyArray<boolean> = Array.from({ length: 128 }, (_, c) => " \t\n\r;&|()<>'\"\\$`".includes(String.fromCharCode(c)))
/** Characters that end a plain run inside double quotes or a heredoc body. */
const DQ_STOP: ReadonlyArray<boolean> = Array.from({ length: 128 }, (_, c) => "\"\\$`".includes(String.fromCharCode(c)))
const NAME_START = /[A-Za-z_]/
const NAME_CHAR: ReadonlyArray<boolean> = Array.from({ length: 128 }, (_, c) => /[A-Za-z0-9_]/.test(String.fromCharCode(c)))
const SPECIAL_PARAMS = "@*#?-$!"
const PARAM_OPS = [":-", ":=", ":?", ":+", "##", "%%", "//", "/#", "/%", "^^", ",,", "-", "=", "?", "+", "#", "%", "/", "^", ",", ":", "@"]
const ARRAY_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=$/
const FD = /^(?:\d+|\{[A-Za-z_][A-Za-z0-9_]*\})$/
/** Words after which the next word still starts a command. */
const RESERVED: ReadonlySet<string> = new Set(["!", "{", "then", "do", "else", "elif", "if", "while", "until", "time"])

const ANSI: Readonly<Record<string, string>> = { n: "\n", t: "\t", r: "\r", a: "\u0007", b: "\b", f: "\f", v: "\v", e: "\u001b", E: "\u001b", "\\": "\\", "'": "'", "\"": "\"", "?": "?" }

interface Pending {
  readonly delimiter: string
  readonly strip: boolean
  readonly quoted: boolean
  readonly heredoc: Heredoc
}

class Lexer {
  i = 0
  readonly pending: Array<Pending> = []

  private readonly src: string
  private readonly depth: number

  constructor(src: string, depth: number) {
    this.src = src
    this.depth = depth
    if (depth > MAX_NESTING) throw new LexError(`the command nests substitutions more than ${MAX_NESTING} levels deep`)
  }

  private fail(what: string): never {
    throw new LexError(what)
  }

  /** Tokens up to the end of the text, or up to the `)` that closes a `$(` when `closing`. */
  script(closing: boolean): Array<Token> {
    const { src } = this
    const out: Array<Token> = []
    let parens = 0
    let cases = 0
    let atStart = true
    const n = src.length
    while (true) {
      let c = src.charCodeAt(this.i)
      while (c === C_SPACE || c === C_TAB || c === C_CR) c = src.charCodeAt(++this.i)
      if (this.i >= n) {
        if (closing) this.fail("a '$(' is never closed")
        this.readHeredocs()
        return out
      }
      const ch = src[this.i]!
      if (ch === "\\" && src[this.i + 1] === "\n") {
        this.i += 2
      } else if (ch === "#") {
        const end = src.indexOf("\n", this.i)
        this.i = end < 0 ? n : end
      } else if (ch === "\n") {
        this.i++
        out.push({ t: "op", op: "\n" })
        this.readHeredocs()
        atStart = true
      } else if (ch === ")") {
        this.i++
        // Inside `case … esac` a `)` ends a pattern; otherwise it closes a subshell or this `$(`.
        if (closing && parens === 0 && cases === 0) return out
        if (parens > 0) parens--
        out.push({ t: "op", op: ")" })
        atStart = cases > 0
      } else if (ch === "(") {
        if (src[this.i + 1] === "(" && atStart) {
          this.i += 2
          out.push({ t: "arith", word: this.arithmetic() })
          atStart = false
        } else {
          this.i++
          parens++
          out.push({ t: "op", op: "(" })
          atStart = true
        }
      } else if (ch === "&" && src[this.i + 1] === ">") {
        const op = src[this.i + 2] === ">" ? "&>>" : "&>"
        this.i += op.length
        out.push(this.redirectWith(op))
      } else if (ch === ";" || ch === "&" || ch === "|") {
        out.push({ t: "op", op: this.controlOperator(ch) })
        atStart = true
      } else if ((ch === "<" || ch === ">") && src[this.i + 1] === "(") {
        out.push(this.word(-1, this.i))
        atStart = false
      } else if (ch === "<" || ch === ">") {
        out.push(this.redirect())
      } else {
        const start = this.i
        const word = this.word(-1, start)
        const next = src[this.i]
        if ((next === "<" || next === ">") && src[this.i + 1] !== "(" && FD.test(word.raw)) continue // `2>`: the descriptor is dropped
        if (next === "(" && ARRAY_ASSIGNMENT.test(word.raw)) {
          out.push(this.arrayAssignment(word))
          continue
        }
        const text = plainText(word)
        if (atStart && text === "case") cases++
        else if (atStart && text === "esac" && cases > 0) cases--
        atStart = atStart && text !== undefined && RESERVED.has(text)
        out.push(word)
      }
    }
  }

  private controlOperator(ch: string): string {
    const { src } = this
    const two = src.slice(this.i, this.i + 3)
    for (const op of [";;&", ";;", ";&", "&&", "||", "|&"]) {
      if (two.startsWith(op)) {
        this.i += op.length
        return op
      }
    }
    this.i++
    return ch
  }

  private redirect(): Token {
    const { src } = this
    let op = ""
    for (const candidate of ["<<<", "<<-", "<<", "<>", "<&", ">>", ">&", ">|", "<", ">"]) {
      if (src.startsWith(candidate, this.i)) {
        op = candidate
        break
      }
    }
    this.i += op.length
    return this.redirectWith(op)
  }

  /** Reads the target word of redirect `op` (a heredoc delimiter for `<<`). */
  redirectWith(op: string): Token {
    const { src } = this
    while (src.charCodeAt(this.i) === C_SPACE || src.charCodeAt(this.i) === C_TAB) this.i++
    const start = this.i
    const c = src[this.i]
    const blocked = c === undefined || (" \t\r\n;&|()<>".includes(c) && !((c === "<" || c === ">") && src[this.i + 1] === "("))
    if (blocked) this.fail(`the redirection '${op}' has no target`)
    const target = this.word(-1, start)
    if (op !== "<<" && op !== "<<-") return { t: "redir", op, target, heredoc: undefined }
    let delimiter = ""
    let quoted = false
    for (const p of target.parts) {
      if (p.k === "lit") {
        delimiter += p.text
        if (p.q) quoted = true
      } else {
        delimiter += "$"
      }
    }
    const heredoc: Heredoc = { body: EMPTY }
    this.pending.push({ delimiter, strip: op === "<<-", quoted, heredoc })
    return { t: "redir", op, target, heredoc }
  }

  /** Reads the bodies of the heredocs opened on the line that just ended. */
  private readHeredocs(): void {
    if (this.pending.length === 0) return
    const { src } = this
    for (const h of this.pending.splice(0)) {
      const start = this.i
      let bodyEnd = src.length
      while (this.i < src.length) {
        let end = src.indexOf("\n", this.i)
        if (end < 0) end = src.length
        let line = src.slice(this.i, end)
        if (line.endsWith("\r")) line = line.slice(0, -1)
        if (h.strip) line = line.replace(/^\t+/, "")
        if (line === h.delimiter) {
          bodyEnd = this.i
          this.i = Math.min(src.length, end + 1)
          break
        }
        this.i = end + 1
      }
      if (this.i > src.length) this.i = src.length
      let body = src.slice(start, Math.min(bodyEnd, src.length))
      if (h.strip) body = body.replace(/^\t+/gm, "")
      h.heredoc.body = h.quoted
        ? { t: "word", parts: [{ k: "lit", text: body, q: true }], raw: body }
        : new Lexer(body, this.depth + 1).quoted(false)
    }
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
          parts.push({ k: "proc", tokens: new Lexer(src, this.depth + 1).at(this.i, (l) => l.script(true), this), out })
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
    return { t: "word", parts, raw: src.slice(start, this.i) }
  }

  /** Runs `f` on this lexer from position `at`, then moves `parent` past what it read. */
  at<A>(at: number, f: (l: Lexer) => A, parent: Lexer): A {
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
  private dollar(q: boolean): Part {
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
      return { k: "sub", tokens: new Lexer(src, this.depth + 1).at(this.i, (l) => l.script(true), this), q }
    }
    if (next === "[") {
      // `$[ … ]`: old arithmetic.
      this.i += 2
      const end = src.indexOf("]", this.i)
      if (end < 0) this.fail("a '$[' is never closed")
      const inner = new Lexer(src.slice(this.i, end), this.depth + 1).quoted(false)
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
  private braced(q: boolean): Part {
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
  private until(end: string): Word {
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
  private ansiC(): string {
    const { src } = this
    let out = ""
    while (true) {
      if (this.i >= src.length) this.fail("a $'…' string is never closed")
      const ch = src[this.i]!
      if (ch === "'") {
        this.i++
        return out
      }
      if (ch !== "\\") {
        let stop = this.i + 1
        while (stop < src.length && src[stop] !== "'" && src[stop] !== "\\") stop++
        out += src.slice(this.i, stop)
        this.i = stop
        continue
      }
      const e = src[this.i + 1] ?? ""
      this.i += 2
      if (e in ANSI) out += ANSI[e]
      else if (e === "x" || e === "u" || e === "U") {
        const max = e === "x" ? 2 : e === "u" ? 4 : 8
        let j = this.i
        while (j < this.i + max && /[0-9a-fA-F]/.test(src[j] ?? "")) j++
        if (j === this.i) out += `\\${e}`
        else {
          const cp = Number.parseInt(src.slice(this.i, j), 16)
          out += cp <= 0x10ffff ? String.fromCodePoint(cp) : ""
          this.i = j
        }
      } else if (e >= "0" && e <= "7") {
        let j = this.i
        while (j < this.i + 2 && /[0-7]/.test(src[j] ?? "")) j++
        out += String.fromCharCode(Number.parseInt(e + src.slice(this.i, j), 8) & 0xff)
        this.i = j
      } else if (e === "c") {
        const ctl = src[this.i] ?? ""
        this.i++
        out += ctl === "" ? "" : String.fromCharCode(ctl.toUpperCase().charCodeAt(0) & 0x1f)
      } else out += `\\${e}`
    }
  }

  /** A backtick substitution at `this.i`: its text unescaped, then lexed on its own. */
  private backtick(q: boolean): Part {
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
    return { k: "sub", tokens: new Lexer(inner, this.depth + 1).script(false), q }
  }

  /** Arithmetic text up to the `))` that closes `$((` or `((`; substitutions inside are kept. */
  private arithmetic(): Word {
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

  /** `name=( … )`: the element words up to `)`. */
  private arrayAssignment(head: Word): Word {
    const { src } = this
    this.i++
    const items: Array<Word> = []
    while (true) {
      let c = src.charCodeAt(this.i)
      while (c === C_SPACE || c === C_TAB || c === C_NL || c === C_CR) c = src.charCodeAt(++this.i)
      if (this.i >= src.length) this.fail("an array assignment '(' is never closed")
      if (src[this.i] === ")") {
        this.i++
        break
      }
      if (src[this.i] === "#") {
        const end = src.indexOf("\n", this.i)
        this.i = end < 0 ? src.length : end
        continue
      }
      const w = this.word(-1, this.i)
      if (w.raw === "") this.fail(`an array assignment holds '${src[this.i]}'`)
      items.push(w)
    }
    return { t: "word", parts: head.parts, raw: `${head.raw}(…)`, array: items }
  }
}

/** Lexes a command string into tokens, at nesting `depth` for nested scripts; throws `LexError` on syntax it cannot read. */
export const lex = (src: string, depth = 0): ReadonlyArray<Token> => new Lexer(src, depth).script(false)

/** Whether a word is one unquoted literal (a keyword or operator-like word can only be that). */
export const plainText = (w: Word): string | undefined => {
  const p = w.parts
  return p.length === 1 && p[0]!.k === "lit" && !p[0]!.q ? p[0]!.text : undefined
}
