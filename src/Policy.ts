/**
 * Policies: deterministic checks that run before anything executes. A policy is a plain function of the
 * context returning a `PolicyResult`, or an Effect when it must read a system. The gate runs every
 * policy in registration order and never bails early; a policy that throws, fails, dies or returns
 * something that is not a result counts as a failed check (fail closed).
 *
 * @example
 * ```ts
 * import { Policy } from "./mod.ts"
 * const noMain = Policy.make("dont_push_to_main", (ctx) => {
 *   const branch = String((ctx.payload as { branch?: unknown }).branch ?? "")
 *   return Policy.check(!["main", "master"].includes(branch.toLowerCase()), "Branch is not main/master", `Direct push to '${branch}' is blocked`)
 * })
 * ```
 * @module
 */
import { Cause, Effect, Exit } from "effect"
import type { PolicyResult } from "./Model.ts"
import type { PolicyContext } from "./WorkflowContext.ts"

/** What a check returns: a verdict and its reason (the gate adds the policy name). */
export interface Verdict {
  readonly passed: boolean
  readonly reason: string
  readonly redact?: ReadonlyArray<string> | undefined
}

/** A policy check: synchronous, or an Effect for checks that read systems. */
export type Check = (ctx: PolicyContext) => Verdict | Effect.Effect<Verdict, unknown>

/** A named policy. `shadow` policies are recorded but never change the decision. */
export interface Policy {
  readonly name: string
  readonly shadow: boolean
  readonly check: Check
}

/** Builds a policy. `name` is what receipts show (snake_case, e.g. `dont_push_to_main`). */
export const make = (name: string, check: Check): Policy => ({ name, shadow: false, check })

/** Registers a policy in log-only mode: it runs and is recorded, marked `shadow`, but never blocks. */
export const shadow = (policy: Policy): Policy => ({ ...policy, shadow: true })

/** Builds a verdict from a condition. */
export const check = (passed: boolean, passReason: string, failReason: string): Verdict => ({
  passed,
  reason: passed ? passReason : failReason
})

/** Passes with a reason. */
export const pass = (reason: string): Verdict => ({ passed: true, reason })

/** Fails with a reason. */
export const fail = (reason: string): Verdict => ({ passed: false, reason })

const describe = (u: unknown): string => {
  if (u instanceof Error) return u.message || u.name
  if (typeof u === "string") return u
  try {
    return JSON.stringify(u) ?? String(u)
  } catch {
    return String(u)
  }
}

const isVerdict = (u: unknown): u is Verdict =>
  typeof u === "object" && u !== null && typeof (u as Verdict).passed === "boolean" &&
  typeof (u as Verdict).reason === "string"

const toResult = (policy: Policy, verdict: unknown): PolicyResult => {
  const base = isVerdict(verdict)
    ? { policy: policy.name, passed: verdict.passed, reason: verdict.reason }
    : { policy: policy.name, passed: false, reason: `Policy returned an invalid result: ${describe(verdict)}` }
  return policy.shadow ? { ...base, shadow: true } : base
}

const crashed = (policy: Policy, what: string): PolicyResult => {
  const base = { policy: policy.name, passed: false, reason: `Policy failed to evaluate (fail closed): ${what}` }
  return policy.shadow ? { ...base, shadow: true } : base
}

/**
 * Runs every policy, in order, and returns all results. Never fails: errors become failed results.
 * Synchronous policies run without entering the Effect runtime.
 */
export const evaluate = (
  policies: ReadonlyArray<Policy>,
  ctx: PolicyContext
): Effect.Effect<ReadonlyArray<PolicyResult>> => {
  const results: Array<PolicyResult> = []
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i]!
    let out: ReturnType<Check>
    try {
      out = policy.check(ctx)
    } catch (e) {
      results.push(crashed(policy, describe(e)))
      continue
    }
    if (Effect.isEffect(out)) return evaluateRest(policies, ctx, results, i, out)
    results.push(toResult(policy, out))
  }
  return Effect.succeed(results)
}

const evaluateRest = (
  policies: ReadonlyArray<Policy>,
  ctx: PolicyContext,
  results: Array<PolicyResult>,
  from: number,
  first: Effect.Effect<Verdict, unknown>
): Effect.Effect<ReadonlyArray<PolicyResult>> =>
  Effect.gen(function*() {
    for (let i = from; i < policies.length; i++) {
      const policy = policies[i]!
      let out: ReturnType<Check>
      if (i === from) out = first
      else {
        try {
          out = policy.check(ctx)
        } catch (e) {
          results.push(crashed(policy, describe(e)))
          continue
        }
      }
      if (!Effect.isEffect(out)) {
        results.push(toResult(policy, out))
        continue
      }
      const exit = yield* Effect.exit(out)
      results.push(
        Exit.isSuccess(exit) ? toResult(policy, exit.value) : crashed(policy, describe(Cause.squash(exit.cause)))
      )
    }
    return results
  })

/** True when no enforced (non-shadow) policy failed. */
export const allPassed = (results: ReadonlyArray<PolicyResult>): boolean => {
  for (const r of results) if (!r.passed && r.shadow !== true) return false
  return true
}

/** The reason of the first enforced failure, for the receipt's `reason`. */
export const blockReason = (results: ReadonlyArray<PolicyResult>): string =>
  results.filter((r) => !r.passed && r.shadow !== true).map((r) => `${r.policy}: ${r.reason}`).join("; ")
