/**
 * An Aho–Corasick automaton over the 36 characters `a-z0-9` (private): it finds whether any of a list of
 * words occurs in a stream of characters fed one at a time, in constant time per character and with no
 * allocation, so a scan can test its first-pass anchors while it reads the text once.
 *
 * @example
 * ```ts
 * import { compile, step, symbol } from "./_wordAutomaton.ts"
 * const words = compile(["ignore", "prompt"])
 * let state = 0
 * let found = false
 * for (const c of "xx-ignore-xx") {
 *   const a = symbol(c.charCodeAt(0))
 *   if (a < 0) continue // "-" is not in a-z0-9: skipped
 *   state = step(words, state, a)
 *   if (words.hit[state] === 1) found = true // right after the "e" of "ignore"
 * }
 * found // true
 * ```
 * @module
 */

/** A compiled automaton: `next[state * 36 + symbol]`, and `hit[state]` = 1 when a word ends there. */
export interface Automaton {
  readonly next: Int32Array
  readonly hit: Uint8Array
}

/** The symbol of a character code, or -1 for characters outside `a-z0-9`. */
export const symbol = (c: number): number => (c >= 97 && c <= 122 ? c - 97 : c >= 48 && c <= 57 ? c - 22 : -1)

/** Compiles words (only their `a-z0-9` characters count; other words are skipped). */
export const compile = (words: ReadonlyArray<string>): Automaton => {
  const goto: Array<Int32Array> = [new Int32Array(36).fill(-1)]
  const out: Array<number> = [0]
  for (const w of words) {
    if (!/^[a-z0-9]+$/.test(w)) continue
    let s = 0
    for (let i = 0; i < w.length; i++) {
      const a = symbol(w.charCodeAt(i))
      if (goto[s]![a]! < 0) {
        goto[s]![a] = goto.length
        goto.push(new Int32Array(36).fill(-1))
        out.push(0)
      }
      s = goto[s]![a]!
    }
    out[s] = 1
  }
  const n = goto.length
  const next = new Int32Array(n * 36)
  const fail = new Int32Array(n)
  const hit = Uint8Array.from(out)
  const queue: Array<number> = []
  for (let a = 0; a < 36; a++) {
    const t = goto[0]![a]!
    if (t < 0) next[a] = 0
    else {
      next[a] = t
      fail[t] = 0
      queue.push(t)
    }
  }
  for (let q = 0; q < queue.length; q++) {
    const s = queue[q]!
    if (hit[fail[s]!] === 1) hit[s] = 1
    for (let a = 0; a < 36; a++) {
      const t = goto[s]![a]!
      if (t < 0) next[s * 36 + a] = next[fail[s]! * 36 + a]!
      else {
        next[s * 36 + a] = t
        fail[t] = next[fail[s]! * 36 + a]!
        queue.push(t)
      }
    }
  }
  return { next, hit }
}

/** The state after reading symbol `a` (from `symbol`) in `state`. */
export const step = (automaton: Automaton, state: number, a: number): number => automaton.next[state * 36 + a]!
