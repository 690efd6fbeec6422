/**
 * The shell guard's "understood or blocked" policy: a command the model cannot fully resolve is blocked
 * with the reason it gives — a program name not known until it runs (`$X -rf ~`, `$(…)`), a glob as the
 * program, `eval`/`source`/`sh -c` of text not known until it runs, interpreter one-liners (`python -c`,
 * `node -e`, `perl -e`, `ruby -e`, `php -r`, `awk` with `system`, `sed` with `e`…), scripts fed from a pipe
 * whose content is not known, functions and aliases defined in the command, wrapper options with more
 * readings than it follows, git aliases and configuration it cannot resolve, environment variables that
 * load code (`LD_PRELOAD`, `BASH_ENV`), and files written with unknown content then run (git hooks,
 * shell startup files). A deployment that expects one of these forms permits it with the guard's
 * `allow` option.
 *
 * @example
 * ```ts
 * import { blockUnresolvedCommands } from "./unresolved.ts"
 * // { command: "$X -rf ~" } blocks: "… the program it runs is not known until it runs …"; "X=rm; $X -rf ./build" passes
 * const policies = [blockUnresolvedCommands]
 * ```
 * @module
 */
import type * as Policy from "../../src/Policy.ts"
import { shown } from "./model.ts"
import { type Allow, eachCommand, NO_ALLOW } from "./policy.ts"

/** Makes `block_unresolved_commands` with allowances. */
export const makeBlockUnresolvedCommands = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand(
    "block_unresolved_commands",
    "Every command is understood: no program, script or inline code the guard cannot read",
    (c) => (c.unresolved === undefined ? undefined : `${shown(c)} cannot be checked: ${c.unresolved}; what the guard cannot read is blocked`),
    allow
  )

/** Blocks every command the shell model cannot fully resolve (see the module doc): `blockUnresolvedCommands`. */
export const blockUnresolvedCommands: Policy.Policy = makeBlockUnresolvedCommands()
