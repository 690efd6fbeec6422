/**
 * Git policies. They read `payload.branch`, `payload.base`, `payload.file_count` (or `payload.files`),
 * `payload.command` / `payload.args`, `payload.commit_message`, `payload.diff` and `payload.content`.
 * Shell commands are split into words with a shell-words parser, never matched as substrings.
 *
 * @example
 * ```ts
 * import * as Git from "./policies/git.ts"
 * const policies = [Git.dontPushToMain, Git.dontForcePush, Git.requireBranchPrefix("agent/")]
 * ```
 * @module
 */
import * as Policy from "../src/Policy.ts"
import { describeType, forEachString, readField, readString, show } from "./_payload.ts"
import { findSecret } from "./_secrets.ts"
import * as Sh from "./_shell.ts"

// ---------------------------------------------------------------------------------------------------
// Branches

/** The branch a ref or refspec targets: `+HEAD:refs/heads/Main` → `main`. */
const targetBranch = (raw: string): string => {
  let b = raw.trim()
  b = b.slice(b.lastIndexOf(":") + 1)
  if (b.startsWith("+")) b = b.slice(1)
  return b.replace(/^refs\/heads\//i, "").toLowerCase()
}

const isMainBranch = (raw: string): boolean => {
  const b = targetBranch(raw)
  return b === "main" || b === "master"
}

/**
 * Blocks pushes to main or master, any case: `payload.branch`, and the refspecs of `git push` commands in
 * `payload.command` (`git push origin HEAD:main`, `git push origin :main`): `dontPushToMain`. Passes
 * when both are absent.
 */
export const dontPushToMain: Policy.Policy = Policy.make("dont_push_to_main", (ctx) => {
  const branch = readString(ctx.payload, "branch")
  if (branch._tag === "Invalid") return Policy.fail(branch.reason)
  if (branch._tag === "Present" && isMainBranch(branch.value)) return Policy.fail(`Direct push to ${show(branch.value)} is blocked`)
  const commands = gitCommands(ctx.payload)
  if (typeof commands === "string") return Policy.fail(commands)
  for (const c of commands) {
    const target = pushRefspecs(gitInvocation(c)?.args ?? []).find(isMainBranch)
    if (target !== undefined) return Policy.fail(`Direct push to ${show(target)} is blocked: ${show(c.argv.join(" "))}`)
  }
  return branch._tag === "Absent" && commands.length === 0 ? Policy.pass("No branch given") : Policy.pass("Branch is not main/master")
})

/** Blocks merges whose `payload.base` is main or master: `dontMergeToMain`. Passes when absent. */
export const dontMergeToMain: Policy.Policy = Policy.make("dont_merge_to_main", (ctx) => {
  const base = readString(ctx.payload, "base")
  if (base._tag === "Invalid") return Policy.fail(base.reason)
  if (base._tag === "Absent") return Policy.pass("No merge target given")
  return isMainBranch(base.value)
    ? Policy.fail(`Merge into ${show(base.value)} is blocked: PRs must target a non-protected branch`)
    : Policy.pass("Merge target is not main/master")
})

/** Why `ref` is not a valid git branch name (the `git check-ref-format` rules that matter), if it is not. */
const invalidRef = (ref: string): string | undefined => {
  if (/[\u0000-\u0020\u007f~^:?*[\\]/.test(ref)) return "contains a character git does not allow in branch names"
  if (ref.includes("..") || ref.includes("@{") || ref.includes("//") || ref.includes("/.")) {
    return "contains a sequence git does not allow in branch names"
  }
  if (ref.startsWith("/") || ref.startsWith(".") || ref.endsWith("/") || ref.endsWith(".") || ref.endsWith(".lock")) {
    return "starts or ends in a way git does not allow in branch names"
  }
  return undefined
}

/** Requires `payload.branch` to start with a prefix; a missing or empty branch blocks: `requireBranchPrefix("agent/")`. */
export const requireBranchPrefix = (prefix = "agent/"): Policy.Policy =>
  Policy.make("require_branch_prefix", (ctx) => {
    const branch = readString(ctx.payload, "branch")
    if (branch._tag === "Invalid") return Policy.fail(branch.reason)
    const b = branch._tag === "Present" ? branch.value : ""
    if (b === "") return Policy.fail(`No branch given; branches must start with ${show(prefix)}`)
    if (!b.startsWith(prefix) || b.length === prefix.length) {
      return Policy.fail(`Branch ${show(b)} must start with ${show(prefix)}`)
    }
    const bad = invalidRef(b)
    return bad === undefined
      ? Policy.pass(`Branch ${show(b)} has required prefix ${show(prefix)}`)
      : Policy.fail(`Branch ${show(b)} ${bad}`)
  })

/**
 * Limits files per commit to `max` (default 50), reading `payload.file_count` and `payload.files`
 * (the larger count wins); passes when both are absent: `maxFilesPerCommit(10)`.
 */
export const maxFilesPerCommit = (max = 50): Policy.Policy =>
  Policy.make("max_files_per_commit", (ctx) => {
    const count = readField(ctx.payload, "file_count")
    const files = readField(ctx.payload, "files")
    if (count._tag === "Invalid") return Policy.fail(count.reason)
    if (files._tag === "Invalid") return Policy.fail(files.reason)
    let n = -1
    if (count._tag === "Present") {
      const v = count.value
      if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
        return Policy.fail(`payload.file_count must be a non-negative integer, got ${typeof v === "number" ? String(v) : describeType(v)}`)
      }
      n = v
    }
    if (files._tag === "Present") {
      if (!Array.isArray(files.value)) return Policy.fail(`payload.files must be an array, got ${describeType(files.value)}`)
      n = Math.max(n, files.value.length)
    }
    if (n < 0) return Policy.pass("No file count given")
    return n <= max
      ? Policy.pass(`File count ${n} within limit of ${max}`)
      : Policy.fail(`Commit touches ${n} files (max ${max})`)
  })

/** Blocks every branch deletion on this client: `dontDeleteBranch`. */
export const dontDeleteBranch: Policy.Policy = Policy.make(
  "dont_delete_branch",
  () => Policy.fail("Branch deletion is not permitted on this client")
)

// ---------------------------------------------------------------------------------------------------
// Force pushes

const PUSH_OPTIONS_WITH_VALUE = new Set(["--repo", "--receive-pack", "--exec", "--push-option", "-o"])
const FORCE_OPTIONS = ["force", "force-with-lease", "force-if-includes", "mirror"]

/** The `-c`/`--config-env` values and the arguments after git's global options, for a command running git. */
const gitInvocation = (c: Sh.Command): { readonly configs: ReadonlyArray<string>; readonly args: ReadonlyArray<string> } | undefined => {
  if (c.name === "git-push") return { configs: [], args: ["push", ...c.argv.slice(1)] }
  if (c.name !== "git") return undefined
  const i = Sh.skipOptions(c.argv, 1, Sh.GIT_VALUED)
  const configs: Array<string> = []
  for (let k = 1; k < i; k++) if (c.argv[k] === "-c" || c.argv[k] === "--config-env") configs.push(c.argv[k + 1] ?? "")
  return { configs, args: c.argv.slice(i) }
}

/** The force in a `git push` (`-f`, `--force-with-lease=…`, `+ref`, a `+` push config, …), if any. */
const forceOf = (configs: ReadonlyArray<string>, args: ReadonlyArray<string>): string | undefined => {
  if (args[0] !== "push") return undefined
  for (const c of configs) if (/^remote\.[^=]*\.push=\s*\+/is.test(c)) return `-c ${c}`
  let optionsDone = false
  for (let k = 1; k < args.length; k++) {
    const a = args[k]!
    if (!optionsDone && a === "--") {
      optionsDone = true
    } else if (!optionsDone && a.startsWith("--")) {
      const name = a.slice(2).split("=")[0]!
      if (name !== "" && FORCE_OPTIONS.some((f) => f.startsWith(name))) return a
      if (PUSH_OPTIONS_WITH_VALUE.has(`--${name}`) && !a.includes("=")) k++
    } else if (!optionsDone && a.startsWith("-") && a.length > 1) {
      for (let p = 1; p < a.length; p++) {
        if (a[p] === "f") return a
        if (a[p] === "o") {
          if (p === a.length - 1) k++
          break
        }
      }
    } else if (a.startsWith("+")) {
      return a
    }
  }
  return undefined
}

/** The refspecs of a `git push` argument list (what follows the remote), for `dont_push_to_main`. */
const pushRefspecs = (args: ReadonlyArray<string>): ReadonlyArray<string> =>
  args[0] === "push" ? Sh.positionals(args.slice(1), PUSH_OPTIONS_WITH_VALUE).slice(1) : []

/** The git commands in `payload.command` (plus `payload.args`), or a reason they cannot be read. */
const gitCommands = (payload: unknown): ReadonlyArray<Sh.Command> | string => {
  const command = readField(payload, "command")
  const args = readField(payload, "args")
  if (command._tag === "Invalid") return command.reason
  if (args._tag === "Invalid") return args.reason
  const out: Array<Sh.Command> = []
  if (command._tag === "Present") {
    const v = command.value
    if (typeof v !== "string" && !(Array.isArray(v) && v.every((x) => typeof x === "string"))) {
      return `payload.command must be a string or an array of strings, got ${describeType(v)}`
    }
    const script = Sh.parse(v as string | ReadonlyArray<string>)
    if (script.problem !== undefined) return `The command cannot be fully inspected: ${script.problem} (fail closed)`
    out.push(...script.commands)
  }
  if (args._tag === "Present") {
    const w = words(args.value, "payload.args")
    if (typeof w === "string") return w
    const last = out[out.length - 1]
    const argv = last !== undefined ? [...last.argv, ...w] : Sh.programName(w[0]) === "git" ? w : ["git", ...w]
    out.push(...Sh.parse(argv).commands)
  }
  return out
}

const words = (value: unknown, label: string): ReadonlyArray<string> | string => {
  if (typeof value === "string") return Sh.parse(value).commands.flatMap((c) => c.argv)
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as ReadonlyArray<string>
  return `${label} must be a string or an array of strings, got ${describeType(value)}`
}

/**
 * Blocks force pushes in `payload.command` / `payload.args`: `-f`, `--force`, `--force-with-lease=…`,
 * `--force-if-includes`, `--mirror`, combined flags like `-fu`, and `+ref` refspecs, wherever the shell
 * runs them (`sudo`, `bash -c`, `$( )`, aliases); `rm -f` and `grep -f` pass: `dontForcePush`.
 */
export const dontForcePush: Policy.Policy = Policy.make("dont_force_push", (ctx) => {
  const commands = gitCommands(ctx.payload)
  if (typeof commands === "string") return Policy.fail(commands)
  for (const c of commands) {
    const git = gitInvocation(c)
    const force = git === undefined ? undefined : forceOf(git.configs, git.args)
    if (force !== undefined) {
      return Policy.fail(`Force push is blocked: ${show(c.argv.join(" "))} uses ${show(force)}, which can destroy remote history`)
    }
  }
  return Policy.pass(commands.length === 0 ? "No command given" : "No force push in the command")
})

// ---------------------------------------------------------------------------------------------------
// Commit contents

const LAZY = new Set([
  "fix", "fixes", "fixed", "fixing", "update", "updates", "updated", "updating", "change", "changes", "changed",
  "wip", "work", "in", "progress", "commit", "committed", "test", "testing", "temp", "tmp", "misc", "stuff",
  "minor", "cleanup", "tweak", "tweaks", "save", "asdf", "foo", "bar", "more", "again"
])
const MIN_MESSAGE = 10

/**
 * Requires a meaningful `payload.commit_message`: non-empty, at least 10 characters, not only lazy words
 * ("fix", "wip", "update", "misc", ".") or punctuation: `requireMeaningfulCommitMessage`. Passes when absent.
 */
export const requireMeaningfulCommitMessage: Policy.Policy = Policy.make("require_meaningful_commit_message", (ctx) => {
  const message = readString(ctx.payload, "commit_message")
  if (message._tag === "Invalid") return Policy.fail(message.reason)
  if (message._tag === "Absent") return Policy.pass("No commit message given")
  const m = message.value.trim()
  if (m === "") return Policy.fail("Commit message is empty")
  if (m.length < MIN_MESSAGE) return Policy.fail(`Commit message ${show(m)} is too short (${m.length} chars, minimum ${MIN_MESSAGE})`)
  const w = m.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((x) => x !== "")
  if (w.length === 0 || w.every((x) => LAZY.has(x))) {
    return Policy.fail(`Commit message ${show(m)} is not meaningful: describe what changed and why`)
  }
  return Policy.pass(`Commit message meets requirements (${m.length} chars)`)
})

const SCANNED = ["diff", "content", "commit_message"] as const

/**
 * Blocks commits whose `payload.diff`, `payload.content` or `payload.commit_message` (strings, or nested
 * values holding strings) contain a known secret format: `dontCommitApiKeys`.
 */
export const dontCommitApiKeys: Policy.Policy = Policy.make("dont_commit_api_keys", (ctx) => {
  for (const key of SCANNED) {
    const field = readField(ctx.payload, key)
    if (field._tag === "Invalid") return Policy.fail(field.reason)
    if (field._tag === "Absent") continue
    let kind: string | undefined
    const r = forEachString(field.value, (s) => (kind = findSecret(s)) !== undefined)
    if (r === "too-deep") return Policy.fail(`payload.${key} is nested too deeply to scan for secrets`)
    if (kind !== undefined) {
      return Policy.fail(`Possible ${kind} found in payload.${key}: committing credentials is not permitted`)
    }
  }
  return Policy.pass("No API key patterns detected in the commit")
})
