/**
 * Shell-guard policies for bulk actions: messages sent in a loop or to many recipients, and Stripe
 * subscriptions cancelled in bulk.
 *
 * @example
 * ```ts
 * import { blockBulkMessaging } from "./bulk.ts"
 * // { command: "mail -s hi a@x.io b@x.io c@x.io" } blocks: "… emails 3 recipients at once: bulk messaging needs review"
 * const policies = [blockBulkMessaging]
 * ```
 * @module
 */
import type * as Policy from "../../src/Policy.ts"
import { messageSend, stripeCancel } from "./messages.ts"
import { shown } from "./model.ts"
import { type Allow, NO_ALLOW, shellPolicy } from "./policy.ts"

/** How many sends or cancellations one command may hold before it counts as bulk. */
const MAX_SENDS = 2

/** Makes `block_bulk_messaging` with allowances. */
export const makeBlockBulkMessaging = (allow: Allow = NO_ALLOW): Policy.Policy => shellPolicy("block_bulk_messaging", "The command sends no bulk messages", (commands) => {
  let sends = 0
  for (const c of commands) {
    const send = messageSend(c)
    if (send === undefined) continue
    sends++
    if (c.inLoop) return `${shown(c)} sends ${send.kind} in a loop${c.via === undefined ? "" : ` (via ${c.via})`}: bulk messaging needs review`
    if (send.bulk !== undefined) return `${shown(c)} ${send.bulk}: bulk messaging needs review`
  }
  return sends > MAX_SENDS ? `The command sends ${sends} messages: bulk messaging needs review` : undefined
}, allow)

/**
 * Blocks bulk messaging: Slack/email/SMS sends (`curl` to Slack, SendGrid, Mailgun, Twilio…; `mail`,
 * `sendmail`, `aws ses`, `aws sns publish --topic-arn`) inside a loop, `xargs` or `find -exec`, to more
 * than one recipient, through a bulk API, or more than two in one command: `blockBulkMessaging`.
 */
export const blockBulkMessaging: Policy.Policy = makeBlockBulkMessaging()

/** Makes `block_stripe_bulk_cancel` with allowances. */
export const makeBlockStripeBulkCancel = (allow: Allow = NO_ALLOW): Policy.Policy => shellPolicy("block_stripe_bulk_cancel", "The command cancels no Stripe subscriptions in bulk", (commands) => {
  let cancels = 0
  for (const c of commands) {
    const ids = stripeCancel(c)
    if (ids === undefined) continue
    cancels += Math.max(1, ids)
    if (c.inLoop) return `${shown(c)} cancels Stripe subscriptions in a loop${c.via === undefined ? "" : ` (via ${c.via})`}`
    if (ids > 1) return `${shown(c)} cancels ${ids} Stripe subscriptions at once`
  }
  return cancels > MAX_SENDS - 1 ? `The command cancels ${cancels} Stripe subscriptions` : undefined
}, allow)

/**
 * Blocks cancelling Stripe subscriptions in bulk: `stripe subscriptions cancel` or `DELETE
 * /v1/subscriptions/…` in a loop or through `xargs`, for several ids, or more than twice in one
 * command; a single cancellation passes: `blockStripeBulkCancel`.
 */
export const blockStripeBulkCancel: Policy.Policy = makeBlockStripeBulkCancel()
