/**
 * Words for the shell model (private): the pre-pass that readies a command string for the words parser
 * (`shell-quote`), the one-pass tokenizer for the common subset, and argv option helpers.
 *
 * The pre-pass does what the words parser does not: newlines end commands, comments are dropped (and a
 * `#` inside a word stays a literal, where the parser would start a comment), line continuations are
 * joined, heredoc bodies are set aside and become here-strings, backticks become `$( )`, and file
 * descriptor numbers (`2>`) are dropped.
 *
 * @example
 * ```ts
 * words(prepare("ls -l | wc -l").text) // ["ls", "-l", { op: "|" }, "wc", "-l"]
 * ```
 * @module
 */
import { parse as parseWords } from "shell-quote"

// ---------------------------------------------------------------------------------------------------
// Pre-pass

const HEREDOC = "\u0001heredoc"
const WORD_BREAK = /[\s;&|()<>]/
/** ASCII characters the pre-pass copies as they are (not quotes, `\\`, `#`, backtick, `$`, `<`, blanks, operators). */
const PLAIN_CHAR: ReadonlyArray<boolean> = Array.from({ length: 128 }, (_, c) => c > 32 && c < 127 && !"'\"\\#`$<;&|()>".includes(String.fromCharCode(c)))
const BREAK_CHARS = ";&|()<>\f\v"

export interface Prepared {
  readonly text: string
  readonly heredocs: ReadonlyMap<string, string>
}

/** End of a quoted region starting at `i` (the quote), honouring backslash escapes when `escapes`. */
const closeQuote = (src: string, i: number, quote: string, escapes: boolean): number => {
  let j = i + 1
  while (j < src.length && src[j] !== quote) j += escapes && src[j] === "\\" ? 2 : 1
  return Math.min(src.length, j + 1)
}

/** Rewrites `src` for the words parser (see the module doc); heredoc bodies are kept aside by key. */
export const prepare = (src: string): Prepared => {
  let out = ""
  const heredocs = new Map<string, string>()
  const pending: Array<{ key: string; delimiter: string; tabs: boolean }> = []
  let wordStart = true
  let backtick = false
  let i = 0
  const n = src.length
  while (i < n) {
    const code = src.charCodeAt(i)
    if (PLAIN_CHAR[code] === true) {
      // Letters, digits and punctuation with no special meaning here: copy the whole run at once.
      let j = i + 1
      while (j < n && PLAIN_CHAR[src.charCodeAt(j)] === true) j++
      if (wordStart && code >= 48 && code <= 57) {
        let k = i
        while (k < j && src.charCodeAt(k) >= 48 && src.charCodeAt(k) <= 57) k++
        if (k === j && (src[j] === ">" || src[j] === "<")) {
          i = j
          continue
        }
      }
      out += src.slice(i, j)
      i = j
      wordStart = false
      continue
    }
    const c = src[i]!
    if (c === "'" || c === "\"" || (c === "$" && src[i + 1] === "'")) {
      const start = c === "$" ? i + 1 : i
      const end = closeQuote(src, start, src[start]!, src[start] !== "'" || c === "$")
      out += src.slice(i, end)
      i = end
      wordStart = false
    } else if (c === "\\") {
      if (src[i + 1] !== "\n") out += src.slice(i, i + 2)
      i += 2
      wordStart = false
    } else if (c === "#") {
      if (wordStart) {
        while (i < n && src[i] !== "\n") i++
      } else {
        // Mid-word `#` is a literal to the shell, but the words parser would start a comment there.
        out += "\\#"
        i++
      }
    } else if (c === "`") {
      out += backtick ? " ) " : " $( "
      backtick = !backtick
      i++
      wordStart = true
    } else if (c === "\n" || c === "\r") {
      out += " ; "
      i++
      wordStart = true
      for (const h of pending.splice(0)) {
        const lines: Array<string> = []
        while (i < n) {
          let end = src.indexOf("\n", i)
          if (end < 0) end = n
          const line = src.slice(i, end).replace(/\r$/, "")
          i = end + 1
          if ((h.tabs ? line.replace(/^\t+/, "") : line) === h.delimiter) break
          lines.push(line)
        }
        heredocs.set(h.key, lines.join("\n"))
      }
    } else if (c === "<" && src[i + 1] === "<" && src[i + 2] !== "<") {
      let j = i + 2
      const tabs = src[j] === "-"
      if (tabs) j++
      while (src[j] === " " || src[j] === "\t") j++
      let delimiter = ""
      while (j < n && !WORD_BREAK.test(src[j]!)) {
        const q = src[j]!
        if (q === "'" || q === "\"") {
          const end = closeQuote(src, j, q, false)
          delimiter += src.slice(j + 1, end - 1)
          j = end
        } else {
          if (q !== "\\") delimiter += q
          j++
        }
      }
      const key = `${HEREDOC}${heredocs.size + pending.length}`
      pending.push({ key, delimiter, tabs })
      out += ` <<< ${key} `
      i = j
      wordStart = true
    } else {
      out += c
      const code = c.charCodeAt(0)
      wordStart = code === 32 || code === 9 || BREAK_CHARS.includes(c) || (code > 127 && WORD_BREAK.test(c))
      i++
    }
  }
  for (const h of pending) heredocs.set(h.key, "")
  return { text: out, heredocs }
}

// ---------------------------------------------------------------------------------------------------
// Words

/** What the words parser returns: words, globs (as words), operators, comments. */
export type Entry = string | { readonly op: string } | { readonly op: "glob"; readonly pattern: string } | { readonly comment: string }

/** Every variable reads as itself (`$HOME` stays `$HOME`), so paths keep their meaning. */
const KEEP_VARIABLES: Readonly<Record<string, string>> = new Proxy({}, {
  get: (_target, key) => (typeof key === "string" ? `$${key}` : undefined)
})

const OPERATOR = /\|\||&(?:&|>>?)|;;&?|[;|]&|<\(|<<<|<<-|<<(?!\()|>>|>[&|(]|<[&>]|[&;()|<>]/y
/** Text outside the fast tokenizer's subset: non-ASCII, `$`, backslashes, backticks. */
const NOT_SIMPLE = /[^\x00-\x7f]|[$\\`]/

/**
 * Splits text into the same entries as the words parser, for the common subset it can do in one pass
 * (ASCII, no `$`, backslash or backtick); undefined otherwise. Globs come back as plain words, which is
 * how the model treats them. Property-tested against the words parser.
 */
export const fastWords = (text: string): Array<Entry> | undefined => {
  if (NOT_SIMPLE.test(text)) return undefined
  const out: Array<Entry> = []
  const n = text.length
  let word = ""
  let inWord = false
  let run = 0
  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c > 32 && c !== 39 && c !== 34 && c !== 35 && !IS_OPERATOR_START[c]) {
      i++
      continue
    }
    if (i > run) {
      word += text.slice(run, i)
      inWord = true
    }
    if (c === 39 || c === 34) {
      const end = text.indexOf(c === 39 ? "'" : "\"", i + 1)
      if (end < 0) return undefined
      word += text.slice(i + 1, end)
      inWord = true
      i = end + 1
    } else if (c === 35) {
      return undefined
    } else if (IS_OPERATOR_START[c]) {
      if (inWord) out.push(word)
      word = ""
      inWord = false
      OPERATOR.lastIndex = i
      const op = OPERATOR.exec(text)![0]
      out.push({ op })
      i += op.length
    } else {
      if (c === 32 || (c >= 9 && c <= 13)) {
        if (inWord) out.push(word)
        word = ""
        inWord = false
      } else {
        word += text[i]
        inWord = true
      }
      i++
    }
    run = i
  }
  if (i > run) {
    word += text.slice(run, i)
    inWord = true
  }
  if (inWord) out.push(word)
  return out
}

const IS_OPERATOR_START: ReadonlyArray<boolean> = Array.from({ length: 128 }, (_, c) => ";&|()<>".includes(String.fromCharCode(c)))

/** Splits prepared text into entries: the fast tokenizer when it applies, else the words parser. */
export const words = (text: string): ReadonlyArray<Entry> =>
  fastWords(text) ?? (parseWords(text, KEEP_VARIABLES) as ReadonlyArray<Entry>)

// ---------------------------------------------------------------------------------------------------
// Options

/**
 * Skips options from `start`: `--` ends them, an option in `valued` takes the next word (or an attached
 * value, `-uroot`), `--name=value` is one word. Returns the index of the first non-option word.
 */
export const skipOptions = (argv: ReadonlyArray<string>, start: number, valued: ReadonlySet<string>): number => {
  let i = start
  while (i < argv.length) {
    const a = argv[i]!
    if (a === "--") return i + 1
    if (!a.startsWith("-") || a === "-") return i
    if (valued.has(a)) i += 2
    else i++
  }
  return i
}

/** Whether the options in `args` (before `--`) include short letter `short` in any cluster, or a listed long one. */
export const hasOption = (args: ReadonlyArray<string>, short: string | undefined, ...long: ReadonlyArray<string>): boolean => {
  for (const a of args) {
    if (a === "--") return false
    if (a.startsWith("--")) {
      const name = a.slice(2).split("=")[0]!
      if (long.includes(name)) return true
    } else if (short !== undefined && a.startsWith("-") && a.length > 1 && a.slice(1).includes(short)) return true
  }
  return false
}

/**
 * Every value of an option: `-o F`, `-oF`, `--output F`, `--output=F`, short clusters such as `-sSLo F`
 * included. `valuedLetters` are the other short options that take a value: a cluster stops at them
 * (`-psecret` is `-p secret`, not `-e cret`).
 */
export const optionValues = (
  args: ReadonlyArray<string>,
  short: string | undefined,
  long: string | undefined,
  valuedLetters = ""
): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === "--") break
    if (long !== undefined && (a === `--${long}` || a.startsWith(`--${long}=`))) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : args[++i]
      if (v !== undefined) out.push(v)
    } else if (short !== undefined && a.startsWith("-") && !a.startsWith("--")) {
      for (let k = 1; k < a.length; k++) {
        if (a[k] === short) {
          const v = k === a.length - 1 ? args[++i] : a.slice(k + 1)
          if (v !== undefined) out.push(v)
          break
        }
        if (valuedLetters.includes(a[k]!)) break
      }
    }
  }
  return out
}

/** The words of `args` that are not options, skipping the values of `valued` options; all words after `--`. */
export const positionals = (args: ReadonlyArray<string>, valued: ReadonlySet<string> = NONE): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === "--") return [...out, ...args.slice(i + 1)]
    if (a.startsWith("-") && a !== "-") {
      if (valued.has(a)) i++
    } else out.push(a)
  }
  return out
}

const NONE: ReadonlySet<string> = new Set()
