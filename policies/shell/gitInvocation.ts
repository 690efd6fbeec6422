/**
 * Git invocations (private): global options, configuration in effect (`-c`, `--config-env`,
 * `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`, `GIT_CONFIG_PARAMETERS`, and `git config` run earlier in the same
 * command), alias expansion, and the commands git runs for its configuration or subcommands
 * (`core.fsmonitor`, `core.sshCommand`, `core.pager`, filters, `rebase --exec`, `submodule foreach`,
 * `bisect run`…). Known command text is parsed like the rest of the command; a key or value that is not
 * known, a hooks path, an included config file, an unknown subcommand (it may be an alias defined outside
 * this command) or a transport that runs commands makes the git command `unresolved`.
 *
 * @example
 * ```ts
 * import { gitCall } from "./gitInvocation.ts"
 * import { parse } from "./parse.ts"
 * // parse records the call as written and, with the alias expanded, `git -c alias.p=push push origin x`
 * const [written, expanded] = parse("git -c alias.p=push p origin x").commands
 * if (written !== undefined) gitCall(written, new Map())?.own.get("alias.p") // "push"
 * if (expanded !== undefined) gitCall(expanded, new Map())?.sub // "push"
 * ```
 * @module
 */
import { type Building, type Call } from "./analyse.ts"
import { UNKNOWN } from "./expand.ts"
import { type Command, GIT_VALUED, positionals } from "./model.ts"
import { nestedArgv, nestedScript } from "./runs.ts"
import { type Run, type Shell, type Site } from "./state.ts"

const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))

/** A git command line read: global options, the configuration in effect, the subcommand and its arguments. */
export interface GitCall {
  readonly globals: ReadonlyArray<string>
  /** This invocation's own overrides (`-c`, `--config-env`, `GIT_CONFIG_*`), lower-cased keys. */
  readonly own: ReadonlyMap<string, string>
  readonly sub: string | undefined
  readonly args: ReadonlyArray<string>
}

/** Builtin git commands (an alias cannot shadow them) and common external ones. */
const BUILTINS = set(
  "add am annotate apply archive bisect blame branch bundle cat-file check-attr check-ignore check-mailmap check-ref-format checkout " +
    "checkout-index cherry cherry-pick citool clean clone column commit commit-graph commit-tree config count-objects credential " +
    "credential-cache credential-store daemon describe diagnose diff diff-files diff-index diff-tree difftool fast-export fast-import fetch " +
    "fetch-pack filter-branch fmt-merge-msg for-each-ref for-each-repo format-patch fsck gc get-tar-commit-id grep gui hash-object help hook " +
    "http-backend http-fetch http-push imap-send index-pack init init-db instaweb interpret-trailers log ls-files ls-remote ls-tree mailinfo " +
    "mailsplit maintenance merge merge-base merge-file merge-index merge-one-file merge-tree mergetool mktag mktree multi-pack-index mv " +
    "name-rev notes pack-objects pack-redundant pack-refs patch-id prune prune-packed pull push quiltimport range-diff read-tree rebase " +
    "receive-pack reflog refs remote repack replace replay request-pull rerere reset restore rev-list rev-parse revert rm scalar send-email " +
    "send-pack shortlog show show-branch show-index show-ref sparse-checkout stage stash status stripspace submodule subtree svn switch " +
    "symbolic-ref tag unpack-file unpack-objects update-index update-ref update-server-info upload-archive upload-pack var verify-commit " +
    "verify-pack verify-tag version whatchanged worktree write-tree bugreport backfill lfs"
)

const BOOLEAN = /^(?:true|false|yes|no|on|off|1|0|)$/i

/** What a configuration key does when git reads it. */
export type KeyKind = "alias" | "command" | "file" | "transport" | "push" | "other"

/** Classifies a (lower-cased) configuration key. */
export const keyKind = (key: string): KeyKind => {
  if (key.startsWith("alias.")) return "alias"
  const parts = key.split(".")
  const section = parts[0]!
  const last = parts[parts.length - 1]!
  if (COMMAND_KEYS.has(key) || (parts.length >= 3 && COMMAND_LAST.has(`${section}.${last}`)) || (section === "pager" && parts.length === 2)) return "command"
  if (key === "credential.helper" || (section === "credential" && last === "helper")) return "command"
  if (FILE_KEYS.has(key) || (section === "includeif" && last === "path")) return "file"
  if ((section === "url" && (last === "insteadof" || last === "pushinsteadof")) || (section === "protocol" && last === "allow")) return "transport"
  if ((section === "remote" && (last === "url" || last === "pushurl"))) return "transport"
  if (key === "push.default" || key === "remote.pushdefault" || (section === "remote" && (last === "push" || last === "mirror")) || (section === "branch" && (last === "merge" || last === "remote" || last === "pushremote"))) return "push"
  return "other"
}

const COMMAND_KEYS = set(
  "core.fsmonitor core.sshcommand core.pager core.editor core.askpass core.gitproxy core.alternaterefscommand sequence.editor diff.external " +
    "interactive.difffilter gpg.program uploadpack.packobjectshook sendemail.sendmailcmd sendemail.tocmd sendemail.cccmd sendemail.headercmd " +
    "sendemail.smtpserver"
)
/** `section.<name>.key` forms whose value is a command. */
const COMMAND_LAST = set(
  "diff.textconv diff.command merge.driver filter.clean filter.smudge filter.process gpg.program mergetool.cmd difftool.cmd " +
    "remote.receivepack remote.uploadpack browser.cmd man.cmd guitool.cmd submodule.update"
)
const FILE_KEYS = set("core.hookspath include.path init.templatedir core.worktree")

/** Reads a git invocation: `-c`/`--config-env` overrides, `GIT_CONFIG_*` from the environment, the subcommand. */
export const gitCall = (c: Command, env: ReadonlyMap<string, string>): GitCall | undefined => {
  let argv = c.argv
  if (c.name !== "git") {
    if (!c.name.startsWith("git-")) return undefined
    argv = ["git", c.name.slice(4), ...c.args]
  }
  const fromEnv = configFromEnv(env)
  let own: Map<string, string> | undefined = fromEnv.size === 0 ? undefined : new Map(fromEnv)
  let i = 1
  while (i < argv.length) {
    const a = argv[i]!
    if (a === "-c" || a === "--config-env") {
      const v = argv[i + 1] ?? ""
      own ??= new Map()
      if (a === "-c") {
        const eq = v.indexOf("=")
        own.set(lowerKey(eq < 0 ? v : v.slice(0, eq)), eq < 0 ? "true" : v.slice(eq + 1))
      } else {
        const eq = v.indexOf("=")
        own.set(lowerKey(v.slice(0, eq < 0 ? v.length : eq)), env.get(v.slice(eq + 1)) ?? UNKNOWN)
      }
      i += 2
    } else if (a.startsWith("--config-env=")) {
      const v = a.slice(13)
      const eq = v.indexOf("=")
      own ??= new Map()
      own.set(lowerKey(v.slice(0, eq < 0 ? v.length : eq)), env.get(v.slice(eq + 1)) ?? UNKNOWN)
      i++
    } else if (GIT_VALUED.has(a)) i += 2
    else if (a.startsWith("-")) i++
    else break
  }
  return { globals: i === 1 ? NO_WORDS : argv.slice(1, i), own: own ?? NO_CONFIG, sub: argv[i], args: argv.slice(i + 1) }
}

/** Section and variable names are case-insensitive; a subsection keeps its case but is compared lower-cased here. */
const lowerKey = (key: string): string => key.trim().toLowerCase()

/** `GIT_CONFIG_COUNT` with `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`, and `GIT_CONFIG_PARAMETERS`. */
const NO_CONFIG: ReadonlyMap<string, string> = new Map()
const NO_WORDS: ReadonlyArray<string> = []

const configFromEnv = (env: ReadonlyMap<string, string>): ReadonlyMap<string, string> => {
  if (env.size === 0 || (!env.has("GIT_CONFIG_COUNT") && !env.has("GIT_CONFIG_PARAMETERS"))) return NO_CONFIG
  const out = new Map<string, string>()
  const count = env.get("GIT_CONFIG_COUNT")
  if (count !== undefined) {
    const n = /^\d{1,3}$/.test(count) ? Number(count) : -1
    if (n < 0) out.set(UNKNOWN, UNKNOWN)
    for (let k = 0; k < n; k++) out.set(lowerKey(env.get(`GIT_CONFIG_KEY_${k}`) ?? UNKNOWN), env.get(`GIT_CONFIG_VALUE_${k}`) ?? UNKNOWN)
  }
  const params = env.get("GIT_CONFIG_PARAMETERS")
  if (params !== undefined) {
    const re = /'((?:[^'\\]|\\.)*)'(?:='((?:[^'\\]|\\.)*)')?\s*/gy
    let m: RegExpExecArray | null
    let end = 0
    while ((m = re.exec(params)) !== null) {
      const [k, v] = m[2] === undefined ? [m[1]!.split("=")[0]!, m[1]!.includes("=") ? m[1]!.slice(m[1]!.indexOf("=") + 1) : "true"] : [m[1]!, m[2]]
      out.set(lowerKey(k), v)
      end = re.lastIndex
    }
    if (end !== params.length || params.includes(UNKNOWN)) out.set(UNKNOWN, UNKNOWN)
  }
  return out
}

/** Exported variables and the command's own assignments, for `GIT_CONFIG_*`. */
const environmentOf = (c: Command, shell: Shell): ReadonlyMap<string, string> => {
  let any = false
  for (const k of shell.vars.keys()) if (k.startsWith("GIT_")) any = true
  if (!any) return c.env
  // Set in this shell, exported or not: the agent's environment may already export them.
  const env = new Map<string, string>()
  for (const [k, v] of shell.vars) if (k.startsWith("GIT_")) env.set(k, v.value ?? UNKNOWN)
  for (const [k, v] of c.env) env.set(k, v)
  return env
}

// ---------------------------------------------------------------------------------------------------
// Effects: configuration written, branch checked out

/** Records the configuration in effect on `c`, then what it changes for later commands (`git config`, `git checkout`). */
export const gitEffects = (c: Building, site: Site, shell: Shell, run: Run): void => {
  const call = gitCall(c, environmentOf(c, shell))
  if (call === undefined) return
  c.git = call
  if (run.gitConfig.size === 0) c.gitConfig = call.own
  else if (call.own.size === 0) c.gitConfig = new Map(run.gitConfig)
  else {
    const merged = new Map(run.gitConfig)
    for (const [k, v] of call.own) merged.set(k, v)
    c.gitConfig = merged
  }
  c.branch = run.branch
  const a = call.args
  if (call.sub === "config") {
    const write = configWrite(a)
    if (write !== undefined) run.gitConfig.set(write.key, site.certain ? write.value : UNKNOWN)
    for (const k of configUnsets(a)) run.gitConfig.delete(k)
  } else if (call.sub === "checkout" || call.sub === "switch") {
    const created = a.findIndex((w) => w === "-b" || w === "-B" || w === "-c" || w === "-C" || w === "--create" || w === "--force-create" || w === "--orphan")
    const target = created >= 0 ? a[created + 1] : a.includes("--") ? undefined : positionals(a)[0]
    if (target !== undefined) run.branch = site.certain || site.chained ? target : UNKNOWN
  }
}

/** A `git config` that sets a value: `git config [scope] key value`, `git config set key value`. */
export const configWrite = (a: ReadonlyArray<string>): { readonly key: string; readonly value: string } | undefined => {
  const rest = a[0] === "set" ? a.slice(1) : a
  if (rest.some((w) => /^--(?:get|get-all|get-regexp|get-urlmatch|list|unset|unset-all|remove-section|rename-section|edit|show-origin|show-scope|name-only)$/.test(w) || w === "-l" || w === "-e")) return undefined
  const p = positionals(rest, set("--file -f --blob --type --default --comment --value"))
  if (p.length < 2 || p[0] === "get" || p[0] === "unset" || p[0] === "list") return undefined
  return { key: lowerKey(p[0]!), value: p[1]! }
}

const configUnsets = (a: ReadonlyArray<string>): ReadonlyArray<string> => {
  if (a[0] === "unset") return positionals(a.slice(1)).slice(0, 1).map(lowerKey)
  return a.includes("--unset") || a.includes("--unset-all") ? positionals(a).slice(0, 1).map(lowerKey) : []
}

// ---------------------------------------------------------------------------------------------------
// What git runs

/** Judges a configuration value: command text is parsed, files and transports that run commands are unresolved. */
const judgeKey = (c: Building, call: Call, shell: Shell, run: Run, key: string, value: string, how: string): void => {
  if (key.includes(UNKNOWN)) {
    c.unresolved ??= `${how} sets a configuration key that is not known until it runs`
    return
  }
  const kind = keyKind(key)
  if (kind === "command") {
    if (BOOLEAN.test(value.trim()) && (key.startsWith("pager.") || key === "core.fsmonitor" || key === "core.pager")) return
    if (key.endsWith(".helper") && !value.startsWith("!") && !value.includes("/") && !value.includes(UNKNOWN)) return
    if (key.startsWith("submodule.") && !value.startsWith("!")) return
    const text = value.startsWith("!") ? value.slice(1) : value
    if (text.trim() === "") return
    nestedScript(c, call, shell, run, text, { via: `git ${how} ${key}` })
  } else if (kind === "file") {
    if (value !== "" && value !== "/dev/null") c.unresolved ??= `${how} ${key} makes git load hooks or configuration from a file this guard cannot read`
  } else if (kind === "transport") {
    if (/ext::|fd::/i.test(key + value) || (key.startsWith("protocol.") && /^(?:always|user)$/i.test(value))) {
      c.unresolved ??= `${how} ${key} enables a git transport that runs commands`
    }
  }
}

/** Aliases, configuration commands and subcommands that run other commands. */
export const gitRuns = (c: Building, call: Call, shell: Shell, run: Run): void => {
  const g = c.git
  if (g === undefined) return
  if (g.own.has(UNKNOWN)) c.unresolved ??= "git configuration from the environment (GIT_CONFIG_*) is not known"
  for (const [k, v] of g.own) if (k !== UNKNOWN && keyKind(k) !== "alias") judgeKey(c, call, shell, run, k, v, "-c")
  for (const w of g.globals) if (w.startsWith("--exec-path=") || w === "--exec-path" && g.globals.indexOf(w) < g.globals.length - 1) c.unresolved ??= "git --exec-path makes git run its subcommands from another directory"
  const sub = g.sub
  if (sub === undefined) return
  if (sub.includes(UNKNOWN)) {
    c.unresolved ??= "the git subcommand is not known until it runs"
    return
  }
  const a = g.args
  if (!BUILTINS.has(sub)) {
    const body = c.gitConfig.get(`alias.${sub.toLowerCase()}`)
    if (body === undefined) {
      c.unresolved ??= `'git ${sub}' is not a git command this guard knows; it may be an alias defined outside this command`
      return
    }
    if (body.includes(UNKNOWN)) c.unresolved ??= `the git alias '${sub}' is not known until it runs`
    else if (body.trimStart().startsWith("!")) nestedScript(c, call, shell, run, `${body.trimStart().slice(1)} "$@"`, { via: `git alias ${sub}`, positional: a })
    else nestedArgv(c, call, shell, run, ["git", ...g.globals, ...splitAlias(body), ...a], `git alias ${sub}`)
    return
  }
  switch (sub) {
    case "config": {
      const w = configWrite(a)
      if (w !== undefined && keyKind(w.key) !== "alias") judgeKey(c, call, shell, run, w.key, w.value, "config")
      if (w !== undefined && keyKind(w.key) === "alias" && w.value.trimStart().startsWith("!")) {
        nestedScript(c, call, shell, run, w.value.trimStart().slice(1), { via: `git config ${w.key}` })
      }
      return
    }
    case "rebase":
      for (const v of valuesOf(a, ["-x", "--exec"])) nestedScript(c, call, shell, run, v, { via: "git rebase --exec", loop: true })
      return
    case "bisect":
      if (a[0] === "run") nestedArgv(c, call, shell, run, a.slice(1), "git bisect run", true)
      return
    case "submodule": {
      const at = a.indexOf("foreach")
      if (at >= 0) nestedScript(c, call, shell, run, positionals(a.slice(at + 1))[0] ?? "", { via: "git submodule foreach", loop: true })
      return
    }
    case "filter-branch":
      for (const v of valuesOf(a, ["--tree-filter", "--index-filter", "--msg-filter", "--env-filter", "--commit-filter", "--parent-filter", "--tag-name-filter"])) {
        nestedScript(c, call, shell, run, v, { via: "git filter-branch", loop: true })
      }
      return
    case "difftool":
    case "mergetool":
      for (const v of valuesOf(a, ["-x", "--extcmd"])) nestedScript(c, call, shell, run, v, { via: `git ${sub}` })
      return
    case "send-email":
      for (const v of valuesOf(a, ["--to-cmd", "--cc-cmd", "--header-cmd", "--sendmail-cmd", "--smtp-server"])) {
        if (!/^[\w.-]+$/.test(v)) nestedScript(c, call, shell, run, v, { via: "git send-email" })
      }
      return
    case "clone":
    case "fetch":
    case "pull":
    case "push":
    case "ls-remote":
    case "archive":
    case "init":
    case "submodule--helper":
      for (const v of valuesOf(a, ["--upload-pack", "-u", "--receive-pack", "--exec"])) if (sub !== "init") nestedScript(c, call, shell, run, v, { via: `git ${sub}` })
      if (valuesOf(a, ["--template"]).some((v) => v !== "" && v !== "/dev/null")) c.unresolved ??= `git ${sub} --template installs hooks from a directory this guard cannot read`
      if (sub === "clone") for (const v of valuesOf(a, ["-c", "--config"])) {
        const eq = v.indexOf("=")
        judgeKey(c, call, shell, run, lowerKey(eq < 0 ? v : v.slice(0, eq)), eq < 0 ? "true" : v.slice(eq + 1), "clone -c")
      }
      if (a.some((w) => /^(?:ext|fd)::/i.test(w))) c.unresolved ??= `git ${sub} uses a transport that runs commands`
      return
    default:
      return
  }
}

/** Values of options given as `-x V`, `--x V` or `--x=V`. */
const valuesOf = (a: ReadonlyArray<string>, names: ReadonlyArray<string>): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!
    if (w === "--") break
    if (names.includes(w)) out.push(a[++i] ?? "")
    else {
      const eq = w.indexOf("=")
      if (eq > 0 && names.includes(w.slice(0, eq))) out.push(w.slice(eq + 1))
    }
  }
  return out
}

/** Splits a non-`!` alias body into words the way git does (blanks; single and double quotes group). */
export const splitAlias = (body: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  let cur = ""
  let has = false
  let quote = ""
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!
    if (quote !== "") {
      if (ch === quote) quote = ""
      else if (ch === "\\" && quote === "\"" && i + 1 < body.length) cur += body[++i]
      else cur += ch
    } else if (ch === "'" || ch === "\"") {
      quote = ch
      has = true
    } else if (ch === "\\" && i + 1 < body.length) {
      cur += body[++i]
      has = true
    } else if (ch === " " || ch === "\t" || ch === "\n") {
      if (has) out.push(cur)
      cur = ""
      has = false
    } else {
      cur += ch
      has = true
    }
  }
  if (has) out.push(cur)
  return out
}
