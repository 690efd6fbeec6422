/**
 * The shell command model for the shell-guard, git and database policies (private). A command string
 * is split into words with a shell-words parser (`shell-quote`, after the pre-pass in `_shellWords.ts`),
 * grouped into simple commands at `;`, `&&`, `|`, newlines, `( )` and `$( )`, and every simple command
 * is unwrapped: environment assignments, keywords (`do`, `then`, `!`…) and wrappers (`sudo`, `env`,
 * `nice`, `timeout`, `xargs`…) are removed, and the scripts it runs are parsed too (`sh -c`, `bash -lc`, `eval`, `ssh host …`, `docker exec`,
 * `kubectl exec --`, `find -exec`, `watch`, `$( )` and backticks inside words, a heredoc or `echo … |`
 * fed to a shell). Each command keeps its pipeline (`curl … | sh`), the commands whose output it reads
 * (`$( )`, `<( )`), whether it runs in a loop (`for`, `while`, `xargs`, `find -exec`), the text on its
 * standard input, inline interpreter code (`python -c`) and the directory a preceding `cd` moved to.
 *
 * The model over-approximates on purpose (a word that only looks like `$( )` inside single quotes is
 * still parsed): the policies on top are deny-lists, so a wrong extra reading can only block more.
 *
 * @example
 * ```ts
 * const script = parse("curl -fsSL https://x.sh | sudo -E bash")
 * script.commands.map((c) => c.name) // ["curl", "bash"]; bash's upstream is [curl]
 * ```
 * @module
 */
import * as Paths from "./_paths.ts"
import { show } from "./_payload.ts"
import { type Entry, hasOption, optionValues, positionals, prepare, skipOptions, words } from "./_shellWords.ts"

export { fastWords, hasOption, optionValues, positionals, skipOptions } from "./_shellWords.ts"

/** An I/O redirection: its operator (`>`, `>>`, `<`, `<<<`…) and target word. */
export interface Redirect {
  readonly op: string
  readonly target: string
}

/** One simple command, unwrapped. */
export interface Command {
  /** The program and its arguments, assignments, keywords and wrappers removed. */
  readonly argv: ReadonlyArray<string>
  /** `argv` without the program. */
  readonly args: ReadonlyArray<string>
  /** The program's base name, lower-cased (`/usr/bin/RM` → `rm`); `""` when there is none. */
  readonly name: string
  /** The simple command as written (wrappers included), for reasons. */
  readonly text: string
  readonly redirects: ReadonlyArray<Redirect>
  /** Text on its standard input: a here-string, a heredoc body, or what an `echo`/`printf` pipes in. */
  readonly stdin: string | undefined
  /** The commands before it in its pipeline (for `curl … | sh`, `[curl]` on `sh`). */
  readonly upstream: ReadonlyArray<Command>
  /** The commands whose output it reads: `$( )`, backticks, `<( )`. */
  readonly substitutions: ReadonlyArray<Command>
  /** The program name itself is the output of a substitution (`$(curl …)` run as a command). */
  readonly runsSubstitution: boolean
  /** Runs repeatedly: in a `for`/`while`/`until` loop, or under `xargs`, `parallel`, `find -exec`, `watch`. */
  readonly inLoop: boolean
  /** The command that runs it, when not the shell itself (`find -exec`, `xargs`, `ssh`…). */
  readonly via: string | undefined
  /** Inline program text given to an interpreter (`python -c …`, `node -e …`, a heredoc to `python`). */
  readonly code: string | undefined
  /** The directory set by the last `cd` before it, as written (`~` for a bare `cd`), if any. */
  readonly cwd: string | undefined
}

/** Every simple command in a command string, in order, nested ones included. */
export interface Script {
  readonly commands: ReadonlyArray<Command>
  /** Why part of the text could not be inspected (too long, nested too deeply): policies fail closed. */
  readonly problem: string | undefined
}

/** Longest command inspected; longer text is refused (fail closed). */
export const MAX_LENGTH = 100_000
const MAX_DEPTH = 8
const MAX_COMMANDS = 2_000

/** A command quoted for a reason: as written, wrappers included. */
export const shown = (c: Command): string => show(c.text === "" ? c.argv.join(" ") : c.text)

/** The base name of a program word, lower-cased. */
export const programName = (word: string | undefined): string =>
  word === undefined ? "" : word.slice(word.lastIndexOf("/") + 1).toLowerCase()

const NONE: ReadonlySet<string> = new Set()
const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))

/** Git's global options that take a value, before the subcommand. */
export const GIT_VALUED = set("-C -c --git-dir --work-tree --namespace --super-prefix --config-env --exec-path")

/** The arguments after `git` and its global options: `["reset", "--hard"]` for `git -C x reset --hard`. */
export const gitArgs = (c: Command): ReadonlyArray<string> | undefined =>
  c.name === "git" ? c.argv.slice(skipOptions(c.argv, 1, GIT_VALUED)) : undefined

// ---------------------------------------------------------------------------------------------------
// Wrappers

interface Wrapper {
  readonly valued: ReadonlySet<string>
  /** Positional words before the wrapped command (`timeout 10 cmd`: 1). */
  readonly positional?: number
  readonly loop?: boolean
}

const WRAPPERS: ReadonlyMap<string, Wrapper> = new Map<string, Wrapper>([
  ["sudo", { valued: set("-u -g -h -p -C -D -r -t -U -T --user --group --host --prompt --chdir --role --type --other-user --close-from --command-timeout") }],
  ["doas", { valued: set("-u -C") }],
  ["env", { valued: set("-u --unset -C --chdir") }],
  ["nice", { valued: set("-n --adjustment") }],
  ["ionice", { valued: set("-c -n -p -t --class --classdata") }],
  ["timeout", { valued: set("-s -k --signal --kill-after"), positional: 1 }],
  ["nohup", { valued: NONE }], ["time", { valued: set("-f -o --format --output") }], ["command", { valued: NONE }],
  ["builtin", { valued: NONE }], ["exec", { valued: set("-a") }], ["setsid", { valued: NONE }],
  ["stdbuf", { valued: set("-i -o -e --input --output --error") }], ["chronic", { valued: NONE }],
  ["unbuffer", { valued: NONE }], ["caffeinate", { valued: set("-w -t") }], ["chrt", { valued: NONE, positional: 1 }],
  ["taskset", { valued: NONE, positional: 1 }], ["flock", { valued: set("-w -E --timeout --conflict-exit-code"), positional: 1 }],
  ["proxychains", { valued: set("-f") }], ["proxychains4", { valued: set("-f") }], ["torsocks", { valued: NONE }],
  ["xargs", { valued: set("-I -n -L -P -d -E -s -a --max-args --max-procs --max-lines --delimiter --arg-file --replace --eof --max-chars"), loop: true }],
  ["parallel", { valued: set("-j -N -n -S -I --jobs --max-args --sshlogin --results"), loop: true }]
])

/** Shells that take a script with `-c` (or on standard input). */
export const SHELLS: ReadonlySet<string> = set("sh bash zsh dash ksh mksh fish ash csh tcsh busybox")
/** Interpreters, and the option that gives them inline code. */
const INTERPRETERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ...["python", "python2", "python3", "pypy", "pypy3"].map((p) => [p, set("-c")] as const),
  ...["node", "nodejs", "bun"].map((p) => [p, set("-e -p --eval --print")] as const),
  ["deno", set("eval")], ["ruby", set("-e")], ["perl", set("-e -E")], ["php", set("-r")], ["lua", set("-e")],
  ["pwsh", set("-c -command -Command")], ["powershell", set("-c -command -Command")], ["osascript", set("-e")]
])
/** Whether `name` runs programs given as text: a shell or an interpreter. */
export const isInterpreter = (name: string): boolean => SHELLS.has(name) || INTERPRETERS.has(name) || /^python\d/.test(name)

const SSH_VALUED = set("-b -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w")
const EXEC_VALUED = set("-e --env --env-file -u --user -w --workdir --detach-keys --index")
const KEYWORDS = set("do then else elif if fi ! { } esac time")

// ---------------------------------------------------------------------------------------------------
// Parsing

interface Building {
  words: Array<string>
  redirects: Array<Redirect>
  subs: Array<Command>
  runsSub: boolean
  upstream: ReadonlyArray<Command>
}

interface Frame {
  b: Building
  pipeline: Array<Command>
  readonly owner: Building | undefined
  loop: number
  readonly made: Array<Command>
}

interface State {
  readonly out: Array<Command>
  problem: string | undefined
  cwd: string | undefined
}

const building = (upstream: ReadonlyArray<Command> = []): Building => ({ words: [], redirects: [], subs: [], runsSub: false, upstream })

const REDIRECT_OPS = set("> >> < >& <& &> &>> >| <> <<< <<-")
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(?:\[[^\]]*\])?\+?=/

/** The inner texts of `$( … )` and backtick substitutions inside one word (unbalanced: the rest of the word). */
const innerScripts = (word: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  let i = word.indexOf("$(")
  while (i >= 0) {
    let depth = 1
    let j = i + 2
    while (j < word.length && depth > 0) {
      if (word[j] === "(") depth++
      else if (word[j] === ")") depth--
      j++
    }
    out.push(word.slice(i + 2, depth === 0 ? j - 1 : j))
    i = word.indexOf("$(", i + 2)
  }
  const ticks = word.split("`")
  for (let k = 1; k < ticks.length; k += 2) out.push(ticks[k]!)
  return out
}

/** Parses `text` as a script; its commands go to `state.out` (and are returned). */
const parseText = (text: string, depth: number, inLoop: boolean, state: State): Array<Command> => {
  const made: Array<Command> = []
  if (depth > MAX_DEPTH) {
    state.problem = `the command nests scripts more than ${MAX_DEPTH} levels deep`
    return made
  }
  const prepared = prepare(text)
  let entries: ReadonlyArray<Entry>
  try {
    entries = words(prepared.text)
  } catch (e) {
    state.problem = `the command could not be split into words (${e instanceof Error ? e.message : String(e)})`
    return made
  }
  const root: Frame = { b: building(), pipeline: [], owner: undefined, loop: inLoop ? 1 : 0, made }
  const stack: Array<Frame> = [root]
  let pending: string | undefined
  let lastOp = ";"
  const top = () => stack[stack.length - 1]!
  const end = (frame: Frame, pipe: boolean) => {
    const made = finish(frame.b, frame, depth, state)
    if (pipe) {
      if (made !== undefined) frame.pipeline.push(made)
      frame.b = building([...frame.pipeline])
    } else {
      frame.pipeline = []
      frame.b = building()
    }
  }
  for (const entry of entries) {
    const frame = top()
    if (typeof entry === "string" || "pattern" in entry) {
      const word = typeof entry === "string" ? entry : entry.pattern
      if (pending !== undefined) {
        frame.b.redirects.push({ op: pending, target: prepared.heredocs.get(word) ?? word })
        pending = undefined
      } else frame.b.words.push(word)
      lastOp = ""
      continue
    }
    if ("comment" in entry) continue
    const op = entry.op
    pending = undefined
    if (REDIRECT_OPS.has(op)) {
      pending = op === "<<-" ? "<<<" : op
    } else if (op === "(" || op === "<(" || op === ">(") {
      const b = frame.b
      const last = b.words[b.words.length - 1]
      let owner: Building | undefined
      if (op !== "(") owner = b
      else if (last !== undefined && last.endsWith("$")) {
        if (last === "$") b.words.pop()
        else b.words[b.words.length - 1] = last.slice(0, -1)
        if (b.words.length === 0) b.runsSub = true
        owner = b
      } else if (last !== undefined && /^(?:iex|invoke-expression)$/i.test(last)) owner = b
      else if (b.words.length > 0) end(frame, false)
      stack.push({ b: building(), pipeline: [], owner, loop: frame.loop, made: [] })
    } else if (op === ")") {
      if (stack.length > 1) {
        end(frame, false)
        stack.pop()
        frame.owner?.subs.push(...frame.made)
        top().made.push(...frame.made)
      }
    } else if (op === "|" || op === "|&") {
      end(frame, true)
    } else if (op === ";" && frame.b.words.length === 0 && frame.b.redirects.length === 0 && /^(?:\|&?|&&|\|\|)$/.test(lastOp)) {
      continue
    } else {
      end(frame, false)
    }
    lastOp = op
  }
  while (stack.length > 1) {
    const frame = stack.pop()!
    end(frame, false)
    frame.owner?.subs.push(...frame.made)
    top().made.push(...frame.made)
  }
  end(root, false)
  return made
}

/** Turns a finished simple command into `Command`s (itself and what it runs); returns them. */
const finish = (
  b: Building,
  frame: Frame,
  depth: number,
  state: State
): Command | undefined => {
  let k = 0
  while (k < b.words.length) {
    const w = b.words[k]!
    if (w === "for" || w === "select") {
      frame.loop++
      return undefined
    }
    if (w === "while" || w === "until") frame.loop++
    else if (w === "done") frame.loop = Math.max(0, frame.loop - 1)
    else if (!KEYWORDS.has(w)) break
    k++
  }
  while (k < b.words.length && ASSIGNMENT.test(b.words[k]!)) k++
  const argv = k === 0 ? b.words : b.words.slice(k)
  if (argv.length === 0 && b.redirects.length === 0 && !b.runsSub && b.subs.length === 0) return undefined
  const before = frame.made.length
  analyse(argv, {
    text: b.words.join(" "),
    redirects: b.redirects,
    upstream: b.upstream,
    subs: b.subs,
    runsSub: b.runsSub,
    inLoop: frame.loop > 0,
    via: undefined
  }, depth, state, frame.made)
  return frame.made[before]
}

interface Context {
  readonly text: string
  readonly redirects: ReadonlyArray<Redirect>
  readonly upstream: ReadonlyArray<Command>
  readonly subs: ReadonlyArray<Command>
  readonly runsSub: boolean
  readonly inLoop: boolean
  readonly via: string | undefined
}

const ECHO_OPTIONS = /^-[neE]+$/
const ABSOLUTE = /^(?:\/|~|\$HOME)/

const BASE64 = /^[A-Za-z0-9+/=\s_-]+$/

/**
 * Text a command writes to the next one in its pipeline, when it can be told: what an `echo`/`printf`
 * prints, or what `base64 -d` decodes from its own input (so `echo cm0gLXJmIH4= | base64 -d | sh` runs
 * `rm -rf ~` in this model too).
 */
const piped = (c: Command | undefined): string | undefined => {
  if (c === undefined) return undefined
  if (c.name === "echo" || c.name === "printf") {
    const args = c.argv.slice(1)
    while (args.length > 0 && ECHO_OPTIONS.test(args[0]!)) args.shift()
    return args.join(" ").replaceAll("\\n", "\n")
  }
  if ((c.name === "base64" || c.name === "base32") && hasOption(c.argv.slice(1), "d", "decode") && c.stdin !== undefined) {
    if (c.name === "base32" || !BASE64.test(c.stdin)) return undefined
    try {
      return atob(c.stdin.replace(/\s+/g, "").replaceAll("-", "+").replaceAll("_", "/"))
    } catch {
      return undefined
    }
  }
  return undefined
}

const record = (command: Command, state: State, made: Array<Command>): void => {
  if (state.out.length >= MAX_COMMANDS) {
    state.problem = `the command has more than ${MAX_COMMANDS} simple commands`
    return
  }
  state.out.push(command)
  made.push(command)
}

/** Unwraps `argv`, records the command, then parses what it runs. */
const analyse = (argv0: ReadonlyArray<string>, cx: Context, depth: number, state: State, made: Array<Command>): void => {
  if (depth > MAX_DEPTH) {
    state.problem = `the command nests scripts more than ${MAX_DEPTH} levels deep`
    return
  }
  let argv = argv0
  let inLoop = cx.inLoop
  let via = cx.via
  let name = programName(argv[0])
  for (let guard = 0; guard < 8 && argv.length > 0; guard++) {
    const wrapper = WRAPPERS.get(name)
    if (wrapper === undefined) break
    let i = skipOptions(argv, 1, wrapper.valued)
    if (name === "env") {
      const split = optionValues(argv.slice(0, i), "S", "split-string")
      while (i < argv.length && ASSIGNMENT.test(argv[i]!)) i++
      if (split.length > 0) {
        argv = [...split.flatMap((s) => s.split(/\s+/).filter((w) => w !== "")), ...argv.slice(i)]
        name = programName(argv[0])
        continue
      }
    }
    i += wrapper.positional ?? 0
    if (wrapper.loop === true) {
      inLoop = true
      via = name
    }
    argv = argv.slice(i)
    if (name === "parallel") {
      const stop = argv.findIndex((w) => w === ":::" || w === "::::")
      if (stop >= 0) argv = argv.slice(0, stop)
    }
    name = programName(argv[0])
  }
  let stdin: string | undefined
  for (const r of cx.redirects) if (r.op === "<<<") stdin = r.target
  if (stdin === undefined && cx.upstream.length > 0) stdin = piped(cx.upstream[cx.upstream.length - 1])
  const code = inlineCode(name, argv, stdin)
  const command: Command = {
    argv,
    args: argv.slice(1),
    name,
    text: cx.text,
    redirects: cx.redirects,
    stdin,
    upstream: cx.upstream,
    substitutions: cx.subs.length === 0 ? [] : [...cx.subs],
    runsSubstitution: cx.runsSub,
    inLoop,
    via,
    code,
    cwd: state.cwd
  }
  record(command, state, made)
  if (name === "cd" || name === "pushd") {
    const target = positionals(argv.slice(1))[0]
    if (target === undefined) state.cwd = "~"
    else if (target === "-") state.cwd = undefined
    else if (ABSOLUTE.test(target) || state.cwd === undefined) state.cwd = target
    else state.cwd = `${state.cwd}/${target}`
  }
  let substituted = false
  for (const w of argv) if (w.includes("$(") || w.includes("`")) substituted = true
  for (const r of cx.redirects) if (r.target.includes("$(") || r.target.includes("`")) substituted = true
  if (substituted || NESTING.has(name)) runsOf(command, { ...cx, inLoop, via }, depth, state, made)
}

/** Programs that run other commands or scripts given as arguments (see `runsOf`). */
const NESTING = new Set([
  "git", ...SHELLS, "eval", "watch", "su", "runuser", "ssh", "docker", "podman", "nerdctl", "docker-compose", "kubectl", "oc", "find"
])

/** Inline program text given to an interpreter (`python -c …`, a heredoc to `node`), if any. */
const inlineCode = (name: string, argv: ReadonlyArray<string>, stdin: string | undefined): string | undefined => {
  const options = INTERPRETERS.get(name) ?? (name.startsWith("python") && /^python\d/.test(name) ? INTERPRETERS.get("python") : undefined)
  if (options === undefined) return undefined
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!
    if (options.has(a) || (name === "perl" && /^-[a-zA-Z]*[eE]$/.test(a))) return argv[i + 1]
    if (!a.startsWith("-")) break
  }
  return positionals(argv.slice(1)).every((p) => p === "-") ? stdin : undefined
}

const WATCH_VALUED = set("-n -d --interval")
const ALIAS = /^alias\.([^=]+)=(.*)$/is

/** Parses what a recorded command runs: substitutions in its words, `sh -c`, `eval`, `ssh`, `docker exec`, `find -exec`, git aliases. */
const runsOf = (command: Command, cx: Context, depth: number, state: State, made: Array<Command>): void => {
  const { argv, name, stdin } = command
  const inLoop = cx.inLoop
  const subs = command.substitutions as Array<Command>
  const nested = (text: string, loop = inLoop) => parseText(text, depth + 1, loop, state)
  for (const word of argv) if (word.includes("$(") || word.includes("`")) for (const inner of innerScripts(word)) subs.push(...nested(inner))
  for (const r of cx.redirects) {
    if (r.target.includes("$(") || r.target.includes("`")) for (const inner of innerScripts(r.target)) subs.push(...nested(inner))
  }
  const sub = (args: ReadonlyArray<string>, viaName: string, loop = inLoop) =>
    analyse(args, { ...cx, text: args.join(" "), redirects: [], subs: [], runsSub: false, inLoop: loop, via: viaName }, depth + 1, state, made)
  if (name === "git") {
    const i = skipOptions(argv, 1, GIT_VALUED)
    for (let k = 1; k + 1 < i; k++) {
      const alias = argv[k] === "-c" ? ALIAS.exec(argv[k + 1]!) : null
      if (alias === null || alias[1] !== argv[i]) continue
      const body = alias[2]!.trim()
      if (body.startsWith("!")) nested(`${body.slice(1)} ${argv.slice(i + 1).join(" ")}`)
      else {
        const expanded = words(body).flatMap((e) => (typeof e === "string" ? [e] : "pattern" in e ? [e.pattern] : []))
        sub([...argv.slice(0, i), ...expanded, ...argv.slice(i + 1)], "git alias")
      }
      break
    }
  } else if (SHELLS.has(name)) {
    const c = argv.findIndex((a, i) => i > 0 && /^-[A-Za-z]*c[A-Za-z]*$/.test(a))
    const script = c < 0 ? undefined : argv.slice(c + 1).find((a) => !a.startsWith("-"))
    if (script !== undefined) nested(script)
    else if (stdin !== undefined && positionals(argv.slice(1)).every((p) => p === "-")) nested(stdin)
  } else if (name === "eval" || name === "watch") {
    nested(argv.slice(name === "watch" ? skipOptions(argv, 1, WATCH_VALUED) : 1).join(" "), inLoop || name === "watch")
  } else if (name === "su" || name === "runuser") {
    for (const script of optionValues(argv, "c", "command")) nested(script)
  } else if (name === "ssh") {
    const i = skipOptions(argv, 1, SSH_VALUED)
    if (argv.length > i + 1) nested(argv.slice(i + 1).join(" "))
  } else if ((name === "docker" || name === "podman" || name === "nerdctl") && argv.length > 2) {
    const at = argv[1] === "compose" ? 2 : 1
    if (argv[at] === "exec") {
      const i = skipOptions(argv, at + 1, EXEC_VALUED)
      if (argv.length > i + 1) sub(argv.slice(i + 1), `${name} exec`)
    }
  } else if (name === "docker-compose" && argv[1] === "exec") {
    const i = skipOptions(argv, 2, EXEC_VALUED)
    if (argv.length > i + 1) sub(argv.slice(i + 1), "docker-compose exec")
  } else if ((name === "kubectl" || name === "oc") && argv.includes("exec")) {
    const dash = argv.indexOf("--")
    if (dash > 0 && dash + 1 < argv.length) sub(argv.slice(dash + 1), `${name} exec`)
  } else if (name === "find") {
    const firstTest = argv.findIndex((a, i) => i > 0 && a.startsWith("-") && a !== "-")
    const roots = argv.slice(1, firstTest < 0 ? argv.length : firstTest)
    const named = argv.findIndex((a) => a === "-name" || a === "-iname")
    const pattern = named < 0 ? "*" : argv[named + 1] ?? "*"
    const targets = (roots.length === 0 ? ["."] : roots).map((r) => `${r.replace(/\/+$/, "")}/${pattern}`)
    for (let i = 1; i < argv.length; i++) {
      if (!/^-(?:exec|execdir|ok|okdir)$/.test(argv[i]!)) continue
      let j = i + 1
      while (j < argv.length && argv[j] !== ";" && argv[j] !== "+") j++
      const inner = argv.slice(i + 1, j).flatMap((w) => (w === "{}" ? targets : [w]))
      if (inner.length > 0) sub(inner, "find -exec", true)
      i = j
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Entry point

let memoKey: string | undefined
let memoScript: Script | undefined

/**
 * Parses a command string (or an argv array) into its simple commands. The last answer is kept: every
 * shell policy of a gate reads the same `payload.command`. Never throws.
 */
export const parse = (command: string | ReadonlyArray<string>): Script => {
  const key = typeof command === "string" ? command : `\u0000${JSON.stringify(command)}`
  if (key === memoKey && memoScript !== undefined) return memoScript
  let script: Script
  const state: State = { out: [], problem: undefined, cwd: undefined }
  if (key.length > MAX_LENGTH) {
    script = { commands: [], problem: `the command is too long to inspect (${key.length} characters, limit ${MAX_LENGTH})` }
  } else {
    if (typeof command === "string") parseText(command, 0, false, state)
    else {
      analyse(command, { text: command.join(" "), redirects: [], upstream: [], subs: [], runsSub: false, inLoop: false, via: undefined }, 0, state, [])
    }
    script = { commands: state.out, problem: state.problem }
  }
  memoKey = key
  memoScript = script
  return script
}

// ---------------------------------------------------------------------------------------------------
// Paths in words

/** Where `~` and `$HOME` point in resolved paths. */
export const HOME = "/home/~"
/** Stands for an unknown working directory in resolved paths. */
export const UNKNOWN_CWD = "/~cwd"

/**
 * A word as an absolute path: `~`, `~user` and `$HOME` expanded, relative paths resolved against the
 * command's `cd` directory (or `UNKNOWN_CWD`), `.`/`..` and repeated slashes resolved. `file://` URLs
 * count as paths.
 */
export const pathOf = (word: string, cwd: string | undefined): string => {
  let w = word.startsWith("file://") ? word.slice(7) : word
  const home = Paths.homeShorthand(w)
  if (home !== undefined) {
    const root = home === "~" || home.startsWith("$") ? HOME : `/home/${home.slice(1)}`
    w = `${root}${w.slice(home.length)}`
  }
  if (w.startsWith("/")) return Paths.resolve(w, "/")
  const base = cwd === undefined ? UNKNOWN_CWD : pathOf(cwd, undefined)
  return Paths.resolve(w, base)
}

/** Whether a path resolved by `pathOf` depends on an unknown working directory. */
export const isRelativeUnknown = (path: string): boolean => Paths.isWithin(path, UNKNOWN_CWD)
