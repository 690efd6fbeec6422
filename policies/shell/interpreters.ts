/**
 * Programs that run code given as text (private): interpreter one-liners (`python -c`, `node -e`,
 * `perl -e`, `ruby -e`, `php -r`…), scripts fed on standard input or in a heredoc, `awk` programs that
 * call `system()` or pipe to commands, `sed` scripts with the `e` command, editors and debuggers told to
 * run commands (`vim -c`, `gdb -ex`, `less +!cmd`), and database clients' shell escapes (`psql \!`, sqlite `.shell`).
 * The guard cannot model that code, so `interpreterCode` gives the code (scanned by the secret and CI
 * policies) and a reason to block it unless the user allows the form. Every scanner here is one
 * linear pass.
 *
 * @example
 * ```ts
 * import { interpreterCode } from "./interpreters.ts"
 * interpreterCode("python3", ["python3", "-c", "print(1)"], undefined, false)?.reason // "python3 -c runs inline Python code, …"
 * interpreterCode("awk", ["awk", "{print $1}"], undefined, false)?.reason            // undefined: a plain awk program runs nothing
 * ```
 * @module
 */
import { AWKS, awkProgram, awkRunsCommands, sedEffects, sedScripts } from "./awkSed.ts"
import { UNKNOWN } from "./expand.ts"

/** Inline code a command runs, and why it is not modelled (undefined reason: it is harmless, e.g. plain awk). */
export interface Code {
  readonly code: string | undefined
  readonly reason: string | undefined
  /** The script file an interpreter runs (`python3 x.py`), when it runs one. */
  readonly file?: string
}

/** Script paths that mean standard input. */
export const STDIN_FILES: ReadonlySet<string> = new Set(["/dev/stdin", "-", "/proc/self/fd/0", "/dev/fd/0"])

const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))

/** Shells that take a script with `-c`, a script file, or a script on standard input. */
export const SHELLS: ReadonlySet<string> = set("sh bash zsh dash ksh mksh fish ash csh tcsh yash posh rbash busybox-sh")

/** Interpreters: options giving inline code, options taking another value, and whether a bare call reads stdin. */
interface Lang {
  readonly code: ReadonlySet<string>
  readonly valued: ReadonlySet<string>
  /** Short letters that end a cluster with inline code (`perl -ne`). */
  readonly clusterCode?: string
  readonly stdin: boolean
  readonly label: string
}

const L = (code: string, valued: string, label: string, more: Partial<Lang> = {}): Lang => ({
  code: set(code),
  valued: set(valued),
  stdin: true,
  label,
  ...more
})

const PYTHON = L("-c", "-W -X -m --check-hash-based-pycs", "Python")
const LANGS: ReadonlyMap<string, Lang> = new Map<string, Lang>([
  ["node", L("-e --eval -p --print", "-r --require --import --loader --experimental-loader --input-type -C --conditions --env-file", "JavaScript")],
  ["nodejs", L("-e --eval -p --print", "-r --require --import --loader --input-type", "JavaScript")],
  ["bun", L("-e --eval -p --print", "-r --preload --cwd --env-file", "JavaScript", { stdin: false })],
  ["ruby", L("-e", "-r -I -C -E -F -x", "Ruby", { clusterCode: "e" })],
  ["perl", L("-e -E", "-I -M -m -x -C -F -l -0 -i", "Perl", { clusterCode: "eE" })],
  ["php", L("-r -B -R -E -F", "-c -d -z -t", "PHP")],
  ["lua", L("-e", "-l", "Lua")],
  ["luajit", L("-e", "-l -j -O", "Lua")],
  ["rscript", L("-e", "", "R", { stdin: false })],
  ["r", L("-e", "-f --file", "R")],
  ["julia", L("-e -E --eval --print", "-J -p -t --project", "Julia")],
  ["pwsh", L("-c -command -Command -e -ec -enc -EncodedCommand -encodedcommand", "-File -f -ExecutionPolicy -ep", "PowerShell")],
  ["powershell", L("-c -command -Command -e -ec -enc -EncodedCommand -encodedcommand", "-File -f -ExecutionPolicy -ep", "PowerShell")],
  ["osascript", L("-e", "-l -s", "AppleScript")],
  ["groovy", L("-e", "-cp -classpath", "Groovy", { stdin: false })],
  ["scala", L("-e", "-cp -classpath", "Scala", { stdin: false })],
  ["tclsh", L("", "", "Tcl")],
  ["wish", L("", "", "Tcl")],
  ["expect", L("-c", "-f", "Expect")],
  ["jshell", L("", "", "Java")]
])

/** The interpreter table for `name` (`python3.12` is Python). */
const langOf = (name: string): Lang | undefined =>
  LANGS.get(name) ?? ((name.startsWith("python") || name.startsWith("pypy")) && /^(?:python|pypy)(?:\d+(?:\.\d+)*)?$/.test(name) ? PYTHON : undefined)

/** Whether `name` runs programs given as text: a shell or an interpreter. */
export const isInterpreter = (name: string): boolean => SHELLS.has(name) || langOf(name) !== undefined

const allowHint = "; allow the form with the `allow` option if it is expected"

/** The inline code a command runs and why it is not modelled, if it runs any; `undefined` for other commands. */
export const interpreterCode = (
  name: string,
  argv: ReadonlyArray<string>,
  stdin: string | undefined,
  stdinUnknown: boolean
): Code | undefined => {
  const lang = langOf(name)
  if (lang !== undefined) return languageCode(name, lang, argv, stdin, stdinUnknown)
  if (name === "deno") return denoCode(argv)
  if (AWKS.has(name)) return awkCode(name, argv)
  if (name === "sed" || name === "gsed") return sedCode(name, argv)
  if (EDITORS.has(name)) return editorCode(name, argv)
  if (PAGERS.has(name)) return pagerCode(name, argv)
  if (DB_CLIENTS.has(name)) return clientCode(name, argv, stdin)
  if (name === "make" || name === "gmake") return makeCode(argv, stdin)
  return undefined
}

const languageCode = (name: string, lang: Lang, argv: ReadonlyArray<string>, stdin: string | undefined, stdinUnknown: boolean): Code | undefined => {
  const powershell = name === "pwsh" || name === "powershell"
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!
    if (a === "--") {
      const file = argv[i + 1]
      if (file !== undefined && !STDIN_FILES.has(file)) return scriptFile(name, file, lang)
      break
    }
    if (lang.code.has(a)) return oneLiner(name, a, argv[i + 1] ?? "", lang)
    if (powershell && /^-/.test(a)) {
      const lower = a.toLowerCase()
      if (lower.length >= 2 && ("-command".startsWith(lower) || "-encodedcommand".startsWith(lower) || lower === "-ec")) return oneLiner(name, a, argv[i + 1] ?? "", lang)
      if (lower.length >= 2 && "-file".startsWith(lower)) return argv[i + 1] === "-" ? stdinCode(name, lang, stdin, stdinUnknown) : scriptFile(name, argv[i + 1] ?? "", lang)
      if (/^-(?:executionpolicy|ep|workingdirectory|wd|configurationname|settingsfile|custompipename)$/.test(lower)) i++
      continue
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=")
      if (eq > 0 && lang.code.has(a.slice(0, eq))) return oneLiner(name, a.slice(0, eq), a.slice(eq + 1), lang)
      if (eq < 0 && lang.valued.has(a)) {
        if (/^data:/i.test(argv[i + 1] ?? "")) return oneLiner(name, a, argv[i + 1]!, lang)
        i++
      } else if (eq > 0 && lang.valued.has(a.slice(0, eq)) && /^data:/i.test(a.slice(eq + 1))) return oneLiner(name, a.slice(0, eq), a.slice(eq + 1), lang)
      continue
    }
    if (a.startsWith("-") && a.length > 1) {
      // A short cluster (`-Bc`, `-ne`, `-Mstrict`): a code letter takes the rest of the cluster or the next word.
      for (let k = 1; k < a.length; k++) {
        const opt = `-${a[k]}`
        if (lang.code.has(opt)) return oneLiner(name, opt, k < a.length - 1 ? a.slice(k + 1) : argv[i + 1] ?? "", lang)
        if (opt === "-m" && name !== "perl") return undefined // a module
        if (lang.valued.has(opt)) {
          const value = k < a.length - 1 ? a.slice(k + 1) : argv[++i] ?? ""
          if (/^data:/i.test(value)) return oneLiner(name, opt, value, lang)
          if (opt === "-f" || opt === "-File") return scriptFile(name, value, lang)
          break
        }
      }
      continue
    }
    // The first positional: a script file (`-` and `/dev/stdin` mean standard input); Windows PowerShell runs it as a command.
    if (name === "powershell") return oneLiner(name, "(positional)", a, lang)
    if (STDIN_FILES.has(a)) break
    return scriptFile(name, a, lang)
  }
  if (!lang.stdin) return undefined
  return stdinCode(name, lang, stdin, stdinUnknown)
}

const stdinCode = (name: string, lang: Lang, stdin: string | undefined, stdinUnknown: boolean): Code | undefined => {
  if (stdin !== undefined) return { code: stdin, reason: `${name} runs ${lang.label} code given on its standard input (a heredoc or pipe), which this guard cannot inspect${allowHint}` }
  if (stdinUnknown) return { code: undefined, reason: `${name} runs ${lang.label} code it reads from a pipe or file whose content is not known` }
  return undefined
}

/** A script file run by an interpreter: fine as a file, unless its path is not known until it runs. */
const scriptFile = (name: string, file: string, lang: Lang): Code =>
  file.includes(UNKNOWN)
    ? { code: undefined, reason: `${name} runs a ${lang.label} script file that is not known until it runs`, file }
    : { code: undefined, reason: undefined, file }

const oneLiner = (name: string, flag: string, code: string, lang: Lang): Code => ({
  code,
  reason: `${name} ${flag} runs inline ${lang.label} code, which this guard cannot inspect${allowHint}`
})

const denoCode = (argv: ReadonlyArray<string>): Code | undefined => {
  const sub = argv.slice(1).find((w) => !w.startsWith("-"))
  if (sub === "eval") return { code: argv[argv.indexOf("eval") + 1], reason: `deno eval runs inline JavaScript code, which this guard cannot inspect${allowHint}` }
  if (sub === "run" || sub === "x") {
    const target = argv.slice(argv.indexOf(sub) + 1).find((w) => !w.startsWith("-"))
    if (target !== undefined && /^(?:https?:|data:|jsr:|npm:)/i.test(target)) return { code: undefined, reason: `deno ${sub} runs code fetched from ${target.split(":")[0]}, which this guard cannot inspect${allowHint}` }
    if (target === "-") return { code: undefined, reason: "deno run - runs code from its standard input" }
  }
  return undefined
}

// ---------------------------------------------------------------------------------------------------
// awk and sed (their scanners are in awkSed.ts)

const awkCode = (name: string, argv: ReadonlyArray<string>): Code | undefined => {
  const program = awkProgram(argv)
  if (program === undefined) return undefined
  if (program.includes(UNKNOWN)) return { code: program, reason: `the ${name} program is not known until it runs` }
  const exec = awkRunsCommands(program)
  return exec === undefined ? { code: program, reason: undefined } : { code: program, reason: `the ${name} program runs commands (${exec}), which this guard cannot inspect${allowHint}` }
}

const sedCode = (name: string, argv: ReadonlyArray<string>): Code | undefined => {
  const scripts = sedScripts(argv)
  if (scripts.length === 0) return undefined
  const code = scripts.join("\n")
  if (code.includes(UNKNOWN)) return { code, reason: `the ${name} script is not known until it runs` }
  return { code, reason: sedEffects(code).exec ? `the ${name} script runs commands (the 'e' command), which this guard cannot inspect${allowHint}` : undefined }
}

// ---------------------------------------------------------------------------------------------------
// Editors, debuggers, database clients, make

const EDITORS = set("vim vi nvim gvim ex view vimdiff emacs gdb lldb")
const EDITOR_CODE: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ["emacs", set("--eval -eval --execute -l --load -batch --batch --script -x")],
  ["gdb", set("-ex --eval-command -x --command -iex --init-eval-command -ix --init-command")],
  ["lldb", set("-o --one-line -s --source -O --one-line-before-file -k --one-line-on-crash")]
])
const VIM_CODE = set("-c --cmd -S -s -u")

const editorCode = (name: string, argv: ReadonlyArray<string>): Code | undefined => {
  const options = EDITOR_CODE.get(name) ?? VIM_CODE
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!
    if (options.has(a) || options.has(a.split("=")[0]!) || ((name !== "emacs" && name !== "gdb" && name !== "lldb") && a.startsWith("+") && a.length > 1)) {
      return { code: argv[i + 1], reason: `${name} ${a.split("=")[0]} runs editor or debugger commands (which can run a shell), which this guard cannot inspect${allowHint}` }
    }
  }
  return undefined
}

const PAGERS = set("less more most")
/** `less +'!cmd'`: a pager's initial command that runs a shell (`!`) or pipes to one (`|`). */
const pagerCode = (name: string, argv: ReadonlyArray<string>): Code | undefined => {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!
    const initial = a.startsWith("+") ? a.slice(1) : a.startsWith("--cmd=") ? a.slice(6) : a === "--cmd" ? argv[i + 1] ?? "" : undefined
    if (initial !== undefined && (initial.includes("!") || initial.includes("|") || initial.includes(UNKNOWN))) {
      return { code: initial, reason: `${name} ${a.startsWith("+") ? "+" : "--cmd"} runs a pager command that starts a shell, which this guard cannot inspect${allowHint}` }
    }
  }
  return undefined
}

const DB_CLIENTS = set("psql mysql mariadb sqlite3 sqlite duckdb")
/** Shell escapes in database clients: psql `\!`, `\o |cmd`, `\g |cmd`, `program '…'`; mysql `\!`/`system`; sqlite `.shell`/`.system`, `.once |`, `.output |`. */
const CLIENT_SHELL = /(?:^|[\s;])(?:\\!|\\[og]\s*\||\.(?:shell|system|sh)\b|\.(?:once|output)\s+['"]?\||system\s)|\bprogram\s+'/im

const clientCode = (name: string, argv: ReadonlyArray<string>, stdin: string | undefined): Code | undefined => {
  for (const text of [...argv.slice(1), stdin ?? ""]) {
    if (CLIENT_SHELL.test(text)) return { code: text, reason: `${name} is told to run shell commands (a client shell escape such as \\! or .shell), which this guard cannot inspect` }
  }
  return undefined
}

const makeCode = (argv: ReadonlyArray<string>, stdin: string | undefined): Code | undefined => {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!
    if (a === "--eval" || a.startsWith("--eval=") || a === "-E") return { code: a.includes("=") ? a.slice(7) : argv[i + 1], reason: `make ${a.split("=")[0]} runs Makefile text given inline, which this guard cannot inspect${allowHint}` }
    if ((a === "-f" || a === "--file" || a === "--makefile") && (argv[i + 1] === "-" || argv[i + 1] === "/dev/stdin")) {
      return { code: stdin, reason: "make reads its Makefile (recipes are shell commands) from standard input, which this guard cannot inspect" }
    }
  }
  return undefined
}
