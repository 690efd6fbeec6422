/**
 * Property tests for path handling: generated traversal (`a/../`), duplicate slashes, `./` segments,
 * backslashes, percent-encoding and casing variants of forbidden targets are always blocked; generated
 * safe paths inside allowed directories always pass.
 *
 * Case policy: `block_extensions`, `dont_read_env`, `dont_touch_ci_cd`, `dont_access_home_dir` and
 * `dont_read_sensitive_paths` are case-insensitive (deny-lists: a case-insensitive disk must not be a
 * way around them); `restrict_paths` is case-sensitive POSIX (an allow-list: `/Workspace` is not
 * `/workspace` on Linux, and on a case-insensitive disk that only blocks more).
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import * as Paths from "../../policies/_paths.ts"
import * as Access from "../../policies/access.ts"
import * as Fs from "../../policies/filesystem.ts"
import type * as Policy from "../../src/Policy.ts"
import { policyHarness } from "../support/policies.ts"

const { verdict } = policyHarness({ workflow: "files.read_file" })

const passed = (policy: Policy.Policy, path: string): boolean => verdict(policy, { path }).passed

const RUNS = { numRuns: 400 }

/** A plain path component: never `.`/`..`, no separators, no `%`. */
const name = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,10}$/).filter((s) => s !== "." && s !== "..")

/** Something inserted before a component that resolves to nothing: `/`, `./`, `junk/../`. */
const detour = fc.oneof(
  fc.constant("/"),
  fc.constant("./"),
  name.map((j) => `${j}/../`),
  fc.tuple(name, name).map(([a, b]) => `${a}/${b}/../../`)
)

/** An absolute spelling of `/segments…` with detours between the components. */
const noisy = (segments: ReadonlyArray<string>) =>
  fc.tuple(fc.array(fc.array(detour, { maxLength: 3 }), { minLength: segments.length, maxLength: segments.length }), fc.boolean())
    .map(([detours, doubled]) => (doubled ? "/" : "") + segments.map((s, i) => `/${detours[i]!.join("")}${s}`).join(""))

/** A relative spelling from `cwd` that climbs to `/` first (extra `..` at the root are harmless). */
const climbing = (cwd: string, segments: ReadonlyArray<string>) =>
  fc.tuple(fc.integer({ min: 0, max: 3 }), noisy(segments)).map(([extra, abs]) =>
    "../".repeat(Paths.segments(cwd).length + extra) + abs.replace(/^\/+/, "")
  )

/** Flips the case of some letters. */
const recase = (s: string) =>
  fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((flips) =>
    [...s].map((c, i) => (flips[i] ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c)).join("")
  )

/** Percent-encodes some characters (a tool that URL-decodes would read the original). */
const encode = (s: string) =>
  fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((picks) =>
    [...s].map((c, i) => (picks[i] ? `%${c.charCodeAt(0).toString(16).padStart(2, "0")}` : c)).join("")
  )

/** Turns some `/` into `\`. */
const backslash = (s: string) =>
  fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((picks) =>
    [...s].map((c, i) => (c === "/" && picks[i] ? "\\" : c)).join("")
  )

/** Any of the disguises above, or none. */
const disguise = (s: string) => fc.oneof(fc.constant(s), encode(s), backslash(s))

const sensitive = Access.dontReadSensitivePaths(["/etc"])
const restricted = Fs.restrictPaths(["/workspace"], { cwd: "/workspace" })

describe("path normalisation", () => {
  it("resolves every traversal spelling of /etc/passwd to /etc/passwd", () => {
    fc.assert(fc.property(noisy(["etc", "passwd"]), (p) => assert.strictEqual(Paths.resolve(p, "/"), "/etc/passwd")), RUNS)
  })

  it("resolves relative climbs against cwd", () => {
    fc.assert(
      fc.property(climbing("/srv/app", ["etc", "passwd"]), (p) => assert.strictEqual(Paths.resolve(p, "/srv/app"), "/etc/passwd")),
      RUNS
    )
  })

  it("is idempotent and canonical", () => {
    const any = fc.array(fc.oneof(name, fc.constantFrom(".", "..", "")), { maxLength: 8 }).map((parts) => parts.join("/"))
    fc.assert(
      fc.property(any, fc.boolean(), (p, absolute) => {
        const r = Paths.resolve(absolute ? `/${p}` : p, "/base/dir")
        assert.strictEqual(Paths.resolve(r, "/other"), r)
        assert.isTrue(r.startsWith("/"))
        assert.notMatch(r, /\/\/|\/\.\.?(\/|$)|.\/$/)
      }),
      RUNS
    )
  })

  it("contains component-wise: a sibling sharing a prefix is never inside", () => {
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 3 }), name, (dir, suffix) => {
        const d = `/${dir.join("/")}`
        assert.isFalse(Paths.isWithin(`${d}${suffix}`, d))
        assert.isTrue(Paths.isWithin(`${d}/${suffix}`, d))
      }),
      RUNS
    )
  })
})

describe("forbidden targets are always blocked", () => {
  it("traversal, encoded and backslashed spellings of /etc/passwd", () => {
    const spelled = fc.oneof(noisy(["etc", "passwd"]), climbing("/workspace", ["etc", "passwd"])).chain(disguise)
    fc.assert(
      fc.property(spelled, (p) => {
        assert.isFalse(passed(sensitive, p), `dont_read_sensitive_paths passed ${p}`)
        assert.isFalse(passed(restricted, p), `restrict_paths passed ${p}`)
      }),
      RUNS
    )
  })

  it("casing variants of /etc (dont_read_sensitive_paths is case-insensitive)", () => {
    fc.assert(fc.property(noisy(["etc", "shadow"]).chain(recase), (p) => assert.isFalse(passed(sensitive, p), p)), RUNS)
  })

  it("casing and traversal variants of .env files", () => {
    const ext = Fs.blockExtensions([".env"])
    const env = fc.tuple(fc.array(name, { maxLength: 3 }), fc.constantFrom(".env", ".env.local", ".env.production", "prod.env"))
      .chain(([dirs, file]) => noisy([...dirs, file]).chain(recase).chain(disguise).map((p) => [file, p] as const))
    fc.assert(
      fc.property(env, ([file, p]) => {
        assert.isFalse(passed(Fs.dontReadEnv, p), `dont_read_env passed ${p}`)
        // `.env.local` has the extension `.local`: block_extensions([".env"]) is not meant to catch it.
        if (file.endsWith(".env")) assert.isFalse(passed(ext, p), `block_extensions passed ${p}`)
      }),
      RUNS
    )
  })

  it("casing variants of key files (block_extensions is case-insensitive)", () => {
    const keys = Fs.blockExtensions([".pem", ".key"])
    const file = fc.tuple(name, fc.constantFrom(".pem", ".key")).map(([n, e]) => `${n}${e}`)
    fc.assert(
      fc.property(fc.tuple(fc.array(name, { maxLength: 3 }), file).chain(([d, f]) => noisy([...d, f])).chain(recase), (p) =>
        assert.isFalse(passed(keys, p), p)),
      RUNS
    )
  })

  it("absolute, traversal and casing variants of CI workflow files", () => {
    const ci = fc.tuple(fc.array(name, { maxLength: 3 }), name)
      .chain(([repo, file]) => noisy([...repo, ".github", "workflows", `${file}.yml`]))
      .chain(recase)
      .chain(disguise)
    fc.assert(fc.property(ci, (p) => assert.isFalse(passed(Fs.dontTouchCiCd, p), p)), RUNS)
  })

  it("every spelling that reaches a home directory", () => {
    const home = Fs.dontAccessHomeDir({ cwd: "/srv/app" })
    const target = fc.tuple(fc.constantFrom("home", "root", "Users"), fc.array(name, { maxLength: 3 }))
      .chain(([root, rest]) => fc.oneof(noisy([root, ...rest]), climbing("/srv/app", [root, ...rest])))
      .chain(disguise)
    fc.assert(fc.property(target, (p) => assert.isFalse(passed(home, p), p)), RUNS)
  })
})

describe("safe paths inside allowed directories always pass", () => {
  const inside = fc.array(name, { minLength: 1, maxLength: 5 })

  it("absolute paths under /workspace, with ./ and // noise and detours that stay inside", () => {
    fc.assert(
      fc.property(inside.chain((segs) => noisy(["workspace", ...segs])), (p) => {
        assert.isTrue(passed(restricted, p), `restrict_paths blocked ${p}`)
        assert.isTrue(passed(sensitive, p), `dont_read_sensitive_paths blocked ${p}`)
        assert.isTrue(passed(Fs.dontAccessHomeDir({ cwd: "/workspace" }), p), `dont_access_home_dir blocked ${p}`)
      }),
      RUNS
    )
  })

  it("relative paths from cwd", () => {
    fc.assert(
      fc.property(inside.chain((segs) => noisy(segs)).map((p) => p.replace(/^\/+/, "")), (p) =>
        assert.isTrue(passed(restricted, p), `restrict_paths blocked ${p}`)),
      RUNS
    )
  })

  it("restrict_paths is case-sensitive: a recased allowed directory is outside", () => {
    fc.assert(
      fc.property(recase("workspace").filter((w) => w !== "workspace"), inside, (w, segs) =>
        assert.isFalse(passed(restricted, `/${w}/${segs.join("/")}`))),
      RUNS
    )
  })
})
