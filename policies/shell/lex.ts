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
 * import { lex } from "./lex.ts"
 * const tokens = lex("echo $'a\\x41' \"$HOME\"/x | sh")
 * tokens.length // 5: three words, the `|` operator, one word
 * ```
 * @module
 */

import { type Budget, type Heredoc, type Token, type Word, WORD_STOP, WordReader } from "./words.ts"

export { type Budget, type Heredoc, LexError, MAX_NESTING, MAX_TOKENS, type Part, type Token, type Word } from "./words.ts"

const C_TAB = 9
const C_NL = 10
const C_CR = 13
const C_SPACE = 32
const C_HASH = 35
const C_AMP = 38
const C_OPEN = 40
const C_CLOSE = 41
const C_SEMI = 59
const C_LT = 60
const C_GT = 62
const C_BACKSLASH = 92
const C_PIPE = 124
const NEWLINE: Token = { t: "op", op: "\n" }
const OPEN: Token = { t: "op", op: "(" }
const CLOSE: Token = { t: "op", op: ")" }
const EMPTY: Word = { t: "word", parts: [], raw: "" }
const ARRAY_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*\+?=$/
const FD = /^(?:\d+|\{[A-Za-z_][A-Za-z0-9_]*\})$/
/** Words after which the next word still starts a command. */
const RESERVED: ReadonlySet<string> = new Set(["!", "{", "then", "do", "else", "elif", "if", "while", "until", "time"])

class Lexer extends WordReader {
  protected child(src: string, depth: number): Lexer {
    return new Lexer(src, depth, this.budget)
  }

  /** Tokens up to the end of the text, or up to the `)` that closes a `$(` when `closing`. */
  override script(closing: boolean): Array<Token> {
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
      const next = src.charCodeAt(this.i + 1)
      switch (c) {
        case C_BACKSLASH:
          if (next === C_NL) {
            this.i += 2
            continue
          }
          break
        case C_HASH: {
          const end = src.indexOf("\n", this.i)
          this.i = end < 0 ? n : end
          continue
        }
        case C_NL:
          this.i++
          this.spend()
          out.push(NEWLINE)
          this.readHeredocs()
          atStart = true
          continue
        case C_CLOSE:
          this.i++
          // Inside `case … esac` a `)` ends a pattern; otherwise it closes a subshell or this `$(`.
          if (closing && parens === 0 && cases === 0) return out
          if (parens > 0) parens--
          out.push(CLOSE)
          atStart = cases > 0
          continue
        case C_OPEN:
          if (next === C_OPEN && atStart) {
            this.i += 2
            out.push({ t: "arith", word: this.arithmetic() })
            atStart = false
          } else {
            this.i++
            parens++
            out.push(OPEN)
            atStart = true
          }
          continue
        case C_AMP:
          if (next === C_GT) {
            const op = src.charCodeAt(this.i + 2) === C_GT ? "&>>" : "&>"
            this.i += op.length
            out.push(this.redirectWith(op))
            continue
          }
          this.spend()
          out.push({ t: "op", op: this.controlOperator("&") })
          atStart = true
          continue
        case C_SEMI:
        case C_PIPE:
          this.spend()
          out.push({ t: "op", op: this.controlOperator(src[this.i]!) })
          atStart = true
          continue
        case C_LT:
        case C_GT:
          if (next === C_OPEN) {
            out.push(this.word(-1, this.i))
            atStart = false
          } else out.push(this.redirect())
          continue
      }
      // A word: the common plain one (letters, digits, punctuation up to a blank or operator) is read directly.
      const start = this.i
      let j = start
      while (j < n) {
        const d = src.charCodeAt(j)
        if (d < 128 && WORD_STOP[d]) break
        j++
      }
      const end = src.charCodeAt(j)
      let word: Word
      let text: string | undefined
      if (j > start && (j >= n || end === C_SPACE || end === C_TAB || end === C_NL || end === C_SEMI || end === C_PIPE || end === C_AMP || end === C_CLOSE || end === C_CR)) {
        text = src.slice(start, j)
        this.i = j
        this.spend()
        word = { t: "word", parts: [{ k: "lit", text, q: false }], raw: text }
      } else {
        word = this.word(-1, start)
        const after = src.charCodeAt(this.i)
        if ((after === C_LT || after === C_GT) && src.charCodeAt(this.i + 1) !== C_OPEN && FD.test(word.raw)) continue // `2>`: the descriptor is dropped
        if (after === C_OPEN && ARRAY_ASSIGNMENT.test(word.raw)) {
          out.push(this.arrayAssignment(word))
          continue
        }
        text = plainText(word)
      }
      if (atStart && text === "case") cases++
      else if (atStart && text === "esac" && cases > 0) cases--
      atStart = atStart && text !== undefined && RESERVED.has(text)
      out.push(word)
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
        : this.child(body, this.depth + 1).quoted(false)
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
export const lex = (src: string, depth = 0, budget: Budget = { tokens: 0 }): ReadonlyArray<Token> => new Lexer(src, depth, budget).script(false)

/** Whether a word is one unquoted literal (a keyword or operator-like word can only be that). */
export const plainText = (w: Word): string | undefined => {
  const p = w.parts
  return p.length === 1 && p[0]!.k === "lit" && !p[0]!.q ? p[0]!.text : undefined
}
