/**
 * The shell command model: turns a command string into the simple commands it runs, for the shell-guard,
 * git and database policies.
 *
 * What is resolved (so policies judge what actually runs):
 * - quoting, backslash escapes, `$'…'`, comments, line continuations, heredocs and here-strings (`lex.ts`);
 * - brace expansion, `~`, field splitting, and variables assigned earlier in the same command, in the same
 *   shell, for certain (`X=rm; $X -rf ~` runs `rm`); `$HOME` is `~` (`expand.ts`);
 * - lists, pipelines, `&&`/`||`, subshells, groups, `if`/`while`/`for`/`case`, and the directory a `cd`
 *   moved to (a `cd` whose effect is uncertain makes the directory unknown);
 * - wrappers (`sudo`, `env`, `nice`, `timeout`, `xargs`, `busybox`, `chroot`…) and the scripts commands run:
 *   `sh -c`, `eval` of known text, heredocs, here-strings and `echo … |` fed to a shell, `find -exec`, git
 *   aliases and `-c` overrides, `ssh host …`, `docker exec` (`analyse.ts`, `wrappers.ts`, `runs.ts`).
 *
 * What is not known before the command runs (a variable from the environment, a command's output, `$@`)
 * becomes `UNKNOWN` inside the word; a command whose program or script is not known gets an
 * `unresolved` reason. Policies block on either where it matters: the model never guesses a benign value.
 *
 * Linear time and bounded: text over `MAX_LENGTH` characters, more than `MAX_COMMANDS` simple commands,
 * scripts nested more than `MAX_DEPTH` deep and syntax the lexer cannot read all set `problem` instead.
 *
 * @example
 * ```ts
 * const script = parse("X=rm; sudo $X -rf ~")
 * script.commands[0].argv // ["rm", "-rf", "~"]
 * ```
 * @module
 */
import { analyse, type Call, outputOf } from "./analyse.ts"
import { isWatchedEnv } from "./runs.ts"
import { type Env, ExpandError, fields, UNKNOWN, value } from "./expand.ts"
import { lex, LexError, type Part, plainText, type Token, type Word } from "./lex.ts"
import { type Command, pathOf, type Redirect, type Script } from "./model.ts"
import { ifsOf, lookup, MAX_DEPTH, newRun, newShell, type Run, setVar, type Shell, type Site, subshell } from "./state.ts"

/** Longest command inspected; longer text is refused (fail closed). */
export const MAX_LENGTH = 100_000

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?(\+?)=/

interface Redir {
  readonly op: string
  readonly target: Word
  readonly body: Word | undefined
}

interface Builder {
  readonly words: Array<Word>
  readonly assigns: Array<Word>
  readonly redirs: Array<Redir>
}

const builder = (): Builder => ({ words: [], assigns: [], redirs: [] })
const NO_COMMANDS: ReadonlyArray<Command> = []
const KEYWORDS: ReadonlySet<string> = new Set(["if", "while", "until", "for", "select", "case", "then", "else", "elif", "do", "!", "coproc", "fi", "done", "esac", "{", "}", "function"])
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

type FrameKind = "subshell" | "group" | "if" | "loop" | "case" | "function"

interface Frame {
  readonly kind: FrameKind
  readonly saved: Shell | undefined
  readonly cwd: string | undefined
  readonly conditional: boolean
  readonly loop: boolean
  readonly positional: ReadonlyArray<string> | undefined
  readonly func: boolean
  mode: "subject" | "in" | "pattern" | "body"
}

/** The result of walking tokens: the commands made at this level, and whether it was one simple command. */
interface Walked {
  readonly made: ReadonlyArray<Command>
  readonly single: Command | undefined
}

class Walker implements Env {
  private cond = 0
  private loop = 0
  private readonly frames: Array<Frame> = []
  private b = builder()
  pipeline: Array<Command | undefined> = []
  private lastOp = ";"
  private forStage: "name" | "afterName" | "list" | "do" | undefined
  private forName: string | undefined
  private forValues: Array<string> | undefined
  private pendingFunction: string | undefined
  private readonly made: Array<Command> = []
  private simpleCount = 0
  private compound = false
  private bracket = false

  private readonly tokens: ReadonlyArray<Token>
  private readonly depth: number
  private readonly shell: Shell
  private readonly run: Run
  private readonly baseLoop: boolean
  private readonly via: string | undefined

  constructor(tokens: ReadonlyArray<Token>, depth: number, shell: Shell, run: Run, baseLoop: boolean, via: string | undefined) {
    this.tokens = tokens
    this.depth = depth
    this.shell = shell
    this.run = run
    this.baseLoop = baseLoop
    this.via = via
  }

  walk(): Walked {
    const { tokens } = this
    for (let k = 0; k < tokens.length && this.run.problem === undefined; k++) {
      const t = tokens[k]!
      const frame = this.frames.length === 0 ? undefined : this.frames[this.frames.length - 1]
      if (frame?.kind === "case" && frame.mode !== "body" && this.caseHeader(frame, t)) continue
      if (this.forStage !== undefined && this.forHeader(t)) continue
      if (t.t === "word") this.word(t, k + 1 < tokens.length ? tokens[k + 1] : undefined, k + 2 < tokens.length ? tokens[k + 2] : undefined)
      else if (t.t === "redir") {
        if (this.bracket) this.b.words.push(t.target)
        else this.b.redirs.push({ op: t.op, target: t.target, body: t.heredoc?.body })
      } else if (t.t === "arith") {
        this.collect(t.word)
        this.compound = true
      } else this.op(t.op, k + 1 < tokens.length ? tokens[k + 1] : undefined)
    }
    if (this.run.problem === undefined) {
      this.finish("\n")
      this.endList()
      if (this.frames.length > 0) this.run.problem = `the command has an unclosed '${this.frames[this.frames.length - 1]!.kind}' block`
    }
    return { made: this.made, single: this.simpleCount === 1 && !this.compound && this.made.length > 0 ? this.made[0] : undefined }
  }

  private atStart(): boolean {
    return this.b.words.length === 0 && this.b.assigns.length === 0 && this.b.redirs.length === 0
  }

  private word(w: Word, next: Token | undefined, after: Token | undefined): void {
    const text = plainText(w)
    if (this.bracket) {
      this.b.words.push(w)
      if (text === "]]") this.bracket = false
      return
    }
    if (text !== undefined && this.atStart()) {
      if ((KEYWORDS.has(text) || this.pendingFunction === "") && this.keyword(text)) return
      if (text === "[[") this.bracket = true
      if (next?.t === "op" && next.op === "(" && after?.t === "op" && after.op === ")" && ASSIGNMENT.exec(text) === null) {
        this.pendingFunction = text
        this.define(`a shell function '${text}'`, text)
        return
      }
    }
    const first = w.parts[0]
    if (this.b.words.length === 0 && (w.array !== undefined || (first?.k === "lit" && !first.q && first.text.includes("=") && ASSIGNMENT.test(first.text)))) {
      this.b.assigns.push(w)
    } else this.b.words.push(w)
  }

  /** Handles a reserved word at the start of a command; false when it is not one. */
  private keyword(text: string): boolean {
    switch (text) {
      case "if":
        this.push("if", true, false)
        return true
      case "while":
      case "until":
        this.push("loop", true, true)
        return true
      case "for":
      case "select":
        this.forStage = "name"
        this.compound = true
        return true
      case "case":
        this.push("case", true, false).mode = "subject"
        return true
      case "then":
      case "else":
      case "elif":
      case "do":
      case "!":
      case "coproc":
        return true
      case "fi":
        return this.pop("if")
      case "done":
        return this.pop("loop")
      case "esac":
        return this.pop("case")
      case "{":
        this.push("group", false, false)
        return true
      case "}":
        return this.pop("group")
      case "function":
        this.pendingFunction = ""
        return true
      default:
        if (this.pendingFunction === "") {
          this.pendingFunction = text
          this.define(`a shell function '${text}'`, text)
          return true
        }
        return false
    }
  }

  /** Records that the command defines a function or alias: a name that runs other code wherever it is used. */
  private define(what: string, name: string): void {
    this.made.push(analyse({
      argv: ["function", name],
      env: new Map(),
      redirects: [],
      stdin: undefined,
      stdinUnknown: false,
      subs: [],
      runsSub: false,
      unresolved: `defines ${what}, which changes what later commands run`,
      site: this.site(false, false, "function")
    }, this.shell, this.run)!)
  }

  private push(kind: FrameKind, conditional: boolean, loop: boolean): Frame {
    const func = this.pendingFunction !== undefined && this.pendingFunction !== ""
    if (func) this.pendingFunction = undefined
    const frame: Frame = {
      kind,
      saved: kind === "subshell" ? subshell(this.shell) : undefined,
      cwd: this.shell.cwd,
      conditional: conditional || func,
      loop,
      positional: this.shell.positional,
      func,
      mode: "body"
    }
    if (frame.conditional) this.cond++
    if (loop) this.loop++
    if (func) this.shell.positional = undefined
    this.frames.push(frame)
    this.compound = true
    return frame
  }

  private pop(kind: FrameKind): boolean {
    const frame = this.frames.pop()
    if (frame === undefined || frame.kind !== kind) {
      this.run.problem = `the command closes a '${kind}' block it never opened`
      return true
    }
    if (frame.conditional) this.cond--
    if (frame.loop) this.loop--
    if (frame.func) this.shell.positional = frame.positional
    if (frame.saved !== undefined) {
      const s = frame.saved
      this.shell.vars = s.vars
      this.shell.cwd = s.cwd
      this.shell.previous = s.previous
      this.shell.positional = s.positional
    } else if (this.shell.cwd !== frame.cwd && (frame.conditional || frame.loop)) {
      this.shell.cwd = UNKNOWN
    }
    return true
  }

  /** `case WORD in` and the patterns before each `)`; true when the token was consumed. */
  private caseHeader(frame: Frame, t: Token): boolean {
    if (frame.mode === "subject") {
      if (t.t === "word") {
        this.collect(t)
        frame.mode = "in"
      }
      return true
    }
    if (frame.mode === "in") {
      if (t.t === "word" && plainText(t) === "in") frame.mode = "pattern"
      return true
    }
    // Patterns.
    if (t.t === "word") {
      if (plainText(t) === "esac") this.pop("case")
      else this.collect(t)
      return true
    }
    if (t.t === "op" && t.op === ")") frame.mode = "body"
    return true
  }

  /** `for NAME [in WORDS]; do` and `for (( … ))`; true when the token was consumed. */
  private forHeader(t: Token): boolean {
    const stage = this.forStage
    if (stage === "name") {
      if (t.t === "arith") {
        this.collect(t.word)
        this.forStage = "do"
        this.forName = undefined
      } else if (t.t === "word") {
        this.forName = plainText(t)
        this.forStage = "afterName"
      }
      return true
    }
    if (stage === "afterName" || stage === "list") {
      if (t.t === "word" && stage === "afterName" && plainText(t) === "in") {
        this.forStage = "list"
        this.forValues = []
      } else if (t.t === "word" && stage === "list") {
        for (const f of this.expandAll(t)) this.forValues?.push(f)
      } else if (t.t === "word" && plainText(t) === "do") {
        this.startFor()
      } else if (t.t === "op" && (t.op === ";" || t.op === "\n")) {
        this.forStage = "do"
      }
      return true
    }
    if (t.t === "op" && (t.op === "\n" || t.op === ";")) return true
    if (t.t === "word" && plainText(t) === "do") this.startFor()
    else this.forStage = undefined
    return true
  }

  private startFor(): void {
    this.forStage = undefined
    this.push("loop", true, true)
    if (this.forName !== undefined) {
      const values = this.forValues ?? []
      setVar(this.shell, this.forName, values.length === 1 ? values[0] : undefined, true)
    }
    this.forValues = undefined
  }

  private op(op: string, next: Token | undefined): void {
    if (this.bracket) {
      this.b.words.push({ t: "word", parts: [{ k: "lit", text: op, q: true }], raw: op })
      return
    }
    const frame = this.frames.length === 0 ? undefined : this.frames[this.frames.length - 1]
    switch (op) {
      case "(":
        if (this.pendingFunction !== undefined && next?.t === "op" && next.op === ")") return
        if (!this.atStart()) {
          this.run.problem = "the command has a '(' where a word was expected"
          return
        }
        this.push("subshell", false, false)
        return
      case ")":
        if (this.pendingFunction !== undefined && this.atStart()) return
        this.finish(")")
        this.endList()
        if (frame?.kind === "subshell") {
          this.pop("subshell")
          this.lastOp = ")"
        } else this.run.problem = "the command has a ')' it never opened"
        return
      case "|":
      case "|&":
        this.finish(op)
        this.lastOp = op
        return
      case "&&":
      case "||":
        this.finish(op)
        this.pipeline = []
        if (op === "||" && this.run.chainCd) this.shell.cwd = UNKNOWN
        this.lastOp = op
        return
      case ";;":
      case ";&":
      case ";;&":
        this.finish(";")
        this.endList()
        if (frame?.kind === "case") frame.mode = "pattern"
        return
      default:
        // `;`, `&`, newline.
        this.finish(op)
        this.endList()
    }
  }

  private endList(): void {
    this.pipeline = []
    this.lastOp = ";"
    if (this.run.chainCd) {
      this.shell.cwd = UNKNOWN
      this.run.chainCd = false
    }
  }

  private site(certain: boolean, chained: boolean, text: string, upstream: ReadonlyArray<Command> = [], pipedUnknown = false): Site {
    return { depth: this.depth, inLoop: this.baseLoop || this.loop > 0, via: this.via, certain, chained, upstream, pipedUnknown, text }
  }

  /** Finishes the simple command being built; `terminator` is the operator that ended it. */
  private finish(terminator: string): void {
    const b = this.b
    const piped = terminator === "|" || terminator === "|&"
    const inPipe = piped || this.pipeline.length > 0
    if (b.words.length === 0 && b.assigns.length === 0 && b.redirs.length === 0) {
      // A compound command (`( … )`, `{ …; }`, `done`) ends here: its output is not known.
      if (piped) this.pipeline.push(undefined)
      return
    }
    this.b = builder()
    this.simpleCount++
    const chained = (this.lastOp === "&&" || this.lastOp === "||")
    const certain = this.cond === 0 && !inPipe && !chained && terminator !== "&"
    let upstream: ReadonlyArray<Command> = NO_COMMANDS
    let pipedUnknown = false
    if (this.pipeline.length > 0) {
      const lastUp = this.pipeline[this.pipeline.length - 1]
      upstream = this.pipeline.filter((c): c is Command => c !== undefined)
      pipedUnknown = lastUp === undefined || outputOf(lastUp) === undefined
    }
    let text = ""
    for (const w of b.assigns) text = text === "" ? w.raw : `${text} ${w.raw}`
    for (const w of b.words) text = text === "" ? w.raw : `${text} ${w.raw}`
    const site = this.site(certain, this.lastOp === "&&" && this.cond === 0 && !inPipe && terminator !== "&", text, upstream, pipedUnknown)
    const made = this.simple(b, site)
    if (made !== undefined) this.made.push(made)
    if (piped) this.pipeline.push(made)
  }

  /** Parses the substitutions inside a word (their commands are recorded), for their side effects. */
  private collect(w: Word): void {
    const outputs = new Map<Part, string | undefined>()
    const subs: Array<Command> = []
    this.prepare(w, outputs, subs)
  }

  private expandAll(w: Word): ReadonlyArray<string> {
    const outputs = new Map<Part, string | undefined>()
    this.prepare(w, outputs, [])
    return this.expand(w, this.env(outputs))
  }

  /** Parses every substitution in `w` (recursively through `${x:-…}` and arithmetic), noting known outputs. */
  private prepare(w: Word, outputs: Map<Part, string | undefined>, subs: Array<Command>): void {
    for (const p of w.parts) {
      if (p.k === "sub" || p.k === "proc") {
        if (this.depth + 1 > MAX_DEPTH) {
          this.run.problem = `the command nests scripts more than ${MAX_DEPTH} levels deep`
          return
        }
        const walker = new Walker(p.tokens, this.depth + 1, subshell(this.shell), this.run, this.baseLoop || this.loop > 0, this.via)
        // `>( … )` reads what the command writes: its input is not known here.
        if (p.k === "proc" && p.out) walker.pipeline.push(undefined)
        const inner = walker.walk()
        subs.push(...inner.made)
        const single = inner.single
        const out = p.k === "sub" && single !== undefined ? outputOf(single) : undefined
        outputs.set(p, out === undefined ? undefined : out.replace(/\n+$/, ""))
      } else if (p.k === "arith") this.prepare(p.word, outputs, subs)
      else if (p.k === "var" && p.arg !== undefined) this.prepare(p.arg, outputs, subs)
    }
    if (w.array !== undefined) for (const item of w.array) this.prepare(item, outputs, subs)
  }

  private outputs: ReadonlyMap<Part, string | undefined> = NO_OUTPUTS

  /** The walker is the expansion environment (`Env`) of the command it is expanding: no allocation per command. */
  private env(outputs: ReadonlyMap<Part, string | undefined>): Env {
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

  private expand(w: Word, env: Env): ReadonlyArray<string> {
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
  private simple(b: Builder, site: Site): Command | undefined {
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
      const f = expands(w) || w.parts.length !== 1 ? this.expand(w, env) : fields(w, env)
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

/** Parses `text` as a script in `shell` (nested scripts at `depth`); its commands are recorded and returned. */
const script = (run: Run) => (text: string, depth: number, shell: Shell, site: Site): ReadonlyArray<Command> => {
  if (depth > MAX_DEPTH) {
    run.problem = `the command nests scripts more than ${MAX_DEPTH} levels deep`
    return []
  }
  let tokens: ReadonlyArray<Token>
  try {
    tokens = lex(text, depth)
  } catch (e) {
    if (e instanceof LexError) {
      run.problem = `the command cannot be read as shell syntax: ${e.message}`
      return []
    }
    throw e
  }
  return new Walker(tokens, depth, shell, run, site.inLoop, site.via).walk().made
}

let memoKey: string | undefined
let memoScript: Script | undefined

/**
 * Parses a command string (or an argv array, run without a shell) into its simple commands. The last
 * answer is kept: every shell policy of a gate reads the same `payload.command`. Never throws.
 */
export const parse = (command: string | ReadonlyArray<string>): Script => {
  const key = typeof command === "string" ? command : `\u0000${JSON.stringify(command)}`
  if (key === memoKey && memoScript !== undefined) return memoScript
  let result: Script
  if (key.length > MAX_LENGTH) {
    result = { commands: [], problem: `the command is too long to inspect (${key.length} characters, limit ${MAX_LENGTH})` }
  } else {
    const run: Run = newRun((text, depth, shell, site) => script(run)(text, depth, shell, site))
    const shell = newShell()
    const top: Site = { depth: 0, inLoop: false, via: undefined, certain: true, chained: false, upstream: [], pipedUnknown: false, text: "" }
    if (typeof command === "string") run.script(command, 0, shell, top)
    else {
      analyse({
        argv: command.map((w) => w.replaceAll(UNKNOWN, "?")),
        env: new Map(),
        redirects: [],
        stdin: undefined,
        stdinUnknown: false,
        subs: [],
        runsSub: false,
        unresolved: undefined,
        site: { ...top, text: command.join(" ") }
      }, shell, run)
    }
    result = { commands: run.out, problem: run.problem }
  }
  memoKey = key
  memoScript = result
  return result
}
