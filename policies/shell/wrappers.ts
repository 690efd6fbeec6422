/**
 * Wrappers (private): programs that run another program given on their command line (`sudo rm …`,
 * `env X=1 rm …`, `timeout 5 rm …`, `xargs rm`, `busybox rm`, `uv run pytest`). `unwrap` strips them and
 * returns what actually runs.
 *
 * Options are read from each wrapper's table. An option the table does not know may or may not take a
 * value, so both readings are kept (`strace -X rm -rf ~` is read as running `rm -rf ~` and as running
 * `-rf ~`); past `MAX_READINGS` readings, or `MAX_WRAPPERS` nested wrappers, the command is unresolved.
 * A wrapper that starts a shell when given no command (`sudo -s`, `sudo -i`, `doas -s`, `su`, `runuser`,
 * `script`, `chroot`, `unshare`, `nsenter`, `pkexec`, `run0`) runs `sh`, which runs what it reads on its input.
 *
 * @example
 * ```ts
 * import { unwrap } from "./wrappers.ts"
 * unwrap(["sudo", "-u", "root", "nice", "-n", "5", "rm", "-rf", "/"], new Map())[0]?.argv // ["rm", "-rf", "/"]
 * ```
 * @module
 */
import { UNKNOWN } from "./expand.ts"
import { programName } from "./model.ts"
import { type Spec, SPECS } from "./wrapperTable.ts"

/** One reading of what a wrapped command runs. */
export interface Reading {
  readonly argv: ReadonlyArray<string>
  /** Environment given through `env X=1` or the command's own assignments. */
  readonly env: ReadonlyMap<string, string>
  /** The outermost wrapper that changes how it runs (`xargs`, `sudo`…), if any. */
  readonly via: string | undefined
  /** Runs repeatedly (`xargs`, `parallel`). */
  readonly loop: boolean
  /** A directory the wrapper moves to first (`env -C`, `sudo -D`). */
  readonly cwd: string | undefined
  /** Why the wrapped command cannot be known, if so. */
  readonly unresolved: string | undefined
  /** Text the wrapper runs through a shell (`sudo -s "…"`, `sg grp "…"`, `nix-shell --run "…"`). */
  readonly script: string | undefined
  /** `xargs`: input words are appended (or replace `replace`). */
  readonly xargs: { readonly replace: string | undefined; readonly nul: boolean } | undefined
}

/** How many readings of one command are followed before it counts as unresolved. */
const MAX_READINGS = 8
/** How many wrappers may be nested (`nice nice nice … rm`). */
const MAX_WRAPPERS = 16

interface Cursor {
  readonly argv: ReadonlyArray<string>
  readonly env: Map<string, string>
  readonly via: string | undefined
  readonly loop: boolean
  readonly cwd: string | undefined
  readonly wrappers: number
}

/** Whether `argv` starts with a wrapper this module strips (`npx` only with `-c`/`--call`). */
export const isWrapper = (argv: ReadonlyArray<string>): boolean => {
  const name = programName(argv[0])
  if (!SPECS.has(name)) return false
  return name !== "npx" || argv.some((w) => w === "-c" || w.startsWith("--call"))
}

/** What a command runs once its wrappers are stripped: one reading, or several when an option is ambiguous. */
export const unwrap = (argv: ReadonlyArray<string>, env: ReadonlyMap<string, string>): ReadonlyArray<Reading> => {
  if (!SPECS.has(programName(argv[0]))) return [{ argv, env, via: undefined, loop: false, cwd: undefined, unresolved: undefined, script: undefined, xargs: undefined }]
  const out: Array<Reading> = []
  const work: Array<Cursor> = [{ argv, env: new Map(env), via: undefined, loop: false, cwd: undefined, wrappers: 0 }]
  while (work.length > 0) {
    const c = work.pop()!
    if (out.length + work.length >= MAX_READINGS) {
      out.push(finish(c, `it has more than ${MAX_READINGS} possible readings of its wrappers' options`))
      break
    }
    const name = programName(c.argv[0])
    const spec = SPECS.get(name)
    if (spec === undefined || (name === "npx" && !c.argv.some((w) => w === "-c" || w.startsWith("--call")))) {
      out.push(finish(c, undefined))
      continue
    }
    if (spec.sub !== undefined && !spec.sub.includes(firstPositional(c.argv, spec) ?? "")) {
      out.push(finish(c, undefined))
      continue
    }
    if (c.wrappers >= MAX_WRAPPERS) {
      out.push(finish(c, `it nests more than ${MAX_WRAPPERS} wrappers`))
      continue
    }
    for (const r of readOptions(name, spec, c)) {
      if ("reading" in r) out.push(r.reading)
      else work.push(r.cursor)
    }
  }
  return out
}

const finish = (c: Cursor, unresolved: string | undefined): Reading => ({
  argv: c.argv,
  env: c.env,
  via: c.via,
  loop: c.loop,
  cwd: c.cwd,
  unresolved,
  script: undefined,
  xargs: undefined
})

const firstPositional = (argv: ReadonlyArray<string>, spec: Spec): string | undefined => {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith("-")) return a
    const long = a.startsWith("--") ? a.slice(2) : undefined
    if (long !== undefined ? !a.includes("=") && has(spec.longValued, long) : a.length === 2 && spec.valued.includes(a[1]!)) i++
  }
  return undefined
}

const has = (list: string | undefined, name: string): boolean => list !== undefined && ` ${list} `.includes(` ${name} `)

type Step = { readonly reading: Reading } | { readonly cursor: Cursor }

interface Branch {
  readonly i: number
  readonly env: Map<string, string>
  readonly cwd: string | undefined
  readonly sub: boolean
}

/** The state of one reading of a wrapper's options. */
interface Options {
  i: number
  cwd: string | undefined
  sub: boolean
  script: string | undefined
  shell: boolean
  noCommand: boolean
  replace: string | undefined
  nul: boolean
}

const CHDIR_LONG = new Set(["chdir", "wd", "cd", "directory"])

/** Reads one wrapper's options; each result is a finished reading or the cursor at the wrapped command. */
const readOptions = (name: string, spec: Spec, c: Cursor): ReadonlyArray<Step> => {
  const argv = c.argv
  const results: Array<Step> = []
  const branches: Array<Branch> = [{ i: 1, env: c.env, cwd: c.cwd, sub: spec.sub === undefined }]
  while (branches.length > 0) {
    if (results.length + branches.length > MAX_READINGS) {
      results.push({ reading: finish(c, `its ${name} options have more than ${MAX_READINGS} possible readings`) })
      break
    }
    const b = branches.pop()!
    const env = new Map(b.env)
    const o: Options = { i: b.i, cwd: b.cwd, sub: b.sub, script: undefined, shell: false, noCommand: false, replace: undefined, nul: false }
    scan(name, spec, argv, env, o, (i) => branches.push({ i, env: new Map(env), cwd: o.cwd, sub: o.sub }))
    results.push(afterOptions(name, spec, c, env, o))
  }
  return results
}

/** Moves `o.i` past the options; `branch(i)` records the other reading of an ambiguous option. */
const scan = (
  name: string,
  spec: Spec,
  argv: ReadonlyArray<string>,
  env: Map<string, string>,
  o: Options,
  branch: (i: number) => void
): void => {
  while (o.i < argv.length) {
    const a = argv[o.i]!
    if (a === "--") {
      o.i++
      return
    }
    if (!o.sub && !a.startsWith("-")) {
      o.sub = spec.sub!.includes(a)
      o.i++
      continue
    }
    if ((name === "env" || name === "sudo") && /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) {
      env.set(a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1))
      o.i++
      continue
    }
    if (!a.startsWith("-") || a === "-") return
    if (a.startsWith("--")) {
      const eq = a.indexOf("=")
      const opt = eq < 0 ? a.slice(2) : a.slice(2, eq)
      const value = eq < 0 ? argv[o.i + 1] : a.slice(eq + 1)
      if (has(spec.longValued, opt)) {
        if (CHDIR_LONG.has(opt)) o.cwd = value
        if (opt === "split-string" || opt === "call" || (opt === "command" && spec.scriptOption !== undefined)) o.script = value ?? ""
        o.i += eq < 0 ? 2 : 1
      } else if (has(spec.long, opt) || (name === "xargs" && opt === "replace")) {
        if (name === "xargs" && opt === "replace") o.replace = eq < 0 ? "{}" : a.slice(eq + 1)
        if (name === "xargs" && opt === "null") o.nul = true
        if (name === "sudo" && (opt === "shell" || opt === "login")) o.shell = true
        if (name === "sudo" && ["edit", "list", "validate", "version", "help", "remove-timestamp"].includes(opt)) o.noCommand = true
        o.i++
      } else if (spec.anyFlag === true) o.i++
      else {
        // Unknown long option: it may take the next word as its value, or not.
        if (eq < 0) branch(o.i + 2)
        o.i++
      }
      continue
    }
    if (spec.anyFlag === true || (spec.digits === true && /^-\d+$/.test(a))) {
      o.i++
      continue
    }
    // A short cluster: `-abc`, `-ufoo`, `-n5`.
    let consumed = 1
    for (let k = 1; k < a.length; k++) {
      const ch = a[k]!
      if (spec.noCommand?.includes(ch) === true) o.noCommand = true
      if (spec.shellFlags?.includes(ch) === true) o.shell = true
      if (name === "xargs" && ch === "0") o.nul = true
      if (name === "xargs" && ch === "i") {
        o.replace = a.slice(k + 1) || "{}"
        break
      }
      if (name === "xargs" && (ch === "l" || ch === "e")) break
      if (spec.valued.includes(ch)) {
        const value = k === a.length - 1 ? argv[o.i + 1] : a.slice(k + 1)
        if (k === a.length - 1) consumed = 2
        if (ch === spec.chdir) o.cwd = value
        if (ch === spec.scriptOption || (name === "env" && ch === "S")) o.script = value ?? ""
        if (name === "env" && ch === "u" && value !== undefined) env.delete(value)
        if (name === "xargs" && ch === "I") o.replace = value
        break
      }
      if (!spec.flags.includes(ch) && !(spec.digits === true && ch >= "0" && ch <= "9")) {
        // Unknown letter: when last in its cluster it may take the next word as its value.
        if (k === a.length - 1) branch(o.i + 2)
        break
      }
    }
    o.i += consumed
  }
}

/** What follows a wrapper's options: the wrapped command, a script, or nothing. */
const afterOptions = (name: string, spec: Spec, c: Cursor, env: Map<string, string>, o: Options): Step => {
  const argv = c.argv
  let i = o.i + (spec.positional ?? 0)
  if (spec.positional !== undefined && argv[i] === "--") i++
  const via = c.via ?? (spec.loop === true || PRIVILEGED.has(name) ? name : undefined)
  const loop = c.loop || spec.loop === true
  const rest = argv.slice(i)
  const script = (text: string): Step => ({ reading: { argv: [], env, via: via ?? name, loop, cwd: o.cwd, unresolved: undefined, script: text, xargs: undefined } })
  // With no command, these start a shell, which runs what it reads on its input (`sudo -s <<< 'rm -rf /'`).
  const shell: Step = { cursor: { argv: ["sh"], env, via: via ?? name, loop, cwd: o.cwd ?? c.cwd, wrappers: c.wrappers + 1 } }
  if (name === "flock") {
    if (rest[0] === "-c" || rest[0] === "--command") return script(rest[1] ?? "")
    return rest.length === 0 ? { reading: { ...finish(c, undefined), argv: [] } } : { cursor: { argv: rest, env, via, loop, cwd: o.cwd, wrappers: c.wrappers + 1 } }
  }
  if (name === "su" || name === "runuser" || name === "script") {
    // These read `-c` anywhere; without it `su` and `script` start an interactive shell (no command here).
    const c2 = scriptAnywhere(argv)
    if (c2 !== undefined) return script(c2)
    if (name === "runuser" && argv.includes("-u")) return { cursor: { argv: rest, env, via: "runuser", loop, cwd: o.cwd, wrappers: c.wrappers + 1 } }
    return shell
  }
  if (o.script !== undefined && name === "env") {
    // `env -S 'a b' c`: the string is split into words, followed by the rest.
    return { cursor: { argv: [...splitString(o.script), ...rest], env, via, loop, cwd: o.cwd, wrappers: c.wrappers + 1 } }
  }
  if (name === "screen" && argv.includes("-X")) {
    return { reading: { ...finish(c, "screen -X sends commands or keystrokes to a session, which this guard cannot follow"), argv: [] } }
  }
  if (o.script !== undefined) return script(o.script)
  if (name === "watch") return script(rest.join(" "))
  if (o.noCommand) return { reading: { ...finish(c, undefined), argv: [] } }
  if (o.shell) return rest.length === 0 ? shell : script(rest.join(" "))
  if (name === "xargs") {
    return { reading: { argv: rest.length === 0 ? ["echo"] : rest, env, via: "xargs", loop: true, cwd: o.cwd, unresolved: undefined, script: undefined, xargs: { replace: o.replace, nul: o.nul } } }
  }
  if (rest.length === 0) return STARTS_SHELL.has(name) ? shell : { reading: { ...finish(c, undefined), argv: [] } }
  return { cursor: { argv: rest, env, via, loop, cwd: o.cwd ?? c.cwd, wrappers: c.wrappers + 1 } }
}

const PRIVILEGED = new Set(["sudo", "doas", "run0", "pkexec", "su", "runuser"])
/** Wrappers that start a shell when given no command. */
const STARTS_SHELL = new Set(["run0", "pkexec", "chroot", "unshare", "nsenter"])

/** The value of `-c`/`--command` anywhere in argv (`su - root -c 'x'`). */
const scriptAnywhere = (argv: ReadonlyArray<string>): string | undefined => {
  for (let k = 1; k < argv.length; k++) {
    const a = argv[k]!
    if (a === "-c" || a === "--command" || a === "--session-command") return argv[k + 1] ?? ""
    if (a.startsWith("--command=") || a.startsWith("--session-command=")) return a.slice(a.indexOf("=") + 1)
    if (/^-[a-zA-Z]*c$/.test(a) && !a.startsWith("--")) return argv[k + 1] ?? ""
  }
  return undefined
}

/** `env -S` splitting: blanks separate words; single and double quotes group them. */
const splitString = (s: string): ReadonlyArray<string> => {
  const out: Array<string> = []
  let cur = ""
  let has = false
  let quote = ""
  for (const ch of s) {
    if (quote !== "") {
      if (ch === quote) quote = ""
      else cur += ch
    } else if (ch === "'" || ch === "\"") {
      quote = ch
      has = true
    } else if (ch === " " || ch === "\t" || ch === "\n") {
      if (has || cur !== "") out.push(cur)
      cur = ""
      has = false
    } else if (ch === "$") {
      cur += UNKNOWN
      has = true
    } else {
      cur += ch
      has = true
    }
  }
  if (has || cur !== "") out.push(cur)
  return out
}
