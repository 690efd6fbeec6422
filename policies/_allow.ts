/**
 * Escape hatches for the policy sets (private): `allowing` wraps a policy so that a form it blocks passes
 * when the payload matches something the user allowed in configuration. The pass says
 * "allowed by configuration: …" and keeps the blocked reason after it, so the receipt records both the
 * exemption and what it let through; secrets the policy found stay in `redact`.
 *
 * @example
 * ```ts
 * import { allowing } from "./_allow.ts"
 * import * as Url from "./url.ts"
 * const https = allowing(Url.requireHttps, (ctx) => (ctx.workflow === "local-dev" ? "workflow 'local-dev' may use http" : undefined))
 * // { url: "http://localhost:3000/" } in workflow "local-dev" passes:
 * // "allowed by configuration: workflow 'local-dev' may use http (otherwise: URL uses 'http:' instead of https)"
 * ```
 * @module
 */
import { Effect } from "effect"
import * as Policy from "../src/Policy.ts"
import type { PolicyContext } from "../src/WorkflowContext.ts"

const exempted = (v: Policy.Verdict, why: string | undefined): Policy.Verdict => {
  if (v.passed || why === undefined) return v
  const pass = Policy.pass(`allowed by configuration: ${why} (otherwise: ${v.reason})`)
  return v.redact === undefined ? pass : { ...pass, redact: v.redact }
}

/**
 * Wraps `policy` (same name, same shadow flag): when it blocks and `exempt` names a configured exemption
 * that covers the payload, the verdict becomes a pass that says so. `exempt` runs only on a block.
 */
export const allowing = (policy: Policy.Policy, exempt: (ctx: PolicyContext) => string | undefined): Policy.Policy => ({
  ...policy,
  check: (ctx) => {
    const v = policy.check(ctx)
    return Effect.isEffect(v) ? Effect.map(v, (x) => exempted(x, x.passed ? undefined : exempt(ctx))) : exempted(v, v.passed ? undefined : exempt(ctx))
  }
})
