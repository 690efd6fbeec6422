/**
 * Slack policies (payload: `channel`). A channel may be given as an id (`C0123ABCD`), a name
 * (`general`, `#general`), a user target (`@alice`, `U0123ABCD`) or Slack's link syntax
 * (`<#C0123ABCD|general>`, `<@U0123ABCD>`). Both policies pass when the payload has no channel; a
 * channel that is not a string, or is empty, blocks.
 *
 * @example
 * ```ts
 * import * as Slack from "./slack.ts"
 * const policies = [Slack.blockDms, Slack.requireChannelAllowlist(["#deploys", "C0123ABCD"])]
 * ```
 * @module
 */
import * as Policy from "../src/Policy.ts"
import * as Payload from "./_payload.ts"

/** What a channel string addresses. */
interface Target {
  /** Canonical form: ids uppercase, names lowercase without `#`, users as `@name`. */
  readonly key: string
  /** Why it is a direct message, or `undefined` when it is a channel. */
  readonly dm: string | undefined
}

/** A Slack id: a type letter, then 8+ uppercase letters and digits, at least one a digit. */
const ID = /^[A-Z](?=[A-Z0-9]*[0-9])[A-Z0-9]{8,}$/
const LINK = /^<([#@])?([^|>]*)(?:\|[^>]*)?>$/

const DM_KINDS: Readonly<Record<string, string>> = {
  D: "a direct-message channel",
  G: "a group direct message (or legacy private group)",
  U: "a user id (Slack opens a DM)",
  W: "an Enterprise Grid user id (Slack opens a DM)"
}

/** Parses a channel string. Lowercase ids are treated as ids, so `d0123abcd` is still a DM. */
const targetOf = (raw: string): Target | undefined => {
  let s = raw.trim()
  let sigil = ""
  const link = LINK.exec(s)
  if (link !== null) {
    sigil = link[1] ?? ""
    s = link[2]!.trim()
  }
  if (s.startsWith("@") || s.startsWith("#")) {
    if (sigil === "") sigil = s[0]!
    s = s.slice(1).trim()
  }
  if (s === "") return undefined
  const upper = s.toUpperCase()
  if (ID.test(upper)) return { key: upper, dm: DM_KINDS[upper[0]!] ?? (sigil === "@" ? "a user" : undefined) }
  const name = s.toLowerCase()
  if (sigil === "@") return { key: `@${name}`, dm: "a user (Slack opens a DM)" }
  if (name.startsWith("mpdm-")) return { key: name, dm: "a group direct message" }
  return { key: name, dm: undefined }
}

/**
 * The canonical key of a channel string (ids upper-case, names lower-case without `#`, users as `@name`),
 * as the policies compare channels; undefined for an empty one.
 */
export const channelKey = (raw: string): string | undefined => targetOf(raw)?.key

/** Reads and parses `payload.channel`: absent, a target, or a failing verdict. */
const channelOf = (payload: unknown): Target | undefined | Policy.Verdict => {
  const raw = Payload.string(payload, "channel")
  if (raw === undefined || typeof raw !== "string") return raw
  return targetOf(raw) ?? Policy.fail(`Slack channel ${Payload.show(raw)} is empty`)
}

const isTarget = (u: Target | Policy.Verdict): u is Target => "key" in u

const NO_CHANNEL = Policy.pass("No Slack channel in the payload")

/**
 * Blocks messages to direct messages: DM channels (`D…`), user ids (`U…`, `W…`), `@name` targets and
 * group DMs (`G…`, `mpdm-…`).
 *
 * @example
 * ```ts
 * import { blockDms } from "./slack.ts"
 * const policies = [blockDms] // { channel: "G0123ABCD" } and { channel: "@alice" } block; { channel: "#general" } passes
 * ```
 */
export const blockDms: Policy.Policy = Policy.make("block_dms", (ctx) => {
  const target = channelOf(ctx.payload)
  if (target === undefined) return NO_CHANNEL
  if (!isTarget(target)) return target
  return target.dm === undefined
    ? Policy.pass(`Slack channel '${target.key}' is not a direct message`)
    : Policy.fail(`Slack channel '${target.key}' is ${target.dm}; direct messages are blocked`)
})

/**
 * Allows messages only to the listed channels, by id or name (`#general`, `general` and
 * `<#C0123ABCD|general>` forms compare equal to their id or name). An empty list allows nothing.
 *
 * @example
 * ```ts
 * import { requireChannelAllowlist } from "./slack.ts"
 * const policies = [requireChannelAllowlist(["#deploys", "C0123ABCD"])] // { channel: "deploys" } passes, { channel: "#random" } blocks
 * ```
 */
export const requireChannelAllowlist = (channels: ReadonlyArray<string>): Policy.Policy => {
  const allowed = new Set<string>()
  for (const c of channels) {
    const target = typeof c === "string" ? targetOf(c) : undefined
    if (target === undefined) {
      throw new TypeError(`Cannot build require_channel_allowlist: ${JSON.stringify(c)} is not a channel id or name`)
    }
    allowed.add(target.key)
  }
  const list = [...allowed].join(", ")
  return Policy.make("require_channel_allowlist", (ctx) => {
    const target = channelOf(ctx.payload)
    if (target === undefined) return NO_CHANNEL
    if (!isTarget(target)) return target
    if (allowed.has(target.key)) return Policy.pass(`Slack channel '${target.key}' is on the allowlist`)
    return Policy.fail(
      allowed.size === 0
        ? `Slack channel '${target.key}' is not allowed: the channel allowlist is empty`
        : `Slack channel '${target.key}' is not on the allowlist (${list})`
    )
  })
}
