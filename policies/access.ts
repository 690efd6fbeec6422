/**
 * Access policies: who may do what. Roles and clearance come from `ctx.userAttributes` (what the caller
 * vouches for, on every entry point: `run`, `runAction`, the Promise client); `payload.actor_role` is the
 * agent's own claim, honoured where the catalogue says so but never above the vouched role. The
 * attributes read are `role` (a string, or an array of strings) and `clearance` (a number; the original's
 * `clearance_level` is read as a fallback).
 *
 * Sensitive-path checks resolve paths first (`/tmp/../etc/passwd` and `//etc/passwd` are under `/etc`)
 * and are case-insensitive by default (a deny-list should not be dodged by `/ETC` on a case-insensitive
 * disk); pass `caseSensitive: true` for exact POSIX matching. Table names fold like PostgreSQL's.
 *
 * @example
 * ```ts
 * import * as Access from "./access.ts"
 * const policies = [Access.requireUserRole("admin", "engineer"), Access.dontReadSensitivePaths(["/etc", "/var/secrets"])]
 * ```
 * @module
 */
import * as Policy from "../src/Policy.ts"
import * as ClientSql from "./sql/clients.ts"
import * as Paths from "./_paths.ts"
import { describeType, forEachKey, type Read, readField, readStrings, show } from "./_payload.ts"
import * as Sql from "./sql/parse.ts"

const showRoles = (roles: ReadonlyArray<string>): string => roles.map((r) => show(r)).join(", ")

/** The vouched roles in `userAttributes.role`. */
const vouchedRoles = (attributes: unknown): Read<ReadonlyArray<string>> =>
  readStrings(attributes, "role", "userAttributes.role")

// ---------------------------------------------------------------------------------------------------
// Roles

/**
 * Requires one of `roles`, read from `userAttributes.role`, else from `payload.actor_role`; when both
 * are given the payload must agree with the vouched role: `requireActorRole(["admin", "engineer"])`.
 */
export const requireActorRole = (roles: ReadonlyArray<string>): Policy.Policy => {
  const allowed = new Set(roles)
  return Policy.make("require_actor_role", (ctx) => {
    const vouched = vouchedRoles(ctx.userAttributes)
    const claimed = readStrings(ctx.payload, "actor_role")
    if (vouched._tag === "Invalid") return Policy.fail(vouched.reason)
    if (claimed._tag === "Invalid") return Policy.fail(claimed.reason)
    if (vouched._tag === "Present" && claimed._tag === "Present") {
      const stray = claimed.value.find((r) => !vouched.value.includes(r))
      if (stray !== undefined) {
        return Policy.fail(`payload.actor_role ${show(stray)} does not match the user's role ${showRoles(vouched.value)}`)
      }
    }
    const held = vouched._tag === "Present" ? vouched.value : claimed._tag === "Present" ? claimed.value : []
    if (held.length === 0) return Policy.fail(`No role given; one of ${showRoles(roles)} is required`)
    const ok = held.find((r) => allowed.has(r))
    return ok === undefined
      ? Policy.fail(`Role ${showRoles(held)} not in allowed roles: ${showRoles(roles)}`)
      : Policy.pass(`Role ${show(ok)} is authorized`)
  })
}

/** Requires `userAttributes.role` to be one of `roles` (a missing role blocks): `requireUserRole("admin", "engineer")`. */
export const requireUserRole = (...roles: ReadonlyArray<string>): Policy.Policy => {
  const allowed = new Set(roles)
  return Policy.make("require_user_role", (ctx) => {
    const vouched = vouchedRoles(ctx.userAttributes)
    if (vouched._tag === "Invalid") return Policy.fail(vouched.reason)
    const held = vouched._tag === "Present" ? vouched.value : []
    if (held.length === 0) return Policy.fail(`No role in userAttributes; one of ${showRoles(roles)} is required`)
    const ok = held.find((r) => allowed.has(r))
    return ok === undefined
      ? Policy.fail(`Role ${showRoles(held)} not in allowed roles: ${showRoles(roles)}`)
      : Policy.pass(`Role ${show(ok)} is authorized`)
  })
}

// ---------------------------------------------------------------------------------------------------
// PII

/** `date_of_birth`, `dateOfBirth` and `DATE-OF-BIRTH` all become `dateofbirth`. */
const fieldKey = (s: string): string => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "")

/** The PII column an SQL write touches (INSERT columns, UPDATE SET targets), or why it cannot be told. */
const sqlPii = (sql: string, pii: ReadonlySet<string>): string | undefined => {
  const parsed = Sql.parse(sql)
  if (parsed._tag === "Error") return `${parsed.reason}, so its PII columns cannot be checked`
  let found: string | undefined
  for (const statement of parsed.statements) {
    Sql.some(statement, (node) => {
      if ((node.type === "insert" || node.type === "replace") && Object.hasOwn(node, "columns")) {
        if (!Array.isArray(node.columns)) found = "an INSERT without a column list, which may write PII"
        else {
          const col = node.columns.map(Sql.columnName).find((c) => c !== undefined && pii.has(fieldKey(c)))
          if (col !== undefined) found = `PII column ${show(col)} in an INSERT`
        }
      } else if (node.type === "update" && Array.isArray(node.set)) {
        const col = node.set.map(Sql.columnName).find((c) => c !== undefined && pii.has(fieldKey(c)))
        if (col !== undefined) found = `PII column ${show(col)} in an UPDATE`
      }
      return found !== undefined
    })
    if (found !== undefined) return found
  }
  return undefined
}

/**
 * Blocks a contractor (vouched `role`, or `payload.actor_role`) from writing PII: any key of
 * `payload.data` (nested too) or column in `payload.sql` named in `piiFields` or `payload.pii_fields`,
 * compared ignoring case and separators: `contractorCannotWritePii(["ssn", "date_of_birth"])`.
 */
export const contractorCannotWritePii = (piiFields: ReadonlyArray<string> = []): Policy.Policy => {
  const configured = piiFields.map(fieldKey)
  return Policy.make("contractor_cannot_write_pii", (ctx) => {
    const vouched = vouchedRoles(ctx.userAttributes)
    const claimed = readStrings(ctx.payload, "actor_role")
    if (vouched._tag === "Invalid") return Policy.fail(vouched.reason)
    if (claimed._tag === "Invalid") return Policy.fail(claimed.reason)
    const roles = [...(vouched._tag === "Present" ? vouched.value : []), ...(claimed._tag === "Present" ? claimed.value : [])]
    if (!roles.some((r) => r.trim().toLowerCase() === "contractor")) return Policy.pass("Actor is not a contractor")
    const extra = readStrings(ctx.payload, "pii_fields")
    if (extra._tag === "Invalid") return Policy.fail(extra.reason)
    const pii = new Set([...configured, ...(extra._tag === "Present" ? extra.value.map(fieldKey) : [])])
    const data = readField(ctx.payload, "data")
    if (data._tag === "Invalid") return Policy.fail(data.reason)
    if (data._tag === "Present") {
      if (typeof data.value !== "object") {
        return Policy.fail(`payload.data must be an object or an array of objects, got ${describeType(data.value)}`)
      }
      let hit: string | undefined
      const r = forEachKey(data.value, (k) => {
        if (pii.has(fieldKey(k))) hit = k
        return hit !== undefined
      })
      if (r === "too-deep") return Policy.fail("payload.data is nested too deeply to check for PII fields")
      if (hit !== undefined) return Policy.fail(`Contractors cannot write PII field ${show(hit)}`)
    }
    const sql = readField(ctx.payload, "sql")
    if (sql._tag === "Invalid") return Policy.fail(sql.reason)
    if (sql._tag === "Present") {
      if (typeof sql.value !== "string") return Policy.fail(`payload.sql must be a string, got ${describeType(sql.value)}`)
      const problem = sqlPii(sql.value, pii)
      if (problem !== undefined) return Policy.fail(`Contractors cannot write PII: ${problem}`)
    }
    return Policy.pass("Contractor is not writing any PII field")
  })
}

// ---------------------------------------------------------------------------------------------------
// Sensitive tables and paths

/** Options for `dontReadSensitiveTables`. */
export interface SensitiveTablesOptions {
  /** The session's search_path, to resolve unqualified names; by default they may be in any schema. */
  readonly searchPath?: ReadonlyArray<string>
}

/**
 * Blocks reading listed tables, in `payload.table`, anywhere in `payload.sql`, or in SQL that
 * `payload.command` sends to a database client (names fold like PostgreSQL's):
 * `dontReadSensitiveTables(["salaries", "hr.reviews"])`.
 */
export const dontReadSensitiveTables = (
  tables: ReadonlyArray<string>,
  options: SensitiveTablesOptions = {}
): Policy.Policy => {
  const matcher = Sql.makeMatcher(tables, options.searchPath)
  return Policy.make("dont_read_sensitive_tables", (ctx) => {
    if (matcher.errors.length > 0) {
      return Policy.fail(`dont_read_sensitive_tables is misconfigured: ${matcher.errors.join("; ")}`)
    }
    const found = ClientSql.findTableAnywhere(ctx.payload, matcher)
    if (found === undefined) return Policy.pass("No sensitive table is referenced")
    if (found._tag === "Fail") return Policy.fail(found.reason)
    return Policy.fail(`Table ${show(found.table)} in ${found.where} is sensitive: read access is not permitted`)
  })
}

/** Options for the sensitive-path policies. */
export interface SensitivePathOptions {
  /** The directory relative paths are resolved against (default `/`). */
  readonly cwd?: string
  /** Exact POSIX case matching (default false: `/ETC/passwd` counts as under `/etc`). */
  readonly caseSensitive?: boolean
}

/** The first path in the payload under one of `dirs`: a failure reason, the hit, or undefined. */
const sensitiveHit = (
  payload: unknown,
  cwd: string,
  dirs: ReadonlyArray<string>,
  caseSensitive: boolean
): { readonly _tag: "Fail"; readonly reason: string } | { readonly _tag: "Hit"; readonly raw: string; readonly dir: string } | undefined => {
  const paths = Paths.readPaths(payload)
  if (paths._tag === "Invalid") return { _tag: "Fail", reason: paths.reason }
  if (paths._tag === "Absent") return undefined
  for (const raw of paths.value) {
    const hit = Paths.firstWithin(Paths.readings(raw, cwd), dirs, caseSensitive)
    if (hit !== undefined) return { _tag: "Hit", raw, dir: hit.dir }
  }
  return undefined
}

/**
 * Blocks paths under listed directories, after resolving `..`, `.` and repeated slashes, component-wise
 * (`/etchosts` is not under `/etc`): `dontReadSensitivePaths(["/etc", "/var/secrets"])`.
 */
export const dontReadSensitivePaths = (
  paths: ReadonlyArray<string>,
  options: SensitivePathOptions = {}
): Policy.Policy => {
  const cwd = Paths.normalizeCwd(options.cwd)
  const caseSensitive = options.caseSensitive ?? false
  const dirs = Paths.normalizeDirs(paths, "/", caseSensitive)
  return Policy.make("dont_read_sensitive_paths", (ctx) => {
    const hit = sensitiveHit(ctx.payload, cwd, dirs, caseSensitive)
    if (hit === undefined) return Policy.pass("No path is under a sensitive directory")
    if (hit._tag === "Fail") return Policy.fail(hit.reason)
    return Policy.fail(`Path ${show(hit.raw)} is under sensitive directory ${show(hit.dir)}: read access is not permitted`)
  })
}

/** Reads the vouched clearance: `userAttributes.clearance`, else `clearance_level`; missing means 0. */
const clearanceOf = (attributes: unknown): Read<number> => {
  for (const key of ["clearance", "clearance_level"]) {
    const v = readField(attributes, key, `userAttributes.${key}`)
    if (v._tag === "Invalid") return v
    if (v._tag === "Present") {
      return typeof v.value === "number" && Number.isFinite(v.value)
        ? { _tag: "Present", value: v.value }
        : { _tag: "Invalid", reason: `userAttributes.${key} must be a number, got ${describeType(v.value)}` }
    }
  }
  return { _tag: "Present", value: 0 }
}

/**
 * Requires `userAttributes.clearance` ≥ `minClearance` for paths under the listed directories (resolved
 * like `dontReadSensitivePaths`): `requireClearanceForPath(["/data/restricted"], 3)`.
 */
export const requireClearanceForPath = (
  paths: ReadonlyArray<string>,
  minClearance: number,
  options: SensitivePathOptions = {}
): Policy.Policy => {
  const cwd = Paths.normalizeCwd(options.cwd)
  const caseSensitive = options.caseSensitive ?? false
  const dirs = Paths.normalizeDirs(paths, "/", caseSensitive)
  return Policy.make("require_clearance_for_path", (ctx) => {
    const hit = sensitiveHit(ctx.payload, cwd, dirs, caseSensitive)
    if (hit === undefined) return Policy.pass("No path requires elevated clearance")
    if (hit._tag === "Fail") return Policy.fail(hit.reason)
    const clearance = clearanceOf(ctx.userAttributes)
    if (clearance._tag !== "Present") return Policy.fail(clearance._tag === "Invalid" ? clearance.reason : "No clearance")
    return clearance.value >= minClearance
      ? Policy.pass(`Clearance level ${clearance.value} meets requirement of ${minClearance} for ${show(hit.raw)}`)
      : Policy.fail(`Clearance level ${clearance.value} insufficient for path ${show(hit.raw)} (requires ${minClearance})`)
  })
}
