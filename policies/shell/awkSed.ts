/**
 * awk and sed programs (private), read in one linear pass each: the program text a command gives them,
 * whether an awk program runs commands (`system()`, pipes to or from commands, coprocesses), and what a
 * sed script does beyond editing text (the `e` command and `s///e` run commands; `r`/`w` read and write
 * files).
 *
 * @example
 * ```ts
 * import { awkRunsCommands, sedEffects } from "./awkSed.ts"
 * awkRunsCommands('BEGIN { system("id") }') // "system"
 * sedEffects("1e id").exec                   // true
 * ```
 * @module
 */

/** awk implementations. */
export const AWKS: ReadonlySet<string> = new Set(["awk", "gawk", "mawk", "nawk", "original-awk", "busybox-awk"])

/** The awk program text: `-e`/`--source` values, else the first positional (unless `-f file` gives it). */
export const awkProgram = (argv: ReadonlyArray<string>): string | undefined => {
  const sources: Array<string> = []
  let file = false
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!
    if (a === "--") {
      if (!file && sources.length === 0) return argv[i + 1]
      break
    }
    if (a === "-f" || a === "--file" || a === "-E" || a === "--exec") {
      file = true
      i++
    } else if (a === "-e" || a === "--source") sources.push(argv[++i] ?? "")
    else if (a === "-v" || a === "-F" || a === "--assign" || a === "--field-separator" || a === "-i" || a === "--include" || a === "-l" || a === "--load") i++
    else if (a.startsWith("-") && a.length > 1) continue
    else return file || sources.length > 0 ? sources.join("\n") : a
  }
  return sources.length > 0 ? sources.join("\n") : undefined
}

/**
 * Whether an awk program runs commands: `system(…)`, a pipe to or from a command (`print | "sh"`,
 * `"cmd" | getline`), or a coprocess (`|&`). Strings and regex literals are skipped; `||` is a logical or.
 */
export const awkRunsCommands = (p: string): string | undefined => {
  let regexOk = true
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!
    if (ch === "\"") {
      i++
      while (i < p.length && p[i] !== "\"") i += p[i] === "\\" ? 2 : 1
      regexOk = false
    } else if (ch === "/" && regexOk) {
      i++
      while (i < p.length && p[i] !== "/" && p[i] !== "\n") i += p[i] === "\\" ? 2 : 1
      regexOk = false
    } else if (ch === "#") {
      while (i < p.length && p[i] !== "\n") i++
    } else if (ch === "|") {
      if (p[i + 1] === "|") {
        i++
        regexOk = true
      } else return p[i + 1] === "&" ? "|&" : "|"
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i + 1
      while (j < p.length && /[A-Za-z0-9_]/.test(p[j]!)) j++
      const word = p.slice(i, j)
      if (word === "system") return "system"
      i = j - 1
      regexOk = false
    } else if (ch === " " || ch === "\t") {
      continue
    } else {
      regexOk = ch !== ")" && ch !== "]"
    }
  }
  return undefined
}

/** The sed scripts of a command: `-e`/`--expression` values, else the first positional (unless `-f`). */
export const sedScripts = (argv: ReadonlyArray<string>): ReadonlyArray<string> => {
  const out: Array<string> = []
  let file = false
  let positional: string | undefined
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!
    if (a === "-e" || a === "--expression") out.push(argv[++i] ?? "")
    else if (a.startsWith("--expression=")) out.push(a.slice(13))
    else if (a.startsWith("-e") && a.length > 2 && !a.startsWith("--")) out.push(a.slice(2))
    else if (a === "-f" || a === "--file") {
      file = true
      i++
    } else if (a === "-l" || a === "--line-length") i++
    else if (a.startsWith("-") && a.length > 1) continue
    else if (positional === undefined) positional = a
  }
  if (out.length === 0 && !file && positional !== undefined) out.push(positional)
  return out
}

/** What a sed script does beyond editing text: runs commands (`e`, `s///e`), reads (`r`, `R`) or writes (`w`, `W`, `s///w`) files. */
export interface SedEffects {
  readonly exec: boolean
  readonly reads: ReadonlyArray<string>
  readonly writes: ReadonlyArray<string>
}

/** Scans a sed script in one pass (GNU syntax: `;` or newlines between commands, addresses skipped). */
export const sedEffects = (script: string): SedEffects => {
  let exec = false
  const reads: Array<string> = []
  const writes: Array<string> = []
  const n = script.length
  let i = 0
  const restOfLine = () => {
    let j = i
    while (j < n && script[j] !== "\n") j++
    const v = script.slice(i, j).trim()
    i = j
    return v
  }
  while (i < n) {
    const ch = script[i]!
    if (" \t\n;{}!".includes(ch) || /[0-9,$~+]/.test(ch)) {
      i++
    } else if (ch === "/" || ch === "\\") {
      // An address regex: `/re/` or `\cREc`.
      const delim = ch === "\\" ? script[i + 1] ?? "/" : "/"
      i += ch === "\\" ? 2 : 1
      while (i < n && script[i] !== delim) i += script[i] === "\\" ? 2 : 1
      i++
      while (script[i] === "I" || script[i] === "M") i++
    } else if (ch === "#") {
      restOfLine()
    } else if (ch === "s" || ch === "y") {
      const delim = script[i + 1] ?? "/"
      i += 2
      for (let part = 0; part < 2; part++) {
        while (i < n && script[i] !== delim) i += script[i] === "\\" ? 2 : 1
        i++
      }
      if (ch === "s") {
        while (i < n && /[gpiImMe0-9w]/.test(script[i]!)) {
          if (script[i] === "e") exec = true
          if (script[i] === "w") {
            i++
            writes.push(restOfLine())
            break
          }
          i++
        }
      }
    } else if (ch === "e") {
      exec = true
      restOfLine()
    } else if (ch === "r" || ch === "R") {
      i++
      reads.push(restOfLine())
    } else if (ch === "w" || ch === "W") {
      i++
      writes.push(restOfLine())
    } else if ("aic".includes(ch)) {
      i++
      restOfLine()
    } else if ("bTtv:".includes(ch)) {
      i++
      while (i < n && script[i] !== ";" && script[i] !== "\n") i++
    } else {
      i++
    }
  }
  return { exec, reads, writes }
}
