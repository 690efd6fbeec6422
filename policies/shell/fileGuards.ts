/**
 * Shell-guard policies for files: recursive world-writable permissions, secret reads, CI/CD writes,
 * `.gitignore` edits that expose files, and wiping a home or system directory. Destructive commands
 * (`rm`, `find -delete`, `rsync --delete`, `rimraf`…) whose target is not known before they run block.
 *
 * @example
 * ```ts
 * import { blockHomeDirDestruction } from "./fileGuards.ts"
 * // { command: "cd ~ && rm -rf *" } blocks: "'rm -rf *' would delete everything in your home directory"
 * const policies = [blockHomeDirDestruction]
 * ```
 * @module
 */
import * as Paths from "../_paths.ts"
import { show } from "../_payload.ts"
import type * as Policy from "../../src/Policy.ts"
import { outputOf } from "./analyse.ts"
import { destructionTarget, maySecret, secretInCode, secretOf, sedReads } from "./files.ts"
import { type Command, gitArgs, hasOption, optionValues, pathOf, positionals, programName, shown, UNKNOWN } from "./model.ts"
import { runsPackages, toolArgv } from "./packages.ts"
import { type Allow, eachCommand, NO_ALLOW, wild, wildWord } from "./policy.ts"

const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))

// ---------------------------------------------------------------------------------------------------
// chmod

/** Whether a chmod mode makes files writable by everyone (`777`, `0666`, `a+w`, `o=rwx`). */
const worldWritable = (mode: string): boolean => {
  if (/^[0-7]{3,4}$/.test(mode)) return (Number(mode[mode.length - 1]) & 2) !== 0
  return mode.split(",").some((clause) => {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause)
    return m !== null && /[oa]/.test(m[1]!) && m[2] !== "-" && m[3]!.includes("w")
  })
}

/** Makes `block_chmod_777_recursive` with allowances. */
export const makeBlockChmod777Recursive = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_chmod_777_recursive", "No recursive world-writable chmod in the command", (c) => {
    if (c.name !== "chmod") return undefined
    const a = c.args
    const wildArg = wildWord(a)
    const recursive = hasOption(a, "R", "recursive") || c.via === "find -exec" || c.via === "fd -x" || wildArg !== undefined
    const mode = a.find((w) => !/^-[Rrfvc]+$/.test(w) && !w.startsWith("--"))
    if (!recursive || mode === undefined) return undefined
    if (mode.includes(UNKNOWN)) return `${shown(c)} sets a permission mode that is not known until it runs, recursively`
    if (!worldWritable(mode)) return undefined
    return `${shown(c)} makes a whole tree writable by every user`
  }, allow)

/** Blocks recursive world-writable permissions: `chmod -R 777`, `chmod -R a+rwx`, `find … -exec chmod 777`: `blockChmod777Recursive`. */
export const blockChmod777Recursive: Policy.Policy = makeBlockChmod777Recursive()

// ---------------------------------------------------------------------------------------------------
// Secret reads

const READERS = set(
  "cat tac less more most head tail bat batcat nl grep egrep fgrep zgrep rg ag ack ugrep sift pt awk gawk mawk sed cut sort uniq strings xxd od hexdump hd base64 base32 basenc " +
    "rev fold fmt expand unexpand paste join comm column pr look iconv split csplit zcat zless zmore bzcat xzcat zstdcat lz4cat gunzip " +
    "cp scp rsync install tar zip 7z gzip bzip2 xz zstd dd openssl gpg curl wget http https xh nc ncat netcat socat diff diff3 sdiff colordiff " +
    "delta vimdiff cmp jq yq pbcopy xclip xsel view vim vi nvim nano emacs code subl open xdg-open"
)
const COPIERS = set("cp scp rsync install")
const GIT_READS = set("show diff log blame cat-file grep add")

/** Spellings of a word that may name a file: as given, after `=`, without a leading `@` or `<`, after `rev:`. */
const fileWords = (w: string, git: boolean): ReadonlyArray<string> => {
  const out = [w]
  const eq = w.indexOf("=")
  if (eq >= 0) out.push(w.slice(eq + 1))
  for (const x of [...out]) if (x.startsWith("@") || x.startsWith("<")) out.push(x.slice(1))
  if (git) for (const x of [...out]) if (x.includes(":")) out.push(x.slice(x.indexOf(":") + 1))
  return out
}

/** Makes `block_secret_file_reads` with allowances. */
export const makeBlockSecretFileReads = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_secret_file_reads", "No secret file is read by the command", (c) => {
    const words: Array<string> = []
    for (const r of c.redirects) if (r.op === "<" || r.op === "<>") words.push(r.target)
    const g = gitArgs(c)
    words.push(...sedReads(c))
    if (words.length === 0 && !READERS.has(c.name) && g === undefined && c.code === undefined) return undefined
    const a = c.args
    if (READERS.has(c.name)) {
      const sources = COPIERS.has(c.name) ? positionals(a).slice(0, -1).concat(a.filter((w) => w.startsWith("-"))) : a
      words.push(...sources)
    } else if (g !== undefined && GIT_READS.has(g[0] ?? "")) {
      for (let k = 1; k < g.length; k++) if (!g[k]!.startsWith("-") || g[k]!.includes("=")) words.push(g[k]!)
    }
    for (const w of words) {
      if (!maySecret(w, c.cwd)) continue
      for (const spelling of fileWords(w, g !== undefined)) {
        const secret = secretOf(pathOf(spelling, c.cwd))
        if (secret !== undefined) return `${shown(c)} reads ${secret} (${show(w.replaceAll(UNKNOWN, "$…"))}); secrets must not enter the agent's context`
      }
    }
    const inCode = c.code === undefined ? undefined : secretInCode(c.code)
    return inCode === undefined ? undefined : `${shown(c)} runs code that reads ${inCode}; secrets must not enter the agent's context`
  }, allow)

/**
 * Blocks reading secrets in a shell: `.env` files (not `.env.example`), SSH private keys, AWS credentials,
 * `.netrc`, `.pgpass`, `.git-credentials`, kube/docker/gcloud credentials, private key files and
 * `/etc/shadow`, by `cat`, `less`, `head`, `grep`, `cp`, `tar`, `curl -d @…`, `sed 'r …'`, `< file` and
 * the like, including globs (`~/.ssh/id_*`), partly unknown names (`.e$X` is read as `.e*`) and inline
 * interpreter code: `blockSecretFileReads`.
 */
export const blockSecretFileReads: Policy.Policy = makeBlockSecretFileReads()

// ---------------------------------------------------------------------------------------------------
// CI/CD writes

const CODE_WRITES = /\b(?:write|writefile|writefilesync|appendfile|appendfilesync|write_text|write_bytes|createwritestream)\b|open\([^)]{0,200},\s{0,10}['"][wax+]/i
const CI_IN_CODE = /\.github\/(?:workflows|actions)\/|\.gitlab-ci\.ya?ml|\.circleci\/|jenkinsfile/i

/** Makes `block_ci_workflow_writes` with allowances. */
export const makeBlockCiWorkflowWrites = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_ci_workflow_writes", "The command writes no CI/CD file", (c) => {
    for (const t of c.writes) {
      const target = Paths.ciTarget(pathOf(t, c.cwd).toLowerCase())
      if (target !== undefined) return `${shown(c)} writes CI/CD file ${show(t.replaceAll(UNKNOWN, "$…"))} (${target}), which could compromise the build pipeline`
    }
    if (c.code !== undefined && CODE_WRITES.test(c.code)) {
      const m = CI_IN_CODE.exec(c.code)
      if (m !== null) return `${shown(c)} runs code that writes CI/CD file ${show(m[0])}`
    }
    return undefined
  }, allow)

/**
 * Blocks writing CI/CD pipeline files from a shell: redirects, `tee`, `cp`, `mv`, `rm`, `sed -i`,
 * `curl -o`… into `.github/workflows/`, `.gitlab-ci.yml`, `.circleci/`, Jenkinsfile, Dockerfile and the
 * other files `dont_touch_ci_cd` guards, after `cd` too: `blockCiWorkflowWrites`. A write whose whole
 * target is computed at run time is not judged here (heuristic).
 */
export const blockCiWorkflowWrites: Policy.Policy = makeBlockCiWorkflowWrites()

// ---------------------------------------------------------------------------------------------------
// .gitignore

const isIgnoreFile = (path: string): boolean => {
  const lower = path.toLowerCase()
  return Paths.basename(lower) === ".gitignore" || lower.endsWith("/.git/info/exclude")
}

/** Why a write to an ignore file by `c` can expose files, or undefined when it only appends known patterns. */
const ignoreEdit = (c: Command, target: string): string => {
  const appended = c.redirects.some((r) => r.target === target && (r.op === ">>" || r.op === "&>>")) ||
    (c.name === "tee" && hasOption(c.args, "a", "append"))
  if (!appended) return "rewrites, moves or deletes"
  const text = c.name === "tee" ? c.stdin : outputOf(c)
  if (text === undefined || text.includes(UNKNOWN)) return "appends text that is not known until it runs to"
  const negation = text.split("\n").find((line) => line.trimStart().startsWith("!"))
  return negation === undefined ? "" : `appends the negation ${show(negation.trim())}, which un-ignores files, to`
}

/** Makes `block_gitignore_edits` with allowances. */
export const makeBlockGitignoreEdits = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_gitignore_edits", "The command does not weaken .gitignore", (c) => {
    for (const t of c.writes) {
      if (!isIgnoreFile(pathOf(t, c.cwd))) continue
      const how = ignoreEdit(c, t)
      if (how !== "") return `${shown(c)} ${how} ${show(t)}: changes could expose sensitive files to version control`
    }
    if (c.name !== "git") return undefined
    const g = c.git
    if (g === undefined) return undefined
    if (g.own.has("core.excludesfile")) return `${shown(c)} points git at another ignore file for this command (core.excludesFile)`
    const a = g.args
    if (g.sub === "config" && a.some((w) => w.toLowerCase() === "core.excludesfile") && positionals(a).length >= 2) {
      return `${shown(c)} points git at another ignore file (core.excludesFile)`
    }
    if (g.sub === "add" && hasOption(a, "f", "force")) return `${shown(c)} force-adds files that .gitignore excludes`
    return undefined
  }, allow)

/**
 * Blocks shell edits that weaken `.gitignore` or `.git/info/exclude`: overwriting, moving, deleting or
 * editing them in place, appending a negation (`echo '!.env' >> .gitignore`) or text not known until it
 * runs, pointing `core.excludesFile` elsewhere, and `git add -f`. Appending known ignore patterns
 * (`echo node_modules >> .gitignore`) passes: `blockGitignoreEdits`.
 */
export const blockGitignoreEdits: Policy.Policy = makeBlockGitignoreEdits()

// ---------------------------------------------------------------------------------------------------
// Home and system destruction

const DELETE_OPTIONS = ["delete", "delete-before", "delete-during", "delete-after", "delete-delay", "delete-excluded", "del", "remove-source-files"]
const RIMRAF = set("rimraf del del-cli trash trash-cli")
const RIMRAF_SPEC = /^(?:rimraf|del|del-cli|trash|trash-cli)(?:@|$)/
/** find tests whose next word is their value (a value is never an action such as `-delete`). */
const FIND_VALUED = set(
  "-name -iname -path -ipath -wholename -iwholename -regex -iregex -type -xtype -newer -anewer -cnewer -mtime -mmin -atime -amin -ctime -cmin -size -user -group -uid -gid -perm -maxdepth -mindepth -links -inum -samefile -lname -ilname -fstype -used -printf -fprint -fprint0 -fprintf -fls -newerXY -context"
)

/** The paths a command deletes (or moves away), and whether it deletes directories. */
export const deletionsOf = (c: Command): { readonly targets: ReadonlyArray<string>; readonly recursive: boolean; readonly verb: string } | undefined => {
  const a = c.args
  if (c.name === "rm") {
    const wildArg = wildWord(a) !== undefined
    return { targets: [...positionals(a), ...a.filter(wild)], recursive: hasOption(a, "r", "recursive") || hasOption(a, "R") || wildArg, verb: "delete" }
  }
  if (c.name === "find") {
    const wildArg = a.some((w, i) => wild(w) && !FIND_VALUED.has(a[i - 1] ?? ""))
    if (!a.includes("-delete") && !wildArg) return undefined
    const firstTest = a.findIndex((w) => w.startsWith("-") || w === "(" || w === "!")
    const roots = a.slice(0, firstTest < 0 ? a.length : firstTest)
    return { targets: [...(roots.length === 0 ? ["."] : roots), ...(wildArg ? [UNKNOWN] : [])], recursive: true, verb: "delete" }
  }
  if (c.name === "rsync" && (hasOption(a, undefined, ...DELETE_OPTIONS) || wildWord(a) !== undefined)) {
    const p = positionals(a)
    return { targets: hasOption(a, undefined, "remove-source-files") ? p.slice(0, -1) : p.slice(-1), recursive: true, verb: "delete" }
  }
  if (c.name === "tar" && hasOption(a, undefined, "remove-files")) return { targets: positionals(a).filter((w) => !/\.(?:tar|tgz|gz|bz2|xz|zst)$/.test(w)), recursive: true, verb: "delete" }
  if (c.name === "mv") return { targets: positionals(a).slice(0, -1).filter((w) => !w.includes(UNKNOWN)), recursive: true, verb: "move away" }
  if (!RIMRAF.has(c.name) && !(runsPackages(c) && c.argv.some((w) => RIMRAF_SPEC.test(w)))) return undefined
  const tool = toolArgv(c)
  if (RIMRAF.has(programName(tool[0]))) return { targets: positionals(tool.slice(1)), recursive: true, verb: "delete" }
  return undefined
}

const CONTAINER_TOOLS = set("docker podman nerdctl")

/** A writable bind mount of a home or system directory into a container, which can then change or delete it. */
const dangerousMount = (c: Command): string | undefined => {
  if (!CONTAINER_TOOLS.has(c.name) || (c.args[0] !== "run" && c.args[0] !== "create" && !(c.args[0] === "container" && (c.args[1] === "run" || c.args[1] === "create")))) return undefined
  const sources: Array<string> = []
  for (const v of [...optionValues(c.args, "v", "volume")]) {
    const parts = v.split(":")
    if (parts.length >= 2 && !/(?:^|,)ro(?:,|$)/.test(parts[2] ?? "")) sources.push(parts[0]!)
  }
  for (const m of optionValues(c.args, undefined, "mount")) {
    const fields = m.split(",")
    if (fields.some((f) => f === "readonly" || f === "ro" || f === "readonly=true")) continue
    const src = fields.find((f) => /^(?:source|src)=/.test(f))
    if (src !== undefined) sources.push(src.slice(src.indexOf("=") + 1))
  }
  for (const src of sources) {
    const danger = destructionTarget(src, c.cwd)
    if (danger !== undefined && !danger.unknown) return `${shown(c)} mounts ${danger.what} into a container, writable: the container can change or delete it`
  }
  return undefined
}

const DISK_TOOLS = set("wipefs fdisk sfdisk parted sgdisk")
const DISK_WRITERS = /^(?:mkfs(?:\.\w+)?|wipefs|mke2fs|mkswap|fdisk|sfdisk|parted|sgdisk)$/

/** Makes `block_home_dir_destruction` with allowances. */
export const makeBlockHomeDirDestruction = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_home_dir_destruction", "The command destroys no home or system directory", (c) => {
    if ((c.name.startsWith("mk") || DISK_TOOLS.has(c.name)) && DISK_WRITERS.test(c.name)) return `${shown(c)} overwrites a disk or partition`
    if (c.name === "dd" && c.args.some((w) => /^of=\/dev\/(?!null$|zero$|stdout$|stderr$)/.test(w))) return `${shown(c)} overwrites a disk device`
    const mount = dangerousMount(c)
    if (mount !== undefined) return mount
    const d = deletionsOf(c)
    if (d === undefined) return undefined
    for (const t of d.targets) {
      const danger = destructionTarget(t, c.cwd)
      if (danger === undefined) continue
      if ((danger.unknown || danger.homeFolder) && d.verb !== "delete") continue
      if (danger.unknown ? d.recursive : d.recursive || danger.contents) return `${shown(c)} would ${d.verb} ${danger.what}`
    }
    return undefined
  }, allow)

/**
 * Blocks wiping a home directory or the system: `rm -rf ~`, `$HOME`, `/home/x`, `/Users/x`, `/root`, `/`,
 * top-level system folders (globs such as `/h*` included), their contents (`~/*`, `/*`), `cd ~ && rm -rf *`,
 * `find ~ -delete`, `rsync --delete` into them, `rimraf ~`, `tar --remove-files`, moving them away, and
 * disk overwrites (`mkfs`, `dd of=/dev/sda`). A recursive delete of a folder directly in a home directory
 * (`rm -rf ~/Documents`, except caches such as `~/.cache` and `~/.npm`) and of a path not known before it
 * runs (`rm -rf "$DIR"`, `rm -rf build/$X`, any `rm` given an unknown word that could be `-rf`) blocks
 * too: `blockHomeDirDestruction`. `rm -rf ~/project/build` passes.
 */
export const blockHomeDirDestruction: Policy.Policy = makeBlockHomeDirDestruction()
