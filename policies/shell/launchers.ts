/**
 * Programs that launch other commands (private): `ssh host …` (and `-o ProxyCommand`), `scp -S`,
 * `find -exec`, `fd -x`, `tmux`, GNU `parallel`, and package runners (`npx tool`, `pnpm exec tool`,
 * `npm exec -c '…'`). Each hands what it runs to `nestedScript`/`nestedArgv` in `runs.ts`.
 *
 * @example
 * ```ts
 * import { parse } from "./parse.ts"
 * // `find ~ -exec rm -rf {} +` records `rm -rf ~/*` run via find -exec:
 * parse("find ~ -exec rm -rf {} +").commands.map((c) => [c.argv.join(" "), c.via]) // […, ["rm -rf ~/*", "find -exec"]]
 * ```
 * @module
 */
import type { Building, Call } from "./analyse.ts"
import { UNKNOWN } from "./expand.ts"
import { positionals, skipOptions } from "./model.ts"
import { toolArgv } from "./packages.ts"
import { nestedArgv, nestedScript, optionValuesOf } from "./runs.ts"
import type { Run, Shell } from "./state.ts"

const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))

const SSH_VALUED = set("-b -B -c -D -E -e -F -I -i -J -L -l -m -O -o -p -Q -R -S -W -w")
/** `docker exec` options that take a value. */
export const EXEC_VALUED = set("-e --env --env-file -u --user -w --workdir --detach-keys --index")
const TMUX_VALUED = set("-c -t -s -n -e -F -x -y -l -w -h -b -T -S -L -f")
const TMUX_SHELL = set("new-session new new-window neww split-window splitw respawn-pane respawnp respawn-window respawnw run-shell run display-popup popup")
const PARALLEL_VALUED = set("-j -N -n -S -I -a -d --jobs --max-args --sshlogin --results --arg-file --colsep --delimiter --timeout --joblog --tmpdir")
const PROXY = /^(?:proxycommand|localcommand|knownhostscommand|remotecommand)\s*[= ]\s*(.*)$/is
/** Tools a runner often runs that take no command or path to act on beyond their own files (no nested command is needed). */
const QUIET_TOOLS = set("vitest jest tsc eslint prettier vite next tsx ts-node turbo biome mocha ava c8 nyc webpack rollup esbuild tailwindcss playwright test build lint dev start install add ci")

/** Package managers and runners whose tool is a command too. */
export const PACKAGE_RUNNERS = set("npm npx pnpm pnpx yarn bun bunx")

/** `ssh host cmd…` runs the joined words as a script on the host; its `-o` options may run local commands. */
export const ssh = (c: Building, call: Call, shell: Shell, run: Run): void => {
  proxyCommands(c, call, shell, run)
  const i = skipOptions(c.argv, 1, SSH_VALUED)
  if (c.argv.length > i + 1) nestedScript(c, call, shell, run, c.argv.slice(i + 1).join(" "), { via: "ssh" })
}

/** `ssh -o ProxyCommand=…` and friends run a local command; `scp -S prog` runs a program as ssh. */
export const proxyCommands = (c: Building, call: Call, shell: Shell, run: Run): void => {
  const a = c.args
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!
    const option = w === "-o" ? a[++i] ?? "" : w.startsWith("-o") ? w.slice(2) : undefined
    if (option !== undefined) {
      const m = PROXY.exec(option.trim())
      if (m !== null && m[1]!.trim().toLowerCase() !== "none") nestedScript(c, call, shell, run, m[1]!.replaceAll(/%[a-zA-Z%]/g, "x"), { via: `${c.name} -o` })
    } else if (w === "-S" && c.name !== "ssh") nestedArgv(c, call, shell, run, [a[++i] ?? ""], `${c.name} -S`)
    else if (w === "-F" && c.name !== "scp") i++
  }
}

/** `find … -exec cmd {} ;`: `{}` stands for what find visits (`root/name` under each root). */
export const findExec = (c: Building, call: Call, shell: Shell, run: Run): void => {
  const argv = c.argv
  const firstTest = argv.findIndex((w, i) => i > 0 && (w.startsWith("-") || w === "(" || w === "!") && w !== "-")
  const roots = argv.slice(1, firstTest < 0 ? argv.length : firstTest)
  const named = argv.findIndex((w) => w === "-name" || w === "-iname")
  const pattern = named < 0 ? "*" : argv[named + 1] ?? "*"
  const targets = (roots.length === 0 ? ["."] : roots).map((r) => (r.includes(UNKNOWN) ? UNKNOWN : `${r.replace(/\/+$/, "")}/${pattern}`))
  for (let i = 1; i < argv.length; i++) {
    if (!/^-(?:exec|execdir|ok|okdir)$/.test(argv[i]!)) continue
    let j = i + 1
    while (j < argv.length && argv[j] !== ";" && argv[j] !== "+") j++
    const inner = argv.slice(i + 1, j).flatMap((w) => (w === "{}" ? targets : [w.replaceAll("{}", targets.join(" "))]))
    nestedArgv(c, call, shell, run, inner, "find -exec", true)
    i = j
  }
}

/** `fd … -x cmd` / `-X cmd`: `{}` stands for what fd finds under its search path. */
export const fdExec = (c: Building, call: Call, shell: Shell, run: Run): void => {
  const a = c.args
  const at = a.findIndex((w) => w === "-x" || w === "--exec" || w === "-X" || w === "--exec-batch")
  if (at < 0) return
  const p = positionals(a.slice(0, at))
  const root = p[1] ?? "."
  const target = root.includes(UNKNOWN) ? UNKNOWN : `${root.replace(/\/+$/, "")}/*`
  const inner = a.slice(at + 1).map((w) => w.replace(/\{[/.]*\/?\}|\{\}/g, target))
  nestedArgv(c, call, shell, run, inner.some((w) => w.includes(target)) ? inner : [...inner, target], "fd -x", true)
}

/** `tmux new-session 'cmd'`, `tmux send-keys 'cmd' Enter`: the command text runs in a shell. */
export const tmux = (c: Building, call: Call, shell: Shell, run: Run): void => {
  const a = c.args
  const at = a.findIndex((w) => TMUX_SHELL.has(w) || w === "send-keys" || w === "send")
  if (at < 0) return
  const rest = positionals(a.slice(at + 1), TMUX_VALUED)
  if (a[at] === "send-keys" || a[at] === "send") {
    const keys = rest.filter((k) => !/^(?:Enter|C-m|KPEnter|C-j)$/.test(k))
    if (keys.length > 0) nestedScript(c, call, shell, run, keys.join(" "), { via: "tmux send-keys" })
  } else if (rest.length > 0) nestedScript(c, call, shell, run, rest.join(" "), { via: `tmux ${a[at]}` })
}

/** GNU parallel: the command template with each input in place of `{}` (or appended). */
export const parallel = (c: Building, call: Call, shell: Shell, run: Run): void => {
  const a = c.args
  const i = skipOptions(c.argv, 1, PARALLEL_VALUED) - 1
  const stop = a.findIndex((w, k) => k >= i && (w === ":::" || w === "::::" || w === ":::+" || w === "::::+"))
  const template = a.slice(i, stop < 0 ? a.length : stop)
  let inputs: ReadonlyArray<string>
  if (stop >= 0) inputs = a[stop] === ":::" || a[stop] === ":::+" ? a.slice(stop + 1).filter((w) => !w.startsWith(":::")) : [UNKNOWN]
  else inputs = c.stdin !== undefined ? c.stdin.split("\n").filter((l) => l !== "") : [UNKNOWN]
  for (const input of inputs.slice(0, 32)) {
    const text = template.length === 0 ? input : template.some((w) => w.includes("{}")) ? template.join(" ").replaceAll("{}", input) : `${template.join(" ")} ${input}`
    nestedScript(c, call, shell, run, text, { via: "parallel", loop: true })
  }
  if (inputs.length > 32) c.unresolved ??= "parallel runs more than 32 commands, which this guard does not follow one by one"
}

/** `npx tool …`, `pnpm exec tool …`, `yarn tool …`: the tool is a command too; `npm exec -c '…'` runs a script. */
export const packageRunner = (c: Building, call: Call, shell: Shell, run: Run): void => {
  const a = c.args
  if ((a[0] === "exec" || a[0] === "x" || c.name === "npx") && a.some((w) => w === "-c" || w === "--call" || w.startsWith("--call="))) {
    for (const v of optionValuesOf(a, ["-c", "--call"])) nestedScript(c, call, shell, run, v, { via: `${c.name} exec -c` })
    return
  }
  // `npm ci`, `npm test`, `npx vitest …`: nothing but the package manager or a quiet tool runs.
  if (QUIET_TOOLS.has(a[0] ?? "") || (c.name === "npm" && a[0] !== "exec" && a[0] !== "x")) return
  const tool = toolArgv(c)
  if (tool !== c.argv && tool.length > 0 && !QUIET_TOOLS.has(tool[0]!)) nestedArgv(c, call, shell, run, tool, `${c.name} ${tool[0]}`)
}
