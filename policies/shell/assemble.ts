/**
 * One simple command assembled (private): the substitutions in its words parsed first (their commands are
 * recorded; a `$( )` whose output is known, such as `$(cat <<'EOF' … EOF)`, gives its text), then its
 * words expanded (`expand.ts`), its assignments applied (for certain only where the walker says so), its
 * redirections and standard input read, and the result handed to `analyse`.
 *
 * @example
 * ```ts
 * import { parse } from "./parse.ts"
 * // `X=rm` is an assignment only; the second simple command is assembled with $X expanded:
 * parse("X=rm; $X -rf ~").commands.map((c) => c.argv) // [["rm", "-rf", "~"]]
 * ```
 * @module
 */
import { analyse, type Call, outputOf } from "./analyse.ts"
import { type Env, ExpandError, fields, UNKNOWN, value } from "./expand.ts"
import { type Part, plainText, type Token, type Word } from "./lex.ts"
import { type Command, pathOf, type Redirect } from "./model.ts"
import { isWatchedEnv } from "./runs.ts"
import { ifsOf, lookup, MAX_DEPTH, MAX_SCRIPTS, type Run, setVar, type Shell, type Site, subshell } from "./state.ts"

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?(\+?)=/

/** A redirection as lexed: operator, target word, heredoc body. */
export interface Redir {
  readonly op: string
  readonly target: Word
  readonly body: Word | undefined
}

/** The words, assignments and redirections of a simple command being read. */
export interface Builder {
  readonly words: Array<Word>
  /** Shared and empty until the first assignment (most commands have none). */
  assigns: ReadonlyArray<Word>
  /** Shared and empty until the first redirection. */
  redirs: ReadonlyArray<Redir>
}

const NO_ASSIGNS: ReadonlyArray<Word> = []
const NO_REDIRS: ReadonlyArray<Redir> = []

/** An empty builder. */
export const builder = (): Builder => ({ words: [], assigns: NO_ASSIGNS, redirs: NO_REDIRS })

/** Adds an assignment word to a builder. */
export const addAssign = (b: Builder, w: Word): void => {
  if (b.assigns === NO_ASSIGNS) b.assigns = [w]
  else (b.assigns as Array<Word>).push(w)
}

/** Adds a redirection to a builder. */
export const addRedir = (b: Builder, r: Redir): void => {
  if (b.redirs === NO_REDIRS) b.redirs = [r]
  else (b.redirs as Array<Redir>).push(r)
}

/** Whether a word starts with a plain `NAME=` (or `NAME+=`, `NAME[i]=`): an assignment in command position. */
export const isAssignment = (w: Word): boolean => {
  if (w.array !== undefined) return true
  const first = w.parts[0]
  return first?.k === "lit" && !first.q && first.text.includes("=") && ASSIGNMENT.test(first.text)
}

/** The result of walking tokens: the commands made at this level, and whether it was one simple command. */
export interface Walked {
  readonly made: ReadonlyArray<Command>
  readonly single: Command | undefined
}

/** Walks nested tokens (a substitution) at `depth`, in `shell`; `piped` when its input is not known. */
export type Walk = (tokens: ReadonlyArray<Token>, depth: number, shell: Shell, inLoop: boolean, via: string | undefined, piped: boolean) => Walked

const NO_SUBS: Array<Command> = []
const NO_OUTPUTS: ReadonlyMap<Part, string | undefined> = new Map()
const NO_ENV: ReadonlyMap<string, string> = new Map()
const NO_REDIRECTS: Array<Redirect> = []

/** Whether an assignment word sets a variable some program reads as a command or code to load. */
const watchedAssignment = (w: Word): boolean => {
  const first = w.parts[0]
  if (first?.k !== "lit") return false
  const eq = first.text.indexOf("=")
  return eq > 0 && isWatchedEnv(first.text.slice(0, eq).replace(/\+$/, ""))
}

/** Whether a word holds anything but literal text (so it may run substitutions). */
const expands = (w: Word): boolean => {
  if (w.array !== undefined) return true
  for (const p of w.parts) if (p.k !== "lit") return true
  return false
}

/** Assembles the simple commands of one walker; it is also their expansion environment (`Env`), so nothing is allocated per command for it. */
export class Assembler implements Env {
  private outputs: ReadonlyMap<Part, string | undefined> = NO_OUTPUTS
  private readonly shell: Shell
  private readonly run: Run
  private readonly depth: number
  private readonly via: string | undefined
  private readonly inLoop: () => boolean
  private readonly walk: Walk

  constructor(shell: Shell, run: Run, depth: number, via: string | undefined, inLoop: () => boolean, walk: Walk) {
    this.shell = shell
    this.run = run
    this.depth = depth
    this.via = via
    this.inLoop = inLoop
    this.walk = walk
  }

  /** Parses the substitutions inside a word (their commands are recorded), for their side effects. */
  collect(w: Word): void {
    const outputs = new Map<Part, string | undefined>()
    const subs: Array<Command> = []
    this.prepare(w, outputs, subs)
  }
  expandAll(w: Word): ReadonlyArray<string> {
    const outputs = new Map<Part, string | undefined>()
    this.prepare(w, outputs, [])
    return this.expand(w, this.env(outputs))
  }
  /** Parses every substitution in `w` (recursively through `${x:-…}` and arithmetic), noting known outputs. */
  prepare(w: Word, outputs: Map<Part, string | undefined>, subs: Array<Command>): void {
    for (const p of w.parts) {
      if (p.k === "sub" || p.k === "proc") {
        if (++this.run.scripts > MAX_SCRIPTS) {
          this.run.problem = `the command holds more than ${MAX_SCRIPTS} substitutions and nested scripts`
          return
        }
        if (this.depth + 1 > MAX_DEPTH) {
          this.run.problem = `the command nests scripts more than ${MAX_DEPTH} levels deep`
          return
        }
        // `>( … )` reads what the command writes: its input is not known here.
        const inner = this.walk(p.tokens, this.depth + 1, subshell(this.shell), this.inLoop(), this.via, p.k === "proc" && p.out)
        subs.push(...inner.made)
        const single = inner.single
        const out = p.k === "sub" && single !== undefined ? outputOf(single) : undefined
        outputs.set(p, out === undefined ? undefined : out.replace(/\n+$/, ""))
      } else if (p.k === "arith") this.prepare(p.word, outputs, subs)
      else if (p.k === "var" && p.arg !== undefined) this.prepare(p.arg, outputs, subs)
    }
    if (w.array !== undefined) for (const item of w.array) this.prepare(item, outputs, subs)
  }
  /** The walker is the expansion environment (`Env`) of the command it is expanding: no allocation per command. */
  /** Sets the substitution outputs of the command being expanded; the assembler is its `Env`. */
  env(outputs: ReadonlyMap<Part, string | undefined>): Env {
    this.outputs = outputs
    return this
  }
  lookup(name: string): string | undefined {
    return lookup(this.shell, name)
  }
  forget(name: string): void {
    setVar(this.shell, name, undefined, true)
  }
  get positional(): ReadonlyArray<string> | undefined {
    return this.shell.positional
  }
  output(p: Part): string | undefined {
    return this.outputs.get(p)
  }
  get ifs(): string | undefined {
    return ifsOf(this.shell)
  }
  get cwd(): string | undefined {
    return this.shell.cwd
  }
  expand(w: Word, env: Env): ReadonlyArray<string> {
    try {
      return fields(w, env)
    } catch (e) {
      if (e instanceof ExpandError) {
        this.run.problem = e.message
        return []
      }
      throw e
    }
  }
  /** Expands and analyses one simple command; returns the command recorded for it, if any. */
  simple(b: Builder, site: Site): Command | undefined {
    let outputs: Map<Part, string | undefined> | undefined
    let subs: Array<Command> = NO_SUBS
    if (b.assigns.some(expands) || b.words.some(expands) || b.redirs.some((r) => expands(r.target) || (r.body !== undefined && expands(r.body)))) {
      outputs = new Map()
      subs = []
      for (const w of b.assigns) this.prepare(w, outputs, subs)
      for (const w of b.words) this.prepare(w, outputs, subs)
      for (const r of b.redirs) {
        this.prepare(r.target, outputs, subs)
        if (r.body !== undefined) this.prepare(r.body, outputs, subs)
      }
      if (this.run.problem !== undefined) return undefined
    }
    const env = this.env(outputs ?? NO_OUTPUTS)
    const argv: Array<string> = []
    let runsSub = false
    for (let k = 0; k < b.words.length; k++) {
      const w = b.words[k]!
      const only = w.parts.length === 1 ? w.parts[0]! : undefined
      if (only !== undefined && only.k === "lit" && (only.q || (!only.text.includes("{") && only.text.charCodeAt(0) !== 126))) {
        // The common case: one literal with nothing to expand.
        if (only.q || only.text !== "") argv.push(only.text)
        continue
      }
      const f = this.expand(w, env)
      if (argv.length === 0 && f.length > 0 && outputs !== undefined && w.parts.some((p) => p.k === "sub")) runsSub = true
      for (const x of f) argv.push(x)
    }
    const assigned = b.assigns.length === 0 ? NO_ENV : new Map<string, string>()
    for (const w of b.assigns) {
      const m = ASSIGNMENT.exec(plainText(w) ?? (w.parts[0] as { text: string }).text)!
      const name = m[1]!
      let v: string | undefined
      if (w.array !== undefined || m[2] !== undefined) v = undefined
      else {
        const rest: Word = { t: "word", parts: [{ k: "lit", text: (w.parts[0] as { text: string }).text.slice(m[0].length), q: false } as Part, ...w.parts.slice(1)], raw: w.raw }
        v = value(rest, env)
        if (m[3] === "+") {
          const old = lookup(this.shell, name)
          v = old === undefined ? undefined : old + v
        }
      }
      if (argv.length === 0) setVar(this.shell, name, v, site.certain)
      else (assigned as Map<string, string>).set(name, v ?? UNKNOWN)
    }
    const redirects: Array<Redirect> = b.redirs.length === 0 ? NO_REDIRECTS : []
    let stdin: string | undefined
    let stdinUnknown = site.pipedUnknown
    for (const r of b.redirs) {
      const heredoc = r.op === "<<" || r.op === "<<-"
      const target = heredoc ? value(r.body!, env) : value(r.target, env)
      const op = heredoc ? "<<<" : r.op
      redirects.push({ op, target })
      if (op === "<<<") {
        stdin = heredoc ? target : `${target}\n`
        stdinUnknown = false
      } else if (((op === "<" || op === "<>") && (target.includes(UNKNOWN) || /^\/dev\/(?:tcp|udp)\//.test(target))) || (op === "<&" && target !== "-" && target !== "0")) {
        // A process substitution, a network socket or another descriptor: what it holds is not known.
        stdin = undefined
        stdinUnknown = true
      } else if ((op === "<" || op === "<>") && this.run.written.size > 0) {
        const path = pathOf(target, this.shell.cwd)
        stdin = this.run.written.get(path)
        stdinUnknown = stdin === undefined && this.run.written.has(path)
      }
    }
    if (stdin === undefined && site.upstream.length > 0 && !site.pipedUnknown) {
      stdin = outputOf(site.upstream[site.upstream.length - 1]!)
    }
    if (argv.length === 0 && b.assigns.some((w) => watchedAssignment(w))) {
      // `PAGER='…'` changes a variable the agent's environment may already export: judge it like `export`.
      const words = b.assigns.filter(watchedAssignment).map((w) => value(w, env))
      analyse({ argv: ["export", ...words], env: NO_ENV, redirects: [], stdin: undefined, stdinUnknown: false, subs: [], runsSub: false, unresolved: undefined, site }, this.shell, this.run)
    }
    if (argv.length === 0 && redirects.length === 0 && subs.length === 0) return undefined
    const call: Call = { argv, env: assigned, redirects, stdin, stdinUnknown, subs, runsSub, unresolved: undefined, site }
    return analyse(call, this.shell, this.run)
  }
}
