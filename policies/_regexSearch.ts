/**
 * Whether a search pattern hunts for secrets (private), for `block_grep_secret_patterns`. A pattern is read
 * as the regular expression grep or ripgrep would run (extended and basic syntax both, since the mode is
 * not known) with a small parser of our own, compiled to a Thompson automaton and run — in time linear in
 * the sample — over sample secrets (`ghp_…`, `AKIA…`, `sk_live_…`, `-----BEGIN RSA PRIVATE KEY-----`,
 * `password`…). It counts as a search for that secret when it can match the sample's marker (the vendor
 * prefix or the name) with characters it spells almost literally: `gh[p]_`, `AK[I]A`, `gh(p|o)_`,
 * `\x67hp_`, `g{1}hp_` and `p.ssw.rd` match; `[a-z]+_` and `.*` do not (a wildcard may stand for at most
 * one marker character in four). Nothing is ever compiled into a JavaScript RegExp, so a hostile pattern
 * cannot make the check slow. Patterns it cannot parse (lookarounds, back-references, more than
 * `MAX_STATES` states) return "unsupported", and the caller falls back to its lexical checks.
 *
 * @example
 * ```ts
 * import { searchesFor } from "./_regexSearch.ts"
 * searchesFor("gh[p]_")   // "a GitHub token prefix"
 * searchesFor("TODO|FIXME") // undefined
 * ```
 * @module
 */

/** A set of characters: ranges of code points, maybe negated. */
interface CharSet {
  readonly negated: boolean
  readonly ranges: ReadonlyArray<readonly [number, number]>
}

type Node =
  | { readonly t: "set"; readonly set: CharSet }
  | { readonly t: "seq"; readonly items: ReadonlyArray<Node> }
  | { readonly t: "alt"; readonly items: ReadonlyArray<Node> }
  | { readonly t: "rep"; readonly item: Node; readonly min: number; readonly max: number }

const EMPTY: Node = { t: "seq", items: [] }
const code = (c: string): number => c.codePointAt(0)!
const single = (c: number): CharSet => ({ negated: false, ranges: [[c, c]] })
const ANY: CharSet = { negated: true, ranges: [[10, 10]] }
const DIGIT: ReadonlyArray<readonly [number, number]> = [[48, 57]]
const WORD: ReadonlyArray<readonly [number, number]> = [[48, 57], [65, 90], [95, 95], [97, 122]]
const SPACE: ReadonlyArray<readonly [number, number]> = [[9, 13], [32, 32]]
const POSIX: Readonly<Record<string, ReadonlyArray<readonly [number, number]>>> = {
  alpha: [[65, 90], [97, 122]], digit: DIGIT, alnum: [[48, 57], [65, 90], [97, 122]], upper: [[65, 90]], lower: [[97, 122]],
  space: SPACE, xdigit: [[48, 57], [65, 70], [97, 102]], punct: [[33, 47], [58, 64], [91, 96], [123, 126]], word: WORD
}
const ESCAPES: Readonly<Record<string, number>> = { t: 9, n: 10, r: 13, f: 12, v: 11, e: 27, a: 7 }

class Unsupported extends Error {}

const MAX_REPEAT = 32
const MAX_GROUP_DEPTH = 32

/** Parses `pattern` as extended (`ere`) or basic regular expression syntax. Throws `Unsupported`. */
const parse = (pattern: string, ere: boolean): Node => {
  let i = 0
  const n = pattern.length
  const peekOp = (op: string): boolean => {
    // In ERE `|()+?{}` are operators and `\|` literal; in BRE it is the other way round (GNU extensions).
    if (ere) return pattern[i] === op
    return pattern[i] === "\\" && pattern[i + 1] === op
  }
  const opLength = ere ? 1 : 2

  const escape = (): CharSet => {
    const c = pattern[i++]
    if (c === undefined) return single(92)
    if (c === "d") return { negated: false, ranges: DIGIT }
    if (c === "D") return { negated: true, ranges: DIGIT }
    if (c === "w") return { negated: false, ranges: WORD }
    if (c === "W") return { negated: true, ranges: WORD }
    if (c === "s") return { negated: false, ranges: SPACE }
    if (c === "S") return { negated: true, ranges: SPACE }
    if (c === "x" || c === "u") {
      const m = /^\{([0-9a-fA-F]{1,6})\}|^([0-9a-fA-F]{2,4})/.exec(pattern.slice(i, i + 8))
      if (m === null) throw new Unsupported("escape")
      i += m[0].length
      return single(parseInt(m[1] ?? m[2]!, 16))
    }
    if (/[1-9]/.test(c) || c === "k" || c === "p" || c === "P") throw new Unsupported("back-reference or property")
    return single(ESCAPES[c] ?? code(c))
  }

  const bracket = (): CharSet => {
    // `[` already consumed.
    let negated = false
    if (pattern[i] === "^") {
      negated = true
      i++
    }
    const ranges: Array<readonly [number, number]> = []
    let first = true
    while (i < n && (pattern[i] !== "]" || first)) {
      first = false
      if (pattern[i] === "[" && pattern[i + 1] === ":") {
        const end = pattern.indexOf(":]", i + 2)
        const cls = end < 0 ? undefined : POSIX[pattern.slice(i + 2, end)]
        if (cls === undefined) throw new Unsupported("class")
        ranges.push(...cls)
        i = end + 2
        continue
      }
      let lo: number
      if (pattern[i] === "\\") {
        i++
        const e = escape()
        if (e.negated || e.ranges.length !== 1 || e.ranges[0]![0] !== e.ranges[0]![1]) {
          if (e.negated) throw new Unsupported("negated escape in class")
          ranges.push(...e.ranges)
          continue
        }
        lo = e.ranges[0]![0]
      } else lo = code(pattern[i++]!)
      if (pattern[i] === "-" && pattern[i + 1] !== undefined && pattern[i + 1] !== "]") {
        i++
        const hi = pattern[i] === "\\" ? (i++, escape().ranges[0]?.[0] ?? lo) : code(pattern[i++]!)
        ranges.push([Math.min(lo, hi), Math.max(lo, hi)])
      } else ranges.push([lo, lo])
    }
    if (pattern[i] !== "]") throw new Unsupported("unterminated class")
    i++
    return { negated, ranges }
  }

  const atom = (depth: number): Node | undefined => {
    const c = pattern[i]
    if (c === undefined) return undefined
    if (peekOp("(")) {
      i += opLength
      if (pattern[i] === "?") {
        if (pattern[i + 1] === ":") i += 2
        else if (/^\?[imsx-]+\)/.test(pattern.slice(i, i + 8))) {
          i = pattern.indexOf(")", i) + 1
          return EMPTY
        } else throw new Unsupported("group syntax")
      }
      if (depth >= MAX_GROUP_DEPTH) throw new Unsupported("nesting")
      const inner = alternation(depth + 1)
      if (!peekOp(")")) throw new Unsupported("unbalanced")
      i += opLength
      return inner
    }
    if (peekOp(")") || peekOp("|")) return undefined
    i++
    if (c === ".") return { t: "set", set: ANY }
    if (c === "^" || c === "$") return EMPTY
    if (c === "[") return { t: "set", set: bracket() }
    if (c === "\\") {
      if (pattern[i] === "b" || pattern[i] === "B" || pattern[i] === "<" || pattern[i] === ">" || pattern[i] === "A" || pattern[i] === "z" || pattern[i] === "Z") {
        i++
        return EMPTY
      }
      return { t: "set", set: escape() }
    }
    return { t: "set", set: single(code(c)) }
  }

  const quantified = (depth: number): Node | undefined => {
    let item = atom(depth)
    if (item === undefined) return undefined
    for (;;) {
      const c = pattern[i]
      let min: number
      let max: number
      if (c === "*") [min, max] = [0, Infinity]
      else if (ere ? c === "+" : c === "\\" && pattern[i + 1] === "+") [min, max] = [1, Infinity]
      else if (ere ? c === "?" : c === "\\" && pattern[i + 1] === "?") [min, max] = [0, 1]
      else if (peekOp("{")) {
        const m = (ere ? /^\{(\d{0,6})(,(\d{0,6}))?\}/ : /^\\\{(\d{0,6})(,(\d{0,6}))?\\\}/).exec(pattern.slice(i, i + 20))
        if (m === null) return item
        min = m[1] === "" ? 0 : Number(m[1])
        max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3])
        i += m[0].length - 1
      } else return item
      i += c === "\\" ? 2 : 1
      if (ere && (pattern[i] === "?" || pattern[i] === "+")) i++ // lazy / possessive
      item = { t: "rep", item, min: Math.min(min, MAX_REPEAT), max: max > MAX_REPEAT ? Infinity : max }
    }
  }

  const sequence = (depth: number): Node => {
    const items: Array<Node> = []
    for (let q = quantified(depth); q !== undefined; q = quantified(depth)) items.push(q)
    return { t: "seq", items }
  }

  const alternation = (depth: number): Node => {
    const items = [sequence(depth)]
    while (peekOp("|")) {
      i += opLength
      items.push(sequence(depth))
    }
    return items.length === 1 ? items[0]! : { t: "alt", items }
  }

  const root = alternation(0)
  if (i < n) throw new Unsupported("trailing syntax")
  return root
}

// ---------------------------------------------------------------------------------------------------
// Automaton

interface State {
  readonly eps: Array<number>
  set: CharSet | undefined
  next: number
}

/** Most automaton states built for one pattern. */
export const MAX_STATES = 2000

interface Automaton {
  readonly states: ReadonlyArray<State>
  /** Per state: whether its character set is narrow (see `narrow`). */
  readonly narrow: ReadonlyArray<boolean>
  readonly start: number
  readonly accept: number
}

const compile = (root: Node): Automaton => {
  const states: Array<State> = []
  const add = (): number => {
    if (states.length >= MAX_STATES) throw new Unsupported("too many states")
    states.push({ eps: [], set: undefined, next: -1 })
    return states.length - 1
  }
  // Builds `node` between a fresh entry state and returns [entry, exit]; iterative over a work stack.
  const build = (node: Node, depth: number): readonly [number, number] => {
    if (depth > 3 * MAX_GROUP_DEPTH) throw new Unsupported("nesting")
    const entry = add()
    switch (node.t) {
      case "set": {
        const exit = add()
        states[entry]!.set = node.set
        states[entry]!.next = exit
        return [entry, exit]
      }
      case "seq": {
        let cur = entry
        for (const item of node.items) {
          const [a, b] = build(item, depth + 1)
          states[cur]!.eps.push(a)
          cur = b
        }
        return [entry, cur]
      }
      case "alt": {
        const exit = add()
        for (const item of node.items) {
          const [a, b] = build(item, depth + 1)
          states[entry]!.eps.push(a)
          states[b]!.eps.push(exit)
        }
        return [entry, exit]
      }
      case "rep": {
        let cur = entry
        for (let k = 0; k < node.min; k++) {
          const [a, b] = build(node.item, depth + 1)
          states[cur]!.eps.push(a)
          cur = b
        }
        const exit = add()
        states[cur]!.eps.push(exit)
        if (node.max === Infinity) {
          const [a, b] = build(node.item, depth + 1)
          states[cur]!.eps.push(a)
          states[b]!.eps.push(cur)
        } else {
          for (let k = node.min; k < node.max; k++) {
            const [a, b] = build(node.item, depth + 1)
            states[cur]!.eps.push(a)
            states[b]!.eps.push(exit)
            cur = b
          }
        }
        return [entry, exit]
      }
    }
  }
  const [start, accept] = build(root, 0)
  return { states, narrow: states.map((st) => st.set !== undefined && narrow(st.set)), start, accept }
}

const fold = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c)

/** Whether a set accepts `c` (case-insensitively: the mode is not known, so both cases count). */
const accepts = (set: CharSet, c: number): boolean => {
  const lower = fold(c)
  const upper = lower >= 97 && lower <= 122 ? lower - 32 : lower
  let hit = false
  for (const [lo, hi] of set.ranges) {
    if ((lower >= lo && lower <= hi) || (upper >= lo && upper <= hi)) {
      hit = true
      break
    }
  }
  return hit !== set.negated
}

/** Whether a set is narrow: at most two characters once case is folded. */
const narrow = (set: CharSet): boolean => {
  if (set.negated) return false
  const chars = new Set<number>()
  for (const [lo, hi] of set.ranges) {
    if (hi - lo > 2) return false
    for (let c = lo; c <= hi; c++) chars.add(fold(c))
    if (chars.size > 2) return false
  }
  return true
}

// ---------------------------------------------------------------------------------------------------
// Samples

const tail = "A1b2C3d4E5f6G7h8J9k0L1m2N3p4Q5r6S7t8"
/** [what, sample text, marker start, marker end]. The marker must be matched (almost) literally. */
const SAMPLES: ReadonlyArray<readonly [string, string, number, number]> = [
  ...["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"].map((p) => ["a GitHub token prefix", `${p}${tail}`, 0, p.length] as const),
  ["a GitLab token prefix", `glpat-${tail}`, 0, 6],
  ["an OpenAI/Anthropic key prefix", `sk-proj-${tail}`, 0, 3],
  ["an OpenAI/Anthropic key prefix", `sk-ant-api03-${tail}`, 0, 6],
  ...["sk_live_", "rk_live_"].map((p) => ["a Stripe live key prefix", `${p}${tail}`, 0, 7] as const),
  ...["AKIA", "ASIA"].map((p) => ["an AWS access key id prefix", `${p}IOSFODNN7EXAMPLE`, 0, 4] as const),
  ["a Google API key prefix", `AIzaSyA${tail}`, 0, 4],
  ["a Google OAuth token prefix", `ya29.${tail}`, 0, 5],
  ...["xoxb-", "xoxp-", "xoxa-", "xoxs-"].map((p) => ["a Slack token prefix", `${p}1234-5678-${tail}`, 0, 5] as const),
  ["a private key block", "-----BEGIN PRIVATE KEY-----", 5, 18],
  ["a private key block", "-----BEGIN RSA PRIVATE KEY-----", 5, 22],
  ["a private key block", "-----BEGIN OPENSSH PRIVATE KEY-----", 5, 26],
  ["an AWS secret key name", "aws_secret_access_key = x", 4, 21],
  ["a password", "password = x", 0, 8],
  ["a password", "passwd: x", 0, 6],
  ["an API key name", "api_key = x", 0, 7],
  ["an API key name", "apikey = x", 0, 6],
  ["a client secret", "client_secret = x", 0, 13],
  ["a private key name", "private_key = x", 0, 11],
  ["an access token name", "access_token = x", 0, 12]
]

/** Runs the automaton over a sample: can it match a span covering the marker, spelling it (almost) literally? */
const matchesSample = (a: Automaton, text: string, ms: number, me: number): boolean => {
  const budget = Math.floor((me - ms) / 4)
  const width = budget + 1
  const seen = new Uint32Array(a.states.length * width) // generation stamps: no clearing per step
  let generation = 1
  let current: Array<number> = []
  let next: Array<number> = []
  const push = (list: Array<number>, x: number): void => {
    if (seen[x] === generation) return
    seen[x] = generation
    list.push(x)
    // Epsilon closure, depth first over the list itself.
    for (let k = list.length - 1; k < list.length; k++) {
      const y = list[k]!
      const used = y % width
      for (const e of a.states[(y - used) / width]!.eps) {
        const z = e * width + used
        if (seen[z] !== generation) {
          seen[z] = generation
          list.push(z)
        }
      }
    }
  }
  const accepting = (list: ReadonlyArray<number>): boolean => list.some((x) => (x - (x % width)) / width === a.accept)
  push(current, a.start * width)
  for (let i = 0; i < text.length; i++) {
    if (i >= me && accepting(current)) return true
    const c = code(text[i]!)
    const inMarker = i >= ms && i < me
    generation++
    next = []
    for (const x of current) {
      const used = x % width
      const s = (x - used) / width
      const st = a.states[s]!
      if (st.set === undefined || !accepts(st.set, c)) continue
      const cost = inMarker && !a.narrow[s] ? 1 : 0
      if (used + cost > budget) continue
      push(next, st.next * width + used + cost)
    }
    current = next
    if (i + 1 <= ms) push(current, a.start * width)
    else if (current.length === 0) return false
  }
  return accepting(current)
}

/**
 * What secret a search pattern hunts for (see the module doc), undefined when none, or "unsupported"
 * when the pattern uses syntax this reader does not model.
 */
export const searchesFor = (pattern: string): string | undefined | "unsupported" => {
  let supported = false
  for (const ere of [true, false]) {
    let automaton: Automaton
    try {
      automaton = compile(parse(pattern, ere))
    } catch (e) {
      if (e instanceof Unsupported) continue
      throw e
    }
    supported = true
    for (const [what, text, ms, me] of SAMPLES) {
      if (matchesSample(automaton, text, ms, me)) return what
    }
  }
  return supported ? undefined : "unsupported"
}
