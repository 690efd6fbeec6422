/**
 * Policies: deterministic checks that run before anything executes. A policy is a plain function of the
 * context returning a `PolicyResult`, or an Effect when it must read a system. The gate runs every
 * policy in registration order and never bails early; a policy that throws, fails, dies or returns
 * something that is not a result counts as a failed check (fail closed).
 *
 * @example
 * ```ts
 * import { Policy } from "../mod.ts"
 * const noMain = Policy.make("dont_push_to_main", (ctx) => {
 *   const branch = String((ctx.payload as { branch?: unknown }).branch ?? "")
 *   return Policy.check(!["main", "master"].includes(branch.toLowerCase()), "Branch is not main/master", `Direct push to '${branch}' is blocked`)
 * })
 * ```
 * @module
 */
import { Cause, Duration, Effect, Exit } from "effect"
import type { Context } from "effect"
import { awaitWhileProgressing, forkUntrusted, share } from "./run/_untrusted.ts"
import type { PolicyResult } from "./Model.ts"
import type { PolicyContext } from "./WorkflowContext.ts"

/**
 * What a check returns: a verdict and its reason (the gate adds the policy name). `redact` lists
 * sensitive strings the policy found in the request (a credential in the payload): the receipt stores
 * each one, in every encoding, as `[REDACTED:<fingerprint>]` instead.
 */
export interface Verdict {
  readonly passed: boolean
  readonly reason: string
  readonly redact?: ReadonlyArray<string> | undefined
}

/** A policy check: synchronous, or an Effect for checks that read systems through `ctx.read`/`ctx.history`. */
export type Check = (ctx: PolicyContext) => Verdict | Effect.Effect<Verdict, unknown>

/** A named policy. `shadow` policies are recorded but never change the decision. */
export interface Policy {
  readonly name: string
  readonly shadow: boolean
  readonly check: Check
}

/**
 * Declares a read-only service that policies may use from the caller's context (policies otherwise see
 * only the clock, configuration, randomness and tracing). Only for services that cannot act on anything.
 *
 * @example
 * ```ts
 * import { Context } from "effect"
 * import { Policy } from "../mod.ts"
 * const Holidays = Context.Reference<ReadonlyArray<string>>("my/Holidays", { defaultValue: () => [] })
 * Policy.shareService(Holidays)
 * ```
 */
export const shareService = <I, S>(key: Context.Key<I, S>): void => share(key)

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

/** Describes anything thrown or returned, without ever throwing itself (hostile values included). */
export const describe = (u: unknown): string => {
  try {
    if (u instanceof Error) return String(u.message) || String(u.name)
    if (typeof u === "string") return u
    const json = JSON.stringify(u)
    return json === undefined ? String(u) : json
  } catch {
    try {
      return Object.prototype.toString.call(u)
    } catch {
      return "an unreadable value"
    }
  }
}

const MAX_REASON = 4000

/** A verdict read exactly once, field by field; `undefined` when it is not one. */
const readVerdict = (u: unknown): { readonly verdict: Verdict } | { readonly invalid: string } => {
  try {
    if (typeof u !== "object" || u === null) {
      return { invalid: `Policy returned an invalid result: ${u === undefined ? "undefined" : describe(u)}, not a verdict` }
    }
    const passed: unknown = (u as Verdict).passed
    const reason: unknown = (u as Verdict).reason
    const redact: unknown = (u as Verdict).redact
    if (typeof passed !== "boolean" || typeof reason !== "string") {
      return { invalid: "Policy returned an invalid result: expected { passed: boolean, reason: string }" }
    }
    let found: Array<string> | undefined
    if (redact !== undefined) {
      if (!Array.isArray(redact)) return { invalid: "Policy returned an invalid result: `redact` is not a list of strings" }
      found = []
      for (let i = 0; i < redact.length; i++) {
        const s: unknown = redact[i]
        if (typeof s !== "string") return { invalid: "Policy returned an invalid result: `redact` is not a list of strings" }
        found.push(s)
      }
    }
    const text = reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON)}… (reason truncated)` : reason
    return { verdict: found === undefined ? { passed, reason: text } : { passed, reason: text, redact: found } }
  } catch (e) {
    return { invalid: `Policy returned a result that could not be read: ${describe(e)}` }
  }
}

/** What the gate decided: every policy's result, and the strings policies asked to redact. */
export interface Gate {
  readonly results: ReadonlyArray<PolicyResult>
  readonly redact: ReadonlyArray<string>
}

/** Hooks the engine uses to attribute reads to the policy making them, and the time each policy may take. */
export interface GateHooks {
  /** Called before each policy's check (and before its Effect runs). */
  readonly onPolicy?: (policy: Policy) => void
  /** How long one policy's Effect may run before it fails closed (default `DEFAULT_TIMEOUT`). */
  readonly timeout?: Duration.Input
}

/** How long one policy's Effect may run by default before it counts as failed: 10 seconds. */
export const DEFAULT_TIMEOUT: Duration.Duration = Duration.seconds(10)

const isEffect = (u: unknown): u is Effect.Effect<unknown, unknown> => {
  try {
    return Effect.isEffect(u)
  } catch {
    return false
  }
}

const isThenable = (u: unknown): boolean => {
  try {
    return typeof u === "object" && u !== null && typeof (u as { then?: unknown }).then === "function"
  } catch {
    return false
  }
}

/** What calling a check gave: a value (never inspected with `instanceof`, it may be a hostile Proxy) or a throw. */
type Started = { readonly threw: false; readonly value: unknown } | { readonly threw: true; readonly error: unknown }

/**
 * Runs every policy, in order, and returns all results with what to redact. Never fails: anything a
 * policy throws, fails or dies with, and anything it returns that is not a verdict (a Promise, a revoked
 * Proxy, a verdict whose fields throw when read, a malformed Effect) is a failed check. Synchronous
 * policies run without entering the Effect runtime; a policy's Effect runs in a child fiber that sees only
 * harmless services (clock, randomness, tracing), never the engine's or the application's.
 */
export const gate = (policies: ReadonlyArray<Policy>, ctx: PolicyContext, hooks: GateHooks = {}): Effect.Effect<Gate> => {
  const results: Array<PolicyResult> = []
  const redact: Array<string> = []
  const record = (policy: Policy, out: unknown): void => {
    if (isThenable(out)) {
      try {
        ;(out as Promise<unknown>).then(undefined, () => undefined) // never an unhandled rejection
      } catch {
        // a hostile thenable: nothing to await
      }
      results.push(result(policy, { passed: false, reason: "Policy returned an invalid result: a Promise; return a verdict, or an Effect for checks that wait" }))
      return
    }
    const read = readVerdict(out)
    if ("invalid" in read) {
      results.push(result(policy, { passed: false, reason: read.invalid }))
      return
    }
    if (read.verdict.redact !== undefined) redact.push(...read.verdict.redact)
    results.push(result(policy, read.verdict))
  }
  const start = (policy: Policy): Started => {
    hooks.onPolicy?.(policy)
    try {
      return { threw: false, value: policy.check(ctx) }
    } catch (error) {
      return { threw: true, error }
    }
  }
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i]!
    const out = start(policy)
    if (out.threw) {
      results.push(crashed(policy, describe(out.error)))
      continue
    }
    if (isEffect(out.value)) return gateRest(policies, i, out.value, start, record, results, redact, hooks)
    record(policy, out.value)
  }
  return Effect.succeed({ results, redact })
}

/**
 * The gate from the first policy that returned an Effect on: in one child fiber with the restricted
 * context. A malformed "Effect" that kills that fiber costs only its own policy (failed closed); the gate
 * goes on from the next one in a new fiber.
 */
const gateRest = (
  policies: ReadonlyArray<Policy>,
  from: number,
  first: Effect.Effect<unknown, unknown>,
  start: (policy: Policy) => Started,
  record: (policy: Policy, out: unknown) => void,
  results: Array<PolicyResult>,
  redact: Array<string>,
  hooks: GateHooks
): Effect.Effect<Gate> =>
  Effect.gen(function*() {
    const at = { index: from, generation: 0 }
    const budget = Duration.fromInputUnsafe(hooks.timeout ?? DEFAULT_TIMEOUT)
    const stretch = (begin: number, pending: Effect.Effect<unknown, unknown> | undefined, generation: number) =>
      Effect.gen(function*() {
        // A fiber given up on (timed out) records nothing more, whenever it gets on.
        const current = () => at.generation === generation
        for (let i = begin; i < policies.length && current(); i++) {
          at.index = i
          const policy = policies[i]!
          const out: Started = i === begin && pending !== undefined ? { threw: false, value: pending } : start(policy)
          if (!current()) return
          if (out.threw) {
            results.push(crashed(policy, describe(out.error)))
            continue
          }
          const value = out.value
          if (!isEffect(value)) {
            record(policy, value)
            continue
          }
          hooks.onPolicy?.(policy)
          const exit = yield* Effect.exit(Effect.suspend(() => value))
          if (!current()) return
          if (Exit.isSuccess(exit)) record(policy, exit.value)
          else results.push(crashed(policy, describe(Cause.squash(exit.cause))))
        }
      })
    let begin = from
    let pending: Effect.Effect<unknown, unknown> | undefined = first
    while (begin < policies.length) {
      const generation = ++at.generation
      const fiber = yield* forkUntrusted(() => stretch(begin, pending, generation))
      const outcome = yield* awaitWhileProgressing(fiber, budget, () => at.index)
      if (outcome !== "timeout" && Exit.isSuccess(outcome)) break
      at.generation++
      // The fiber died (a malformed Effect) or one policy ran past its time: that policy failed closed;
      // carry on after it in a new fiber.
      const policy = policies[at.index]!
      results.push(crashed(policy, outcome === "timeout"
        ? `it did not finish within ${Duration.format(budget)}`
        : describe(Cause.squash(outcome.cause))))
      begin = at.index + 1
      pending = undefined
    }
    return { results, redact }
  })

const result = (policy: Policy, verdict: Verdict): PolicyResult => {
  const base = { policy: policy.name, passed: verdict.passed, reason: verdict.reason }
  return policy.shadow ? { ...base, shadow: true } : base
}

const crashed = (policy: Policy, what: string): PolicyResult =>
  result(policy, { passed: false, reason: `Policy failed to evaluate (fail closed): ${what}` })

/** Runs every policy, in order, and returns all results (see `gate`). */
export const evaluate = (policies: ReadonlyArray<Policy>, ctx: PolicyContext): Effect.Effect<ReadonlyArray<PolicyResult>> =>
  Effect.map(gate(policies, ctx), (g) => g.results)

/** True when no enforced (non-shadow) policy failed. */
export const allPassed = (results: ReadonlyArray<PolicyResult>): boolean => {
  for (const r of results) if (!r.passed && r.shadow !== true) return false
  return true
}

/** The reason of the first enforced failure, for the receipt's `reason`. */
export const blockReason = (results: ReadonlyArray<PolicyResult>): string =>
  results.filter((r) => !r.passed && r.shadow !== true).map((r) => `${r.policy}: ${r.reason}`).join("; ")
