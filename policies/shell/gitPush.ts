/**
 * What a push does (private), normalised before anyone judges it: every refspec read to its destination
 * branch (`HEAD:main`, `HEAD:heads/main`, `refs/heads/main`, `+main`, `:main`, `'*:*'`, `tag v1`), the
 * options that push every branch or delete (`--all`, `--branches`, `--mirror`, `--delete`, `--prune`),
 * force in any spelling (`-f`, `--force-with-lease=…`, abbreviations, `+` refspecs, `--mirror`), and
 * the configuration in effect (`remote.*.push`, `remote.*.mirror`, `push.default=matching`, from `-c` or
 * `git config` earlier in the command). Covers `git push`, `git send-pack`, `git http-push` and
 * `git subtree push`. Anything it cannot resolve (a word not known until it runs) is reported as unknown.
 *
 * @example
 * ```ts
 * import { pushOf } from "./gitPush.ts"
 * import { parse } from "./parse.ts"
 * const [push] = parse("git push origin HEAD:heads/main").commands
 * if (push !== undefined) pushOf(push, undefined)?.targets // [{ branch: "main", spec: "HEAD:heads/main", deletes: false }]
 * ```
 * @module
 */
import { type Command, UNKNOWN } from "./model.ts"

/** A branch a push writes to, and the refspec that names it. */
export interface PushTarget {
  readonly branch: string
  readonly spec: string
  readonly deletes: boolean
}

/** A push, normalised. */
export interface Push {
  readonly targets: ReadonlyArray<PushTarget>
  /** Why it writes every branch (so main too), if it does. */
  readonly every: string | undefined
  /** The force in it, as written, if any. */
  readonly force: string | undefined
  /** Why where or how it pushes is not known, if so. */
  readonly unknown: string | undefined
}

const VALUED = new Set(["--repo", "--receive-pack", "--exec", "--push-option", "-o", "--recurse-submodules", "--signed", "--prefix", "-P", "--message", "-m"])
const FORCE_LONG = ["force", "force-with-lease", "force-if-includes"]
const EVERY_LONG = ["all", "branches", "mirror"]

/** Whether `--name` (or an unambiguous abbreviation of it, as git accepts) is among `longs`. */
const longMatch = (name: string, longs: ReadonlyArray<string>): string | undefined =>
  name.length >= 2 ? longs.find((l) => l === name || (l.startsWith(name) && name.length >= 3)) : undefined

/** The destination branch of a refspec's destination, lower-cased; undefined when it is not a branch (a tag, a note). */
const branchOf = (dst: string, current: string | undefined): string | undefined => {
  let d = dst.trim()
  if (d === "HEAD" || d === "@") return current ?? undefined
  d = d.toLowerCase()
  if (d.startsWith("refs/heads/")) d = d.slice(11)
  else if (d.startsWith("heads/")) d = d.slice(6)
  else if (d.startsWith("refs/")) return undefined
  return d
}

/** Reads a push command; undefined for anything that does not push. `current` is the checked-out branch, if known. */
export const pushOf = (c: Command, current: string | undefined): Push | undefined => {
  const g = c.git
  if (g === undefined || g.sub === undefined) return undefined
  let args = g.args
  const kind = g.sub
  if (kind === "subtree") {
    if (args[0] !== "push") return undefined
    args = args.slice(1)
  } else if (kind !== "push" && kind !== "send-pack" && kind !== "http-push") return undefined
  const branch = c.branch ?? current
  const config = c.gitConfig
  const targets: Array<PushTarget> = []
  let every: string | undefined
  let force: string | undefined
  let unknown: string | undefined
  let deleting = false
  const positional: Array<string> = []
  let optionsDone = false
  for (let k = 0; k < args.length; k++) {
    const a = args[k]!
    if (a.startsWith(UNKNOWN) || (a.startsWith("-") && a.includes(UNKNOWN) && !/^--[\w-]+=/.test(a))) unknown ??= `an argument of 'git ${kind}' is not known until it runs`
    if (optionsDone || !a.startsWith("-") || a === "-") {
      positional.push(a)
      continue
    }
    if (a === "--") {
      optionsDone = true
      continue
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=")
      const name = a.slice(2, eq < 0 ? undefined : eq)
      if (name.startsWith("no-")) continue
      if (longMatch(name, FORCE_LONG) !== undefined) force ??= a
      const e = longMatch(name, EVERY_LONG)
      if (e !== undefined) every ??= `it pushes every branch (${a})`
      if (e === "mirror") force ??= a
      if (longMatch(name, ["delete"]) !== undefined) deleting = true
      if (longMatch(name, ["prune"]) !== undefined) every ??= `${a} deletes remote branches that are missing locally, which may include main`
      if (name === "stdin") unknown ??= `'git ${kind} --stdin' reads the refs it pushes from its input`
      if (VALUED.has(`--${name}`) && eq < 0) k++
      continue
    }
    for (let p = 1; p < a.length; p++) {
      const ch = a[p]!
      if (ch === "f") force ??= a
      else if (ch === "d") deleting = true
      else if (ch === "o" || ch === "P" || ch === "m") {
        if (p === a.length - 1) k++
        break
      }
    }
  }
  // The first positional is the repository (`git subtree push` takes it the same way).
  let specs: ReadonlyArray<string> = positional.slice(1)
  if (specs.length === 0 && every === undefined && !deleting) specs = configuredSpecs(config, (reason) => (every ??= reason))
  // No refspec: the current branch is pushed (push.default simple/current), when the command checked it out.
  if (specs.length === 0 && every === undefined && !deleting && branch !== undefined) {
    if (branch.includes(UNKNOWN)) unknown ??= "the branch it pushes was checked out conditionally"
    else targets.push({ branch: branch.toLowerCase(), spec: "(the current branch)", deletes: false })
  }
  for (let k = 0; k < specs.length; k++) {
    let spec = specs[k]!
    if (spec === "tag") {
      k++
      continue
    }
    if (spec.includes(UNKNOWN)) {
      unknown ??= `the refspec '${spec.replaceAll(UNKNOWN, "$…")}' is not known until it runs`
      continue
    }
    if (spec.startsWith("+")) {
      force ??= spec
      spec = spec.slice(1)
    }
    const colon = spec.indexOf(":")
    const src = colon < 0 ? spec : spec.slice(0, colon)
    const dst = colon < 0 ? spec : spec.slice(colon + 1) || src
    if (spec === ":" || (src === "" && dst === "")) {
      every ??= `the refspec '${specs[k]}' pushes every matching branch`
      continue
    }
    if (dst.includes("*")) {
      every ??= `the refspec '${specs[k]}' is a pattern that can write any branch`
      continue
    }
    const b = branchOf(dst, src === "" || deleting ? undefined : branch)
    if (b !== undefined) targets.push({ branch: b, spec: specs[k]!, deletes: deleting || src === "" })
  }
  for (const [key, value] of config) {
    if (/^remote\..+\.mirror$/.test(key) && !/^(?:false|no|off|0)$/i.test(value)) {
      every ??= `-c ${key}=${value} makes it a mirror push`
      force ??= `${key}=${value}`
    }
    if (/^remote\..+\.push$/.test(key) && value.trim().startsWith("+")) force ??= `${key}=${value}`
    if (value.includes(UNKNOWN) && (/^remote\..+\.(?:push|mirror)$/.test(key) || key === "push.default")) unknown ??= `the push configuration ${key} is not known until it runs`
  }
  if (config.has("\uE000")) unknown ??= "git configuration from the environment is not known"
  return { targets, every, force, unknown }
}

/** The refspecs a push without any uses: `remote.*.push`, or every branch for `push.default=matching`. */
const configuredSpecs = (config: ReadonlyMap<string, string>, every: (reason: string) => void): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (const [key, value] of config) if (/^remote\..+\.push$/.test(key)) out.push(value.trim())
  if (out.length === 0 && config.get("push.default")?.toLowerCase() === "matching") every("push.default=matching pushes every branch that exists on the remote")
  const upstream = config.get("push.default")?.toLowerCase()
  if (out.length === 0 && (upstream === "upstream" || upstream === "tracking")) {
    for (const [key, value] of config) if (/^branch\..+\.merge$/.test(key)) out.push(`HEAD:${value.trim()}`)
  }
  return out
}

/** Whether a branch name is main or master. */
export const isMainBranch = (branch: string): boolean => branch === "main" || branch === "master"
