/**
 * Word expansion for the shell model (private): what a lexed word becomes when the shell runs it, as far
 * as that can be known before it runs. Brace expansion (`{a,b}`, `{1..3}`), tilde, parameters assigned
 * earlier in the same command (`X=rm; $X`), quote removal and field splitting (`X="-rf ~"; rm $X` is
 * three words) are done; anything whose value is not known (a variable from the environment, a command's
 * output, `$@`) becomes the `UNKNOWN` character inside the word, so policies can tell a resolved word from
 * one they must not trust.
 *
 * Bounded: a word may expand to at most `MAX_FIELDS` words and `MAX_EXPANDED` characters; past that an
 * `ExpandError` says so and the command is blocked.
 *
 * @example
 * ```ts
 * import { DEFAULT_IFS, type Env, fields } from "./expand.ts"
 * import { lex } from "./lex.ts"
 * const env: Env = { // no variable, positional parameter, command output or directory is known
 *   lookup: () => undefined, forget: () => {}, output: () => undefined, positional: undefined, ifs: DEFAULT_IFS, cwd: undefined
 * }
 * const [word] = lex("{rm,-rf,~}")
 * if (word?.t === "word") fields(word, env) // ["rm", "-rf", "~"]
 * ```
 * @module
 */
import type { Part, Word } from "./lex.ts"

/** Stands for text whose value is not known before the command runs. */
export const UNKNOWN = "\uE000"

/** Whether a resolved word holds text that is not known before the command runs. */
export const isUnknown = (word: string): boolean => word.includes(UNKNOWN)

/** A word that expanded to more than the bounds allow. */
export class ExpandError extends Error {}

/** How many words one word may expand to (brace expansion, splitting). */
export const MAX_FIELDS = 256
/** How many characters the expansions of one word may hold in total. */
const MAX_EXPANDED = 200_000

/** What expansion needs to know from the parser. */
export interface Env {
  /** The value of a variable, `undefined` when not known (set outside the command, or conditionally). */
  readonly lookup: (name: string) => string | undefined
  /** Forgets what is known of a variable (`${x:=y}` assigns it). */
  readonly forget: (name: string) => void
  /** `$1`, `$2`…, when known (a `sh -c 'script' a b` call); `undefined` when not. */
  readonly positional: ReadonlyArray<string> | undefined
  /** The known output of a command substitution or process substitution part, or `undefined`. */
  readonly output: (part: Part) => string | undefined
  /** The field separators (`IFS`): `" \t\n"` unless the command set it; `undefined` when not known. */
  readonly ifs: string | undefined
  /** The working directory, for `~+`. */
  readonly cwd: string | undefined
}

const IFS_RUN = /[ \t\n]+/
/** The default field separators. */
export const DEFAULT_IFS = " \t\n"

/** Splits on any character of `ifs` (runs of them count once), for an `IFS` the command set. */
const splitOn = (v: string, ifs: string): Array<string> => {
  if (ifs === "") return [v]
  const out: Array<string> = []
  let cur = ""
  let inRun = false
  for (const ch of v) {
    if (ifs.includes(ch)) {
      if (!inRun) out.push(cur)
      cur = ""
      inRun = true
    } else {
      cur += ch
      inRun = false
    }
  }
  out.push(cur)
  return out
}

/** The value of a `$name` / `${name…}` part, or `undefined` when it is not known. */
const variable = (p: Extract<Part, { k: "var" }>, env: Env): string | undefined => {
  const { name, op } = p
  let base: string | undefined
  if (name >= "0" && name <= "9" && name.length >= 1 && /^\d+$/.test(name)) {
    const n = Number(name)
    base = n === 0 ? undefined : env.positional === undefined ? undefined : env.positional[n - 1] ?? ""
  } else if (name === "@" || name === "*") base = env.positional?.join(" ")
  else if (name === "#") base = env.positional === undefined ? undefined : String(env.positional.length)
  else if (SPECIAL.includes(name)) base = undefined
  else base = env.lookup(name)
  const arg = () => (p.arg === undefined ? "" : value(p.arg, env))
  switch (op) {
    case "":
      return base
    case "len":
      return base === undefined ? undefined : String([...base].length)
    case ":-":
    case "-":
      return base === undefined ? undefined : base === "" ? arg() : base
    case ":=":
    case "=":
      env.forget(name)
      return base === undefined ? undefined : base === "" ? arg() : base
    case ":?":
    case "?":
      return base
    case ":+":
    case "+":
      return base === undefined ? undefined : base === "" ? "" : arg()
    default:
      return undefined
  }
}

const SPECIAL = "?-$!0"

/** A part's text as the shell would use it, `UNKNOWN` where it is not known. */
const partText = (p: Part, env: Env): string => {
  switch (p.k) {
    case "lit":
      return p.text
    case "var":
      return variable(p, env) ?? UNKNOWN
    default:
      return env.output(p) ?? UNKNOWN
  }
}

/** A word's value with no splitting or brace expansion: assignment values, redirect targets, heredoc bodies. */
export const value = (word: Word, env: Env): string => {
  const parts = word.parts
  if (parts.length === 1 && parts[0]!.k === "lit") return parts[0]!.text
  let out = ""
  for (const p of parts) {
    out += partText(p, env)
    if (out.length > MAX_EXPANDED) throw new ExpandError(`a word expands to more than ${MAX_EXPANDED} characters`)
  }
  return out
}

/** The words a word expands to, in order. */
export const fields = (word: Word, env: Env): Array<string> => {
  const parts = word.parts
  // The common case: one unquoted or quoted literal with no brace to expand.
  if (parts.length === 1 && parts[0]!.k === "lit") {
    const p = parts[0]!
    if (p.q || (!p.text.includes("{") && !p.text.startsWith("~"))) return p.text === "" && !p.q ? [] : [p.text]
  }
  const out: Array<string> = []
  for (const alternative of braces(parts)) split(alternative, env, out)
  if (out.length > MAX_FIELDS) throw new ExpandError(`a word expands to more than ${MAX_FIELDS} words`)
  return out
}

/** Expands one brace alternative into `out`, splitting unquoted known values on blanks. */
const split = (parts: ReadonlyArray<Part>, env: Env, out: Array<string>): void => {
  let cur = ""
  let has = false
  let size = 0
  const push = () => {
    out.push(cur)
    size += cur.length
    if (size > MAX_EXPANDED || out.length > MAX_FIELDS) throw new ExpandError(`a word expands to more than ${MAX_FIELDS} words or ${MAX_EXPANDED} characters`)
    cur = ""
    has = false
  }
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!
    if (p.k === "lit") {
      let text = p.text
      if (i === 0 && !p.q && text.startsWith("~")) text = tilde(text, env)
      cur += text
      if (p.q || text !== "") has = true
      continue
    }
    if (p.k === "var" && p.q && p.name === "@" && p.op === "" && env.positional !== undefined) {
      // "$@": one word per positional parameter.
      const all = env.positional
      if (all.length === 0) continue
      for (let k = 0; k < all.length; k++) {
        if (k > 0) push()
        cur += all[k]
        has = true
      }
      continue
    }
    const v = p.k === "var" ? variable(p, env) : env.output(p)
    const ifs = env.ifs
    if (p.k === "proc" || p.k === "arith" || ("q" in p && p.q) || v === undefined || ifs === undefined) {
      cur += v === undefined || (ifs === undefined && !("q" in p && p.q)) ? UNKNOWN : v
      has = true
      continue
    }
    const segments = ifs === DEFAULT_IFS ? v.split(IFS_RUN) : splitOn(v, ifs)
    for (let k = 0; k < segments.length; k++) {
      if (k > 0 && (has || cur !== "")) push()
      else if (k > 0) cur = ""
      cur += segments[k]
      if (segments[k] !== "") has = true
    }
  }
  if (has || cur !== "") push()
}

/** `~+` is the working directory, `~-` the previous one (unknown); `~` and `~user` stay as written. */
const tilde = (text: string, env: Env): string => {
  if (text === "~+" || text.startsWith("~+/")) return `${env.cwd ?? UNKNOWN}${text.slice(2)}`
  if (text === "~-" || text.startsWith("~-/")) return `${UNKNOWN}${text.slice(2)}`
  return text
}

// ---------------------------------------------------------------------------------------------------
// Brace expansion

type Atom = string | Part

/** The longest word brace expansion is applied to. */
const MAX_BRACE_WORD = 4_096

const SEQUENCE = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$|^([A-Za-z])\.\.([A-Za-z])(?:\.\.(-?\d+))?$/

/** The brace alternatives of a word's parts (one when there is nothing to expand), in bash's order. */
const braces = (parts: ReadonlyArray<Part>): ReadonlyArray<ReadonlyArray<Part>> => {
  let open = false
  let close = false
  for (const p of parts) {
    if (p.k === "lit" && !p.q) {
      if (p.text.includes("{")) open = true
      if (open && p.text.includes("}")) close = true
    }
  }
  if (!close) return [parts]
  let length = 0
  for (const p of parts) if (p.k === "lit") length += p.text.length
  if (length > MAX_BRACE_WORD) throw new ExpandError(`a word with braces is longer than ${MAX_BRACE_WORD} characters`)
  const atoms: Array<Atom> = []
  for (const p of parts) {
    if (p.k === "lit" && !p.q) for (const ch of p.text) atoms.push(ch)
    else atoms.push(p)
  }
  const budget = { atoms: atoms.length, groups: 0 }
  return braceExpand(atoms, 0, budget).map(toParts)
}

interface BraceBudget {
  atoms: number
  groups: number
}

/** How deeply brace groups may nest, and how many one word may hold. */
const MAX_BRACE_DEPTH = 32
const MAX_BRACE_GROUPS = 64

/**
 * Bash's `brace_gobbler` over atoms (quoted parts and substitutions are single inert atoms): the index of
 * the first `satisfy` at nesting level 0 — for `}`, only once a `,` or `..` was seen at level 0 — or -1.
 */
const gobble = (a: ReadonlyArray<Atom>, from: number, satisfy: string): number => {
  let level = 0
  let commas = satisfy === "}" ? 0 : 1
  for (let i = from; i < a.length; i++) {
    const c = a[i]
    if (typeof c !== "string") continue
    if (c === satisfy && level === 0 && commas > 0) return i
    if (c === "{") level++
    else if (c === "}" && level > 0) level--
    else if (satisfy === "}" && level === 0 && (c === "," || (c === "." && a[i + 1] === "." && a[i + 2] !== "}"))) commas++
  }
  return -1
}

const cross = (left: ReadonlyArray<ReadonlyArray<Atom>>, right: ReadonlyArray<ReadonlyArray<Atom>>, budget: BraceBudget): Array<ReadonlyArray<Atom>> => {
  if (left.length * right.length > MAX_FIELDS) throw new ExpandError(`brace expansion makes more than ${MAX_FIELDS} words`)
  const out: Array<ReadonlyArray<Atom>> = []
  for (const l of left) {
    for (const r of right) {
      budget.atoms += l.length + r.length
      if (budget.atoms > MAX_EXPANDED) throw new ExpandError(`brace expansion makes more than ${MAX_EXPANDED} characters`)
      out.push([...l, ...r])
    }
  }
  return out
}

/** Bash's `brace_expand` over atoms: preamble × (the alternatives of the first valid group) × the expansion of the rest. */
const braceExpand = (a: ReadonlyArray<Atom>, depth: number, budget: BraceBudget): Array<ReadonlyArray<Atom>> => {
  if (depth > MAX_BRACE_DEPTH) throw new ExpandError(`brace groups nest more than ${MAX_BRACE_DEPTH} levels deep`)
  // The first `{` that begins a valid group (one whose matching `}` follows a `,` or `..`).
  let open = -1
  let close = -1
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== "{" || a[i - 1] === "$") continue
    // Bash ignores a `{` that starts the text and is followed by `}` (`{}` as in `find -exec`).
    if (i === 0 && a[1] === "}") continue
    const j = gobble(a, i + 1, "}")
    if (j >= 0) {
      open = i
      close = j
      break
    }
  }
  if (open < 0) return [a]
  if (++budget.groups > MAX_BRACE_GROUPS) throw new ExpandError(`a word has more than ${MAX_BRACE_GROUPS} brace groups`)
  const preamble = a.slice(0, open)
  const amble = a.slice(open + 1, close)
  const post = a.slice(close + 1)
  let tack: Array<ReadonlyArray<Atom>>
  if (!amble.includes(",")) {
    const seq = sequence(amble)
    if (seq !== undefined) tack = seq
    else if (post.length > 0) tack = [a.slice(open, close + 1)]
    else return [a]
  } else {
    tack = []
    let start = 0
    while (start <= amble.length) {
      let end = gobble(amble, start, ",")
      if (end < 0) end = amble.length
      for (const piece of braceExpand(amble.slice(start, end), depth + 1, budget)) tack.push(piece)
      if (tack.length > MAX_FIELDS) throw new ExpandError(`brace expansion makes more than ${MAX_FIELDS} words`)
      start = end + 1
    }
  }
  const head = cross([preamble], tack, budget)
  return post.length === 0 ? head : cross(head, braceExpand(post, depth + 1, budget), budget)
}

/** The terms of `{1..5}`, `{a..e}`, `{01..10..2}`; undefined when the text is not a sequence. */
const sequence = (amble: ReadonlyArray<Atom>): Array<ReadonlyArray<Atom>> | undefined => {
  if (amble.length > 64 || amble.some((x) => typeof x !== "string")) return undefined
  const m = SEQUENCE.exec(amble.join(""))
  if (m === null) return undefined
  const items: Array<string> = []
  if (m[1] !== undefined) {
    const from = Number(m[1])
    const to = Number(m[2])
    const step = Math.abs(Number(m[3] ?? 1)) || 1
    if (Math.abs(to - from) / step >= MAX_FIELDS) throw new ExpandError(`brace expansion makes more than ${MAX_FIELDS} words`)
    const width = /^-?0\d/.test(m[1]) || /^-?0\d/.test(m[2]!) ? Math.max(m[1].length, m[2]!.length) : 0
    for (let x = from; from <= to ? x <= to : x >= to; x += from <= to ? step : -step) {
      items.push(width > 0 ? (x < 0 ? "-" : "") + String(Math.abs(x)).padStart(width - (x < 0 ? 1 : 0), "0") : String(x))
    }
  } else {
    const from = m[4]!.charCodeAt(0)
    const to = m[5]!.charCodeAt(0)
    const step = Math.abs(Number(m[6] ?? 1)) || 1
    for (let x = from; from <= to ? x <= to : x >= to; x += from <= to ? step : -step) items.push(String.fromCharCode(x))
  }
  return items.map((t) => [...t])
}

const toParts = (a: ReadonlyArray<Atom>): ReadonlyArray<Part> => {
  const out: Array<Part> = []
  let run = ""
  for (const x of a) {
    if (typeof x === "string") run += x
    else {
      if (run !== "") out.push({ k: "lit", text: run, q: false })
      run = ""
      out.push(x)
    }
  }
  if (run !== "") out.push({ k: "lit", text: run, q: false })
  return out
}
