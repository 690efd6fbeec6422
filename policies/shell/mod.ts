/**
 * Coding-agent shell guard: policies over `payload.command` (a shell command string, or an argv array).
 *
 * How commands are read (`parse.ts`): the text is lexed like bash (quotes, escapes, `$'…'`, heredocs,
 * here-strings, comments), words are expanded as far as they can be known before the command runs
 * (brace expansion, `~`, variables assigned earlier in the same command for certain, field splitting),
 * and every simple command is unwrapped (`sudo`, `env`, `nice`, `timeout`, `xargs`, `busybox`, `chroot`…)
 * with the scripts it runs parsed too (`sh -c`, heredocs and here-strings fed to a shell, `eval` and
 * `source` of known text, `find -exec`, git aliases and `-c` overrides, `ssh host …`, `docker exec`). So
 * `X=rm; sudo $X -rf ~`, `{rm,-rf,~}` and `sh <<< 'rm -rf ~'` are all judged as the `rm -rf ~` they run.
 *
 * What cannot be resolved is blocked, never guessed: a program name not known until it runs, `eval` or
 * `sh -c` of unknown text, interpreter one-liners, functions and aliases defined in the command, unknown
 * git aliases and configuration (`block_unresolved_commands`); and an unknown word where it decides what
 * a destructive program does (`rm -rf "$DIR"`, `git reset $MODE`, `terraform $CMD`) blocks in that
 * program's policy. Each policy passes when the payload has no command, and blocks a command it cannot
 * inspect at all (wrong type, over 100 000 characters, unreadable syntax, nested too deeply). Known
 * limits (heuristics): the content of script files that exist before the command runs (`bash build.sh`,
 * `npm test`) is not read; a write whose whole target is computed at run time is not judged as a CI
 * write; SQL is judged by the SQL policies' own rules.
 *
 * @example
 * ```ts
 * import * as Shell from "./mod.ts"
 * const policies = Shell.codingAgentShellGuard({ allowPackages: ["zod", "vitest"], allow: ["git reset --hard"] })
 * // { command: "git reset --hard" } passes, "allowed by configuration: …"; { command: "npm install left-pad" } blocks
 * ```
 * @module
 */
export { blockBulkMessaging, blockStripeBulkCancel } from "./bulk.ts"
export { blockCredentialWrites } from "./credentialGuards.ts"
export {
  blockDropDatabase,
  blockRenameThenDrop,
  blockUnboundedPiiSelect,
  type MemorySessionStateOptions,
  memorySessionState,
  type PiiSelectOptions,
  type RenameThenDropOptions,
  type SessionState
} from "./database.ts"
export {
  blockChmod777Recursive,
  blockCiWorkflowWrites,
  blockGitignoreEdits,
  blockHomeDirDestruction,
  blockSecretFileReads
} from "./fileGuards.ts"
export { blockGitCleanForce, blockGitResetHard } from "./gitGuards.ts"
export { codingAgentShellGuard, type ShellGuardOptions } from "./guard.ts"
export {
  blockDockerVolumePrune,
  blockIamUserDeletion,
  blockKubectlNamespaceDelete,
  blockOrmForcePush,
  blockRoute53Delete,
  blockS3RecursiveDelete,
  blockTerraformDestroy
} from "./infrastructure.ts"
export type { AllowEntry } from "./policy.ts"
export { blockPipeToShell, blockUnvettedNpmInstall, DEFAULT_VETTED_PACKAGES, type NpmInstallOptions } from "./remoteCode.ts"
export { blockUnresolvedCommands } from "./unresolved.ts"
