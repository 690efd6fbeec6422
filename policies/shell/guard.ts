/**
 * The coding-agent shell guard: every shell-guard policy, configured, with one `allow` list.
 *
 * @example
 * ```ts
 * import { codingAgentShellGuard, DEFAULT_VETTED_PACKAGES } from "./mod.ts"
 * const policies = codingAgentShellGuard({ allowPackages: [...DEFAULT_VETTED_PACKAGES, "lodash"], allow: [{ prefix: "python3 -c" }] })
 * // { command: "python3 -c 'print(1)'" } passes, "allowed by configuration: …"; { command: "node -e 'x'" } blocks
 * ```
 * @module
 */
import type * as Policy from "../../src/Policy.ts"
import { makeBlockBulkMessaging, makeBlockStripeBulkCancel } from "./bulk.ts"
import { makeBlockCredentialWrites } from "./credentialGuards.ts"
import { blockRenameThenDrop, makeBlockDropDatabase, memorySessionState, type PiiSelectOptions, type SessionState } from "./database.ts"
import { blockUnboundedPiiSelect } from "./database.ts"
import {
  makeBlockChmod777Recursive,
  makeBlockCiWorkflowWrites,
  makeBlockGitignoreEdits,
  makeBlockHomeDirDestruction,
  makeBlockSecretFileReads
} from "./fileGuards.ts"
import { makeBlockGitCleanForce, makeBlockGitResetHard } from "./gitGuards.ts"
import {
  makeBlockDockerVolumePrune,
  makeBlockIamUserDeletion,
  makeBlockKubectlNamespaceDelete,
  makeBlockOrmForcePush,
  makeBlockRoute53Delete,
  makeBlockS3RecursiveDelete,
  makeBlockTerraformDestroy
} from "./infrastructure.ts"
import { type AllowEntry, allowList } from "./policy.ts"
import { blockUnvettedNpmInstall, DEFAULT_VETTED_PACKAGES, makeBlockPipeToShell } from "./remoteCode.ts"
import { makeBlockUnresolvedCommands } from "./unresolved.ts"

/** Options of `codingAgentShellGuard`. */
export interface ShellGuardOptions {
  /** Vetted npm packages (default `DEFAULT_VETTED_PACKAGES`). */
  readonly allowPackages?: ReadonlyArray<string>
  /** Session state for rename-then-drop (default: a fresh in-memory state owned by this guard). */
  readonly state?: SessionState
  /** Tables protected from rename-then-drop (default: every table). */
  readonly protectedTables?: ReadonlyArray<string>
  /** PII options for `block_unbounded_pii_select`. */
  readonly pii?: PiiSelectOptions
  /**
   * Commands this deployment permits although the guard blocks them: an exact simple command
   * (`"git reset --hard"`) or a word prefix (`{ prefix: "python3 -c" }`), matched against what runs
   * (wrappers stripped). A policy that blocks only because of allowed commands passes with a reason
   * starting "allowed by configuration: …", which the receipt records.
   */
  readonly allow?: ReadonlyArray<AllowEntry>
}

/**
 * Every shell-guard policy with sensible defaults, for one import. Each call builds its own in-memory
 * session state unless `state` is given; pass a shared store when runs span processes.
 *
 * @example
 * ```ts
 * import { codingAgentShellGuard, DEFAULT_VETTED_PACKAGES } from "./mod.ts"
 * const policies = [...codingAgentShellGuard({ allowPackages: [...DEFAULT_VETTED_PACKAGES, "lodash"] })]
 * // { command: "npm i lodash" } passes every policy; { command: "npm install left-pad" } blocks
 * ```
 */
export const codingAgentShellGuard = (options: ShellGuardOptions = {}): ReadonlyArray<Policy.Policy> => {
  const allow = allowList(options.allow, "codingAgentShellGuard")
  return [
    makeBlockTerraformDestroy(allow),
    makeBlockOrmForcePush(allow),
    makeBlockS3RecursiveDelete(allow),
    makeBlockIamUserDeletion(allow),
    makeBlockKubectlNamespaceDelete(allow),
    makeBlockDockerVolumePrune(allow),
    makeBlockGitResetHard(allow),
    makeBlockGitCleanForce(allow),
    makeBlockChmod777Recursive(allow),
    makeBlockDropDatabase(allow),
    blockUnvettedNpmInstall({ allow: options.allowPackages ?? DEFAULT_VETTED_PACKAGES }, allow),
    makeBlockBulkMessaging(allow),
    makeBlockStripeBulkCancel(allow),
    makeBlockRoute53Delete(allow),
    blockUnboundedPiiSelect(options.pii, allow),
    makeBlockSecretFileReads(allow),
    makeBlockCredentialWrites(allow),
    makeBlockCiWorkflowWrites(allow),
    makeBlockHomeDirDestruction(allow),
    makeBlockPipeToShell(allow),
    blockRenameThenDrop({
      state: options.state ?? memorySessionState(),
      ...(options.protectedTables === undefined ? {} : { tables: options.protectedTables })
    }),
    makeBlockGitignoreEdits(allow),
    makeBlockUnresolvedCommands(allow)
  ]
}
