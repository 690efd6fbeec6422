/**
 * Git policies. They read `payload.branch`, `payload.base`, `payload.file_count` (or `payload.files`),
 * `payload.command` / `payload.args`, `payload.commit_message`, `payload.diff` and `payload.content`.
 * Shell commands are read with the shell model (`shell/parse.ts`), never matched as substrings, and git
 * commands are normalised before they are judged (`shell/gitPush.ts`): refspecs to destination branches,
 * `-c` overrides, `GIT_CONFIG_*`, `git config` run earlier in the same command, and aliases (expanded
 * when defined in the command; an unknown subcommand may be an alias and blocks). A push whose target,
 * force or configuration is not known before it runs blocks.
 *
 * @example
 * ```ts
 * import * as Git from "./git.ts"
 * const policies = [Git.dontPushToMain, Git.dontForcePush, Git.requireBranchPrefix("agent/")]
 * ```
 * @module
 */
import * as Policy from "../src/Policy.ts"
import { describeType, forEachString, get, readField, readString, show } from "./_payload.ts"
import { scanText } from "./_secrets.ts"
import { isMainBranch as isMain, pushOf } from "./shell/gitPush.ts"
import * as Sh from "./shell/model.ts"
import { parse } from "./shell/parse.ts"
import { type AllowEntry, allowList, judgeWithAllow } from "./shell/policy.ts"

// ---------------------------------------------------------------------------------------------------
// Branches

/** The branch a ref or refspec targets: `+HEAD:refs/heads/Main` → `main`. */
const targetBranch = (raw: string): string => {
  let b = raw.trim()
  b = b.slice(b.lastIndexOf(":") + 1)
  if (b.startsWith("+")) b = b.slice(1)
  return b.replace(/^refs\/heads\//i, "").replace(/^heads\//i, "").toLowerCase()
}

const isMainBranch = (raw: string): boolean => {
  const b = targetBranch(raw)
  return b === "main" || b === "master"
}

/** Options of the command-reading git policies. */
export interface GitCommandOptions {
  /**
   * Commands permitted although the policy blocks them: an exact simple command (`"git push origin
   * HEAD:main"`) or a word prefix (`{ prefix: "git push --force-with-lease" }`). A policy that blocks only
   * because of allowed commands passes with a reason starting "allowed by configuration: …".
   */
  readonly allow?: ReadonlyArray<AllowEntry>
}

const NO_BRANCH = Policy.pass("No branch given")
const NOT_MAIN = Policy.pass("Branch is not main/master")

const GH_API_VALUED = new Set(["-X", "--method", "-H", "--header", "-f", "--raw-field", "-F", "--field", "-q", "--jq", "-t", "--template", "--hostname", "--input", "-p", "--preview", "--cache"])
const GH_MAIN_REF = /(?:^|\/)git\/refs\/heads\/(?:main|master)(?:$|[?#])/i

/** `gh api …/git/refs/heads/main` with a write method: a push to main through the GitHub API. */
const ghWritesMain = (c: Sh.Command): boolean => {
  if (c.name !== "gh" || c.args[0] !== "api") return false
  const path = Sh.positionals(c.args.slice(1), GH_API_VALUED)[0]
  if (path === undefined || !GH_MAIN_REF.test(path)) return false
  const method = Sh.optionValues(c.args, "X", "method")[0]?.toUpperCase()
  return method !== undefined ? method !== "GET" : c.args.some((w) => /^-[fF]$|^--(?:field|raw-field|input)/.test(w))
}

/** Why a git command in `commands` pushes to main or master (or may), if one does. */
const pushesToMain = (commands: ReadonlyArray<Sh.Command>, current: string | undefined): string | undefined => {
  for (const c of commands) {
    if (ghWritesMain(c)) return `Direct push to main is blocked: ${Sh.shown(c)} updates the main branch through the GitHub API`
    const push = pushOf(c, current)
    if (push === undefined) continue
    if (push.unknown !== undefined) return `Push target cannot be determined: ${Sh.shown(c)} (${push.unknown}); it may push to main`
    if (push.every !== undefined) return `Direct push to main is blocked: ${Sh.shown(c)} writes every branch: ${push.every}`
    const hit = push.targets.find((t) => isMain(t.branch))
    if (hit !== undefined) return `Direct push to ${show(hit.branch)} is blocked: ${Sh.shown(c)} ${hit.deletes ? "deletes" : "pushes to"} it (refspec ${show(hit.spec)})`
  }
  return undefined
}

/**
 * Makes `dont_push_to_main` with allowances: blocks pushes to main or master, any case — `payload.branch`,
 * and the pushes in `payload.command`/`payload.args` with their refspecs normalised (`HEAD:main`,
 * `HEAD:heads/main`, `refs/heads/main`, `+main`, `:main` deletes, `'*:*'`, `--all`, `--mirror`,
 * `--prune`, `remote.*.push`/`remote.*.mirror` configuration, `send-pack`, aliases). A push whose target
 * is not known before it runs blocks; a plain `git push` of a branch the command did not check out is
 * judged by `payload.branch` when given.
 */
export const makeDontPushToMain = (options: GitCommandOptions = {}): Policy.Policy => {
  const allow = allowList(options.allow, "dont_push_to_main")
  return Policy.make("dont_push_to_main", (ctx) => {
    const branch = readString(ctx.payload, "branch")
    if (branch._tag === "Invalid") return Policy.fail(branch.reason)
    if (branch._tag === "Present" && isMainBranch(branch.value)) return Policy.fail(`Direct push to ${show(branch.value)} is blocked`)
    const commands = gitCommands(ctx.payload)
    if (typeof commands === "string") return Policy.fail(commands)
    const current = branch._tag === "Present" ? branch.value.trim().toLowerCase() : undefined
    const passed = branch._tag === "Absent" && commands.length === 0 ? NO_BRANCH : NOT_MAIN
    return judgeWithAllow(commands, (cs) => pushesToMain(cs, current), allow, passed)
  })
}

/** Blocks pushes to main or master (see `makeDontPushToMain`): `dontPushToMain`. Passes when branch and command are absent. */
export const dontPushToMain: Policy.Policy = makeDontPushToMain()

/**
 * Blocks merges whose `payload.base` is main or master, and merging pull requests from the shell (`gh pr
 * merge`: its base branch is not in the command, so it may be main): `dontMergeToMain`. Passes when
 * neither is present.
 */
export const dontMergeToMain: Policy.Policy = Policy.make("dont_merge_to_main", (ctx) => {
  const base = readString(ctx.payload, "base")
  if (base._tag === "Invalid") return Policy.fail(base.reason)
  const commands = readField(ctx.payload, "command")._tag === "Present" ? gitCommands(ctx.payload) : []
  if (typeof commands === "string") return Policy.fail(commands)
  const merge = commands.find((c) => c.name === "gh" && c.args[0] === "pr" && c.args[1] === "merge")
  if (merge !== undefined) return Policy.fail(`Merge blocked: ${Sh.shown(merge)} merges a pull request into a base branch the command does not name, which may be main`)
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

/** The git commands in `payload.command` (plus `payload.args`), or a reason they cannot be read. */
const gitCommands = (payload: unknown): ReadonlyArray<Sh.Command> | string => {
  const command = readField(payload, "command")
  const args = readField(payload, "args")
  if (command._tag === "Invalid") return command.reason
  if (args._tag === "Invalid") return args.reason
  if (command._tag === "Present" && args._tag === "Absent" && typeof command.value === "string") {
    const script = parse(command.value)
    return script.problem !== undefined ? `The command cannot be fully inspected: ${script.problem} (fail closed)` : script.commands
  }
  const out: Array<Sh.Command> = []
  if (command._tag === "Present") {
    const v = command.value
    if (typeof v !== "string" && !(Array.isArray(v) && v.every((x) => typeof x === "string"))) {
      return `payload.command must be a string or an array of strings, got ${describeType(v)}`
    }
    const script = parse(v as string | ReadonlyArray<string>)
    if (script.problem !== undefined) return `The command cannot be fully inspected: ${script.problem} (fail closed)`
    out.push(...script.commands)
  }
  if (args._tag === "Present") {
    const w = words(args.value, "payload.args")
    if (typeof w === "string") return w
    const last = out.length === 0 ? undefined : out[out.length - 1]
    const argv = last !== undefined ? [...last.argv, ...w] : Sh.programName(w[0]) === "git" ? w : ["git", ...w]
    const script = parse(argv)
    if (script.problem !== undefined) return `The command cannot be fully inspected: ${script.problem} (fail closed)`
    out.push(...script.commands)
  }
  return out
}

const words = (value: unknown, label: string): ReadonlyArray<string> | string => {
  if (typeof value === "string") {
    const script = parse(value)
    if (script.problem !== undefined) return `${label} cannot be read: ${script.problem}`
    return script.commands.flatMap((c) => c.argv)
  }
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as ReadonlyArray<string>
  return `${label} must be a string or an array of strings, got ${describeType(value)}`
}

const NO_COMMAND = Policy.pass("No command given")
const NO_FORCE = Policy.pass("No force push in the command")

/** Why a git command in `commands` force-pushes (or may), if one does. */
const forcePush = (commands: ReadonlyArray<Sh.Command>): string | undefined => {
  for (const c of commands) {
    const push = pushOf(c, undefined)
    if (push === undefined) continue
    if (push.force !== undefined) {
      return `Force push is blocked: ${Sh.shown(c)} uses ${show(push.force)}, which can destroy remote history`
    }
    if (push.unknown !== undefined) return `Force push cannot be ruled out: ${Sh.shown(c)} (${push.unknown})`
  }
  return undefined
}

/**
 * Makes `dont_force_push` with allowances: blocks force pushes in `payload.command` / `payload.args` —
 * `-f`, `--force`, `--force-with-lease=…`, `--force-if-includes`, abbreviations (`--forc`), `--mirror`,
 * combined flags like `-fu`, `+ref` refspecs, a `+` refspec or mirror set by `-c`/`git config`, through
 * `send-pack`, aliases, `sudo`, `bash -c`, `$( )`; a push whose options are not known before it runs.
 * `rm -f` and `grep -f` pass.
 */
export const makeDontForcePush = (options: GitCommandOptions = {}): Policy.Policy => {
  const allow = allowList(options.allow, "dont_force_push")
  return Policy.make("dont_force_push", (ctx) => {
    const commands = gitCommands(ctx.payload)
    if (typeof commands === "string") return Policy.fail(commands)
    return judgeWithAllow(commands, forcePush, allow, commands.length === 0 ? NO_COMMAND : NO_FORCE)
  })
}

/** Blocks force pushes (see `makeDontForcePush`): `dontForcePush`. */
export const dontForcePush: Policy.Policy = makeDontForcePush()

// ---------------------------------------------------------------------------------------------------
// Commit contents

const LAZY = new Set([
  "fix", "fixes", "fixed", "fixing", "update", "updates", "updated", "updating", "change", "changes", "changed",
  "wip", "work", "in", "progress", "commit", "committed", "test", "testing", "temp", "tmp", "misc", "stuff",
  "minor", "cleanup", "tweak", "tweaks", "save", "asdf", "foo", "bar", "more", "again"
])
const MIN_MESSAGE = 10

let lastMessage: string | undefined
let lastProblem: string | undefined

/** Why a commit message is not meaningful, if it is not (the last answer is kept: a payload often repeats its message). */
const messageProblem = (raw: string): string | undefined => {
  if (raw === lastMessage) return lastProblem
  lastProblem = judgeMessage(raw)
  lastMessage = raw
  return lastProblem
}

/** Longest commit message inspected; a longer one blocks (fail closed). */
const MAX_MESSAGE = 100_000

const judgeMessage = (raw: string): string | undefined => {
  if (raw.length > MAX_MESSAGE) return `Commit message is too long to inspect (${raw.length} characters, limit ${MAX_MESSAGE})`
  const m = raw.trim()
  if (m === "") return "Commit message is empty"
  if (m.length < MIN_MESSAGE) return `Commit message ${show(m)} is too short (${m.length} chars, minimum ${MIN_MESSAGE})`
  const w = m.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((x) => x !== "")
  if (w.length === 0 || w.every((x) => LAZY.has(x))) return `Commit message ${show(m)} is not meaningful: describe what changed and why`
  return undefined
}

/** The message a `git commit` in the command sets, `""` for an empty one allowed, or undefined when it sets none (editor, `-C`, `--no-edit`). */
const commandMessage = (c: Sh.Command): { readonly message: string | undefined; readonly problem: string | undefined } | undefined => {
  const g = c.git
  if (g === undefined || g.sub !== "commit") return undefined
  const a = g.args
  const parts: Array<string> = []
  let file: string | undefined
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!
    if (w === "--") break
    if (w === "--allow-empty-message") return { message: undefined, problem: `Commit message may be empty: ${Sh.shown(c)} uses --allow-empty-message` }
    if (w === "-m" || w === "--message") parts.push(a[++i] ?? "")
    else if (w.startsWith("--message=")) parts.push(w.slice(10))
    else if (/^-[a-zA-Z]*m/.test(w) && !w.startsWith("--")) {
      const at = w.indexOf("m")
      parts.push(at === w.length - 1 ? a[++i] ?? "" : w.slice(at + 1))
    } else if (w === "-F" || w === "--file") file = a[++i]
    else if (w.startsWith("--file=")) file = w.slice(7)
  }
  if (parts.length === 0 && file === "-" && c.stdin !== undefined) parts.push(c.stdin)
  if (parts.length === 0) return undefined
  const message = parts.join("\n\n")
  if (message.includes(Sh.UNKNOWN)) return { message, problem: `Commit message is built at run time and cannot be checked: ${Sh.shown(c)}` }
  return { message, problem: undefined }
}

/**
 * Requires a meaningful commit message: non-empty, at least 10 characters, not only lazy words ("fix",
 * "wip", "update", "misc", ".") or punctuation — in `payload.commit_message` (an explicit `null` counts as
 * empty) and in every `git commit -m …` of `payload.command` (`--allow-empty-message` and a message built
 * at run time block): `requireMeaningfulCommitMessage`. Passes when neither gives a message.
 */
export const requireMeaningfulCommitMessage: Policy.Policy = Policy.make("require_meaningful_commit_message", (ctx) => {
  const message = readString(ctx.payload, "commit_message")
  if (message._tag === "Invalid") return Policy.fail(message.reason)
  if (message._tag === "Absent" && typeof ctx.payload === "object" && ctx.payload !== null && Object.hasOwn(ctx.payload, "commit_message") && get(ctx.payload, "commit_message") === undefined) {
    return Policy.fail("Commit message is empty")
  }
  if (message._tag === "Present") {
    const problem = messageProblem(message.value)
    if (problem !== undefined) return Policy.fail(problem)
  }
  const commands = gitCommands(ctx.payload)
  if (typeof commands === "string") return Policy.fail(commands)
  let checked = 0
  for (const c of commands) {
    const m = commandMessage(c)
    if (m === undefined) continue
    if (m.problem !== undefined) return Policy.fail(m.problem)
    const problem = messageProblem(m.message ?? "")
    if (problem !== undefined) return Policy.fail(`${problem} (${Sh.shown(c)})`)
    checked++
  }
  if (message._tag === "Present") return Policy.pass(`Commit message meets requirements (${message.value.trim().length} chars)`)
  return Policy.pass(checked === 0 ? "No commit message given" : "Every commit message in the command meets requirements")
})

const SCANNED = ["diff", "content", "commit_message"] as const

/**
 * Blocks commits whose `payload.diff`, `payload.content` or `payload.commit_message` (strings, or nested
 * values holding strings) contain a known secret format: `dontCommitApiKeys`.
 */
export const dontCommitApiKeys: Policy.Policy = Policy.make("dont_commit_api_keys", (ctx) => {
  const kinds: Array<string> = []
  const redact: Array<string> = []
  let where: string | undefined
  for (const key of SCANNED) {
    const field = readField(ctx.payload, key)
    if (field._tag === "Invalid") return Policy.fail(field.reason)
    if (field._tag === "Absent") continue
    const r = forEachString(field.value, (s) => {
      for (const f of scanText(s)) {
        kinds.push(f.kind)
        redact.push(f.value)
        where ??= key
      }
      return false
    })
    if (r === "too-deep") return Policy.fail(`payload.${key} is too large or nested too deeply to scan for secrets`)
  }
  if (kinds.length === 0) return Policy.pass("No API key patterns detected in the commit")
  // The reason names the kind and the field, never the secret; the receipt stores the secret redacted.
  return {
    passed: false,
    reason: `Possible ${kinds[0]} found in payload.${where}: committing credentials is not permitted`,
    redact
  }
})
