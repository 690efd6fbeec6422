/**
 * What the shell model tracks while it reads a command string (private): each shell's variables,
 * positional parameters and working directory, and what holds across the whole string (git
 * configuration set by `git config`, files written with known content, the current branch, limits).
 *
 * @example
 * ```ts
 * import { lookup, newRun, newShell, setVar } from "./state.ts"
 * const run = newRun(() => []) // a run whose nested scripts (`sh -c …`) are not read
 * const shell = newShell()
 * setVar(shell, "X", "rm", true) // X=rm, for certain
 * lookup(shell, "X") // "rm"
 * ```
 * @module
 */
import type { Command } from "./model.ts"
import { DEFAULT_IFS, UNKNOWN } from "./expand.ts"
import type { Budget } from "./lex.ts"

/** A shell variable: its value (`undefined` when not known) and whether it is exported. */
export interface Var {
  readonly value: string | undefined
  readonly exported: boolean
}

/** One shell process: the top-level one, a subshell, or a nested `sh -c` script. */
export interface Shell {
  vars: Map<string, Var>
  /** `$1`… when known (`sh -c 'script' a b`, `set -- a b`). */
  positional: ReadonlyArray<string> | undefined
  /** The working directory as written; `undefined` is the starting directory; may hold `UNKNOWN`. */
  cwd: string | undefined
  /** The previous working directory (`cd -`) and the `pushd` stack. */
  previous: string | undefined
  readonly dirs: Array<string | undefined>
}

/** Where a simple command runs, as the walker saw it. */
export interface Site {
  readonly depth: number
  readonly inLoop: boolean
  readonly via: string | undefined
  /** Assignments and `cd` take effect for certain (not in a condition, loop, pipeline or after `&&`/`||`). */
  readonly certain: boolean
  /** After `&&` at the top of a list: a `cd` holds for the rest of this `&&` chain only. */
  readonly chained: boolean
  readonly upstream: ReadonlyArray<Command>
  /** The previous pipeline element's output is not known (a compound command, or a command with unknown output). */
  readonly pipedUnknown: boolean
  readonly text: string
}

/** Parses a nested script (`sh -c`, `eval`, an alias): its commands are recorded and returned. */
export type ScriptRunner = (text: string, depth: number, shell: Shell, site: Site) => ReadonlyArray<Command>

/** What holds across one whole command string. */
export interface Run {
  readonly out: Array<Command>
  problem: string | undefined
  /** Git configuration written by `git config` earlier in the command (lower-cased keys). */
  readonly gitConfig: Map<string, string>
  /** Files written earlier in the command (resolved path → content, `undefined` when not known). */
  readonly written: Map<string, string | undefined>
  /** The branch a `git checkout`/`git switch` earlier in the command moved to. */
  branch: string | undefined
  /** Set when the chained `cd` of the current `&&` list makes the directory uncertain once the list ends. */
  chainCd: boolean
  /** Scripts read so far (substitutions and nested scripts), against `MAX_SCRIPTS`. */
  scripts: number
  /** What the lexers of this parse may still read. */
  readonly budget: Budget
  readonly script: ScriptRunner
}

/** How many simple commands one command string may hold (nested ones included). */
export const MAX_COMMANDS = 1_000
/** How deeply scripts may nest (`sh -c "sh -c '…'"`, aliases, `eval`). */
export const MAX_DEPTH = 8
/** How many words one simple command may have. */
export const MAX_WORDS = 4_096
/** How many commands one pipeline may have. */
export const MAX_PIPELINE = 64
/** How many scripts (substitutions, `sh -c`, aliases…) one command string may nest in total. */
export const MAX_SCRIPTS = 1_000

/** A fresh run. */
export const newRun = (script: ScriptRunner): Run => ({
  out: [],
  problem: undefined,
  gitConfig: new Map(),
  written: new Map(),
  branch: undefined,
  chainCd: false,
  scripts: 0,
  budget: { tokens: 0 },
  script
})

/** A fresh top-level shell: nothing known about the environment. */
export const newShell = (): Shell => ({ vars: new Map(), positional: undefined, cwd: undefined, previous: undefined, dirs: [] })

/** A subshell (`( )`, `$( )`): a copy of everything. */
export const subshell = (s: Shell): Shell => ({
  vars: new Map(s.vars),
  positional: s.positional,
  cwd: s.cwd,
  previous: s.previous,
  dirs: [...s.dirs]
})

/** A new shell process (`sh -c`): only exported variables (and `env` assignments) carry over. */
export const childShell = (s: Shell, env: ReadonlyMap<string, string>, positional: ReadonlyArray<string> | undefined): Shell => {
  const vars = new Map<string, Var>()
  for (const [k, v] of s.vars) if (v.exported) vars.set(k, v)
  for (const [k, v] of env) vars.set(k, { value: v.includes(UNKNOWN) ? undefined : v, exported: true })
  return { vars, positional, cwd: s.cwd, previous: s.previous, dirs: [] }
}

/** The field separators in effect: the default unless `IFS` was set (`undefined` when set to something not known). */
export const ifsOf = (s: Shell): string | undefined => {
  const v = s.vars.get("IFS")
  return v === undefined ? DEFAULT_IFS : v.value
}

/** The value of a variable, `undefined` when not known; `$HOME` is `~`, `$PWD` the working directory. */
export const lookup = (s: Shell, name: string): string | undefined => {
  const v = s.vars.get(name)
  if (v !== undefined) return v.value
  if (name === "HOME") return "~"
  if (name === "PWD") return s.cwd
  return undefined
}

/** Assigns a variable; an uncertain assignment makes its value unknown (unless it is unchanged). */
export const setVar = (s: Shell, name: string, value: string | undefined, certain: boolean, exported?: boolean): void => {
  const old = s.vars.get(name)
  const known = value === undefined || value.includes(UNKNOWN) ? undefined : value
  const next = certain || (old !== undefined && old.value === known) ? known : undefined
  s.vars.set(name, { value: next, exported: exported ?? old?.exported ?? false })
}
