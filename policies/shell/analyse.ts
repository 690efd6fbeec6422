/**
 * One simple command, analysed (private): wrappers stripped (`wrappers.ts`), the command recorded, its
 * effects on the shell applied (`cd`, `export`, `read`, `set --`, files written, git configuration), and
 * what it runs in turn parsed (`runs.ts`). Also knows what a few commands print (`echo`, `printf`, `cat`
 * of a heredoc), so `echo 'rm -rf ~' | sh` and `"$(cat <<'EOF' … EOF)"` are read, not guessed.
 *
 * @example
 * ```ts
 * import { outputOf } from "./analyse.ts"
 * import { parse } from "./parse.ts"
 * const [echo] = parse("echo rm -rf ~").commands
 * if (echo !== undefined) outputOf(echo) // "rm -rf ~\n"
 * ```
 * @module
 */
import { UNKNOWN } from "./expand.ts"
import { writeTargets } from "./files.ts"
import { interpreterCode } from "./interpreters.ts"
import { type Command, pathOf, positionals, programName, type Redirect } from "./model.ts"
import { gitEffects, gitRuns } from "./gitInvocation.ts"
import { nestedScript, runs } from "./runs.ts"
import { childShell, MAX_COMMANDS, MAX_DEPTH, type Run, setVar, type Shell, type Site } from "./state.ts"
import { isWrapper, type Reading, unwrap } from "./wrappers.ts"

/** A simple command as the walker hands it over: resolved words and what surrounds it. */
export interface Call {
  readonly argv: ReadonlyArray<string>
  /** Its own environment assignments (`X=1 cmd`). */
  readonly env: ReadonlyMap<string, string>
  readonly redirects: ReadonlyArray<Redirect>
  readonly stdin: string | undefined
  /** Standard input comes from a pipe or file whose content is not known. */
  readonly stdinUnknown: boolean
  readonly subs: ReadonlyArray<Command>
  readonly runsSub: boolean
  readonly unresolved: string | undefined
  readonly site: Site
}

/** A command while it is being built. */
export type Building = { -readonly [K in keyof Command]: Command[K] }

const NO_CONFIG: ReadonlyMap<string, string> = new Map()
const NETWORK_PATH = /^\/dev\/(?:tcp|udp)\//
/** Whether a program word is a glob: `*`, `?`, or a `[` closed later (a linear check; no backtracking regex). */
const isGlobWord = (w: string): boolean => {
  if (w.includes("*") || w.includes("?")) return true
  const open = w.indexOf("[")
  return open >= 0 && w.indexOf("]", open + 1) > 0
}

/** Records a command (fails closed past `MAX_COMMANDS`). */
export const record = (c: Building, run: Run): boolean => {
  if (run.out.length >= MAX_COMMANDS) {
    run.problem = `the command has more than ${MAX_COMMANDS} simple commands`
    return false
  }
  run.out.push(c)
  return true
}

/** Analyses one simple command; returns the main command recorded for it. */
export const analyse = (call: Call, shell: Shell, run: Run): Command | undefined => {
  if (call.site.depth > MAX_DEPTH) {
    run.problem = `the command nests scripts more than ${MAX_DEPTH} levels deep`
    return undefined
  }
  if (call.argv.length === 0) {
    const c = build(call, { argv: [], env: call.env, via: call.site.via, loop: false, cwd: undefined, unresolved: undefined, script: undefined, xargs: undefined }, shell)
    if (!record(c, run)) return undefined
    effects(c, call, shell, run)
    return c
  }
  if (!isWrapper(call.argv)) return one(call, { argv: call.argv, env: call.env, via: call.site.via, loop: false, cwd: undefined, unresolved: undefined, script: undefined, xargs: undefined }, shell, run)
  let main: Command | undefined
  for (const reading of unwrap(call.argv, call.env)) {
    const c = one(call, reading, shell, run)
    main ??= c
    if (run.problem !== undefined) break
  }
  return main
}

const one = (call: Call, reading: Reading, shell: Shell, run: Run): Command | undefined => {
  if (reading.script !== undefined) {
    const wrapper = build(call, { ...reading, argv: call.argv.slice(0, 1) }, shell)
    if (!record(wrapper, run)) return undefined
    const inner = childShell(shell, reading.env, undefined)
    if (reading.cwd !== undefined) inner.cwd = joinCwd(shell.cwd, reading.cwd)
    nestedScript(wrapper, call, inner, run, reading.script, { via: reading.via ?? wrapper.name, same: true, loop: reading.loop })
    return wrapper
  }
  if (reading.argv.length === 0) {
    if (reading.unresolved === undefined && call.redirects.length === 0) return undefined
    // `exec 3< .env`: with no command, the redirections apply to the shell itself; they are still judged.
    const wrapper = build(call, { ...reading, argv: call.argv.slice(0, 1) }, shell)
    return record(wrapper, run) ? wrapper : undefined
  }
  const c = build(call, reading.xargs === undefined ? reading : xargsReading(reading, call), shell)
  if (!record(c, run)) return undefined
  effects(c, call, shell, run)
  runs(c, call, shell, run)
  if (c.git !== undefined) gitRuns(c, call, shell, run)
  return c
}

/** The command `xargs` runs: its input words appended (or put in place of `-I` text); unknown input is `UNKNOWN`. */
const xargsReading = (r: Reading, call: Call): Reading => {
  const x = r.xargs!
  const words = xargsInput(call, x.nul)
  if (x.replace === undefined) return { ...r, argv: [...r.argv, ...words] }
  const joined = words.join(" ")
  return { ...r, argv: r.argv.map((a) => a.replaceAll(x.replace!, joined)) }
}

/**
 * The words `xargs` reads: the known text on its input, split on blanks; `root/*` for each root of a
 * `find … -print0 | xargs -0` pipeline (find prints only paths under its roots, never `..`); else unknown.
 */
const xargsInput = (call: Call, nul: boolean): ReadonlyArray<string> => {
  if (call.stdin !== undefined) {
    const parts = nul ? call.stdin.split("\u0000") : call.stdin.split(/[ \t\n]+/)
    const words = parts.filter((w) => w !== "").map((w) => w.replace(/^(['"])(.*)\1$/s, "$2"))
    return words.length === 0 ? [] : words
  }
  const up = call.site.upstream.length === 0 ? undefined : call.site.upstream[call.site.upstream.length - 1]
  if (up !== undefined && up.name === "find" && !up.args.some((a) => a.includes(UNKNOWN))) {
    // find prints paths under its roots (matching -name when given); without -print0/-0, names with blanks split anywhere.
    const first = up.args.findIndex((a) => a.startsWith("-") && a !== "-")
    const roots = up.args.slice(0, first < 0 ? up.args.length : first)
    const named = up.args.indexOf("-name") >= 0 ? up.args.indexOf("-name") : up.args.indexOf("-iname")
    const pattern = named >= 0 ? up.args[named + 1] ?? "*" : "*"
    const words = (roots.length === 0 ? ["."] : roots).map((root) => `${root.replace(/\/+$/, "")}/${pattern}`)
    return nul && up.args.includes("-print0") ? words : [...words, UNKNOWN]
  }
  return [UNKNOWN]
}

/** Builds the command record for one reading. */
const build = (call: Call, r: Reading, shell: Shell): Building => {
  const argv = r.argv
  const name = programName(argv[0])
  let unresolved = call.unresolved ?? r.unresolved
  if (unresolved === undefined && argv.length > 0) {
    const word = argv[0]!
    if (word.includes(UNKNOWN)) unresolved = `the program it runs is not known until it runs (${show(word)})`
    else if (isGlobWord(word)) unresolved = `the program name ${show(word)} is a glob pattern, so what runs is not known`
  }
  if (unresolved === undefined) {
    const net = call.redirects.find((x) => NETWORK_PATH.test(x.target))
    if (net !== undefined) unresolved = `it opens a network connection through ${net.target.split("/").slice(0, 3).join("/")} (a remote shell or exfiltration channel)`
  }
  const code = argv.length === 0 ? undefined : interpreterCode(name, argv, call.stdin, call.stdinUnknown)
  if (unresolved === undefined && code?.reason !== undefined) unresolved = code.reason
  const cwd = r.cwd === undefined ? shell.cwd : joinCwd(shell.cwd, r.cwd)
  const c: Building = {
    argv,
    args: argv.slice(1),
    name,
    text: call.site.text === "" ? argv.join(" ") : call.site.text,
    redirects: call.redirects,
    stdin: call.stdin,
    upstream: call.site.upstream,
    substitutions: call.subs,
    runsSubstitution: call.runsSub,
    inLoop: call.site.inLoop || r.loop,
    via: r.via ?? call.site.via,
    code: code?.code,
    cwd,
    unresolved,
    gitConfig: NO_CONFIG,
    env: r.env,
    branch: undefined,
    git: undefined,
    writes: NO_WRITES
  }
  c.writes = writeTargets(c)
  return c
}

const NO_WRITES: ReadonlyArray<string> = []

const show = (w: string): string => `'${w.replaceAll(UNKNOWN, "$…").slice(0, 60)}'`

/** The directory `cd target` moves to from `cwd`, as written. */
export const joinCwd = (cwd: string | undefined, target: string): string => {
  if (target.includes(UNKNOWN)) return UNKNOWN
  if (/^(?:\/|~|\$HOME)/.test(target) || cwd === undefined) return target
  return `${cwd}/${target}`
}

// ---------------------------------------------------------------------------------------------------
// Effects on the shell

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const EFFECTFUL = new Set(["cd", "pushd", "popd", "set", "shift", "unset", "read", "mapfile", "readarray", "getopts", "let", "printf", "export", "declare", "typeset", "local", "readonly"])
const WRITERS = new Set(["tee", "cp", "mv", "install", "ln"])
const DECLARE = new Set(["export", "declare", "typeset", "local", "readonly"])

/** Applies what a command changes in the shell that runs it: directory, variables, files, git state. */
const effects = (c: Building, call: Call, shell: Shell, run: Run): void => {
  const site = call.site
  const a = c.args
  if (!EFFECTFUL.has(c.name)) {
    if (c.redirects.length > 0 || WRITERS.has(c.name)) writes(c, shell, run)
    if (c.name === "git" || c.name.startsWith("git-")) gitEffects(c, site, shell, run)
    return
  }
  switch (c.name) {
    case "cd":
    case "pushd":
    case "popd": {
      const before = shell.cwd
      let next: string | undefined
      if (c.name === "popd") next = shell.dirs.length > 0 ? shell.dirs.pop() : UNKNOWN
      else {
        const target = positionals(a)[0]
        if (target === undefined) next = c.name === "cd" ? "~" : UNKNOWN
        else if (target === "-") next = shell.previous ?? UNKNOWN
        else if (/^[+-]\d+$/.test(target) && c.name === "pushd") next = UNKNOWN // rotates the directory stack
        else if (shell.vars.has("CDPATH") && !/^(?:\/|~|\.)/.test(target)) next = UNKNOWN // CDPATH may resolve it anywhere
        else next = joinCwd(shell.cwd, target)
        if (c.name === "pushd") shell.dirs.push(before)
      }
      if (site.certain) shell.cwd = next
      else if (site.chained) {
        shell.cwd = next
        run.chainCd = true
      } else shell.cwd = UNKNOWN
      shell.previous = before
      break
    }
    case "set": {
      const dash = a.indexOf("--")
      const rest = dash >= 0 ? a.slice(dash + 1) : a[0] !== undefined && !/^[-+]/.test(a[0]) ? a : undefined
      if (rest !== undefined) shell.positional = site.certain && !rest.some((w) => w.includes(UNKNOWN)) ? rest : undefined
      break
    }
    case "shift":
      shell.positional = shell.positional === undefined || !site.certain ? undefined : shell.positional.slice(Number(a[0] ?? 1) || 1)
      break
    case "unset":
      for (const n of a) if (VAR_NAME.test(n)) setVar(shell, n, "", site.certain)
      break
    case "read":
    case "mapfile":
    case "readarray":
    case "getopts":
    case "let":
    case "printf":
      for (let i = 0; i < a.length; i++) {
        const w = a[i]!
        if (c.name === "printf" ? a[i - 1] === "-v" : VAR_NAME.test(w.split("=")[0]!)) setVar(shell, w.split("=")[0]!, undefined, true)
      }
      if (c.name === "mapfile" || c.name === "readarray") setVar(shell, "MAPFILE", undefined, true)
      if (c.name === "read") setVar(shell, "REPLY", undefined, true)
      break
    default:
      if (DECLARE.has(c.name)) {
        const opaque = a.some((w) => /^-[a-zA-Z]*[naAi]/.test(w))
        for (const w of a) {
          if (w.startsWith("-") || w.startsWith("+")) continue
          const eq = w.indexOf("=")
          const n = eq < 0 ? w : w.slice(0, eq).replace(/\+$/, "")
          if (!VAR_NAME.test(n)) continue
          if (eq >= 0) setVar(shell, n, opaque ? undefined : w.slice(eq + 1), site.certain, c.name === "export" ? true : undefined)
          else if (c.name === "export") setVar(shell, n, shell.vars.get(n)?.value, true, true)
        }
      }
  }
  writes(c, shell, run)
  if (c.name === "git" || c.name.startsWith("git-")) gitEffects(c, site, shell, run)
}

/** Files this command writes with known (or unknown) content, for a later `sh file` or `cat file`. */
const writes = (c: Building, shell: Shell, run: Run): void => {
  let out: string | undefined
  let computed = false
  for (const r of c.redirects) {
    if (r.op !== ">" && r.op !== ">>" && r.op !== ">|" && r.op !== "&>" && r.op !== "&>>") continue
    if (!computed) {
      out = outputOf(c)
      computed = true
    }
    const path = pathOf(r.target, shell.cwd)
    const before = run.written.get(path)
    const content = r.op.endsWith(">>") ? (before !== undefined && out !== undefined ? before + out : undefined) : out
    run.written.set(path, content)
  }
  if (c.name === "tee") for (const f of positionals(c.args)) run.written.set(pathOf(f, shell.cwd), c.stdin)
  if (c.name === "cp" || c.name === "mv" || c.name === "install" || c.name === "ln") {
    const p = positionals(c.args)
    if (p.length >= 2) run.written.set(pathOf(p[p.length - 1]!, shell.cwd), p.length === 2 ? run.written.get(pathOf(p[0]!, shell.cwd)) : undefined)
  }
}

// ---------------------------------------------------------------------------------------------------
// Known output

const ECHO_FLAGS = /^-[neE]+$/

/** What a command prints, when that is known from the command alone; `undefined` otherwise. */
export const outputOf = (c: Command): string | undefined => {
  if (c.unresolved !== undefined) return undefined
  for (const w of c.argv) if (w.includes(UNKNOWN)) return undefined
  const a = c.args
  switch (c.name) {
    case "echo": {
      let i = 0
      let newline = true
      let escapes = false
      while (i < a.length && ECHO_FLAGS.test(a[i]!)) {
        if (a[i]!.includes("n")) newline = false
        if (a[i]!.includes("e")) escapes = true
        i++
      }
      const text = a.slice(i).join(" ")
      if (text.includes("\\") && !escapes) return undefined
      const body = escapes ? unescape(text) : text
      return body === undefined ? undefined : newline ? `${body}\n` : body
    }
    case "printf":
      return a[0] === "-v" ? "" : printf(a)
    case "cat":
    case "tee":
      return (c.name === "cat" ? a.every((w) => w === "-" || w === "-u") : true) ? c.stdin : undefined
    case "pwd":
      return c.cwd === undefined || c.cwd.includes(UNKNOWN) ? undefined : `${c.cwd}\n`
    case "base64":
    case "base32":
      return decoded(c)
    default:
      return undefined
  }
}

const ESCAPES: Readonly<Record<string, string>> = { n: "\n", t: "\t", r: "\r", "\\": "\\", a: "\u0007", b: "\b", f: "\f", v: "\v", e: "\u001b", "\"": "\"", "'": "'" }

/** Backslash escapes as `echo -e` and `printf` read them; `undefined` for forms not handled. */
const unescape = (s: string): string | undefined => {
  let out = ""
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!
    if (ch !== "\\") {
      out += ch
      continue
    }
    const e = s[i + 1] ?? ""
    if (e in ESCAPES) {
      out += ESCAPES[e]
      i++
    } else if (e === "x") {
      const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 2, i + 4))
      if (m === null) return undefined
      out += String.fromCharCode(Number.parseInt(m[0], 16))
      i += 1 + m[0].length
    } else if (e === "0" || (e >= "1" && e <= "7")) {
      const m = /^[0-7]{1,3}/.exec(s.slice(i + (e === "0" ? 2 : 1), i + 5))
      out += String.fromCharCode(m === null ? 0 : Number.parseInt(m[0], 8) & 0xff)
      i += (e === "0" ? 1 : 0) + (m === null ? 0 : m[0].length)
    } else if (e === "c") return out
    else return undefined
  }
  return out
}

/** `printf FORMAT ARGS…` for `%s`, `%b`, `%d` and `%%`; the format repeats while arguments remain. */
const printf = (a: ReadonlyArray<string>): string | undefined => {
  const format = a[0]
  if (format === undefined) return undefined
  const args = a.slice(1)
  let out = ""
  let k = 0
  do {
    for (let i = 0; i < format.length; i++) {
      const ch = format[i]!
      if (ch === "\\") {
        const piece = unescape(format.slice(i, i + 2))
        if (piece === undefined) return undefined
        out += piece
        i++
      } else if (ch === "%") {
        const spec = format[i + 1]
        i++
        if (spec === "%") out += "%"
        else if (spec === "s" || spec === "d" || spec === "i") out += args[k++] ?? ""
        else if (spec === "b") {
          const v = unescape(args[k++] ?? "")
          if (v === undefined) return undefined
          out += v
        } else return undefined
      } else out += ch
    }
  } while (k > 0 && k < args.length)
  return out
}

const BASE64 = /^[A-Za-z0-9+/=\s_-]+$/

/** What `base64 -d` decodes from known input. */
const decoded = (c: Command): string | undefined => {
  if (!c.args.some((w) => w === "-d" || w === "--decode" || w === "-D") || c.stdin === undefined || c.name === "base32") return undefined
  if (!BASE64.test(c.stdin)) return undefined
  try {
    return atob(c.stdin.replace(/\s+/g, "").replaceAll("-", "+").replaceAll("_", "/"))
  } catch {
    return undefined
  }
}
