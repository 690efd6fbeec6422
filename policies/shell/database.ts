/**
 * Shell-guard policies for SQL sent through database clients (`psql -c`, `mysql -e`, heredocs, `echo … |
 * psql`): dropping whole databases, unbounded PII selects, and dropping a table renamed from a protected
 * one earlier in the session (with the per-session state it needs).
 *
 * @example
 * ```ts
 * import { blockRenameThenDrop, memorySessionState } from "./database.ts"
 * const policy = blockRenameThenDrop({ state: memorySessionState() })
 * // in one session: "psql -c 'ALTER TABLE users RENAME TO users_old'" passes, then "psql -c 'DROP TABLE users_old'" blocks
 * ```
 * @module
 */
import { Effect } from "effect"
import * as Policy from "../../src/Policy.ts"
import * as ClientSql from "../sql/clients.ts"
import { describeType, readField, readString } from "../_payload.ts"
import * as Sql from "../sql/parse.ts"
import * as Sh from "./model.ts"
import { UNKNOWN } from "./model.ts"
import { type Allow, eachCommand, NO_ALLOW, scriptOf } from "./policy.ts"

const SQL_CLIENTS = new Set(["psql", "mysql", "mariadb", "sqlite3", "sqlite", "duckdb", "clickhouse-client", "clickhouse", "cockroach", "usql", "mongosh", "mongo", "redis-cli"])

const NO_SQL: ReadonlyArray<string> = []
/** The SQL a command sends to a database client (`SQL_CLIENTS` must name every client `sqlTexts` reads). */
const sqlOf = (c: Sh.Command): ReadonlyArray<string> => (SQL_CLIENTS.has(c.name) ? ClientSql.sqlTexts(c) : NO_SQL)

/** Makes `block_drop_database` with allowances. */
export const makeBlockDropDatabase = (allow: Allow = NO_ALLOW): Policy.Policy =>
  eachCommand("block_drop_database", "No database drop in the command", (c) => {
    const what = ClientSql.dropsDatabase(c)
    if (what !== undefined) return `${Sh.shown(c)} ${what}`
    if (sqlOf(c).some((sql) => sql.includes(UNKNOWN))) return `${Sh.shown(c)} sends SQL that is not known until it runs, which could drop a database`
    return undefined
  }, allow)

/**
 * Blocks dropping whole databases: `DROP DATABASE` / `DROP SCHEMA` sent through `psql -c`, `mysql -e`, a
 * heredoc or `echo … | psql` (comments and string contents cannot hide or fake it), SQL not known until it runs, `dropdb`,
 * `mysqladmin drop`, `redis-cli FLUSHALL`, Mongo `dropDatabase()`, `rails db:drop`, `artisan db:wipe`…:
 * `blockDropDatabase`.
 */
export const blockDropDatabase: Policy.Policy = makeBlockDropDatabase()

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
export const blockUnboundedPiiSelect = (options: PiiSelectOptions = {}, allow: Allow = NO_ALLOW): Policy.Policy => {
  const check = ClientSql.piiSelectChecker(options)
  return eachCommand("block_unbounded_pii_select", "No unbounded PII select in the command", (c) => {
    for (const sql of sqlOf(c)) {
      const problem = check(sql)
      if (problem !== undefined) return `${Sh.shown(c)} selects ${problem} with no WHERE or LIMIT: bulk PII reads need review`
    }
    return undefined
  }, allow)
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
      for (const c of script.commands) texts.push(...sqlOf(c))
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
