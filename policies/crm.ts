/**
 * CRM policies (payload: `email`, `contact_id`). Both read real state — the CRM through `ctx.read`, or
 * the verified receipts of past runs through `ctx.history` — never a count or a flag the agent supplies,
 * and both block when that state cannot be read.
 * Each passes when the payload lacks the field it guards.
 *
 * @example
 * ```ts
 * import * as Crm from "./crm.ts"
 * const policies = [
 *   Crm.dontDuplicateContacts({ system: "crm", action: "find_contact" }),
 *   Crm.limitTasksPerContact({ max: 3, window: "7 days" })
 * ]
 * ```
 * @module
 */
import { Duration, Effect } from "effect"
import type { ActionResult, Json, Receipt } from "../src/Model.ts"
import * as Policy from "../src/Policy.ts"
import type { PolicyContext } from "../src/WorkflowContext.ts"
import * as Payload from "./_payload.ts"

const describeError = (e: unknown): string =>
  e instanceof Error ? e.message : typeof e === "string" ? e : Payload.describeType(e)

/**
 * How `dontDuplicateContacts` asks the CRM whether a contact exists. Either a function, or a read-only
 * action of a connector registered in `systems`, run through `ctx.read` (so it must be on that
 * instance's allowlist, and the read is recorded in the receipt), called with `args(email)` (default `{ email }`);
 * `exists(output)` reads its output (default: `output.found` when it is a boolean, else any non-empty
 * output — a non-empty array or object, a non-empty string, a number, `true` — means it exists).
 */
export type ContactLookup =
  | { readonly lookup: (email: string) => Effect.Effect<boolean, unknown> }
  | {
    readonly system: string
    readonly action: string
    readonly args?: (email: string) => Json
    readonly exists?: (output: Json) => boolean
  }

const defaultExists = (output: Json): boolean => {
  if (output === null || output === false || output === "") return false
  if (Array.isArray(output)) return output.length > 0
  if (typeof output === "object") {
    const found = (output as { readonly found?: unknown }).found
    return typeof found === "boolean" ? found : Object.keys(output).length > 0
  }
  return true
}

/** Runs the connector's read action through `ctx.read` (allowlisted, read-only, recorded). */
const viaConnector = (
  ctx: PolicyContext,
  options: Extract<ContactLookup, { readonly system: string }>,
  email: string
): Effect.Effect<boolean, unknown> => {
  const exists = options.exists ?? defaultExists
  return Effect.suspend(() =>
    ctx.read(options.system, { action: options.action, args: options.args === undefined ? { email } : options.args(email) })
  ).pipe(Effect.map(exists))
}

const EMAIL = /^[^\s@]+@[^\s@]+$/

/**
 * Blocks creating a contact whose email (trimmed, case-insensitive) the CRM already has. The CRM is
 * asked through `lookup`, or through `ctx.read` on a read-only connector action the instance allows
 * (never a mutating one); a lookup that fails, or a system or action that is missing, blocks.
 *
 * @example
 * ```ts
 * import { dontDuplicateContacts } from "./crm.ts"
 * // { email: "Ann@Co.com" } blocks when the CRM's find_contact_by_email finds ann@co.com
 * const policy = dontDuplicateContacts({ system: "crm", action: "find_contact_by_email" })
 * ```
 */
export const dontDuplicateContacts = (options: ContactLookup): Policy.Policy => {
  if ("lookup" in options ? typeof options.lookup !== "function" : typeof options.system !== "string" || typeof options.action !== "string") {
    throw new TypeError("Cannot build dont_duplicate_contacts: give either a lookup function or a system and a read action")
  }
  return Policy.make("dont_duplicate_contacts", (ctx) => {
    const raw = Payload.string(ctx.payload, "email")
    if (raw === undefined) return Policy.pass("No contact email in the payload")
    if (typeof raw !== "string") return raw
    const email = raw.trim().toLowerCase()
    if (!EMAIL.test(email)) return Policy.fail(`Contact email ${Payload.show(raw)} is not an email address`)
    const found = "lookup" in options ? Effect.suspend(() => options.lookup(email)) : viaConnector(ctx, options, email)
    return found.pipe(
      Effect.map((exists) =>
        exists === true
          ? Policy.fail(`The CRM already has a contact with email '${email}'`)
          : exists === false
          ? Policy.pass(`The CRM has no contact with email '${email}'`)
          : Policy.fail(`The contact lookup for '${email}' returned ${Payload.describeType(exists)}, not a boolean`)
      ),
      Effect.catch((e) => Effect.succeed(Policy.fail(`Cannot check the CRM for a contact with email '${email}': ${describeError(e)}`)))
    )
  })
}

/** Options of `limitTasksPerContact`. */
export interface LimitTasksOptions {
  /** Tasks allowed per contact inside the window (default 3): the run that would create one more blocks. */
  readonly max?: number
  /** How far back created tasks count (default 7 days). */
  readonly window?: Duration.Input
  /** Names of the actions that create a task (default `["create_task"]`). */
  readonly actions?: ReadonlyArray<string>
}

const contactKey = (value: unknown): string | undefined =>
  typeof value === "string" && value.trim() !== ""
    ? value.trim()
    : typeof value === "number" && Number.isFinite(value)
    ? String(value)
    : undefined

/**
 * The contact a recorded task creation was for: the action's output (`contact_id` or `contactId`),
 * else its rollback arguments, else the run's payload (`contact_id`).
 */
const contactOfTask = (action: ActionResult, receipt: Receipt): string | undefined => {
  for (const source of [action.output, action.rollback_data?.args]) {
    const id = contactKey(Payload.get(source, "contact_id")) ?? contactKey(Payload.get(source, "contactId"))
    if (id !== undefined) return id
  }
  return contactKey(Payload.get(receipt.payload, "contact_id"))
}

/**
 * Blocks a run for a contact (`payload.contact_id`) that already has `max` tasks created in the window,
 * counting the successful task-creating actions recorded in receipts (an action that was already done
 * creates nothing), read through `ctx.history` so only receipts whose signature verifies count. Any count
 * the payload carries is ignored. A store that fails blocks.
 *
 * @example
 * ```ts
 * import { limitTasksPerContact } from "./crm.ts"
 * const policy = limitTasksPerContact({ max: 3, window: "7 days" }) // the 4th create_task for contact "c_1" in a week blocks
 * ```
 */
export const limitTasksPerContact = (options: LimitTasksOptions = {}): Policy.Policy => {
  const max = options.max ?? 3
  if (!Number.isInteger(max) || max < 0) {
    throw new TypeError(`Cannot build limit_tasks_per_contact: max must be a non-negative integer, got ${String(max)}`)
  }
  const window = options.window ?? "7 days"
  const ms = Payload.windowMillis("limit_tasks_per_contact", window)
  const label = typeof window === "string" ? window : Duration.format(Duration.millis(ms))
  const actions = new Set(options.actions ?? ["create_task"])
  return Policy.make("limit_tasks_per_contact", (ctx) => {
    const raw = Payload.get(ctx.payload, "contact_id")
    if (raw === undefined) return Policy.pass("No contact id in the payload")
    const contact = contactKey(raw)
    if (contact === undefined) return Payload.wrongType("contact_id", "a non-empty string or a number", raw)
    const now = ctx.now.getTime()
    if (Number.isNaN(now)) return Policy.fail("The run has no valid start time, so the window cannot be checked")
    return ctx.history({ since: new Date(now - ms).toISOString() }).pipe(
      Effect.map((receipts) => {
        let count = 0
        for (const r of receipts) {
          if (r.run_id === ctx.runId) continue
          for (const a of r.actions_taken) {
            if (a.success && !a.already_done && actions.has(a.action) && contactOfTask(a, r) === contact) count++
          }
        }
        return count >= max
          ? Policy.fail(`Contact '${contact}' already has ${count} tasks created within ${label} (limit ${max})`)
          : Policy.pass(`Contact '${contact}' has ${count} tasks created within ${label} (limit ${max})`)
      }),
      Effect.catch((e) => Effect.succeed(Policy.fail(`Cannot count the tasks of contact '${contact}': the receipt store failed (${e.message})`)))
    )
  })
}
