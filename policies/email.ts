/**
 * Email policies (payload: `to`, `cc`, `bcc`, `subject`). Recipients may be a string — one address or
 * several separated by commas or semicolons, with display names, quotes and groups as RFC 5322 allows
 * — or an array of such strings; addresses compare case-insensitively. Both policies pass when the
 * payload names no recipient; a recipient field of another type blocks.
 *
 * @example
 * ```ts
 * import * as Email from "./email.ts"
 * const policies = [Email.noMassEmails, Email.noRepeatEmails({ window: "24 hours" })]
 * ```
 * @module
 */
import { Duration, Effect } from "effect"
import type { Receipt } from "../src/Model.ts"
import * as Policy from "../src/Policy.ts"
import * as Payload from "./_payload.ts"

const RECIPIENT_FIELDS = ["to", "cc", "bcc"] as const
/** Most characters of recipient text inspected across to, cc and bcc. */
const MAX_RECIPIENT_TEXT = 64 * 1024

const QUOTED = /"(?:[^"\\]|\\.)*"/g
const COMMENT = /\((?:[^()\\]|\\.)*\)/g
const ANGLE = /<([^<>]*)>/g
const GROUP_NAME = /^[^<@"]*:/
const MAILTO = /^mailto:/
/** One bare address: the common case, with nothing to split or strip. */
const SIMPLE = /^[^\s,;<>"()@:]+@[^\s,;<>"()@:]+$/

/** The addresses in one header-style string, lowercase; a name without `@` (a list alias) counts as one. */
const addressesIn = (text: string, into: Set<string>): void => {
  if (SIMPLE.test(text)) {
    into.add(text.toLowerCase())
    return
  }
  const cleaned = text.replace(QUOTED, " ").replace(COMMENT, " ")
  for (const rawPart of cleaned.split(/[,;]/)) {
    const part = rawPart.trim().replace(GROUP_NAME, "").trim()
    if (part === "") continue
    const angled = [...part.matchAll(ANGLE)].map((m) => m[1]!.trim()).filter((a) => a !== "")
    const tokens = angled.length > 0 ? angled : part.split(/\s+/).filter((t) => t.includes("@"))
    if (tokens.length === 0) into.add(part.toLowerCase())
    for (const t of tokens) into.add(t.toLowerCase().replace(MAILTO, ""))
  }
}

/** The distinct recipients across to/cc/bcc (lower-case), or a failing verdict naming the field of the wrong type. */
export const recipientsOf = (payload: unknown): ReadonlySet<string> | Policy.Verdict => {
  const all = new Set<string>()
  let size = 0
  for (const field of RECIPIENT_FIELDS) {
    const value = Payload.get(payload, field)
    if (value === undefined) continue
    size += typeof value === "string" ? value.length : Array.isArray(value) ? value.reduce((n: number, v) => n + (typeof v === "string" ? v.length : 1), 0) : 0
    if (size > MAX_RECIPIENT_TEXT) {
      return Policy.fail(`The recipient fields hold more than ${MAX_RECIPIENT_TEXT} characters, too many to inspect (fail closed)`)
    }
    if (typeof value === "string") addressesIn(value, all)
    else if (Array.isArray(value)) {
      for (const item of value) {
        if (typeof item !== "string") return Payload.wrongType(field, "a string or an array of strings", value)
        addressesIn(item, all)
      }
    } else return Payload.wrongType(field, "a string or an array of strings", value)
  }
  return all
}

const isVerdict = (u: ReadonlySet<string> | Policy.Verdict): u is Policy.Verdict => !(u instanceof Set)

const listed = (addresses: Iterable<string>, max = 3): string => {
  const all = [...addresses]
  const shown = all.slice(0, max).join(", ")
  return all.length > max ? `${shown} and ${all.length - max} more` : shown
}

/**
 * Blocks emails addressed to more than one distinct recipient across to, cc and bcc
 * (`"a@x.com, b@x.com"` counts two).
 *
 * @example
 * ```ts
 * import { noMassEmails } from "./email.ts"
 * const policies = [noMassEmails] // { to: "a@co.com", cc: ["b@co.com"] } blocks; { to: "a@co.com" } passes
 * ```
 */
export const noMassEmails: Policy.Policy = Policy.make("no_mass_emails", (ctx) => {
  const recipients = recipientsOf(ctx.payload)
  if (isVerdict(recipients)) return recipients
  if (recipients.size === 0) return Policy.pass("No recipients in the payload")
  if (recipients.size === 1) return Policy.pass(`Email has a single recipient (${listed(recipients)})`)
  return Policy.fail(`Email has ${recipients.size} recipients (${listed(recipients)}); at most one is allowed`)
})

/** Subjects compare trimmed, case-insensitively, with runs of whitespace as one space. */
const subjectKey = (subject: string): string => subject.trim().replace(/\s+/g, " ").toLowerCase()

/** True when a receipt shows the email went out: a PASS, or a PARTIAL run in which an action succeeded. */
const delivered = (r: Receipt): boolean =>
  r.decision === "PASS" || (r.decision === "PARTIAL" && r.actions_taken.some((a) => a.success))

/** Options of `noRepeatEmails`. */
export interface NoRepeatEmailsOptions {
  /** How far back a previous email counts (default 24 hours). */
  readonly window?: Duration.Input
  /** Only receipts of these workflows count (default: every workflow). */
  readonly workflows?: ReadonlyArray<string>
}

/**
 * Blocks an email when one with the same subject (case-insensitive) already went to any of its
 * recipients inside the window, read from the receipts of earlier runs through `ctx.history` — so it holds
 * across processes sharing a store, and only receipts whose signature verifies count (a forged receipt file
 * can neither cause nor hide a repeat). A store that fails blocks.
 *
 * @example
 * ```ts
 * import { noRepeatEmails } from "./email.ts"
 * // once { to: "a@co.com", subject: "Hi" } went out, the same email within 24 hours blocks
 * const policy = noRepeatEmails({ window: "24 hours" })
 * ```
 */
export const noRepeatEmails = (options: NoRepeatEmailsOptions = {}): Policy.Policy => {
  const window = options.window ?? "24 hours"
  const ms = Payload.windowMillis("no_repeat_emails", window)
  const label = typeof window === "string" ? window : Duration.format(Duration.millis(ms))
  const workflows = options.workflows === undefined ? undefined : new Set(options.workflows)
  return Policy.make("no_repeat_emails", (ctx) => {
    const recipients = recipientsOf(ctx.payload)
    if (isVerdict(recipients)) return recipients
    if (recipients.size === 0) return Policy.pass("No recipients in the payload")
    const subject = Payload.string(ctx.payload, "subject")
    if (typeof subject === "object") return subject
    const key = subjectKey(subject ?? "")
    const now = ctx.now.getTime()
    if (Number.isNaN(now)) return Policy.fail("The run has no valid start time, so the window cannot be checked")
    return ctx.history({ since: new Date(now - ms).toISOString() }).pipe(
      Effect.map((receipts) => {
        for (const r of receipts) {
          if (r.run_id === ctx.runId || !delivered(r) || (workflows !== undefined && !workflows.has(r.workflow))) continue
          const before = Payload.string(r.payload, "subject")
          if (typeof before === "object" || subjectKey(before ?? "") !== key) continue
          const previous = recipientsOf(r.payload)
          if (isVerdict(previous)) continue
          const repeated = [...recipients].filter((a) => previous.has(a))
          if (repeated.length > 0) {
            return Policy.fail(
              `An email with subject ${Payload.show(subject ?? "")} already went to ${listed(repeated)} at ${r.timestamp} (run ${r.run_id}), within ${label}`
            )
          }
        }
        return Policy.pass(`No email with this subject went to ${listed(recipients)} within ${label}`)
      }),
      Effect.catch((e) => Effect.succeed(Policy.fail(`Cannot check earlier emails: the receipt store failed (${e.message})`)))
    )
  })
}
