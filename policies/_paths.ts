/**
 * POSIX path handling for the path policies (private). Paths are resolved lexically: relative paths
 * against a configured working directory (never `process.cwd()`), `.` dropped, `..` applied (never above
 * `/`), runs of slashes collapsed, so `//etc/passwd` and `/tmp/../etc/passwd` are both `/etc/passwd`.
 * Containment is component-wise: `/etchosts` is not under `/etc`.
 *
 * A payload path can mean more than one thing to the system that finally opens it, so `readings` gives
 * every plausible reading: the POSIX one, the one with `\` as a separator (Windows, or a tool that
 * converts), and the percent-decoded one (a tool that URL-decodes). Deny-lists block when any reading
 * matches; allow-lists pass only when every reading is inside.
 *
 * @example
 * ```ts
 * import { isWithin, resolve } from "./_paths.ts"
 * resolve("../../home/x", "/srv/app") // "/home/x"
 * isWithin("/etc/passwd", "/etc")      // true
 * isWithin("/etchosts", "/etc")        // false
 * ```
 * @module
 */
import { absent, invalid, present, type Read, readStrings, show } from "./_payload.ts"
import * as Glob from "./_glob.ts"

/** Resolves `path` against the absolute, already-normalised directory `cwd`. */
export const resolve = (path: string, cwd: string): string => {
  const full = path.startsWith("/") ? path : `${cwd}/${path}`
  const out: Array<string> = []
  for (const part of full.split("/")) {
    if (part === "" || part === ".") continue
    if (part === "..") out.pop()
    else out.push(part)
  }
  return `/${out.join("/")}`
}

/** Normalises a configured working directory (a relative one is taken from `/`). */
export const normalizeCwd = (cwd: string | undefined): string => resolve(cwd ?? "/", "/")

/** Whether the normalised absolute `path` is `dir` or inside it, component by component. */
export const isWithin = (path: string, dir: string): boolean =>
  dir === "/" || path === dir || (path.startsWith(dir) && path.charCodeAt(dir.length) === 47)

/** The components of a normalised absolute path (`[]` for `/`). */
export const segments = (path: string): ReadonlyArray<string> => (path === "/" ? [] : path.slice(1).split("/"))

/** The last component of a normalised absolute path (`""` for `/`). */
export const basename = (path: string): string => path.slice(path.lastIndexOf("/") + 1)

const PERCENT = /%[0-9a-fA-F]{2}/

/** Percent-decodes up to three times (double encoding), stopping when nothing changes or it fails. */
const decodePercent = (s: string): string => {
  let current = s
  for (let i = 0; i < 3 && PERCENT.test(current); i++) {
    try {
      const next = decodeURIComponent(current)
      if (next === current) break
      current = next
    } catch {
      break
    }
  }
  return current
}

/**
 * Every plausible spelling of `raw` before resolution: as given, with backslashes as separators, and
 * percent-decoded. Deduplicated; the first is always the POSIX reading.
 */
export const spellings = (raw: string): ReadonlyArray<string> => {
  const out = [raw]
  const add = (s: string) => {
    if (!out.includes(s)) out.push(s)
  }
  if (raw.includes("\\")) add(raw.replaceAll("\\", "/"))
  if (raw.includes("%")) {
    for (const s of [...out]) {
      const decoded = decodePercent(s)
      add(decoded)
      if (decoded.includes("\\")) add(decoded.replaceAll("\\", "/"))
    }
  }
  return out
}

let lastRaw = ""
let lastCwd = ""
let lastReadings: ReadonlyArray<string> = []

/**
 * Every plausible resolved reading of `raw` against `cwd` (see `spellings`). The last answer is kept,
 * since every path policy of a gate asks about the same path.
 */
export const readings = (raw: string, cwd: string): ReadonlyArray<string> => {
  // An absolute path reads the same whatever the working directory (every spelling stays absolute).
  if (raw === lastRaw && (cwd === lastCwd || raw.startsWith("/")) && lastReadings.length > 0) return lastReadings
  const out: Array<string> = []
  for (const s of spellings(raw)) {
    const r = resolve(s, cwd)
    if (!out.includes(r)) out.push(r)
  }
  lastRaw = raw
  lastCwd = cwd
  lastReadings = out
  return out
}

/**
 * The lower-cased file name of a reading, with what Windows ignores dropped: trailing dots and spaces,
 * and the `::$DATA` stream suffix (`.env::$DATA` opens `.env`).
 */
export const fileName = (reading: string): string =>
  basename(reading).toLowerCase().replace(/::\$data$/, "").replace(/[. ]+$/, "")

const CI_FILES = [
  /^(?:dockerfile|containerfile|jenkinsfile)(?:\..*)?$/,
  /\.(?:dockerfile|containerfile)$/,
  /^(?:docker-)?compose(?:[.-].*)?\.ya?ml$/,
  /^\.?(?:travis|gitlab-ci|drone|appveyor|woodpecker|codefresh)\.ya?ml$/,
  /^(?:azure-pipelines|bitbucket-pipelines|cloudbuild|buildspec|appveyor)\.ya?ml$/,
  /^fly\.toml$/
]
const CI_DIRS = new Set([".circleci", ".buildkite", ".woodpecker"])
const GITHUB_DIRS = new Set(["workflows", "actions"])

/**
 * The CI/CD file or folder a lower-cased resolved path names or lies in (`.github/workflows/`,
 * `.gitlab-ci.yml`, `Dockerfile`, `.circleci/`…), if any.
 */
export const ciTarget = (reading: string): string | undefined => {
  const segs = segments(reading)
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!
    if (CI_DIRS.has(s)) return `${s}/`
    if (s === ".github" && GITHUB_DIRS.has(segs[i + 1] ?? "")) return `.github/${segs[i + 1]}/`
  }
  const name = fileName(reading)
  return CI_FILES.some((re) => re.test(name)) ? name : undefined
}

/** Home-directory shorthand at the start of a path: `~`, `~user`, `$HOME`, `${HOME}`. */
const HOME_SHORTHAND = /^(?:~[^/\\]*|\$HOME|\$\{HOME\})(?:[/\\]|$)/

/** The home shorthand `raw` starts with (`"~"`, `"~alice"`, `"$HOME"`), if any. */
export const homeShorthand = (raw: string): string | undefined => {
  const m = HOME_SHORTHAND.exec(raw.trimStart())
  return m === null ? undefined : m[0].replace(/[/\\]$/, "")
}

/** The directories under which every entry is somebody's home: `/root`, `/home/*`, macOS `/Users/*`. */
export const DEFAULT_HOME_ROOTS: ReadonlyArray<string> = ["/root", "/home", "/Users"]

/**
 * Resolves symbolic links with `realpath` where it can: the full path if it exists, else its deepest
 * existing ancestor with the rest appended (a file about to be created). `realpath` is supplied by the
 * caller (e.g. `fs.realpathSync`) so this module stays free of runtime imports.
 */
export const realpathExisting = (path: string, realpath: (p: string) => string): string => {
  const rest: Array<string> = []
  let current = path
  for (;;) {
    try {
      const real = realpath(current)
      return rest.length === 0 ? real : resolve(rest.reverse().join("/"), real)
    } catch {
      if (current === "/") return path
      rest.push(basename(current))
      const parent = current.slice(0, current.lastIndexOf("/"))
      current = parent === "" ? "/" : parent
    }
  }
}

/** Longest path inspected (Linux's PATH_MAX); a longer one is refused rather than resolved. */
export const MAX_PATH_LENGTH = 4096
/** Most paths inspected in one payload. */
export const MAX_PATHS = 1024

/**
 * Reads `payload.path` (a string or an array of strings); empty strings are ignored; NUL bytes, paths
 * longer than `MAX_PATH_LENGTH` and more than `MAX_PATHS` paths are invalid (the policies block on them).
 */
export const readPaths = (payload: unknown): Read<ReadonlyArray<string>> => {
  const r = readStrings(payload, "path")
  if (r._tag !== "Present") return r
  if (r.value.length > MAX_PATHS) return invalid(`payload.path has ${r.value.length} paths, more than the ${MAX_PATHS} inspected`)
  const paths = r.value.filter((p) => p !== "")
  for (const p of paths) {
    if (p.length > MAX_PATH_LENGTH) {
      return invalid(`payload.path is ${p.length} characters long, more than any path the system accepts (${MAX_PATH_LENGTH})`)
    }
    if (p.includes("\u0000")) return invalid(`payload.path ${show(p)} contains a NUL byte`)
  }
  return paths.length === 0 ? absent : present(paths)
}

/** Normalises configured directories against `cwd`, lower-cased unless `caseSensitive`. */
export const normalizeDirs = (dirs: ReadonlyArray<string>, cwd: string, caseSensitive: boolean): ReadonlyArray<string> =>
  dirs.map((d) => {
    const r = resolve(d, cwd)
    return caseSensitive ? r : r.toLowerCase()
  })

/** The first reading inside one of `dirs` (as from `normalizeDirs`), with the directory, if any. */
export const firstWithin = (
  readings: ReadonlyArray<string>,
  dirs: ReadonlyArray<string>,
  caseSensitive: boolean
): { readonly reading: string; readonly dir: string } | undefined => {
  for (const reading of readings) {
    const r = caseSensitive ? reading : reading.toLowerCase()
    for (const dir of dirs) if (isWithin(r, dir)) return { reading, dir }
  }
  return undefined
}

/**
 * Compiles one path component of a glob (`*`, `?`, `[…]`, `[!…]`, backslash escapes) to a linear-time
 * matcher (`re.test(name)`, see `_glob.ts`); also counts its literal letters and digits (a glob with almost
 * none matches anything).
 */
export const globComponent = (c: string): { readonly re: { readonly test: (name: string) => boolean }; readonly literals: number } => {
  const glob = Glob.compile(c)
  return { re: glob, literals: glob.literals }
}
