/**
 * Shell-guard policy for credentials and login persistence: a command that writes, overwrites, moves or
 * deletes a secret file (SSH keys, AWS credentials, `.netrc`…; not a project's `.env`), anything inside a
 * credentials directory (`~/.ssh/authorized_keys`, `~/.ssh/config`, `~/.aws/config`, `~/.kube/…`), or a
 * shell startup file (`~/.bashrc`, `~/.profile`, `~/.zshrc`…) that runs at every login.
 *
 * @example
 * ```ts
 * import { blockCredentialWrites } from "./credentialGuards.ts"
 * // { command: "echo ssh-ed25519 AAAA… >> ~/.ssh/authorized_keys" } blocks; { command: "ssh-add -l" } passes
 * const policies = [blockCredentialWrites]
 * ```
 * @module
 */
import * as Paths from "../_paths.ts"
import { show } from "../_payload.ts"
import type * as Policy from "../../src/Policy.ts"
import { deletionsOf } from "./fileGuards.ts"
import { secretOf } from "./files.ts"
import { type Command, pathOf, shown, UNKNOWN } from "./model.ts"
import { type Allow, eachCommand, NO_ALLOW } from "./policy.ts"

const CREDENTIAL_DIRS: ReadonlyMap<string, string> = new Map([
  [".ssh", "the SSH directory"], [".aws", "the AWS credentials directory"], [".gnupg", "the GnuPG key directory"],
  [".kube", "the Kubernetes credentials directory"], [".docker", "the Docker credentials directory"],
  [".azure", "the Azure credentials directory"], [".password-store", "the password store"], [".gcloud", "Google Cloud credentials"]
])
const STARTUP_FILES = new Set([
  ".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".profile", ".zshrc", ".zprofile", ".zshenv", ".zlogin", ".zlogout",
  ".cshrc", ".tcshrc", ".login", ".kshrc", ".mkshrc", ".inputrc"
])
/** Any of these in a resolved path may make it a target here; most paths have none (a cheap first scan). */
const MARKERS = /ssh|aws|gnupg|kube|docker|azure|password|gcloud|rc$|rc\/|profile|login|zsh|fish|id_|identity|credential|token|netrc|pgpass|\.(?:key|p12|pfx|ppk|jks|keystore|p8|pem)|[*?[\uE000]/

/** What a resolved path is, when writing it touches credentials or login startup; undefined otherwise. */
const credentialTarget = (resolved: string): string | undefined => {
  const path = resolved.includes(UNKNOWN) ? resolved.replaceAll(UNKNOWN, "*") : resolved
  const lower = path.toLowerCase()
  if (!MARKERS.test(lower)) return undefined
  // A project's env file is the agent's to set up (`cp .env.example .env`); its reads are guarded elsewhere.
  const secret = secretOf(path)
  if (secret !== undefined && secret !== "an env file") return secret
  const segs = Paths.segments(lower)
  for (let i = 0; i < segs.length; i++) {
    const dir = CREDENTIAL_DIRS.get(segs[i]!)
    if (dir !== undefined) return i === segs.length - 1 ? dir : `a file in ${dir}`
  }
  const base = segs.length > 0 ? segs[segs.length - 1]! : ""
  if (STARTUP_FILES.has(base)) return "a shell startup file, which runs at every login"
  if (lower.endsWith("/.config/fish/config.fish") || (segs.includes("fish") && segs.includes("conf.d"))) return "a shell startup file, which runs at every login"
  return undefined
}

const CODE_WRITES = /\b(?:write|writefile|writefilesync|appendfile|appendfilesync|write_text|write_bytes|createwritestream|unlink|unlinksync|rmtree|remove|rename|renamesync)\b|open\([^)]{0,200},\s{0,10}['"][wax+]/i
const CREDENTIALS_IN_CODE = /\.ssh\/|\.aws\/|\.gnupg\/|\.kube\/|\.bashrc\b|\.bash_profile\b|\.zshrc\b|\.profile\b/i

/** The paths a command changes: what it writes, and what it deletes or moves away. */
const changed = (c: Command): ReadonlyArray<string> => {
  const deleted = deletionsOf(c)
  return deleted === undefined ? c.writes : [...c.writes, ...deleted.targets]
}

/** Makes `block_credential_writes` with allowances. */
export const makeBlockCredentialWrites = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_credential_writes", "The command changes no credentials or login startup file", (c) => {
    for (const t of changed(c)) {
      const what = credentialTarget(pathOf(t, c.cwd))
      if (what !== undefined) {
        return `${shown(c)} writes, moves or deletes ${what} (${show(t.replaceAll(UNKNOWN, "$…"))}): credentials, SSH access and login scripts are not changed by an agent`
      }
    }
    if (c.code !== undefined && CODE_WRITES.test(c.code)) {
      const m = CREDENTIALS_IN_CODE.exec(c.code)
      if (m !== null) return `${shown(c)} runs code that may change ${show(m[0])}: credentials, SSH access and login scripts are not changed by an agent`
    }
    return undefined
  }, allow)

/**
 * Blocks changing credentials or login persistence from a shell: writing, appending to, overwriting,
 * moving or deleting secret files and anything in `~/.ssh`, `~/.aws`, `~/.gnupg`, `~/.kube`, `~/.docker`,
 * `~/.azure`, the password store, or a shell startup file (`~/.bashrc`, `~/.profile`, `~/.zshrc`…), by
 * redirects, `tee`, `cp`/`mv`/`rm`/`shred`/`truncate`, `sed -i`, `find -delete` and inline interpreter
 * code: `blockCredentialWrites`. Reading public keys, `chmod 600` and `ssh -i` pass.
 */
export const blockCredentialWrites: Policy.Policy = makeBlockCredentialWrites()
