/**
 * A regular expression matching any of a list of literal words, shaped as a trie (`d(?:an|isregard|…)`),
 * which V8 runs several times faster than a flat alternation of the same words (private).
 *
 * @example
 * ```ts
 * import { trieRegExp } from "./_trie.ts"
 * trieRegExp(["dan", "disregard"]).source // "d(?:an|isregard)"
 * ```
 * @module
 */

interface Trie {
  readonly next: Map<string, Trie>
  end: boolean
}

/** Matches any of `words` (literal text); `flags` as for `RegExp` (`"i"` for case-insensitive words). */
export const trieRegExp = (words: ReadonlyArray<string>, flags = ""): RegExp => {
  const root: Trie = { next: new Map(), end: false }
  for (const w of words) {
    let t = root
    for (const ch of flags.includes("i") ? w.toLowerCase() : w) {
      let sub = t.next.get(ch)
      if (sub === undefined) t.next.set(ch, sub = { next: new Map(), end: false })
      t = sub
    }
    t.end = true
  }
  const render = (t: Trie): string => {
    if (t.end) return ""
    const parts = [...t.next].map(([c, sub]) => c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&") + render(sub))
    return parts.length === 1 ? parts[0]! : `(?:${parts.join("|")})`
  }
  return new RegExp(render(root), flags)
}
