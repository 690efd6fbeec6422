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
import { parse as parseShell } from "shell-quote"
import * as Policy from "../src/Policy.ts"
import { describeType, forEachString, readField, readString, show } from "./_payload.ts"
import { findSecret } from "./_secrets.ts"

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

/** Blocks pushes whose `payload.branch` is main or master, any case: `dontPushToMain`. Passes when absent. */
export const dontPushToMain: Policy.Policy = Policy.make("dont_push_to_main", (ctx) => {
  const branch = readString(ctx.payload, "branch")
  if (branch._tag === "Invalid") return Policy.fail(branch.reason)
  if (branch._tag === "Absent") return Policy.pass("No branch given")
  return isMainBranch(branch.value)
    ? Policy.fail(`Direct push to ${show(branch.value)} is blocked`)
    : Policy.pass("Branch is not main/master")
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

const REDIRECTS = new Set([">", ">>", "<", ">&", "<&", "&>", "&>>", ">|", "<>", "<<<", "<<-", "<<"])
const WRAPPERS = new Set([
  "sudo", "doas", "env", "command", "builtin", "exec", "nohup", "time", "nice", "ionice", "timeout", "xargs",
  "stdbuf", "caffeinate", "chronic", "unbuffer", "watch"
])
const SHELLS = new Set(["sh", "bash", "zsh", "dash", "ksh", "fish", "ash"])
const GIT_OPTIONS_WITH_VALUE = new Set(["-C", "-c", "--git-dir", "--work-tree", "--namespace", "--super-prefix", "--config-env"])
const PUSH_OPTIONS_WITH_VALUE = new Set(["--repo", "--receive-pack", "--exec", "--push-option"])
const FORCE_OPTIONS = ["force", "force-with-lease", "force-if-includes", "mirror"]
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/
const MAX_NESTING = 4

const base = (word: string): string => word.slice(word.lastIndexOf("/") + 1)

/** A line with no quoting, expansion, operator or comment: its words are exactly its blank-separated parts. */
const PLAIN = /^[^'"\\$`(){}|&;<>#\r\n]*$/

/** Splits one line of shell into simple commands (argv lists), following `sh -c` and `eval`. */
const splitLine = (line: string, depth: number, out: Array<ReadonlyArray<string>>): void => {
  if (PLAIN.test(line)) {
    const words = line.split(/[ \t]+/).filter((w) => w !== "")
    if (words.length > 0) expand(words, depth, out)
    return
  }
  let current: Array<string> = []
  const end = () => {
    if (current.length > 0) expand(current, depth, out)
    current = []
  }
  let skipNext = false
  for (const entry of parseShell(line, (key: string) => `$${key}`)) {
    if (typeof entry === "string") {
      if (skipNext) {
        skipNext = false
        continue
      }
      const parts = entry.split("`")
      parts.forEach((part, k) => {
        if (k > 0) end()
        if (part !== "") current.push(part)
      })
    } else if ("comment" in entry) {
      break
    } else if (entry.op === "glob") {
      current.push(entry.pattern)
    } else if (REDIRECTS.has(entry.op)) {
      skipNext = true
    } else {
      end()
    }
  }
  end()
}

/** Records `argv`, and the commands inside it when it runs a shell script (`bash -c '…'`, `eval …`). */
const expand = (argv: ReadonlyArray<string>, depth: number, out: Array<ReadonlyArray<string>>): void => {
  out.push(argv)
  if (depth >= MAX_NESTING) return
  let i = 0
  while (i < argv.length && ASSIGNMENT.test(argv[i]!)) i++
  if (i < argv.length && WRAPPERS.has(base(argv[i]!))) {
    const j = argv.findIndex((a, k) => k > i && (SHELLS.has(base(a)) || base(a) === "eval"))
    if (j < 0) return
    i = j
  }
  const cmd = base(argv[i] ?? "")
  if (cmd === "eval") commandsOf(argv.slice(i + 1).join(" "), depth + 1, out)
  if (SHELLS.has(cmd)) {
    const c = argv.findIndex((a, k) => k > i && /^-[A-Za-z]*c[A-Za-z]*$/.test(a))
    const script = c < 0 ? undefined : argv[c + 1]
    if (script !== undefined) commandsOf(script, depth + 1, out)
  }
}

/** Every simple command in a shell command string: the whole text and each line on its own. */
const commandsOf = (text: string, depth: number, out: Array<ReadonlyArray<string>>): Array<ReadonlyArray<string>> => {
  splitLine(text, depth, out)
  if (/[\r\n]/.test(text)) for (const line of text.split(/\r\n|\r|\n/)) splitLine(line, depth, out)
  return out
}

/** The arguments after `git` in a simple command (skipping env assignments and wrappers), if it runs git. */
const gitArgs = (argv: ReadonlyArray<string>): ReadonlyArray<string> | undefined => {
  let i = 0
  while (i < argv.length && ASSIGNMENT.test(argv[i]!)) i++
  for (let j = i; j < argv.length; j++) {
    const b = base(argv[j]!)
    if (b === "git") return argv.slice(j + 1)
    if (b === "git-push") return ["push", ...argv.slice(j + 1)]
    if (j === i && !WRAPPERS.has(b)) return undefined
  }
  return undefined
}

/** The force in a `git …` argument list that pushes (`-f`, `--force-with-lease=…`, `+ref`, …), if any. */
const forceOf = (args: ReadonlyArray<string>, depth = 0): string | undefined => {
  const configs: Array<string> = []
  let i = 0
  while (i < args.length) {
    const a = args[i]!
    if (a === "-c" || a === "--config-env") configs.push(args[i + 1] ?? "")
    if (GIT_OPTIONS_WITH_VALUE.has(a)) i += 2
    else if (a.startsWith("-")) i++
    else break
  }
  const sub = args[i]
  if (sub === undefined) return undefined
  for (const c of configs) {
    const alias = /^alias\.([^=]+)=(.*)$/s.exec(c)
    if (alias !== null && alias[1] === sub && depth < MAX_NESTING) {
      const body = alias[2]!.trim()
      if (body.startsWith("!")) {
        for (const argv of commandsOf(body.slice(1), depth + 1, [])) {
          const inner = gitArgs(argv)
          const f = inner === undefined ? undefined : forceOf(inner, depth + 1)
          if (f !== undefined) return f
        }
        return undefined
      }
      const expanded = parseShell(body).filter((e): e is string => typeof e === "string")
      return forceOf([...args.slice(0, i), ...expanded, ...args.slice(i + 1)], depth + 1)
    }
  }
  if (sub !== "push") return undefined
  for (const c of configs) if (/^remote\.[^=]*\.push=\s*\+/is.test(c)) return `-c ${c}`
  let optionsDone = false
  for (let k = i + 1; k < args.length; k++) {
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

const words = (value: unknown, label: string): ReadonlyArray<string> | string => {
  if (typeof value === "string") return commandsOf(value, 0, []).flat()
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as ReadonlyArray<string>
  return `${label} must be a string or an array of strings, got ${describeType(value)}`
}

/**
 * Blocks force pushes in `payload.command` / `payload.args`: `-f`, `--force`, `--force-with-lease=…`,
 * `--force-if-includes`, `--mirror`, combined flags like `-fu`, and `+ref` refspecs; `rm -f` and
 * `grep -f` pass: `dontForcePush`.
 */
export const dontForcePush: Policy.Policy = Policy.make("dont_force_push", (ctx) => {
  const command = readField(ctx.payload, "command")
  const args = readField(ctx.payload, "args")
  if (command._tag === "Invalid") return Policy.fail(command.reason)
  if (args._tag === "Invalid") return Policy.fail(args.reason)
  const argvs: Array<ReadonlyArray<string>> = []
  let last: ReadonlyArray<string> = []
  if (command._tag === "Present") {
    if (typeof command.value === "string") commandsOf(command.value, 0, argvs)
    else {
      const w = words(command.value, "payload.command")
      if (typeof w === "string") return Policy.fail(w)
      expand(w, 0, argvs)
    }
    last = argvs[argvs.length - 1] ?? []
  }
  if (args._tag === "Present") {
    const w = words(args.value, "payload.args")
    if (typeof w === "string") return Policy.fail(w)
    if (last.length > 0) argvs.push([...last, ...w])
    else argvs.push(gitArgs(w) === undefined ? ["git", ...w] : w)
  }
  for (const argv of argvs) {
    const git = gitArgs(argv)
    const force = git === undefined ? undefined : forceOf(git)
    if (force !== undefined) {
      return Policy.fail(`Force push is blocked: ${show(argv.join(" "))} uses ${show(force)}, which can destroy remote history`)
    }
  }
  return Policy.pass(argvs.length === 0 ? "No command given" : "No force push in the command")
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
