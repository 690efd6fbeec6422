/**
 * Filesystem policies. They read `payload.path` (a string, or an array of strings, all checked) and
 * resolve it with POSIX semantics: relative paths against the `cwd` option (default `/`; set it to the
 * agent's working directory or the connector's root), `.`/`..` and repeated slashes resolved, containment
 * component-wise. Every plausible reading of a path is checked (backslashes as separators,
 * percent-decoded): deny-lists block if any reading matches, `restrictPaths` passes only if all are inside.
 *
 * Case: `restrictPaths` is case-sensitive (POSIX; on a case-insensitive disk that only blocks more).
 * The deny-lists (`blockExtensions`, `dontReadEnv`, `dontEditGitignore`, `dontTouchCiCd`,
 * `dontAccessHomeDir`) are case-insensitive, so `.ENV` and `.GitHub/Workflows` are caught on macOS disks.
 * Symbolic links are resolved only by `restrictPaths`, and only when given a `realpath` function.
 *
 * @example
 * ```ts
 * import * as Fs from "./filesystem.ts"
 * const policies = [Fs.restrictPaths(["/workspace"], { cwd: "/workspace" }), Fs.dontReadEnv, Fs.dontTouchCiCd]
 * ```
 * @module
 */
import * as Policy from "../src/Policy.ts"
import * as Paths from "./_paths.ts"
import { show } from "./_payload.ts"

/** Where relative paths start. */
export interface PathOptions {
  /** The directory relative paths are resolved against (default `/`). Never read from the process. */
  readonly cwd?: string
}

/**
 * A policy over every path in `payload.path`: `judge` gets the raw path and its resolved readings and
 * returns a failure reason or undefined. Passes when the path is absent.
 */
const pathPolicy = (
  name: string,
  cwd: string,
  judge: (raw: string, readings: ReadonlyArray<string>) => string | undefined,
  passReason: string
): Policy.Policy =>
  Policy.make(name, (ctx) => {
    const paths = Paths.readPaths(ctx.payload)
    if (paths._tag === "Invalid") return Policy.fail(paths.reason)
    if (paths._tag === "Absent") return Policy.pass("No path given")
    for (const raw of paths.value) {
      const reason = judge(raw, Paths.readings(raw, cwd))
      if (reason !== undefined) return Policy.fail(reason)
    }
    return Policy.pass(paths.value.length === 1 ? `Path ${show(paths.value[0]!)} ${passReason}` : `Every path ${passReason}`)
  })

/** Blocks every file deletion on this client: `dontDeleteFile`. */
export const dontDeleteFile: Policy.Policy = Policy.make(
  "dont_delete_file",
  () => Policy.fail("File deletion is not permitted on this client")
)

/** Options for `restrictPaths`. */
export interface RestrictPathsOptions extends PathOptions {
  /**
   * Resolves symbolic links (e.g. `fs.realpathSync`). When given, the path (or its deepest existing
   * ancestor) and the allowed directories are compared by real path, so a link cannot lead outside.
   */
  readonly realpath?: (path: string) => string
}

/**
 * Requires every path to resolve inside one of `allowedDirs` (component-wise, `..` resolved; an empty
 * list blocks everything): `restrictPaths(["/workspace"], { cwd: "/workspace" })`.
 */
export const restrictPaths = (
  allowedDirs: ReadonlyArray<string>,
  options: RestrictPathsOptions = {}
): Policy.Policy => {
  const cwd = Paths.normalizeCwd(options.cwd)
  const allowed = Paths.normalizeDirs(allowedDirs, cwd, true)
  const realpath = options.realpath
  const shown = allowed.map((d) => show(d)).join(", ")
  return pathPolicy("restrict_paths", cwd, (raw, readings) => {
    if (allowed.length === 0) return `Path ${show(raw)} is blocked: no directories are allowed`
    const dirs = realpath === undefined ? allowed : allowed.map((d) => Paths.realpathExisting(d, realpath))
    for (const reading of readings) {
      const real = realpath === undefined ? reading : Paths.realpathExisting(reading, realpath)
      if (!dirs.some((d) => Paths.isWithin(real, d))) {
        return `Path ${show(raw)} resolves to ${show(real)}, outside the allowed directories (${shown})`
      }
    }
    return undefined
  }, "is inside an allowed directory")
}

/**
 * Blocks paths with a listed extension, case-insensitive, dotfiles included (`.env` matches `.env`):
 * `blockExtensions([".env", ".pem", ".key"])`. An empty list allows everything.
 */
export const blockExtensions = (extensions: ReadonlyArray<string>, options: PathOptions = {}): Policy.Policy => {
  const exts = extensions
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "" && e !== ".")
    .map((e) => (e.startsWith(".") ? e : `.${e}`))
  return pathPolicy("block_extensions", Paths.normalizeCwd(options.cwd), (raw, readings) => {
    for (const reading of readings) {
      const name = Paths.fileName(reading)
      const ext = exts.find((e) => name.endsWith(e))
      if (ext !== undefined) return `File extension ${show(ext)} is blocked: operations on ${show(raw)} are not permitted`
    }
    return undefined
  }, "does not have a blocked extension")
}

/** Blocks writes to `.gitignore` (and `.git/info/exclude`), which could un-ignore secrets: `dontEditGitignore`. */
export const dontEditGitignore: Policy.Policy = pathPolicy("dont_edit_gitignore", "/", (raw, readings) => {
  for (const reading of readings) {
    const lower = reading.toLowerCase()
    if (Paths.fileName(reading) === ".gitignore" || lower.endsWith("/.git/info/exclude")) {
      return `Editing ${show(raw)} is not permitted: changes could expose sensitive files to version control`
    }
  }
  return undefined
}, "is not a git ignore file")

const PROC_ENVIRON = /^\/proc\/(?:[^/]+\/)+environ$/

/** Blocks env files: `.env`, `.env.*`, `*.env` (any case) and `/proc/<pid>/environ`: `dontReadEnv`. */
export const dontReadEnv: Policy.Policy = pathPolicy("dont_read_env", "/", (raw, readings) => {
  for (const reading of readings) {
    const name = Paths.fileName(reading)
    if (name === ".env" || name.startsWith(".env.") || name.endsWith(".env") || PROC_ENVIRON.test(reading.toLowerCase())) {
      return `Accessing env file ${show(raw)} is not permitted: it may contain secrets`
    }
  }
  return undefined
}, "is not an env file")


/**
 * Blocks CI/CD pipeline files: Dockerfile, compose files, Jenkinsfile, `.gitlab-ci.yml`, `.travis.yml`,
 * `.github/workflows/`, `.github/actions/`, `.circleci/`… at any depth, absolute paths included: `dontTouchCiCd`.
 */
export const dontTouchCiCd: Policy.Policy = pathPolicy("dont_touch_ci_cd", "/", (raw, readings) => {
  for (const reading of readings) {
    const target = Paths.ciTarget(reading.toLowerCase())
    if (target !== undefined) {
      return `Modifying CI/CD file ${show(raw)} (${target}) is not permitted: it could compromise the build pipeline or expose secrets`
    }
  }
  return undefined
}, "is not a CI/CD file")

/** Options for `dontAccessHomeDir`. */
export interface HomeDirOptions extends PathOptions {
  /** The agent's own home directory, if it is somewhere unusual (`/var/lib/agent`). */
  readonly home?: string
  /** Directories whose every entry is a home (default `/root`, `/home`, `/Users`). */
  readonly homeRoots?: ReadonlyArray<string>
}

/**
 * Blocks paths in a home directory: `~`, `~user`, `$HOME`, `/root`, `/home/*`, `/Users/*` and anything
 * resolving there (`../../home/x` from the `cwd` option): `dontAccessHomeDir({ cwd: "/srv/app" })`.
 */
export const dontAccessHomeDir = (options: HomeDirOptions = {}): Policy.Policy => {
  const cwd = Paths.normalizeCwd(options.cwd)
  const roots = Paths.normalizeDirs(
    [...(options.homeRoots ?? Paths.DEFAULT_HOME_ROOTS), ...(options.home === undefined ? [] : [options.home])],
    "/",
    false
  )
  return pathPolicy("dont_access_home_dir", cwd, (raw, readings) => {
    for (const spelling of Paths.spellings(raw)) {
      const shorthand = Paths.homeShorthand(spelling)
      if (shorthand !== undefined) return `Path ${show(raw)} refers to a home directory (${shorthand}): access is not permitted`
    }
    const hit = Paths.firstWithin(readings, roots, false)
    return hit === undefined
      ? undefined
      : `Path ${show(raw)} resolves to ${show(hit.reading)}, inside a home directory: access is not permitted`
  }, "is not in a home directory")
}
