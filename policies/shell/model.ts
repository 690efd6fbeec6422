/**
 * The shell command model (private): what one parsed command string holds, and helpers to read argv
 * words. See `parse.ts` for how text becomes these commands and what is resolved.
 *
 * @example
 * ```ts
 * import { positionals, programName } from "./model.ts"
 * positionals(["-f", "x", "--", "-y"], new Set(["-f"])) // ["-y"]
 * programName("/usr/bin/RM")                            // "rm"
 * ```
 * @module
 */
import * as Paths from "../_paths.ts"
import { show } from "../_payload.ts"
import { UNKNOWN } from "./expand.ts"
import type { GitCall } from "./gitInvocation.ts"

export { isUnknown, UNKNOWN } from "./expand.ts"

/** An I/O redirection: its operator (`>`, `>>`, `<`, `<<<`…) and target (a heredoc's body for `<<<`). */
export interface Redirect {
  readonly op: string
  readonly target: string
}

/** One simple command, unwrapped. Words are resolved; `UNKNOWN` marks text not known before it runs. */
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
  /** Text on its standard input when known: a here-string, a heredoc body, what `echo`/`printf` pipes in. */
  readonly stdin: string | undefined
  /** The commands before it in its pipeline (for `curl … | sh`, `[curl]` on `sh`). */
  readonly upstream: ReadonlyArray<Command>
  /** The commands whose output it reads: `$( )`, backticks, `<( )`. */
  readonly substitutions: ReadonlyArray<Command>
  /** The program name itself is the output of a substitution (`$(curl …)` run as a command). */
  readonly runsSubstitution: boolean
  /** Runs repeatedly: in a loop, or under `xargs`, `parallel`, `find -exec`, `watch`. */
  readonly inLoop: boolean
  /** The command that runs it, when not the shell itself (`find -exec`, `xargs`, `ssh`, `git alias`…). */
  readonly via: string | undefined
  /** Inline program text given to an interpreter (`python -c …`, a heredoc to `node`). */
  readonly code: string | undefined
  /** The working directory as written (`~`, `/srv/app`), `undefined` for the starting one; may hold `UNKNOWN`. */
  readonly cwd: string | undefined
  /** Why what this command runs is not fully known (an unknown program name, `eval` of unknown text…), if so. */
  readonly unresolved: string | undefined
  /** Git configuration in effect: `-c` overrides, `git config` earlier in the command, `GIT_CONFIG_*`; values may hold `UNKNOWN`. */
  readonly gitConfig: ReadonlyMap<string, string>
  /** Environment assignments on the command itself (`X=1 cmd`), resolved. */
  readonly env: ReadonlyMap<string, string>
  /** For git commands: the branch a `git checkout`/`git switch` earlier in the command moved to, if any. */
  readonly branch: string | undefined
  /** For git commands: the invocation read (global options, its own configuration overrides, subcommand). */
  readonly git: GitCall | undefined
  /** The files and directories it writes, as written (redirections, `tee`, `cp` targets, `sed -i`…). */
  readonly writes: ReadonlyArray<string>
}

/** Every simple command in a command string, in order, nested ones included. */
export interface Script {
  readonly commands: ReadonlyArray<Command>
  /** Why the text could not be inspected at all (too long, unreadable syntax, nested too deeply): policies fail closed. */
  readonly problem: string | undefined
}

/** A command quoted for a reason: as written, wrappers included; unknown text shown as `…`. */
export const shown = (c: Command): string => show((c.text === "" ? c.argv.join(" ") : c.text).replaceAll(UNKNOWN, "…"))

/** A word quoted for a reason, unknown text shown as `$…`. */
export const showWord = (word: string): string => show(word.replaceAll(UNKNOWN, "$…"))

/** The base name of a program word, lower-cased. */
export const programName = (word: string | undefined): string => {
  if (word === undefined) return ""
  const slash = word.lastIndexOf("/")
  const base = slash < 0 ? word : word.slice(slash + 1)
  for (let i = 0; i < base.length; i++) {
    const c = base.charCodeAt(i)
    if (c >= 65 && c <= 90) return base.toLowerCase()
  }
  return base
}

/** Git's global options that take a value, before the subcommand. */
export const GIT_VALUED: ReadonlySet<string> = new Set(
  ["-C", "-c", "--git-dir", "--work-tree", "--namespace", "--super-prefix", "--config-env", "--exec-path", "--attr-source", "--list-cmds"]
)

/** The arguments after `git` and its global options: `["reset", "--hard"]` for `git -C x reset --hard`. */
export const gitArgs = (c: Command): ReadonlyArray<string> | undefined =>
  c.name === "git" ? c.argv.slice(skipOptions(c.argv, 1, GIT_VALUED)) : undefined

// ---------------------------------------------------------------------------------------------------
// Options

/**
 * Skips options from `start`: `--` ends them, an option in `valued` takes the next word, `--name=value` is
 * one word. Returns the index of the first non-option word.
 */
export const skipOptions = (argv: ReadonlyArray<string>, start: number, valued: ReadonlySet<string>): number => {
  let i = start
  while (i < argv.length) {
    const a = argv[i]!
    if (a === "--") return i + 1
    if (!a.startsWith("-") || a === "-") return i
    if (valued.has(a)) i += 2
    else i++
  }
  return i
}

/** Whether the options in `args` (before `--`) include short letter `short` in any cluster, or a listed long one. */
export const hasOption = (args: ReadonlyArray<string>, short: string | undefined, ...long: ReadonlyArray<string>): boolean => {
  for (const a of args) {
    if (a === "--") return false
    if (a.startsWith("--")) {
      const eq = a.indexOf("=")
      if (long.includes(eq < 0 ? a.slice(2) : a.slice(2, eq))) return true
    } else if (short !== undefined && a.length > 1 && a[0] === "-" && a.includes(short, 1)) return true
  }
  return false
}

/**
 * Every value of an option: `-o F`, `-oF`, `--output F`, `--output=F`, short clusters such as `-sSLo F`
 * included. `valuedLetters` are the other short options that take a value: a cluster stops at them.
 */
export const optionValues = (
  args: ReadonlyArray<string>,
  short: string | undefined,
  long: string | undefined,
  valuedLetters = ""
): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === "--") break
    if (long !== undefined && (a === `--${long}` || a.startsWith(`--${long}=`))) {
      const v = a.includes("=") ? a.slice(a.indexOf("=") + 1) : args[++i]
      if (v !== undefined) out.push(v)
    } else if (short !== undefined && a.startsWith("-") && !a.startsWith("--")) {
      for (let k = 1; k < a.length; k++) {
        if (a[k] === short) {
          const v = k === a.length - 1 ? args[++i] : a.slice(k + 1)
          if (v !== undefined) out.push(v)
          break
        }
        if (valuedLetters.includes(a[k]!)) break
      }
    }
  }
  return out
}

const NONE: ReadonlySet<string> = new Set()

/** The words of `args` that are not options, skipping the values of `valued` options; all words after `--`. */
export const positionals = (args: ReadonlyArray<string>, valued: ReadonlySet<string> = NONE): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === "--") {
      for (let k = i + 1; k < args.length; k++) out.push(args[k]!)
      return out
    }
    if (a.startsWith("-") && a !== "-") {
      if (valued.has(a)) i++
    } else out.push(a)
  }
  return out
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
 * count as paths. A path holding `UNKNOWN` keeps it (see `isUnknown`).
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
