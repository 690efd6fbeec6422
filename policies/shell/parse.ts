/**
 * The shell command model: turns a command string into the simple commands it runs, for the shell-guard,
 * git and database policies. Reads bash syntax; checked against real bash for quoting, escapes, `$'…'`
 * and brace expansion (`tests/policies/shellWords.bash.test.ts`).
 *
 * What is resolved, so policies judge what actually runs:
 * - quoting, backslash escapes, `$'…'`, comments, line continuations, heredocs (quoted or not, `<<-`) and
 *   here-strings (`lex.ts`, `words.ts`);
 * - brace expansion (bash's rules), `~`, field splitting (with an `IFS` the command sets), and variables
 *   assigned earlier in the same shell for certain (`X=rm; $X -rf ~` runs `rm`); `$HOME` is `~`; a
 *   substitution whose output is known (`$(echo …)`, `$(printf …)`, `$(cat <<'EOF' … EOF)`) is that text
 *   (`expand.ts`, `assemble.ts`);
 * - lists, pipelines, `&&`/`||`, subshells, groups, `if`/`while`/`until`/`for`/`case`, and the directory a
 *   `cd`/`pushd`/`popd` moved to (`walk.ts`);
 * - wrappers (`sudo`, `doas`, `env` with `-S`/`-C`, `nice`, `timeout`, `time`, `nohup`, `stdbuf`,
 *   `chroot`, `busybox`, `xargs` with its known input, `strace`, `uv run`…; an option a wrapper's table does
 *   not know is read both ways) (`wrappers.ts`, `wrapperTable.ts`);
 * - what commands run: `sh -c` (with its positional arguments), scripts on a shell's standard input
 *   (heredoc, here-string, `echo … |`, `base64 -d |`), `eval`/`source`/`trap` of known text, scripts
 *   written earlier in the command and then run, git hooks and shell startup files written with known
 *   content, `find -exec`, `fd -x`, `parallel`, `ssh host …`, `docker exec`, `kubectl exec`, `tmux`,
 *   commands in `GIT_SSH_COMMAND`/`PAGER`/`EDITOR`…, and git's aliases, `-c` overrides, `git config`
 *   written earlier, `GIT_CONFIG_*` (`analyse.ts`, `runs.ts`, `launchers.ts`, `gitInvocation.ts`).
 *
 * What cannot be resolved is never guessed. Text not known before the command runs (a variable from the
 * environment or set conditionally, a command's output, `$@`) becomes `UNKNOWN` inside the word, and
 * policies block where such a word decides what a destructive program does. A command whose program or
 * script is not known gets an `unresolved` reason, which `block_unresolved_commands` blocks: an unknown
 * program name or a glob as the program, `eval`/`source`/`sh -c` of unknown text, interpreter one-liners
 * (`python -c`, `node -e`, `perl -e`, `ruby -e`, `php -r`, `awk` with `system`, `sed` with `e`…), scripts
 * read from a pipe of unknown content, functions and aliases defined in the command, loaders
 * (`LD_PRELOAD`, `BASH_ENV`), unknown git aliases, hooks paths and included configuration.
 *
 * Linear time and bounded: text over `MAX_LENGTH` characters, more than `MAX_TOKENS` tokens,
 * `MAX_COMMANDS` simple commands, `MAX_WORDS` words in one command, `MAX_PIPELINE` commands in a pipeline,
 * `MAX_SCRIPTS` nested scripts, nesting deeper than `MAX_DEPTH`, oversized brace expansions and syntax
 * the lexer cannot read all set `problem`, and every policy blocks with that reason.
 *
 * @example
 * ```ts
 * import { parse } from "./parse.ts"
 * const script = parse("X=rm; sudo $X -rf ~")
 * script.commands[0]?.argv // ["rm", "-rf", "~"]
 * ```
 * @module
 */
import { analyse } from "./analyse.ts"
import { lex, LexError, type Token } from "./lex.ts"
import type { Command, Script } from "./model.ts"
import { MAX_DEPTH, MAX_SCRIPTS, newRun, newShell, type Run, type Shell, type Site } from "./state.ts"
import { Walker } from "./walk.ts"

/** Longest command inspected; longer text is refused (fail closed). */
export const MAX_LENGTH = 100_000

/** Parses `text` as a script in `shell` (nested scripts at `depth`); its commands are recorded and returned. */
const script = (run: Run) => (text: string, depth: number, shell: Shell, site: Site): ReadonlyArray<Command> => {
  if (depth > MAX_DEPTH) {
    run.problem = `the command nests scripts more than ${MAX_DEPTH} levels deep`
    return []
  }
  if (++run.scripts > MAX_SCRIPTS) {
    run.problem = `the command holds more than ${MAX_SCRIPTS} substitutions and nested scripts`
    return []
  }
  let tokens: ReadonlyArray<Token>
  try {
    tokens = lex(text, depth, run.budget)
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
    try {
      read(command, run, shell, top)
    } catch (e) {
      // Bounds are checked where they are reached; anything else unexpected still fails closed.
      run.problem ??= `the command could not be read (${e instanceof Error ? e.message : String(e)})`
    }
    result = { commands: run.out, problem: run.problem }
  }
  memoKey = key
  memoScript = result
  return result
}

/** Reads a command string, or an argv array run without a shell (its words are taken as they are). */
const read = (command: string | ReadonlyArray<string>, run: Run, shell: Shell, top: Site): void => {
  if (typeof command === "string") run.script(command, 0, shell, top)
  else {
    analyse({
      argv: command,
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
}
