/**
 * Messages and cancellations (private): commands that send email, Slack, SMS or chat messages (mailers,
 * `curl` to messaging APIs, `aws ses`/`sns`), how many recipients one holds, and Stripe subscription
 * cancellations.
 *
 * @example
 * ```ts
 * import { messageSend } from "./messages.ts"
 * import { parse } from "./parse.ts"
 * const [mail] = parse("mail -s hi a@x.io b@x.io c@x.io").commands
 * if (mail !== undefined) messageSend(mail) // { kind: "email", bulk: "emails 3 recipients at once" }
 * ```
 * @module
 */
import { type Command, hasOption, optionValues, positionals } from "./model.ts"

const set = (s: string): ReadonlySet<string> => new Set(s.split(" "))

const MAILERS = set("mail mailx s-nail sendmail mutt neomutt msmtp ssmtp swaks")
const FROM_OPTIONS = set("-r -f -F --from --source --from-email-address --sender")
const EMAIL = /^[^@\s,;<>"'()]+@[^@\s,;<>"'()]+\.[a-z]{2,}$/i
const HTTP_CLIENTS = set("curl wget http https xh")
const MESSAGING_URL = new RegExp(
  [
    "slack\\.com/api/chat\\.(?:postmessage|postephemeral|schedulemessage|memessage)", "hooks\\.slack\\.com/",
    "api\\.sendgrid\\.com/v3/mail/send", "api\\.mailgun\\.net/v3/[^/]+/messages", "api\\.postmarkapp\\.com/email",
    "api\\.resend\\.com/emails", "api\\.sparkpost\\.com/api/v1/transmissions", "mandrillapp\\.com/api/[^/]+/messages/send",
    "api\\.twilio\\.com/[^/]+/accounts/[^/]+/messages", "graph\\.microsoft\\.com/[^/]+/(?:me|users/[^/]+)/sendmail",
    "gmail\\.googleapis\\.com/gmail/v1/users/[^/]+/messages/send", "api\\.telegram\\.org/bot[^/]*/sendmessage",
    "discord(?:app)?\\.com/api/(?:v\\d+/)?webhooks/", "api\\.(?:brevo|sendinblue)\\.com/v3/smtp/email"
  ].join("|"),
  "i"
)

/** The email addresses among a command's arguments, not counting sender options. */
const recipients = (a: ReadonlyArray<string>): ReadonlySet<string> => {
  const out = new Set<string>()
  for (let i = 0; i < a.length; i++) {
    const w = a[i]!
    if (FROM_OPTIONS.has(w)) {
      i++
      continue
    }
    if (/^--(?:from|source|sender|from-email-address)=/.test(w)) continue
    for (const part of w.split(/[,;=\s]+/)) if (EMAIL.test(part)) out.add(part.toLowerCase())
  }
  return out
}

/** A message-sending command: what it sends, and why it is bulk by itself (several recipients, a bulk API). */
export const messageSend = (c: Command): { readonly kind: string; readonly bulk: string | undefined } | undefined => {
  if (!SENDERS.has(c.name)) return undefined
  const a = c.args
  if (MAILERS.has(c.name)) {
    const to = recipients(a)
    return { kind: "email", bulk: to.size > 1 ? `emails ${to.size} recipients at once` : undefined }
  }
  if (HTTP_CLIENTS.has(c.name) && a.some((w) => MESSAGING_URL.test(w))) return { kind: "messages", bulk: undefined }
  if (c.name === "aws") {
    const p = positionals(a)
    const i = p.findIndex((w) => w === "ses" || w === "sesv2" || w === "sns")
    const op = p[i + 1] ?? ""
    if (i < 0) return undefined
    if (p[i] === "sns" && op === "publish") {
      return { kind: "notifications", bulk: hasOption(a, undefined, "topic-arn") ? "publishes to an SNS topic, which reaches every subscriber" : undefined }
    }
    if (op.startsWith("send-")) {
      const to = recipients(a)
      return {
        kind: "email",
        bulk: op.includes("bulk") ? `uses the bulk API ${op}` : to.size > 1 ? `emails ${to.size} recipients at once` : undefined
      }
    }
  }
  if (c.name === "slack" && (a.includes("send") || a.includes("chat"))) return { kind: "Slack messages", bulk: undefined }
  if (c.name === "twilio" && a.some((w) => w.startsWith("api:core:messages:create"))) return { kind: "SMS", bulk: undefined }
  return undefined
}

const SENDERS = new Set([...MAILERS, ...HTTP_CLIENTS, "aws", "slack", "twilio"])
const STRIPE_SUBSCRIPTION = /api\.stripe\.com\/v1\/subscriptions\/|^\/v1\/subscriptions\//i

/** For a Stripe subscription cancellation, how many subscription ids it names (0 when given by variable); else undefined. */
export const stripeCancel = (c: Command): number | undefined => {
  if (c.name !== "stripe" && !HTTP_CLIENTS.has(c.name)) return undefined
  const a = c.args
  const ids = a.filter((w) => /^sub_[A-Za-z0-9]+$/.test(w)).length
  if (c.name === "stripe") {
    const p = positionals(a)
    if (p[0] === "subscriptions" && (p[1] === "cancel" || p[1] === "delete")) return ids
    if (p[0] === "delete" && STRIPE_SUBSCRIPTION.test(p[1] ?? "")) return Math.max(ids, 1)
  }
  if (HTTP_CLIENTS.has(c.name) && a.some((w) => STRIPE_SUBSCRIPTION.test(w))) {
    const method = [...optionValues(a, "X", "request")].map((m) => m.toUpperCase())
    if (method.includes("DELETE") || c.name !== "curl" && a.includes("DELETE")) return Math.max(ids, 1)
  }
  return undefined
}
