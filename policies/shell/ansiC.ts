/**
 * Bash `$'…'` strings (private): backslash escapes decoded — `\n`, `\t`, `\e`, `\xHH`, `\uHHHH`,
 * `\UHHHHHHHH`, octal `\NNN`, control characters `\cX` — in one pass.
 *
 * @example
 * ```ts
 * import { decodeAnsiC } from "./ansiC.ts"
 * decodeAnsiC("\\x72\\x6d' rest", 0) // { text: "rm", end: 9 }
 * ```
 * @module
 */

const ANSI: Readonly<Record<string, string>> = { n: "\n", t: "\t", r: "\r", a: "\u0007", b: "\b", f: "\f", v: "\v", e: "\u001b", E: "\u001b", "\\": "\\", "'": "'", "\"": "\"", "?": "?" }

/** Decodes a `$'…'` string starting after its opening quote at `from`: the text and the index after the closing quote, or undefined when it is never closed. */
export const decodeAnsiC = (src: string, from: number): { readonly text: string; readonly end: number } | undefined => {
  let out = ""
  let i = from
  while (true) {
    if (i >= src.length) return undefined
    const ch = src[i]!
    if (ch === "'") return { text: out, end: i + 1 }
    if (ch !== "\\") {
      let stop = i + 1
      while (stop < src.length && src[stop] !== "'" && src[stop] !== "\\") stop++
      out += src.slice(i, stop)
      i = stop
      continue
    }
    const e = src[i + 1] ?? ""
    i += 2
    if (e in ANSI) out += ANSI[e]
    else if (e === "x" || e === "u" || e === "U") {
      const max = e === "x" ? 2 : e === "u" ? 4 : 8
      let j = i
      while (j < i + max && /[0-9a-fA-F]/.test(src[j] ?? "")) j++
      if (j === i) out += `\\${e}`
      else {
        const cp = Number.parseInt(src.slice(i, j), 16)
        out += cp <= 0x10ffff ? String.fromCodePoint(cp) : ""
        i = j
      }
    } else if (e >= "0" && e <= "7") {
      let j = i
      while (j < i + 2 && /[0-7]/.test(src[j] ?? "")) j++
      out += String.fromCharCode(Number.parseInt(e + src.slice(i, j), 8) & 0xff)
      i = j
    } else if (e === "c") {
      const ctl = src[i] ?? ""
      i++
      out += ctl === "" ? "" : String.fromCharCode(ctl.toUpperCase().charCodeAt(0) & 0x1f)
    } else out += `\\${e}`
  }
}