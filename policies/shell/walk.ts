/**
 * The shell walker (private): reads lexed tokens as bash's grammar does — lists, pipelines, `&&`/`||`,
 * subshells, groups, `if`/`while`/`until`/`for`/`select`/`case`, function definitions — and hands each
 * simple command to the assembler (`assemble.ts`). It tracks what makes an assignment or `cd` uncertain
 * (a condition, a loop, a pipeline, a position after `&&`/`||`): an uncertain value becomes unknown, a
 * subshell's changes are undone when it ends, and a directory that may or may not have changed becomes
 * unknown. Functions defined in the command are recorded as unresolved (their name runs other code).
 *
 * @example
 * ```ts
 * import { lex } from "./lex.ts"
 * import { newRun, newShell } from "./state.ts"
 * import { Walker } from "./walk.ts"
 * const run = newRun(() => []) // nested scripts (`sh -c …`) are not read here
 * const made = new Walker(lex("cd ~ && rm -rf *"), 0, newShell(), run, false, undefined).walk().made
 * made.map((c) => c.cwd) // [undefined, "~"]: `rm -rf *` runs in the home directory
 * ```
 * @module
 */
import { analyse } from "./analyse.ts"
import { addAssign, addRedir, Assembler, builder, isAssignment, type Walked } from "./assemble.ts"
import { UNKNOWN } from "./expand.ts"
import { plainText, type Token, type Word } from "./lex.ts"
import type { Command } from "./model.ts"
import { outputOf } from "./analyse.ts"
import { MAX_PIPELINE, MAX_WORDS, type Run, setVar, type Shell, type Site, subshell } from "./state.ts"

const NO_COMMANDS: ReadonlyArray<Command> = []
const KEYWORDS: ReadonlySet<string> = new Set(["if", "while", "until", "for", "select", "case", "then", "else", "elif", "do", "!", "coproc", "fi", "done", "esac", "{", "}", "function"])

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

export class Walker {
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
  private readonly asm: Assembler

  constructor(tokens: ReadonlyArray<Token>, depth: number, shell: Shell, run: Run, baseLoop: boolean, via: string | undefined) {
    this.tokens = tokens
    this.depth = depth
    this.shell = shell
    this.run = run
    this.baseLoop = baseLoop
    this.via = via
    this.asm = new Assembler(shell, run, depth, via, () => this.baseLoop || this.loop > 0, (tokens, d, s, inLoop, v, piped) => {
      const w = new Walker(tokens, d, s, run, inLoop, v)
      if (piped) w.pipeline.push(undefined)
      return w.walk()
    })
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
        else addRedir(this.b, { op: t.op, target: t.target, body: t.heredoc?.body })
      } else if (t.t === "arith") {
        this.asm.collect(t.word)
        this.compound = true
      } else this.op(t.op, k + 1 < tokens.length ? tokens[k + 1] : undefined)
    }
    if (this.run.problem === undefined) {
      this.finish("\n")
      this.endList()
      if (this.frames.length > 0) this.run.problem = `the command has an unclosed '${this.frames[this.frames.length - 1]!.kind}' block`
      else if (this.forStage !== undefined) this.run.problem = "the command has a 'for' without 'do'"
      else if (this.bracket) this.run.problem = "the command has a '[[' without ']]'"
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
      if (next?.t === "op" && next.op === "(" && after?.t === "op" && after.op === ")" && !isAssignment(w)) {
        this.pendingFunction = text
        this.define(`a shell function '${text}'`, text)
        return
      }
    }
    if (this.b.words.length === 0 && isAssignment(w)) {
      addAssign(this.b, w)
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
        this.asm.collect(t)
        frame.mode = "in"
      }
      return true
    }
    if (frame.mode === "in") {
      if (t.t === "word" && plainText(t) === "in") frame.mode = "pattern"
      else if (t.t !== "op" || t.op !== "\n") this.run.problem = "the command has a 'case' without 'in'"
      return true
    }
    // Patterns.
    if (t.t === "word") {
      if (plainText(t) === "esac") this.pop("case")
      else this.asm.collect(t)
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
        this.asm.collect(t.word)
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
        for (const f of this.asm.expandAll(t)) this.forValues?.push(f)
      } else if (t.t === "word" && plainText(t) === "do") {
        this.startFor()
      } else if (t.t === "op" && (t.op === ";" || t.op === "\n")) {
        this.forStage = "do"
      }
      return true
    }
    if (t.t === "op" && (t.op === "\n" || t.op === ";")) return true
    if (t.t === "word" && plainText(t) === "do") this.startFor()
    else this.run.problem = "the command has a 'for' without 'do'"
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
    if (b.words.length > MAX_WORDS) {
      this.run.problem = `a command has more than ${MAX_WORDS} words`
      return
    }
    if (piped && this.pipeline.length >= MAX_PIPELINE) {
      this.run.problem = `a pipeline has more than ${MAX_PIPELINE} commands`
      return
    }
    const made = this.asm.simple(b, site)
    if (made !== undefined) this.made.push(made)
    if (piped) this.pipeline.push(made)
  }
}
