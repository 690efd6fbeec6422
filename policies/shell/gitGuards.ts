/**
 * Shell-guard policies for local git history: `git reset --hard` and forced `git clean`, however they are
 * spelled (abbreviated options, aliases, `-c` overrides, wrappers). An argument not known before the
 * command runs blocks too, since it could be `--hard` or `-f`.
 *
 * @example
 * ```ts
 * import { blockGitResetHard } from "./gitGuards.ts"
 * // { command: "git reset --ha" } and { command: "git -c alias.r='reset --hard' r" } block; "git reset --soft HEAD~1" passes
 * const policies = [blockGitResetHard]
 * ```
 * @module
 */
import type * as Policy from "../../src/Policy.ts"
import { type Command, shown, UNKNOWN } from "./model.ts"
import { type Allow, eachCommand, NO_ALLOW, wildWord } from "./policy.ts"

/** Whether a long option `--x` abbreviates `full` the way git accepts (`--ha` for `--hard`). */
const abbreviates = (word: string, full: string, min = 2): boolean => {
  if (!word.startsWith("--")) return false
  const name = word.slice(2).split("=")[0]!
  return name.length >= min && full.startsWith(name)
}

/** The subcommand and arguments of a git command (its own `-c` overrides read separately). */
const gitArgs = (c: Command): { readonly sub: string; readonly args: ReadonlyArray<string> } | undefined => {
  const g = c.git
  return g === undefined || g.sub === undefined ? undefined : { sub: g.sub, args: g.args }
}

const WHOLE_TREE = new Set([".", "./", ":/", ":(top)", "*", ":/*", "**"])

/** Why a `git checkout`/`restore`/`switch` discards uncommitted work across the tree, if it does. */
const discards = (sub: string, a: ReadonlyArray<string>): string | undefined => {
  const dash = a.indexOf("--")
  const before = dash < 0 ? a : a.slice(0, dash)
  if (before.some((x) => x === "--discard-changes" || (x.startsWith("--") && abbreviates(x, "force", 3)) || /^-[a-zA-Z]*f/.test(x) && !x.startsWith("--"))) {
    if (sub !== "restore") return "forces the switch, discarding uncommitted changes"
  }
  const paths = dash >= 0 ? a.slice(dash + 1) : a.filter((x) => !x.startsWith("-"))
  if (!paths.some((p) => WHOLE_TREE.has(p))) return undefined
  if (sub === "restore" && a.some((x) => x === "--staged" || x === "-S") && !a.some((x) => x === "--worktree" || x === "-W")) return undefined
  return "overwrites every uncommitted change in the tree"
}

/** Makes `block_git_reset_hard` with allowances. */
export const makeBlockGitResetHard = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_git_reset_hard", "No git reset --hard in the command", (c) => {
    const g = gitArgs(c)
    if (g !== undefined && (g.sub === "checkout" || g.sub === "restore" || g.sub === "switch")) {
      if (wildWord(g.args) !== undefined) return `${shown(c)} passes 'git ${g.sub}' an argument that is not known until it runs, which could discard work`
      const why = discards(g.sub, g.args)
      return why === undefined ? undefined : `${shown(c)} ${why}; use 'git stash' first`
    }
    if (g === undefined || g.sub !== "reset") return undefined
    const w = wildWord(g.args)
    if (w !== undefined) return `${shown(c)} passes 'git reset' an argument that is not known until it runs, which could be --hard`
    return g.args.some((x) => abbreviates(x, "hard"))
      ? `${shown(c)} discards uncommitted work; use 'git stash' or a new branch instead`
      : undefined
  }, allow)

/**
 * Blocks `git reset --hard` (abbreviated, aliased or wrapped) and its equivalents that discard uncommitted
 * work across the tree (`git checkout -- .`, `git checkout -f`, `git restore .`, `git switch
 * --discard-changes`): `blockGitResetHard`.
 */
export const blockGitResetHard: Policy.Policy = makeBlockGitResetHard()

/** The option letters of short clusters in `args`; `-e` takes the rest of its cluster as a value. */
const cleanFlags = (a: ReadonlyArray<string>): { readonly force: boolean; readonly dryRun: boolean } => {
  let force = false
  let dryRun = false
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!
    if (w === "--") break
    if (w.startsWith("--")) {
      if (abbreviates(w, "force", 1)) force = true
      if (abbreviates(w, "dry-run", 1)) dryRun = true
      if (w === "--exclude") i++
    } else if (w.startsWith("-")) {
      for (let k = 1; k < w.length; k++) {
        if (w[k] === "f") force = true
        else if (w[k] === "n") dryRun = true
        else if (w[k] === "e") {
          if (k === w.length - 1) i++
          break
        }
      }
    }
  }
  return { force, dryRun }
}

const FALSE = /^(?:false|no|off|0)$/i

/** Makes `block_git_clean_force` with allowances. */
export const makeBlockGitCleanForce = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_git_clean_force", "No forced git clean in the command", (c) => {
    const g = gitArgs(c)
    if (g === undefined || g.sub !== "clean") return undefined
    const w = wildWord(g.args)
    if (w !== undefined) return `${shown(c)} passes 'git clean' an argument that is not known until it runs, which could be -f`
    const { dryRun, force } = cleanFlags(g.args)
    const required = c.gitConfig.get("clean.requireforce")
    const noRequire = required !== undefined && (FALSE.test(required) || required.includes(UNKNOWN))
    return (force || noRequire) && !dryRun ? `${shown(c)} deletes untracked files for good` : undefined
  }, allow)

/**
 * Blocks `git clean -f` (`-fd`, `-xdf`, `--force`, or `clean.requireForce=false` set by `-c` or `git config`
 * earlier in the command); a dry run (`-n`) passes: `blockGitCleanForce`.
 */
export const blockGitCleanForce: Policy.Policy = makeBlockGitCleanForce()
