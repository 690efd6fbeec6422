/**
 * Package managers and runners (private): which packages a command installs or runs from the registry
 * (`npm i x`, `pnpm add x`, `npx x`, `npm init x` → `create-x`), where a spec installs from (a name, a
 * URL, a git repository, a local path), and which tool a runner runs (`npx prisma@5 db push` runs
 * `prisma db push`).
 *
 * @example
 * ```ts
 * import { packageOf } from "./packages.ts"
 * packageOf("lodash@^4")      // { _tag: "Name", name: "lodash" }
 * packageOf("github:u/r")     // { _tag: "Source", source: "a git repository" }
 * ```
 * @module
 */
import { type Command, optionValues, positionals, skipOptions } from "./model.ts"

type Command_ = Command
const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))

const NPX_VALUED = set("-p --package -c --call --cache --userconfig --registry --prefix --workspace -w --loglevel")
const RUNNERS = set("npx pnpx bunx")

/** A package spec without its version: `@scope/x@1` → `@scope/x`, `x@^2` → `x`. */
const withoutVersion = (spec: string): string =>
  spec.startsWith("@") ? `@${spec.slice(1).split("@")[0]}` : spec.split("@")[0]!

/** Whether a command is a package manager or runner (npm, npx, pnpm, yarn, bun, bunx, pnpx). */
export const runsPackages = (c: Command_): boolean => PACKAGE_MANAGERS.has(c.name)
const PACKAGE_MANAGERS = set("npm npx pnpm pnpx yarn bun bunx")

/**
 * The tool a command runs, through a package runner or not: `npx prisma@5 db push` and `pnpm exec
 * prisma db push` give `["prisma", "db", "push"]`; anything else gives its own argv.
 */
export const toolArgv = (c: Command_): ReadonlyArray<string> => {
  const a = c.argv
  let rest: ReadonlyArray<string> | undefined
  if (RUNNERS.has(c.name)) rest = a.slice(skipOptions(a, 1, NPX_VALUED))
  else if (
    (c.name === "npm" && (a[1] === "exec" || a[1] === "x")) || ((c.name === "pnpm" || c.name === "yarn") && (a[1] === "exec" || a[1] === "dlx")) ||
    (c.name === "bun" && a[1] === "x")
  ) rest = a.slice(skipOptions(a, 2, NPX_VALUED))
  else if ((c.name === "yarn" || c.name === "pnpm" || c.name === "bun") && a[1] === "run") rest = a.slice(2)
  else if ((c.name === "yarn" || c.name === "pnpm") && a[1] !== undefined && !a[1].startsWith("-")) rest = a.slice(1)
  if (rest === undefined || rest.length === 0) return a
  return [withoutVersion(rest[0]!), ...rest.slice(1)]
}

const NPM_VALUED = set(
  "--prefix --registry --tag --workspace -w --omit --include --cache --userconfig --globalconfig --save-prefix --otp --loglevel --scope --install-strategy --before --location --cpu --os --libc"
)
const PNPM_VALUED = set("--filter -F --dir -C --store-dir --registry --reporter --virtual-store-dir --modules-dir --lockfile-dir --config")
const YARN_VALUED = set("--cwd --registry --modules-folder --cache-folder --network-timeout --mutex --use-yarnrc")
const BUN_VALUED = set("--cwd --registry --backend --cache-dir --config")
const NPM_INSTALL = set("install i in ins inst insta instal isnt isnta isntal isntall add install-test it install-ci-test cit")

/** `npm init vite` runs `create-vite`; `@scope` runs `@scope/create`, `@scope/x` runs `@scope/create-x`. */
const initializer = (name: string | undefined): ReadonlyArray<string> => {
  if (name === undefined || name.startsWith("-")) return []
  if (name.startsWith("@")) {
    const [scope, rest] = withoutVersion(name).split("/")
    return [rest === undefined ? `${scope}/create` : `${scope}/create-${rest}`]
  }
  return /^[.\/~]|:/.test(name) ? [name] : [`create-${withoutVersion(name)}`]
}

/** What a runner runs: the `-p`/`--package` values, else its first positional. */
const runnerSpecs = (a: ReadonlyArray<string>, from: number): ReadonlyArray<string> => {
  const i = skipOptions(a, from, NPX_VALUED)
  const packages = optionValues(a.slice(from, i), "p", "package")
  return packages.length > 0 ? packages : a[i] === undefined ? [] : [a[i]!]
}

/** The package specs a command installs or runs from the registry (empty for anything else). */
export const installedSpecs = (c: Command_): ReadonlyArray<string> => {
  const a = c.argv
  if (RUNNERS.has(c.name)) return runnerSpecs(a, 1)
  const valued = c.name === "npm" ? NPM_VALUED : c.name === "pnpm" ? PNPM_VALUED : c.name === "yarn" ? YARN_VALUED : c.name === "bun" ? BUN_VALUED : undefined
  if (valued === undefined) return []
  let i = skipOptions(a, 1, valued)
  let sub = a[i]
  if (c.name === "yarn" && sub === "global") sub = a[++i]
  const rest = a.slice(i + 1)
  if (sub === "exec" && c.name === "npm" || sub === "x" && (c.name === "npm" || c.name === "bun") || sub === "dlx") return runnerSpecs(a, i + 1)
  if (sub === "init" || sub === "create" || sub === "innit") return initializer(positionals(rest, valued)[0])
  if (sub === "add" || sub === "a" && c.name === "bun" || (c.name === "npm" ? NPM_INSTALL.has(sub ?? "") : sub === "install" || sub === "i")) {
    return positionals(rest, valued)
  }
  return []
}

/** What a package spec installs from. */
export type Package =
  | { readonly _tag: "Name"; readonly name: string }
  | { readonly _tag: "Source"; readonly source: string }
  | { readonly _tag: "Local" }

const LOCAL = /^(?:\.{1,2}(?:\/|$)|\/|~\/|file:|link:|workspace:|portal:)/i
const REMOTE = /^(?:https?:|git\+|git:|git@|ssh:|github:|gitlab:|bitbucket:|gist:)/i

/** Reads a package spec: a registry name (lower-cased, version dropped), a remote source, or a local path. */
export const packageOf = (spec: string): Package => {
  const s = spec.trim()
  if (LOCAL.test(s)) return { _tag: "Local" }
  if (REMOTE.test(s)) return { _tag: "Source", source: s.startsWith("http") ? "a URL" : "a git repository" }
  const alias = /^(?:@?[^@]+@)?npm:(.+)$/.exec(s)
  if (alias !== null) return packageOf(alias[1]!)
  if (/\.(?:tgz|tar\.gz|tar)$/i.test(s)) return { _tag: "Local" }
  if (!s.startsWith("@") && s.includes("/")) return { _tag: "Source", source: "a GitHub repository" }
  return { _tag: "Name", name: withoutVersion(s).toLowerCase() }
}
