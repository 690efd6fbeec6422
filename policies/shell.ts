/**
 * Coding-agent shell guard: policies over `payload.command` (a shell command string, or an argv array).
 * The command is split into simple commands with a shell-words parser and unwrapped (see `_shell.ts`):
 * `;`, `&&`, `|`, newlines, `sh -c`, `bash -lc`, `eval`, `sudo`/`env`/`nice`/`timeout`/`xargs`, `ssh host
 * …`, `docker exec`, `find -exec`, backticks, `$( )` and heredocs are all followed, so `sudo bash -c
 * "cd / && rm -rf ~"` is judged as the `rm` it runs. Each policy passes when the payload has no command,
 * and blocks a command it cannot inspect (wrong type, too long, nested too deeply). SQL given to a
 * database client (`psql -c`, `mysql -e`, a heredoc to `psql`…) is read with the SQL parser.
 *
 * @example
 * ```ts
 * import * as Shell from "./policies/shell.ts"
 * const policies = Shell.codingAgentShellGuard({ allowPackages: ["zod", "vitest"] })
 * ```
 * @module
 */
import { Effect } from "effect"
import * as Policy from "../src/Policy.ts"
import * as ClientSql from "./_clientSql.ts"
import * as Paths from "./_paths.ts"
import { describeType, readField, readString, show } from "./_payload.ts"
import * as Programs from "./_programs.ts"
import * as Sh from "./_shell.ts"
import * as Sql from "./_sql.ts"

type Command = Sh.Command
type Judge = (script: Sh.Script) => string | undefined

const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))
const NO_COMMAND = Policy.pass("No command given")

/** Reads and parses `payload.command`: a parsed script, a failing verdict, or undefined when absent. */
const scriptOf = (payload: unknown): Sh.Script | Policy.Verdict | undefined => {
  const field = readField(payload, "command")
  if (field._tag === "Invalid") return Policy.fail(field.reason)
  if (field._tag === "Absent") return undefined
  const v = field.value
  if (typeof v === "string") return v.trim() === "" ? undefined : Sh.parse(v)
  if (Array.isArray(v) && v.every((w) => typeof w === "string")) return v.length === 0 ? undefined : Sh.parse(v)
  return Policy.fail(`payload.command must be a string or an array of strings, got ${describeType(v)}`)
}

/** A policy over the whole parsed command; `judge` returns why it blocks, or undefined. */
const shellPolicy = (name: string, passReason: string, judge: Judge): Policy.Policy => {
  const passed = Policy.pass(passReason)
  return Policy.make(name, (ctx) => {
    const script = scriptOf(ctx.payload)
    if (script === undefined) return NO_COMMAND
    if (!("commands" in script)) return script
    if (script.problem !== undefined) return Policy.fail(`The command cannot be fully inspected: ${script.problem} (fail closed)`)
    const reason = judge(script)
    return reason === undefined ? passed : Policy.fail(reason)
  })
}

/** A policy judging each simple command on its own. */
const eachCommand = (name: string, passReason: string, judge: (c: Command) => string | undefined): Policy.Policy =>
  shellPolicy(name, passReason, (script) => {
    for (const c of script.commands) {
      const reason = judge(c)
      if (reason !== undefined) return reason
    }
    return undefined
  })

const args = (c: Command): ReadonlyArray<string> => c.args

/** Whether `seq` appears contiguously in `words`. */
const hasRun = (words: ReadonlyArray<string>, ...seq: ReadonlyArray<string>): boolean => {
  for (let i = 0; i + seq.length <= words.length; i++) if (seq.every((s, k) => words[i + k] === s)) return true
  return false
}

// ---------------------------------------------------------------------------------------------------
// Infrastructure

const TERRAFORM = set("terraform tofu terragrunt")

/**
 * Blocks `terraform destroy` and `terraform apply -destroy` (OpenTofu, Terragrunt `run-all destroy`,
 * `pulumi destroy`/`down` and `cdktf destroy` too); `terraform plan -destroy` passes: `blockTerraformDestroy`.
 */
export const blockTerraformDestroy: Policy.Policy = eachCommand("block_terraform_destroy", "No infrastructure destroy in the command", (c) => {
  if (!TERRAFORM.has(c.name) && c.name !== "pulumi" && c.name !== "cdktf") return undefined
  const a = args(c)
  const p = Sh.positionals(a)
  const destroyFlag = a.some((w) => /^--?destroy(?:=true)?$/.test(w))
  const destroys = c.name === "pulumi"
    ? p[0] === "destroy" || p[0] === "down"
    : p.slice(0, 2).includes("destroy") || (p.slice(0, 2).includes("apply") && destroyFlag)
  return destroys ? `${Sh.shown(c)} destroys infrastructure; run it by hand after review` : undefined
})

const ORM_DB_PUSH_FLAGS = ["force-reset", "accept-data-loss"]

/**
 * Blocks ORM schema pushes that may drop data: `prisma db push --force-reset` / `--accept-data-loss`,
 * `prisma migrate reset`, `drizzle-kit push --force`, `typeorm schema:drop`, through npx/pnpm/yarn/bunx
 * too: `blockOrmForcePush`.
 */
export const blockOrmForcePush: Policy.Policy = eachCommand("block_orm_force_push", "No destructive ORM schema push in the command", (c) => {
  if (!Programs.runsPackages(c) && c.name !== "prisma" && c.name !== "drizzle-kit" && !c.name.startsWith("typeorm")) return undefined
  const tool = Programs.toolArgv(c)
  const name = Sh.programName(tool[0])
  const a = tool.slice(1)
  const p = Sh.positionals(a)
  if (name === "prisma") {
    if (p[0] === "db" && p[1] === "push" && Sh.hasOption(a, undefined, ...ORM_DB_PUSH_FLAGS)) {
      return `${Sh.shown(c)} lets Prisma drop data to match the schema`
    }
    if (p[0] === "migrate" && p[1] === "reset") return `${Sh.shown(c)} drops and recreates the database`
  }
  if (name === "drizzle-kit" && p[0]?.startsWith("push") === true && Sh.hasOption(a, undefined, "force")) {
    return `${Sh.shown(c)} auto-approves data loss in a Drizzle schema push`
  }
  if (name.startsWith("typeorm") && p[0] === "schema:drop") return `${Sh.shown(c)} drops the whole database schema`
  return undefined
})

const AWS_VALUED = set("--profile --region --endpoint-url --output --query --color --ca-bundle --cli-read-timeout --cli-connect-timeout --cli-binary-format")
const awsWords = (c: Command): ReadonlyArray<string> => (c.name === "aws" ? Sh.positionals(args(c), AWS_VALUED) : [])

const STORAGE_CLIS = set("aws gsutil gcloud s3cmd rclone az")

/**
 * Blocks recursive bucket deletes: `aws s3 rm --recursive`, `aws s3 rb --force`, `aws s3api delete-objects`,
 * `gsutil rm -r` (or `**`), `gcloud storage rm -r`, `s3cmd del -r`, `rclone purge/delete`,
 * `az storage blob delete-batch`: `blockS3RecursiveDelete`.
 */
export const blockS3RecursiveDelete: Policy.Policy = eachCommand("block_s3_recursive_delete", "No recursive bucket delete in the command", (c) => {
  if (!STORAGE_CLIS.has(c.name)) return undefined
  const a = args(c)
  const recursive = Sh.hasOption(a, "r", "recursive") || Sh.hasOption(a, "R")
  const aws = awsWords(c)
  const hit = (hasRun(aws, "s3", "rm") && Sh.hasOption(a, undefined, "recursive")) ||
    (hasRun(aws, "s3", "rb") && Sh.hasOption(a, undefined, "force")) || hasRun(aws, "s3api", "delete-objects") ||
    (c.name === "gsutil" && Sh.positionals(a).some((w, i, all) => (w === "rm" && (recursive || all.some((x) => x.includes("**")))) || (w === "rb" && Sh.hasOption(a, "f")))) ||
    (c.name === "gcloud" && hasRun(Sh.positionals(a), "storage", "rm") && recursive) ||
    (c.name === "s3cmd" && ["del", "rm", "rb"].includes(Sh.positionals(a)[0] ?? "") && (recursive || Sh.hasOption(a, "f", "force"))) ||
    (c.name === "rclone" && ["purge", "delete"].includes(Sh.positionals(a)[0] ?? "")) ||
    (c.name === "az" && hasRun(Sh.positionals(a), "blob", "delete-batch"))
  return hit ? `${Sh.shown(c)} deletes a bucket or every object under a prefix` : undefined
})

/**
 * Blocks deleting cloud identities: `aws iam delete-user`, `gcloud iam service-accounts delete`,
 * `az ad user delete`, `az ad sp delete`: `blockIamUserDeletion`.
 */
export const blockIamUserDeletion: Policy.Policy = eachCommand("block_iam_user_deletion", "No IAM user deletion in the command", (c) => {
  const p = c.name === "aws" ? awsWords(c) : c.name === "gcloud" || c.name === "az" ? Sh.positionals(args(c)) : []
  const hit = hasRun(p, "iam", "delete-user") || hasRun(p, "iam", "service-accounts", "delete") ||
    hasRun(p, "ad", "user", "delete") || hasRun(p, "ad", "sp", "delete")
  return hit ? `${Sh.shown(c)} deletes a cloud identity, which can lock people and services out` : undefined
})

const KUBECTL_VALUED = set(
  "-n --namespace --context --cluster --user --kubeconfig -l --selector -f --filename -o --output -s --server --as --as-group --field-selector --grace-period --timeout -c --container --cascade"
)
const NAMESPACE_KINDS = set("ns namespace namespaces project projects")

/** Blocks `kubectl delete namespace …` (`ns`, `ns/x`, `ns,deploy`, `oc delete project`): `blockKubectlNamespaceDelete`. */
export const blockKubectlNamespaceDelete: Policy.Policy = eachCommand("block_kubectl_namespace_delete", "No namespace deletion in the command", (c) => {
  let argv = c.argv
  if ((c.name === "k3s" || c.name === "microk8s") && argv[1] === "kubectl") argv = argv.slice(1)
  const name = Sh.programName(argv[0])
  if (name !== "kubectl" && name !== "oc" && name !== "microk8s.kubectl") return undefined
  const p = Sh.positionals(argv.slice(1), KUBECTL_VALUED)
  if (p[0] !== "delete" || p[1] === undefined) return undefined
  const kinds = p[1].toLowerCase().split(",").map((k) => k.split("/")[0]!)
  return kinds.some((k) => NAMESPACE_KINDS.has(k)) ? `${Sh.shown(c)} deletes a namespace and everything in it` : undefined
})

const DOCKER_VALUED = set("-H --host --context -c --config -l --log-level -f --file -p --project-name --profile --env-file --project-directory --filter")

/**
 * Blocks deleting container volumes: `docker volume prune/rm`, `docker system prune --volumes`,
 * `docker compose down -v` (podman and nerdctl too): `blockDockerVolumePrune`.
 */
export const blockDockerVolumePrune: Policy.Policy = eachCommand("block_docker_volume_prune", "No volume deletion in the command", (c) => {
  if (c.name !== "docker" && c.name !== "podman" && c.name !== "nerdctl" && c.name !== "docker-compose") return undefined
  const a = args(c)
  const p = Sh.positionals(a, DOCKER_VALUED)
  const hit = (p[0] === "volume" && ["prune", "rm", "remove"].includes(p[1] ?? "")) ||
    (hasRun(p, "system", "prune") && Sh.hasOption(a, undefined, "volumes")) ||
    ((c.name === "docker-compose" || p[0] === "compose") && p.includes("down") && Sh.hasOption(a, "v", "volumes"))
  return hit ? `${Sh.shown(c)} deletes container volumes and the data in them` : undefined
})

// ---------------------------------------------------------------------------------------------------
// Git

/** Whether a long option `--x` abbreviates `full` the way git accepts (`--ha` for `--hard`). */
const abbreviates = (word: string, full: string, min = 2): boolean => {
  if (!word.startsWith("--")) return false
  const name = word.slice(2).split("=")[0]!
  return name.length >= min && full.startsWith(name)
}

/** Blocks `git reset --hard` (abbreviated, aliased, or wrapped): `blockGitResetHard`. */
export const blockGitResetHard: Policy.Policy = eachCommand("block_git_reset_hard", "No git reset --hard in the command", (c) => {
  const g = Sh.gitArgs(c)
  if (g === undefined || g[0] !== "reset") return undefined
  return g.slice(1).some((w) => abbreviates(w, "hard"))
    ? `${Sh.shown(c)} discards uncommitted work; use 'git stash' or a new branch instead`
    : undefined
})

/** The option letters of short clusters in `args`; `-e` takes the rest of its cluster as a value. */
const cleanFlags = (a: ReadonlyArray<string>): { readonly force: boolean; readonly dryRun: boolean } => {
  let force = false
  let dryRun = false
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!
    if (w === "--") break
    if (w.startsWith("--")) {
      if (abbreviates(w, "force", 1)) force = true
      if (abbreviates(w, "dry-run", 1)) dryRun = true
      if (w === "--exclude") i++
    } else if (w.startsWith("-")) {
      for (let k = 1; k < w.length; k++) {
        if (w[k] === "f") force = true
        else if (w[k] === "n") dryRun = true
        else if (w[k] === "e") {
          if (k === w.length - 1) i++
          break
        }
      }
    }
  }
  return { force, dryRun }
}

/**
 * Blocks `git clean -f` (`-fd`, `-xdf`, `--force`, or `-c clean.requireForce=false`); a dry run
 * (`-n`) passes: `blockGitCleanForce`.
 */
export const blockGitCleanForce: Policy.Policy = eachCommand("block_git_clean_force", "No forced git clean in the command", (c) => {
  const g = Sh.gitArgs(c)
  if (g === undefined || g[0] !== "clean") return undefined
  const { dryRun, force } = cleanFlags(g.slice(1))
  const noRequire = c.argv.some((w) => /^clean\.requireforce=(?:false|no|off|0)$/i.test(w))
  return (force || noRequire) && !dryRun ? `${Sh.shown(c)} deletes untracked files for good` : undefined
})

// ---------------------------------------------------------------------------------------------------
// Files

/** Whether a chmod mode makes files writable by everyone (`777`, `0666`, `a+w`, `o=rwx`). */
const worldWritable = (mode: string): boolean => {
  if (/^[0-7]{3,4}$/.test(mode)) return (Number(mode[mode.length - 1]) & 2) !== 0
  return mode.split(",").some((clause) => {
    const m = /^([ugoa]*)([-+=])([rwxXst]*)$/.exec(clause)
    return m !== null && /[oa]/.test(m[1]!) && m[2] !== "-" && m[3]!.includes("w")
  })
}

/** Blocks recursive world-writable permissions: `chmod -R 777`, `chmod -R a+rwx`, `find … -exec chmod 777`: `blockChmod777Recursive`. */
export const blockChmod777Recursive: Policy.Policy = eachCommand("block_chmod_777_recursive", "No recursive world-writable chmod in the command", (c) => {
  if (c.name !== "chmod") return undefined
  const a = args(c)
  const recursive = Sh.hasOption(a, "R", "recursive") || c.via === "find -exec"
  const mode = a.find((w) => !/^-[Rrfvc]+$/.test(w) && !w.startsWith("--"))
  if (!recursive || mode === undefined || !worldWritable(mode)) return undefined
  return `${Sh.shown(c)} makes a whole tree writable by every user`
})

const READERS = set(
  "cat tac less more most head tail bat batcat nl grep egrep fgrep zgrep rg ag ack awk gawk mawk sed cut sort uniq strings xxd od hexdump hd base64 base32 basenc cp scp rsync install tar zip 7z gzip bzip2 xz zstd dd openssl gpg curl wget http https xh nc ncat netcat socat diff cmp jq yq pbcopy xclip xsel view vim vi nvim nano emacs code subl open xdg-open"
)
const COPIERS = set("cp scp rsync install")
const GIT_READS = set("show diff log blame cat-file grep")

/** Spellings of a word that may name a file: as given, after `=`, without a leading `@` or `<`, after `rev:`. */
const fileWords = (w: string, git: boolean): ReadonlyArray<string> => {
  const out = [w]
  const eq = w.indexOf("=")
  if (eq >= 0) out.push(w.slice(eq + 1))
  for (const x of [...out]) if (x.startsWith("@") || x.startsWith("<")) out.push(x.slice(1))
  if (git) for (const x of [...out]) if (x.includes(":")) out.push(x.slice(x.indexOf(":") + 1))
  return out
}

/**
 * Blocks reading secrets in a shell: `.env` files (not `.env.example`), SSH private keys, AWS credentials,
 * `.netrc`, `.pgpass`, `.git-credentials`, kube/docker/gcloud credentials, private key files and
 * `/etc/shadow`, by `cat`, `less`, `head`, `grep`, `cp`, `tar`, `curl -d @…`, `< file` and the like,
 * including globs (`~/.ssh/id_*`) and inline interpreter code: `blockSecretFileReads`.
 */
export const blockSecretFileReads: Policy.Policy = eachCommand("block_secret_file_reads", "No secret file is read by the command", (c) => {
  const words: Array<string> = []
  for (const r of c.redirects) if (r.op === "<" || r.op === "<>") words.push(r.target)
  const g = Sh.gitArgs(c)
  if (words.length === 0 && !READERS.has(c.name) && g === undefined && c.code === undefined) return undefined
  const a = args(c)
  if (READERS.has(c.name)) {
    const sources = COPIERS.has(c.name) ? Sh.positionals(a).slice(0, -1).concat(a.filter((w) => w.startsWith("-"))) : a
    words.push(...sources)
  } else if (g !== undefined && GIT_READS.has(g[0] ?? "")) words.push(...g.slice(1))
  for (const w of words) {
    for (const spelling of fileWords(w, g !== undefined)) {
      const secret = Programs.secretOf(Sh.pathOf(spelling, c.cwd))
      if (secret !== undefined) return `${Sh.shown(c)} reads ${secret} (${show(w)}); secrets must not enter the agent's context`
    }
  }
  const inCode = c.code === undefined ? undefined : Programs.secretInCode(c.code)
  return inCode === undefined ? undefined : `${Sh.shown(c)} runs code that reads ${inCode}; secrets must not enter the agent's context`
})

const WRITE_OPS = set("> >> >| &> &>> <> >&")
const ALL_POSITIONALS = set("tee sponge mv rm unlink shred truncate touch mkdir rmdir patch")
const LAST_POSITIONAL = set("cp install ln rsync scp")
const CODE_WRITES = /\b(?:write|writefile|writefilesync|appendfile|appendfilesync|write_text|write_bytes|createwritestream)\b|open\([^)]*,\s*['"][wax+]/i

/** The files and directories a command writes, as written. */
const writeTargets = (c: Command): ReadonlyArray<string> => {
  const out: Array<string> = []
  for (const r of c.redirects) if (WRITE_OPS.has(r.op) && !/^\d+$|^-$/.test(r.target)) out.push(r.target)
  if (c.argv.length < 2) return out
  const a = args(c)
  if (ALL_POSITIONALS.has(c.name)) out.push(...Sh.positionals(a))
  else if (LAST_POSITIONAL.has(c.name)) out.push(...Sh.positionals(a).slice(-1), ...Sh.optionValues(a, "t", "target-directory"))
  else if ((c.name === "sed" || c.name === "gsed" || c.name === "perl" || c.name === "yq") && Sh.hasOption(a, "i", "in-place")) out.push(...Sh.positionals(a))
  else if (c.name === "dd") out.push(...a.filter((w) => w.startsWith("of=")).map((w) => w.slice(3)))
  else if (c.name === "curl") out.push(...Sh.optionValues(a, "o", "output"))
  else if (c.name === "wget") out.push(...Sh.optionValues(a, "O", "output-document"), ...Sh.optionValues(a, "P", "directory-prefix"))
  else if (c.name === "unzip") out.push(...Sh.optionValues(a, "d", undefined))
  else if (c.name === "tar") out.push(...Sh.optionValues(a, "C", "directory"))
  else if (c.name === "git") {
    const g = Sh.gitArgs(c)
    if (g !== undefined && ["rm", "mv", "checkout", "restore"].includes(g[0] ?? "")) out.push(...Sh.positionals(g.slice(1)))
  } else if (c.name === "prettier" || Programs.runsPackages(c)) {
    const tool = Programs.toolArgv(c)
    if (Sh.programName(tool[0]) === "prettier" && Sh.hasOption(tool, undefined, "write")) out.push(...Sh.positionals(tool.slice(1)))
  }
  return out
}

/**
 * Blocks writing CI/CD pipeline files from a shell: redirects, `tee`, `cp`, `mv`, `rm`, `sed -i`,
 * `curl -o`… into `.github/workflows/`, `.gitlab-ci.yml`, `.circleci/`, Jenkinsfile, Dockerfile and the
 * other files `dont_touch_ci_cd` guards, after `cd` too: `blockCiWorkflowWrites`.
 */
export const blockCiWorkflowWrites: Policy.Policy = eachCommand("block_ci_workflow_writes", "The command writes no CI/CD file", (c) => {
  for (const t of writeTargets(c)) {
    const target = Paths.ciTarget(Sh.pathOf(t, c.cwd).toLowerCase())
    if (target !== undefined) return `${Sh.shown(c)} writes CI/CD file ${show(t)} (${target}), which could compromise the build pipeline`
  }
  if (c.code !== undefined && CODE_WRITES.test(c.code)) {
    const m = /[\w./-]*(?:\.github\/(?:workflows|actions)\/[\w./-]*|\.gitlab-ci\.ya?ml|\.circleci\/[\w./-]*|jenkinsfile)/i.exec(c.code)
    if (m !== null) return `${Sh.shown(c)} runs code that writes CI/CD file ${show(m[0])}`
  }
  return undefined
})

const DELETE_OPTIONS = ["delete", "delete-before", "delete-during", "delete-after", "delete-delay", "delete-excluded", "del"]

/**
 * Blocks wiping a home directory or the system: `rm -rf ~`, `$HOME`, `/home/x`, `/Users/x`, `/root`, `/`,
 * top-level system folders, their contents (`~/*`, `/*`), `cd ~ && rm -rf *`, `rm -rf "$VAR/"*` (which
 * is `/*` when the variable is empty), `find ~ -delete`, `rsync --delete` into them:
 * `blockHomeDirDestruction`. `rm -rf ~/project/build` passes.
 */
export const blockHomeDirDestruction: Policy.Policy = eachCommand("block_home_dir_destruction", "The command destroys no home or system directory", (c) => {
  if (c.name !== "rm" && c.name !== "find" && c.name !== "rsync") return undefined
  const a = args(c)
  let targets: ReadonlyArray<string> = []
  let recursive = false
  if (c.name === "rm") {
    targets = Sh.positionals(a)
    recursive = Sh.hasOption(a, "r", "recursive") || Sh.hasOption(a, "R")
  } else if (c.name === "find" && a.includes("-delete")) {
    const firstTest = a.findIndex((w) => w.startsWith("-"))
    targets = a.slice(0, firstTest < 0 ? a.length : firstTest)
    recursive = true
  } else if (c.name === "rsync" && Sh.hasOption(a, undefined, ...DELETE_OPTIONS)) {
    targets = Sh.positionals(a).slice(-1)
    recursive = true
  }
  for (const t of targets) {
    const danger = Programs.destructionTarget(t, c.cwd)
    if (danger !== undefined && (recursive || danger.contents)) return `${Sh.shown(c)} would delete ${danger.what}`
  }
  return undefined
})

// ---------------------------------------------------------------------------------------------------
// Remote code

/**
 * Blocks running code fetched from the network or decoded on the fly: `curl … | sh`, `wget -qO- … | sudo
 * bash`, `bash <(curl …)`, `sh -c "$(curl …)"`, `eval "$(curl …)"`, `iwr … | iex`, `… | base64 -d | sh`,
 * and downloading a script then running it (`curl -o i.sh … && bash i.sh`): `blockPipeToShell`.
 */
export const blockPipeToShell: Policy.Policy = shellPolicy("block_pipe_to_shell", "The command runs no downloaded code", (script) => {
  for (const c of script.commands) {
    const reason = Programs.runsRemoteCode(c)
    if (reason !== undefined) return reason
  }
  return Programs.downloadThenRun(script.commands)
})

// ---------------------------------------------------------------------------------------------------
// Packages

/** Packages a coding agent may install without review (`codingAgentShellGuard`'s default allowlist). */
export const DEFAULT_VETTED_PACKAGES: ReadonlyArray<string> = [
  "typescript", "tsc", "tsx", "ts-node", "vitest", "jest", "eslint", "prettier", "vite", "next", "react", "react-dom",
  "prisma", "@prisma/client", "drizzle-kit", "drizzle-orm", "zod", "effect", "@types/*", "@effect/*", "@biomejs/biome",
  "playwright", "@playwright/test", "nodemon", "rimraf", "turbo", "npm-check-updates", "create-vite", "create-next-app"
]

/** Options of `blockUnvettedNpmInstall`. */
export interface NpmInstallOptions {
  /** Vetted package names; `@scope/*` allows a whole scope. For `npx x`, `x` is checked as written. */
  readonly allow: ReadonlyArray<string>
}

/**
 * Blocks installing or running packages not on an allowlist: `npm install/i/add`, `pnpm add`, `yarn add`,
 * `bun add`, `npx`/`pnpm dlx`/`yarn dlx`/`bunx`, `npm init x`/`create x`; URLs, git and GitHub specs
 * always block; local paths and a bare `npm install`/`npm ci` (the lockfile) pass:
 * `blockUnvettedNpmInstall({ allow: ["zod", "@types/*"] })`.
 */
export const blockUnvettedNpmInstall = (options: NpmInstallOptions): Policy.Policy => {
  const exact = new Set<string>()
  const scopes: Array<string> = []
  for (const entry of options.allow) {
    if (typeof entry !== "string" || entry.trim() === "") {
      throw new TypeError(`Cannot build block_unvetted_npm_install: allow entries must be package names, got ${JSON.stringify(entry)}`)
    }
    const e = entry.trim().toLowerCase()
    if (e.endsWith("/*")) scopes.push(e.slice(0, -1))
    else exact.add(e)
  }
  return eachCommand("block_unvetted_npm_install", "Every package the command installs is vetted", (c) => {
    for (const spec of Programs.installedSpecs(c)) {
      const pkg = Programs.packageOf(spec)
      if (pkg._tag === "Local") continue
      if (pkg._tag === "Source") {
        return `${Sh.shown(c)} installs ${show(spec)} from ${pkg.source}, which bypasses package vetting`
      }
      if (!exact.has(pkg.name) && !scopes.some((s) => pkg.name.startsWith(s))) {
        return `${Sh.shown(c)} installs package ${show(pkg.name)}, which is not on the vetted list`
      }
    }
    return undefined
  })
}

// ---------------------------------------------------------------------------------------------------
// Bulk actions

/** How many sends or cancellations one command may hold before it counts as bulk. */
const MAX_SENDS = 2

/**
 * Blocks bulk messaging: Slack/email/SMS sends (`curl` to Slack, SendGrid, Mailgun, Twilio…; `mail`,
 * `sendmail`, `aws ses`, `aws sns publish --topic-arn`) inside a loop, `xargs` or `find -exec`, to more
 * than one recipient, through a bulk API, or more than two in one command: `blockBulkMessaging`.
 */
export const blockBulkMessaging: Policy.Policy = shellPolicy("block_bulk_messaging", "The command sends no bulk messages", (script) => {
  let sends = 0
  for (const c of script.commands) {
    const send = Programs.messageSend(c)
    if (send === undefined) continue
    sends++
    if (c.inLoop) return `${Sh.shown(c)} sends ${send.kind} in a loop${c.via === undefined ? "" : ` (via ${c.via})`}: bulk messaging needs review`
    if (send.bulk !== undefined) return `${Sh.shown(c)} ${send.bulk}: bulk messaging needs review`
  }
  return sends > MAX_SENDS ? `The command sends ${sends} messages: bulk messaging needs review` : undefined
})

/**
 * Blocks cancelling Stripe subscriptions in bulk: `stripe subscriptions cancel` or `DELETE
 * /v1/subscriptions/…` in a loop or through `xargs`, for several ids, or more than twice in one
 * command; a single cancellation passes: `blockStripeBulkCancel`.
 */
export const blockStripeBulkCancel: Policy.Policy = shellPolicy("block_stripe_bulk_cancel", "The command cancels no Stripe subscriptions in bulk", (script) => {
  let cancels = 0
  for (const c of script.commands) {
    const ids = Programs.stripeCancel(c)
    if (ids === undefined) continue
    cancels += Math.max(1, ids)
    if (c.inLoop) return `${Sh.shown(c)} cancels Stripe subscriptions in a loop${c.via === undefined ? "" : ` (via ${c.via})`}`
    if (ids > 1) return `${Sh.shown(c)} cancels ${ids} Stripe subscriptions at once`
  }
  return cancels > MAX_SENDS - 1 ? `The command cancels ${cancels} Stripe subscriptions` : undefined
})

/**
 * Blocks Route53 deletes: `aws route53 delete-*` (hosted zones, records…), `change-resource-record-sets`
 * with a DELETE (or a change batch it cannot read), `route53domains delete-domain`, `gcloud dns … delete`,
 * `az network dns … delete`: `blockRoute53Delete`.
 */
export const blockRoute53Delete: Policy.Policy = eachCommand("block_route53_delete", "No DNS deletion in the command", (c) => {
  const aws = awsWords(c)
  const i = aws.indexOf("route53")
  if (i >= 0) {
    const op = aws[i + 1] ?? ""
    if (op.startsWith("delete-")) return `${Sh.shown(c)} deletes Route53 resources (${op})`
    if (op === "change-resource-record-sets") {
      const batches = Sh.optionValues(args(c), undefined, "change-batch")
      if (batches.some((b) => /^fileb?:\/\//.test(b))) return `${Sh.shown(c)} applies a change batch from a file that cannot be checked for DELETE actions`
      if (batches.some((b) => /action"?\s*[:=]\s*"?delete/i.test(b))) return `${Sh.shown(c)} deletes Route53 DNS records`
    }
  }
  if (hasRun(aws, "route53domains", "delete-domain")) return `${Sh.shown(c)} deletes a registered domain`
  const p = c.name === "gcloud" || c.name === "az" ? Sh.positionals(args(c)) : []
  if ((hasRun(p, "dns", "record-sets") || hasRun(p, "dns", "managed-zones") || hasRun(p, "network", "dns")) && p.includes("delete")) {
    return `${Sh.shown(c)} deletes DNS zones or records`
  }
  return undefined
})

// ---------------------------------------------------------------------------------------------------
// SQL through database clients

/**
 * Blocks dropping whole databases: `DROP DATABASE` / `DROP SCHEMA` sent through `psql -c`, `mysql -e`, a
 * heredoc or `echo … | psql` (comments and string contents cannot hide or fake it), `dropdb`,
 * `mysqladmin drop`, `redis-cli FLUSHALL`, Mongo `dropDatabase()`, `rails db:drop`, `artisan db:wipe`…:
 * `blockDropDatabase`.
 */
export const blockDropDatabase: Policy.Policy = eachCommand("block_drop_database", "No database drop in the command", (c) => {
  const what = ClientSql.dropsDatabase(c)
  return what === undefined ? undefined : `${Sh.shown(c)} ${what}`
})

/** Options of `blockUnboundedPiiSelect`. */
export interface PiiSelectOptions {
  /** PII column names, compared ignoring case and separators (default: email, phone, ssn, date_of_birth, address…). */
  readonly columns?: ReadonlyArray<string>
  /** Tables whose `SELECT *` counts as reading PII (default: users, customers, patients, employees…). */
  readonly tables?: ReadonlyArray<string>
  /** A LIMIT above this still counts as unbounded (default 1000). */
  readonly maxRows?: number
}

/**
 * Blocks SELECTs of PII columns (or `*` from people tables) with no narrowing WHERE and no LIMIT (≤ 1000)
 * sent through a database client, and `\copy` exports of them: `blockUnboundedPiiSelect()`.
 */
export const blockUnboundedPiiSelect = (options: PiiSelectOptions = {}): Policy.Policy => {
  const check = ClientSql.piiSelectChecker(options)
  return eachCommand("block_unbounded_pii_select", "No unbounded PII select in the command", (c) => {
    for (const sql of ClientSql.sqlTexts(c)) {
      const problem = check(sql)
      if (problem !== undefined) return `${Sh.shown(c)} selects ${problem} with no WHERE or LIMIT: bulk PII reads need review`
    }
    return undefined
  })
}

/**
 * Per-session state for policies that need history within an agent session (rename-then-drop). Keys and
 * values are short strings. The in-memory implementation holds for one process; when runs of one session
 * can land on several processes, implement this over a shared store (Postgres, Redis…).
 */
export interface SessionState {
  readonly get: (session: string, key: string) => Effect.Effect<string | undefined, unknown>
  readonly set: (session: string, key: string, value: string) => Effect.Effect<void, unknown>
}

/** Options of `memorySessionState`. */
export interface MemorySessionStateOptions {
  /** Sessions kept (least recently written dropped first; default 10 000). */
  readonly maxSessions?: number
  /** Keys kept per session (oldest dropped first; default 1 000). */
  readonly maxKeys?: number
}

/**
 * Session state in this process's memory, for tests and single-process use; each call is independent.
 * Bounded: past `maxSessions`/`maxKeys` the oldest entries are forgotten.
 */
export const memorySessionState = (options: MemorySessionStateOptions = {}): SessionState => {
  const maxSessions = options.maxSessions ?? 10_000
  const maxKeys = options.maxKeys ?? 1_000
  const sessions = new Map<string, Map<string, string>>()
  return {
    get: (session, key) => Effect.sync(() => sessions.get(session)?.get(key)),
    set: (session, key, value) =>
      Effect.sync(() => {
        const entries = sessions.get(session) ?? new Map<string, string>()
        sessions.delete(session)
        if (sessions.size >= maxSessions) sessions.delete(sessions.keys().next().value!)
        sessions.set(session, entries)
        entries.delete(key)
        if (entries.size >= maxKeys) entries.delete(entries.keys().next().value!)
        entries.set(key, value)
      })
  }
}

/** Options of `blockRenameThenDrop`. */
export interface RenameThenDropOptions {
  /** Where renames are remembered per session. Use a shared store when runs span processes. */
  readonly state: SessionState
  /** Protected tables (names fold like PostgreSQL's); by default every table is. */
  readonly tables?: ReadonlyArray<string>
}

/** The session a run belongs to: `userAttributes.session_id` (vouched), else `payload.session_id`. */
const sessionOf = (ctx: { readonly userAttributes: unknown; readonly payload: unknown }): string | undefined | Policy.Verdict => {
  for (const [record, label] of [[ctx.userAttributes, "userAttributes"], [ctx.payload, "payload"]] as const) {
    const v = readField(record, "session_id", `${label}.session_id`)
    if (v._tag === "Invalid") return Policy.fail(v.reason)
    if (v._tag === "Absent") continue
    if (typeof v.value === "string" && v.value !== "") return v.value
    if (typeof v.value === "number" && Number.isFinite(v.value)) return String(v.value)
    return Policy.fail(`${label}.session_id must be a non-empty string or a number, got ${describeType(v.value)}`)
  }
  return undefined
}

const renamedKey = (t: Sql.TableName): string => `renamed:${t.name}`

/**
 * Blocks dropping (or truncating) a table that was renamed from a protected table earlier in the same
 * session (`ALTER TABLE users RENAME TO users_old`, later `DROP TABLE users_old`), in `payload.command`
 * SQL or `payload.sql`. The session is `userAttributes.session_id`, else `payload.session_id`; without
 * one only a rename and drop in the same payload are caught. Renames are recorded when seen (even if the
 * run is then blocked, which errs on the safe side). Returns an Effect only when the payload renames or
 * drops a table in a session: `blockRenameThenDrop({ state: memorySessionState() })`.
 */
export const blockRenameThenDrop = (options: RenameThenDropOptions): Policy.Policy => {
  const { state } = options
  const matcher = options.tables === undefined ? undefined : Sql.makeMatcher(options.tables)
  const isProtected = (t: Sql.TableName): boolean => matcher === undefined || matcher.match(t) !== undefined
  const passed = Policy.pass("No table renamed from a protected table is dropped")
  return Policy.make("block_rename_then_drop", (ctx) => {
    if (matcher !== undefined && matcher.errors.length > 0) {
      return Policy.fail(`block_rename_then_drop is misconfigured: ${matcher.errors.join("; ")}`)
    }
    const texts: Array<string> = []
    const script = scriptOf(ctx.payload)
    if (script !== undefined && !("commands" in script)) return script
    if (script !== undefined) {
      if (script.problem !== undefined) return Policy.fail(`The command cannot be fully inspected: ${script.problem} (fail closed)`)
      for (const c of script.commands) texts.push(...ClientSql.sqlTexts(c))
    }
    const sql = readString(ctx.payload, "sql")
    if (sql._tag === "Invalid") return Policy.fail(sql.reason)
    if (sql._tag === "Present") texts.push(sql.value)
    const events = texts.flatMap(ClientSql.tableEvents)
    if (events.length === 0) return passed
    const session = sessionOf(ctx)
    if (typeof session === "object") return session
    const local = new Map<string, string>()
    const dropped = (name: string, original: string, verb: string, when: string) =>
      Policy.fail(`${verb} of table '${name}' is blocked: it was renamed from protected table '${original}' ${when}`)
    if (session === undefined) {
      for (const e of events) {
        if (e._tag === "Rename") {
          const original = local.get(e.from.name) ?? (isProtected(e.from) ? Sql.showTable(e.from) : undefined)
          if (original !== undefined) local.set(e.to.name, original)
        } else {
          const original = local.get(e.table.name)
          if (original !== undefined) return dropped(Sql.showTable(e.table), original, e.verb, "earlier in this command")
        }
      }
      return passed
    }
    return Effect.gen(function*() {
      for (const e of events) {
        if (e._tag === "Rename") {
          const original = local.get(e.from.name) ?? (isProtected(e.from) ? Sql.showTable(e.from) : yield* state.get(session, renamedKey(e.from)))
          if (original === undefined) continue
          local.set(e.to.name, original)
          yield* state.set(session, renamedKey(e.to), original)
        } else {
          const here = local.get(e.table.name)
          if (here !== undefined) return dropped(Sql.showTable(e.table), here, e.verb, "earlier in this command")
          const before = yield* state.get(session, renamedKey(e.table))
          if (before !== undefined) return dropped(Sql.showTable(e.table), before, e.verb, `earlier in session '${session}'`)
        }
      }
      return passed
    }).pipe(Effect.catch((e) => Effect.succeed(Policy.fail(`Cannot read the session state, so rename-then-drop cannot be ruled out: ${String(e)}`))))
  })
}

// ---------------------------------------------------------------------------------------------------
// The guard

/** Options of `codingAgentShellGuard`. */
export interface ShellGuardOptions {
  /** Vetted npm packages (default `DEFAULT_VETTED_PACKAGES`). */
  readonly allowPackages?: ReadonlyArray<string>
  /** Session state for rename-then-drop (default: a fresh in-memory state owned by this guard). */
  readonly state?: SessionState
  /** Tables protected from rename-then-drop (default: every table). */
  readonly protectedTables?: ReadonlyArray<string>
  /** PII options for `block_unbounded_pii_select`. */
  readonly pii?: PiiSelectOptions
}

/**
 * Every shell-guard policy with sensible defaults, for one import. Each call builds its own in-memory
 * session state unless `state` is given; pass a shared store when runs span processes.
 *
 * @example
 * ```ts
 * const policies = [...codingAgentShellGuard({ allowPackages: [...DEFAULT_VETTED_PACKAGES, "lodash"] })]
 * ```
 */
export const codingAgentShellGuard = (options: ShellGuardOptions = {}): ReadonlyArray<Policy.Policy> => [
  blockTerraformDestroy,
  blockOrmForcePush,
  blockS3RecursiveDelete,
  blockIamUserDeletion,
  blockKubectlNamespaceDelete,
  blockDockerVolumePrune,
  blockGitResetHard,
  blockGitCleanForce,
  blockChmod777Recursive,
  blockDropDatabase,
  blockUnvettedNpmInstall({ allow: options.allowPackages ?? DEFAULT_VETTED_PACKAGES }),
  blockBulkMessaging,
  blockStripeBulkCancel,
  blockRoute53Delete,
  blockUnboundedPiiSelect(options.pii),
  blockSecretFileReads,
  blockCiWorkflowWrites,
  blockHomeDirDestruction,
  blockPipeToShell,
  blockRenameThenDrop({
    state: options.state ?? memorySessionState(),
    ...(options.protectedTables === undefined ? {} : { tables: options.protectedTables })
  })
]

