/**
 * What a command runs in turn (private): the scripts and commands it hands to a shell or runs itself —
 * `sh -c`, a script on a shell's standard input, `eval`, `source`, `trap`, `ssh host …`, `docker exec`,
 * `kubectl exec`, `find -exec`, `fd -x`, `tmux`, `at`, `parallel`, `hyperfine`, `tar --to-command`,
 * `rsync -e`, `ssh -o ProxyCommand`, commands named in environment variables (`GIT_SSH_COMMAND`,
 * `PAGER`…), scripts written earlier in the same command and then run, and git hooks or shell startup
 * files written by it. Known text is parsed like the rest of the command; text that is not known marks
 * the command `unresolved`.
 *
 * @example
 * ```ts
 * import { parse } from "./parse.ts"
 * // `bash -c 'rm -rf "$1"' _ ~` records `rm -rf ~` (the positional parameter is known):
 * parse(`bash -c 'rm -rf "$1"' _ ~`).commands[1]?.argv // ["rm", "-rf", "~"]
 * ```
 * @module
 */
import { analyse, type Building, type Call, outputOf } from "./analyse.ts"
import { UNKNOWN } from "./expand.ts"
import { interpreterCode, isInterpreter, SHELLS, STDIN_FILES } from "./interpreters.ts"
import { EXEC_VALUED, fdExec, findExec, PACKAGE_RUNNERS, packageRunner, parallel, proxyCommands, ssh, tmux } from "./launchers.ts"
import { pathOf, positionals, skipOptions } from "./model.ts"
import { childShell, type Run, type Shell } from "./state.ts"

const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))

const SHELL_VALUED = set("-o +o -O +O --rcfile --init-file")
const WATCHEXEC_VALUED = set("-w --watch -e --exts -i --ignore -d --debounce -s --signal -f --filter --shell")
const HYPERFINE_SCRIPTS = set("-p --prepare -c --cleanup -s --setup --conclude")
const CONCURRENTLY_VALUED = set("-n --names -c --prefix-colors -p --prefix -l --prefix-length -t --timestamp-format --default-input-target --max-processes -m --success -s --restart-tries --restart-after --handle-input --names-separator")

/** Environment variables whose value is a command some program runs. */
const COMMAND_ENV = set("GIT_SSH_COMMAND GIT_SSH GIT_PAGER PAGER MANPAGER GIT_EDITOR EDITOR VISUAL GIT_SEQUENCE_EDITOR GIT_EXTERNAL_DIFF GIT_ASKPASS SSH_ASKPASS SUDO_ASKPASS GIT_PROXY_COMMAND BROWSER LESSOPEN LESSCLOSE RSYNC_RSH CVS_RSH SYSTEMD_PAGER PSQL_PAGER")
/** Environment variables that load code or configuration the guard cannot see. */
const LOADING_ENV: ReadonlyMap<string, string> = new Map([
  ["LD_PRELOAD", "loads a library into every program it starts"], ["LD_AUDIT", "loads a library into every program it starts"],
  ["DYLD_INSERT_LIBRARIES", "loads a library into every program it starts"], ["BASH_ENV", "makes bash run a file first"],
  ["ENV", "makes sh run a file first"], ["PERL5OPT", "adds options (and code) to every perl"], ["RUBYOPT", "adds options (and code) to every ruby"],
  ["GIT_CONFIG_GLOBAL", "loads git configuration from a file"], ["GIT_CONFIG_SYSTEM", "loads git configuration from a file"],
  ["GIT_EXEC_PATH", "makes git run its subcommands from another directory"], ["GIT_TEMPLATE_DIR", "installs git hooks from a directory"],
  ["PROMPT_COMMAND", "runs a command before every prompt"], ["GIT_CONFIG", "loads git configuration from a file"]
])
/** Whether a variable is one some program reads as a command, or as code or configuration to load. */
export const isWatchedEnv = (name: string): boolean =>
  COMMAND_ENV.has(name) || LOADING_ENV.has(name) || name === "NODE_OPTIONS" || name.startsWith("GIT_CONFIG")

const NODE_CODE_OPTIONS = /(?:^|\s)(?:-r|--require|--import|--loader|--experimental-loader|-e|--eval|-p|--print)\b/

type Site = Call["site"]

/** Parses `text` as a script run by `c`; unknown text makes `c` unresolved instead. */
export const nestedScript = (
  c: Building,
  call: Call,
  shell: Shell,
  run: Run,
  text: string,
  how: { readonly via: string; readonly same?: boolean; readonly positional?: ReadonlyArray<string>; readonly loop?: boolean }
): void => {
  if (text.includes(UNKNOWN)) {
    c.unresolved ??= `${how.via} runs a script that is not known until it runs`
    return
  }
  const inner = how.same === true ? shell : childShell(shell, c.env, how.positional)
  const site: Site = { ...call.site, via: how.via, inLoop: c.inLoop || how.loop === true, upstream: [], pipedUnknown: false, certain: how.same === true && call.site.certain }
  run.script(text, call.site.depth + 1, inner, site)
}

/** Analyses `argv` as a command run by `c` (`find -exec`, `docker exec`…). */
export const nestedArgv = (c: Building, call: Call, shell: Shell, run: Run, argv: ReadonlyArray<string>, via: string, loop = false): void => {
  if (argv.length === 0) return
  analyse({
    argv,
    env: c.env,
    redirects: [],
    stdin: undefined,
    stdinUnknown: false,
    subs: [],
    runsSub: false,
    unresolved: undefined,
    site: { ...call.site, depth: call.site.depth + 1, via, inLoop: c.inLoop || loop, upstream: [], pipedUnknown: false, text: argv.join(" ") }
  }, shell, run)
}

/** Programs `runs` has a rule for (a fast check before its switch). */
const RUNNERS = set(
  "eval source . trap alias enable hash ssh scp sftp docker podman nerdctl docker-compose kubectl oc find fd fdfind tmux at batch parallel concurrently hyperfine nodemon watchexec entr nix-shell nix scl sg tar zip rsync nc ncat netcat socat crontab"
)

const PERSIST_WRITERS = set("tee cp mv install ln sed gsed perl dd curl wget rsync scp patch")
const HOOK = /\/(?:\.git\/hooks|\.husky)(?:\/[^/]+)?$/
const GIT_CONFIG_FILE = /\/\.git\/config$|\/\.gitconfig$|\/\.config\/git\/config$/
const STARTUP_FILE = /\/(?:\.(?:bashrc|bash_profile|bash_login|bash_logout|profile|zshrc|zprofile|zshenv|zlogin|kshrc|mkshrc)|config\.fish)$|^\/etc\/(?:profile|bash\.bashrc|zshrc|environment)(?:\/|$)|^\/etc\/profile\.d\//

/**
 * Files that run later: git hooks, shell startup files and git configuration written by this command.
 * Known content is parsed as the script it will be; anything else cannot be checked.
 */
const persistentWrites = (c: Building, call: Call, shell: Shell, run: Run): void => {
  for (const t of c.writes) {
    const path = pathOf(t, c.cwd).toLowerCase()
    if (path.includes(UNKNOWN)) continue
    const hook = HOOK.test(path)
    if (GIT_CONFIG_FILE.test(path)) {
      c.unresolved ??= `it writes git configuration directly (${t}), where aliases and commands run later cannot be checked`
    } else if (hook || STARTUP_FILE.test(path)) {
      const what = hook ? "a git hook" : "a shell startup file"
      // What this command adds is what will run later (an existing file's content is trusted like any script file).
      const appended = c.redirects.some((r) => r.target === t && (r.op === ">>" || r.op === "&>>")) || (c.name === "tee" && c.args.some((w) => w === "-a" || w === "--append"))
      const content = appended ? (c.name === "tee" ? c.stdin : outputOf(c)) : run.written.get(pathOf(t, c.cwd))
      if (content === undefined) c.unresolved ??= `it writes ${what} (${t}) with content that is not known, which runs later`
      else nestedScript(c, call, shell, run, content, { via: `${what} ${t}` })
    }
  }
}

/** Parses what a recorded command runs. */
export const runs = (c: Building, call: Call, shell: Shell, run: Run): void => {
  if (c.writes.length > 0 && (c.redirects.length > 0 || PERSIST_WRITERS.has(c.name))) persistentWrites(c, call, shell, run)
  if (c.env.size > 0) for (const [k, v] of c.env) environment(c, call, shell, run, k, v)
  if (EXPORTS.has(c.name)) exported(c, call, shell, run)
  const name = c.name
  const a = c.args
  if (SHELLS.has(name)) return shellScript(c, call, shell, run)
  if (PACKAGE_RUNNERS.has(name)) return packageRunner(c, call, shell, run)
  if (run.written.size > 0 && isInterpreter(name)) interpreterFile(c, call, run)
  if (!RUNNERS.has(name)) return executedFile(c, call, shell, run)
  switch (name) {
    case "eval":
      return nestedScript(c, call, shell, run, a.join(" "), { via: "eval", same: true })
    case "source":
    case ".":
      return sourced(c, call, shell, run)
    case "trap":
      if (a.length >= 2 && !a[0]!.startsWith("-") && a[0] !== "") nestedScript(c, call, shell, run, a[0]!, { via: "trap", same: true })
      return
    case "alias":
      if (a.some((w) => w.includes("="))) c.unresolved ??= "defines an alias, which changes what later commands run"
      return
    case "enable":
      if (a.length > 0) c.unresolved ??= "enable loads or disables shell builtins, which changes what later commands run"
      return
    case "hash":
      if (a.includes("-p")) c.unresolved ??= "hash -p maps a command name to another program"
      return
    case "ssh":
      return ssh(c, call, shell, run)
    case "scp":
    case "sftp":
      return proxyCommands(c, call, shell, run)
    case "docker":
    case "podman":
    case "nerdctl":
    case "docker-compose": {
      const at = name === "docker-compose" ? 1 : a[0] === "compose" ? 1 : 0
      if (a[at] !== "exec") return
      const i = skipOptions(a, at + 1, EXEC_VALUED)
      return nestedArgv(c, call, shell, run, a.slice(i + 1), `${name} exec`)
    }
    case "kubectl":
    case "oc": {
      const dash = a.indexOf("--")
      if (a.includes("exec") && dash >= 0) nestedArgv(c, call, shell, run, a.slice(dash + 1), `${name} exec`)
      return
    }
    case "find":
      return findExec(c, call, shell, run)
    case "fd":
    case "fdfind":
      return fdExec(c, call, shell, run)
    case "tmux":
      return tmux(c, call, shell, run)
    case "at":
    case "batch":
      if (c.stdin !== undefined) nestedScript(c, call, shell, run, c.stdin, { via: name })
      else if (call.stdinUnknown) c.unresolved ??= `${name} schedules a script it reads from a pipe, which is not known`
      return
    case "parallel":
      return parallel(c, call, shell, run)
    case "concurrently":
      for (const s of positionals(a, CONCURRENTLY_VALUED)) nestedScript(c, call, shell, run, s, { via: "concurrently" })
      return
    case "hyperfine":
      for (let i = 0; i < a.length; i++) {
        if (HYPERFINE_SCRIPTS.has(a[i]!)) nestedScript(c, call, shell, run, a[++i] ?? "", { via: "hyperfine" })
        else if (!a[i]!.startsWith("-")) nestedScript(c, call, shell, run, a[i]!, { via: "hyperfine", loop: true })
        else if (/^-(?:[rmMwn]|-runs|-warmup|-export-\w+|-parameter-\w+|-shell|-style|-time-unit)$/.test(a[i]!)) i++
      }
      return
    case "nodemon":
      for (const v of optionValuesOf(a, ["-x", "--exec"])) nestedScript(c, call, shell, run, v, { via: "nodemon" })
      return
    case "watchexec": {
      const i = skipOptions(c.argv, 1, WATCHEXEC_VALUED)
      return nestedScript(c, call, shell, run, c.argv.slice(i).join(" "), { via: "watchexec", loop: true })
    }
    case "entr": {
      const i = skipOptions(c.argv, 1, new Set())
      if (a.some((w) => /^-[a-z]*s/.test(w))) nestedScript(c, call, shell, run, c.argv[i] ?? "", { via: "entr", loop: true })
      else nestedArgv(c, call, shell, run, c.argv.slice(i), "entr", true)
      return
    }
    case "nix-shell":
      for (const v of optionValuesOf(a, ["--run", "--command"])) nestedScript(c, call, shell, run, v, { via: "nix-shell" })
      return
    case "nix": {
      const at = a.findIndex((w) => w === "-c" || w === "--command")
      if ((a[0] === "develop" || a[0] === "shell") && at >= 0) nestedArgv(c, call, shell, run, a.slice(at + 1), `nix ${a[0]}`)
      return
    }
    case "scl":
      if (a[0] === "enable" && a.length >= 3) nestedScript(c, call, shell, run, a[a.length - 1]!, { via: "scl" })
      return
    case "sg": {
      const at = a.indexOf("-c")
      const text = at >= 0 ? a[at + 1] : a.slice(1).join(" ")
      if (text !== undefined && text !== "") nestedScript(c, call, shell, run, text, { via: "sg" })
      return
    }
    case "tar":
      for (const v of optionValuesOf(a, ["--to-command", "--use-compress-program", "-I", "--rsh-command", "--info-script", "-F", "--new-volume-script"])) {
        nestedScript(c, call, shell, run, v, { via: "tar" })
      }
      for (const v of optionValuesOf(a, ["--checkpoint-action"])) if (v.startsWith("exec=")) nestedScript(c, call, shell, run, v.slice(5), { via: "tar" })
      return
    case "zip":
      for (const v of optionValuesOf(a, ["-TT", "--unzip-command"])) nestedScript(c, call, shell, run, v, { via: "zip" })
      return
    case "rsync":
      for (const v of optionValuesOf(a, ["-e", "--rsh", "--rsync-path"])) nestedScript(c, call, shell, run, v, { via: "rsync" })
      return
    case "nc":
    case "ncat":
    case "netcat": {
      const shellCode = optionValuesOf(a, ["-c", "--sh-exec"])
      const program = optionValuesOf(a, ["-e", "--exec", "--lua-exec"])
      for (const v of shellCode) nestedScript(c, call, shell, run, v, { via: c.name })
      for (const v of program) nestedArgv(c, call, shell, run, [v], c.name)
      if (shellCode.length + program.length > 0) c.unresolved ??= `${c.name} connects a program's input and output to the network (a remote shell)`
      return
    }
    case "socat":
      for (const w of a) {
        const m = /^(?:exec|system):(.*)$/is.exec(w)
        if (m === null) continue
        nestedScript(c, call, shell, run, m[1]!.split(",")[0]!, { via: "socat" })
        c.unresolved ??= "socat connects a program's input and output to another channel (a remote shell)"
      }
      return
    case "crontab":
      return crontab(c, call, shell, run)
    default:
      return executedFile(c, call, shell, run)
  }
}

/** `crontab -` or `crontab file`: the jobs it installs run later; known jobs are parsed, others cannot be checked. */
const crontab = (c: Building, call: Call, shell: Shell, run: Run): void => {
  const a = c.args
  if (a.some((w) => /^-[lreiTV]+$/.test(w)) && !a.includes("-")) return
  const file = positionals(a, set("-u"))[0]
  const text = file === undefined || file === "-" ? c.stdin : run.written.get(pathOf(file, c.cwd))
  if (text === undefined) {
    c.unresolved ??= "crontab installs jobs whose commands are not known, which run later"
    return
  }
  for (const line of text.split("\n")) {
    const job = line.trim()
    if (job === "" || job.startsWith("#") || /^[A-Za-z_][A-Za-z0-9_]*=/.test(job)) continue
    const fields = job.startsWith("@") ? 1 : 5
    const command = job.split(/\s+/).slice(fields).join(" ")
    if (command !== "") nestedScript(c, call, shell, run, command, { via: "crontab" })
  }
}

/** An interpreter running a script this command wrote: its code is known (and scanned), but not modelled. */
const interpreterFile = (c: Building, call: Call, run: Run): void => {
  const file = interpreterCode(c.name, c.argv, call.stdin, call.stdinUnknown)?.file
  if (file === undefined || file.includes(UNKNOWN)) return
  const path = pathOf(file, c.cwd)
  if (!run.written.has(path)) return
  const content = run.written.get(path)
  c.code ??= content
  c.unresolved ??= `${c.name} runs ${file}, code this command wrote, which this guard cannot inspect; allow the form with the \`allow\` option if it is expected`
}

/** Values of options given as `-x V`, `--x V` or `--x=V`. */
export const optionValuesOf = (a: ReadonlyArray<string>, names: ReadonlyArray<string>): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!
    if (names.includes(w)) out.push(a[++i] ?? "")
    else {
      const eq = w.indexOf("=")
      if (eq > 0 && w.startsWith("--") && names.includes(w.slice(0, eq))) out.push(w.slice(eq + 1))
    }
  }
  return out
}

const EXPORTS = set("export declare typeset local readonly")

/** `export PAGER='…'`, `declare -x LD_PRELOAD=…`: variables every later program sees. */
const exported = (c: Building, call: Call, shell: Shell, run: Run): void => {
  for (const w of c.args) {
    if (w.startsWith("-")) continue
    const eq = w.indexOf("=")
    const name = eq < 0 ? w : w.slice(0, eq).replace(/\+$/, "")
    if (!isWatchedEnv(name)) continue
    const value = eq < 0 ? shell.vars.get(name)?.value ?? UNKNOWN : w.slice(eq + 1)
    if (name.startsWith("GIT_CONFIG") && !LOADING_ENV.has(name)) continue
    environment(c, call, shell, run, name, value)
  }
}

const environment = (c: Building, call: Call, shell: Shell, run: Run, key: string, value: string): void => {
  if (COMMAND_ENV.has(key) && value !== "" && !/^(?:cat|less|more|less -\w+|vi|vim|nano|code --wait|true)$/.test(value)) nestedScript(c, call, shell, run, value, { via: key })
  const loads = LOADING_ENV.get(key)
  if (loads !== undefined && value !== "" && value !== "/dev/null") c.unresolved ??= `it sets ${key}, which ${loads} the guard cannot see`
  if (key === "NODE_OPTIONS" && (value.includes(UNKNOWN) || NODE_CODE_OPTIONS.test(value))) c.unresolved ??= "it sets NODE_OPTIONS to load or evaluate code the guard cannot see"
}

/** `sh -c 'script' name args…`, `sh file args…`, or a script on the shell's standard input. */
const shellScript = (c: Building, call: Call, shell: Shell, run: Run): void => {
  const argv = c.argv
  let i = 1
  let command = false
  while (i < argv.length) {
    const w = argv[i]!
    if (w === "--" || w === "-") {
      i++
      break
    }
    if (SHELL_VALUED.has(w)) i += 2
    else if (/^[-+]/.test(w) && w.length > 1) {
      if (!w.startsWith("--") && w.startsWith("-") && w.includes("c")) command = true
      i++
    } else break
  }
  const first = argv[i]
  if (command) {
    if (first !== undefined) nestedScript(c, call, shell, run, first, { via: c.name, positional: argv.slice(i + 2) })
    return
  }
  if (first !== undefined && !STDIN_FILES.has(first)) return runFile(c, call, shell, run, first, argv.slice(i + 1), c.name)
  if (c.stdin !== undefined) nestedScript(c, call, shell, run, c.stdin, { via: c.name })
  else if (call.stdinUnknown) c.unresolved ??= `${c.name} runs a script it reads from a pipe or file whose content is not known`
}

/** A script file run by a shell, `source`, or directly: read when this command wrote it, else trusted as a file. */
const runFile = (c: Building, call: Call, shell: Shell, run: Run, file: string, args: ReadonlyArray<string>, via: string, same = false): void => {
  if (file.includes(UNKNOWN)) {
    c.unresolved ??= `${via} runs a script file that is not known until it runs`
    return
  }
  const path = pathOf(file, shell.cwd)
  if (!run.written.has(path)) return
  const content = run.written.get(path)
  if (content === undefined) c.unresolved ??= `${via} runs ${file}, which this command wrote with content that is not known`
  else nestedScript(c, call, shell, run, content, { via: `${via} ${file}`, positional: args, same })
}

const sourced = (c: Building, call: Call, shell: Shell, run: Run): void => {
  const file = c.args[0]
  if (file === undefined) return
  if (STDIN_FILES.has(file)) {
    if (c.stdin !== undefined) nestedScript(c, call, shell, run, c.stdin, { via: c.name, same: true })
    else c.unresolved ??= `${c.name} runs a script from standard input that is not known`
    return
  }
  runFile(c, call, shell, run, file, c.args.slice(1), c.name, true)
}

/** A program run by path (`./x.sh`) that this command wrote earlier. */
const executedFile = (c: Building, call: Call, shell: Shell, run: Run): void => {
  const word = c.argv[0]
  if (word === undefined || !word.includes("/") || run.written.size === 0) return
  const path = pathOf(word, shell.cwd)
  if (!run.written.has(path)) return
  const content = run.written.get(path)
  if (content === undefined) c.unresolved ??= `it runs ${word}, which this command wrote with content that is not known`
  else if (content.startsWith("#!") && !/^#!\s*\S*(?:\/|env\s+)(?:ba|z|da|k)?sh\b/.test(content)) c.unresolved ??= `it runs ${word}, a script for another interpreter written by this command`
  else nestedScript(c, call, shell, run, content, { via: word, positional: c.args })
}

