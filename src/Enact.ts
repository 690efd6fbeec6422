/**
 * The Enact service: `run`, `runAction`, `rollback`, `rollbackPlan`, `verify` and `recover`, built from
 * your connectors, policies and workflows on top of a `ReceiptStore`, a `Journal` and a `Signer`.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Enact, Journal, ReceiptStore, Signer } from "../mod.ts"
 * const EnactLive = Enact.layer({ systems: {}, policies: [], workflows: [] }).pipe(
 *   Layer.provide([ReceiptStore.layerMemory, Journal.layerMemory, Signer.layerHmac({ secret: process.env.ENACT_SECRET })])
 * )
 * const program = Effect.gen(function*() {
 *   const { result } = yield* Enact.run({ workflow: "write_note", user: "agent@co", payload: { path: "a.txt", content: "hi" } })
 *   return result.decision
 * }).pipe(Effect.provide(EnactLive))
 * ```
 * @module
 */
import { Context, Duration, Effect, Layer, Option } from "effect"
import type { Scope } from "effect"
import type * as Digest from "effect/crypto/Digest"
import * as Definitions from "./_connectorDefinitions.ts"
import type { Connector } from "./Connector.ts"
import type { Engine } from "./Engine.ts"
import type { EnactError } from "./EnactError.ts"
import { Journal } from "./store/Journal.ts"
import * as Merkle from "./receipt/Merkle.ts"
import type { Outcome } from "./Model.ts"
import { DEFAULT_TIMEOUT, describe, type Policy } from "./Policy.ts"
import { makeSealer, type Verification, verifyWith } from "./receipt/Receipt.ts"
import { ReceiptStore } from "./store/ReceiptStore.ts"
import * as Redact from "./receipt/Redact.ts"
import * as Rollback from "./run/Rollback.ts"
import * as Run from "./run/Run.ts"
import { Signer, type SignerError } from "./receipt/Signer.ts"
import * as Snapshot from "./Snapshot.ts"
import type * as StoreError from "./store/StoreError.ts"
import type * as Workflow from "./Workflow.ts"

export type { ActionRequest, RunRequest } from "./run/Run.ts"
export type { Plan, PlannedStep, RecoverOptions, RecoverReport, RollbackOptions } from "./run/Rollback.ts"

/** What Enact is built from. Connectors are keyed by the name workflows use (`ctx.act("files", ...)`). */
export interface Config {
  readonly systems?: Readonly<Record<string, Connector>>
  readonly policies?: ReadonlyArray<Policy>
  readonly workflows?: ReadonlyArray<Workflow.Workflow<unknown>>
  /** Limits on every payload, user attributes and action arguments (default 1 MiB, 64 levels). */
  readonly limits?: Partial<Snapshot.Limits>
  /**
   * How long one policy's Effect (a read, a DNS lookup) may run before it counts as failed (fail closed):
   * default 10 seconds. A synchronous check cannot be stopped once started.
   */
  readonly policyTimeout?: Duration.Input
}

export interface EnactService {
  /** Runs a registered workflow: payload check, every policy, then the workflow; always a signed receipt. */
  readonly run: (req: Run.RunRequest) => Effect.Effect<Outcome, EnactError | StoreError.StoreError | SignerError>
  /** Runs one connector action, gated by every policy and receipted. */
  readonly runAction: (req: Run.ActionRequest) => Effect.Effect<Outcome, EnactError | StoreError.StoreError | SignerError>
  /** Undoes a run from its verified receipt (or its journal, if the process died mid-run). */
  readonly rollback: (runId: string, options?: Rollback.RollbackOptions) => Effect.Effect<Outcome, Rollback.Error>
  /** What `rollback` would do, without doing or writing anything. */
  readonly rollbackPlan: (runId: string) => Effect.Effect<Rollback.Plan, Rollback.Error>
  /** Checks a receipt's integrity and signature; never fails. */
  readonly verify: (receipt: unknown) => Effect.Effect<Verification>
  /**
   * Receipts every run a crashed process left in the journal (decision PARTIAL); reports refused and live
   * journals, and stored receipts that do not verify.
   */
  readonly recover: (options?: Rollback.RecoverOptions) => Effect.Effect<Rollback.RecoverReport, StoreError.StoreError | SignerError>
}

const EnactBase: Context.ServiceClass<Enact, "enact/Enact", EnactService> = Context.Service<Enact, EnactService>()("enact/Enact")
/** The Enact service. */
export class Enact extends EnactBase {}

/**
 * Where the ids of runs whose caller chose none come from: random UUIDs by default. Tests provide a
 * deterministic one (`testing.ts`); ids must stay unique and match `[A-Za-z0-9][A-Za-z0-9_-]*`.
 */
export const RunIds: Context.Reference<() => string> = Context.Reference<() => string>("enact/Enact/RunIds", {
  defaultValue: () => () => globalThis.crypto.randomUUID()
})

const invalidConfig = (message: string) => Effect.die(new TypeError(`Cannot build Enact: ${message}`))

/**
 * Builds the service from a config and the services in context. Dies with a `TypeError` on a config it
 * cannot trust: a system that is not a connector handle, duplicate workflow names, a malformed policy.
 */
export const make: (config: Config) => Effect.Effect<EnactService, never, ReceiptStore | Journal | Signer | Digest.Digest | Scope.Scope> = Effect.fnUntraced(function*(config: Config) {
  const store = yield* ReceiptStore
  const journal = yield* Journal
  const signer = yield* Signer
  const hasher = yield* Merkle.hasher
  const workflows = new Map<string, Workflow.Workflow<unknown>>()
  for (const w of config.workflows ?? []) {
    if (workflows.has(w.name)) return yield* invalidConfig(`workflow '${w.name}' is registered twice`)
    workflows.set(w.name, w)
  }
  const systems = new Map<string, Definitions.Definition>()
  for (const [key, handle] of Object.entries(config.systems ?? {})) {
    const def = Definitions.definitionOf(handle)
    if (def === undefined) return yield* invalidConfig(`systems.${key} is not a connector built with Connector.make`)
    systems.set(key, def)
  }
  const policies: Array<Policy> = []
  for (const p of config.policies ?? []) {
    if (typeof p !== "object" || p === null || typeof p.name !== "string" || typeof p.check !== "function") {
      return yield* invalidConfig("every policy needs a name and a check (use Policy.make)")
    }
    policies.push(Object.freeze({ name: p.name, shadow: p.shadow === true, check: p.check }))
  }
  const limits: Snapshot.Limits = { ...Snapshot.defaultLimits, ...config.limits }
  if (!(limits.maxBytes > 0) || !(limits.maxDepth > 0)) return yield* invalidConfig("limits must be positive")
  const policyTimeout = config.policyTimeout === undefined ? Option.some(DEFAULT_TIMEOUT) : Duration.fromInput(config.policyTimeout)
  if (Option.isNone(policyTimeout) || !Duration.isGreaterThan(policyTimeout.value, Duration.zero)) {
    return yield* invalidConfig("policyTimeout must be a positive duration")
  }
  const verified = new Set<string>()
  // A receipt holds the payload and much more: it is read within wider limits than a request.
  const receiptLimits: Snapshot.Limits = { maxBytes: 64 * 1024 * 1024, maxDepth: limits.maxDepth + 8 }
  const newRunId = yield* RunIds
  const secrets = [...new Set([...systems.values()].flatMap((d) => d.secrets))].sort((a, b) => b.length - a.length)
  const engine: Engine = {
    systems,
    policies,
    workflows,
    secrets,
    scrub: Redact.makeScrubber(secrets),
    store,
    journal,
    signer,
    seal: yield* makeSealer(signer, hasher),
    hasher,
    limits,
    policyTimeout: policyTimeout.value,
    newRunId,
    verifyStored: (receipt) => Effect.map(verifyWith(signer, receipt, hasher, verified), (v) => v.valid)
  }
  return Enact.of({
    run: (req) => Run.run(engine, req),
    runAction: (req) => Run.runAction(engine, req),
    rollback: (runId, options) => Rollback.rollback(engine, runId, options),
    rollbackPlan: (runId) => Rollback.plan(engine, runId),
    // A receipt handed in is read once, into plain JSON (its JSON text, parsed back): everything after sees
    // that copy, so a getter cannot show the shape check one value and the signature check another.
    verify: (receipt) =>
      Effect.suspend(() => {
        let copy: unknown
        try {
          const text = JSON.stringify(receipt)
          if (text === undefined || text.length > receiptLimits.maxBytes) throw new RangeError("not a JSON object of a receipt's size")
          copy = JSON.parse(text)
        } catch (e) {
          return Effect.succeed({ valid: false, reason: `Not a receipt: ${describe(e)}` } as const)
        }
        return verifyWith(signer, copy, hasher)
      }),
    recover: (options) => Rollback.recoverAll(engine, options)
  })
})

/**
 * The Enact layer. Needs a `ReceiptStore`, a `Journal`, a `Signer` and a `Digest` (from `Crypto.layerWebCrypto`
 * or a native layer).
 */
export const layer = (config: Config): Layer.Layer<Enact, never, ReceiptStore | Journal | Signer | Digest.Digest> =>
  Layer.effect(Enact, make(config))

/** `Enact.run` as an accessor. */
export const run = (req: Run.RunRequest): Effect.Effect<Outcome, Run.RunError, Enact> => Effect.flatMap(Effect.service(Enact), (e) => e.run(req))
/** `Enact.runAction` as an accessor. */
export const runAction = (req: Run.ActionRequest): Effect.Effect<Outcome, Run.RunError, Enact> => Effect.flatMap(Effect.service(Enact), (e) => e.runAction(req))
/** `Enact.rollback` as an accessor. */
export const rollback = (runId: string, options?: Rollback.RollbackOptions): Effect.Effect<Outcome, Rollback.Error, Enact> =>
  Effect.flatMap(Effect.service(Enact), (e) => e.rollback(runId, options))
/** `Enact.rollbackPlan` as an accessor. */
export const rollbackPlan = (runId: string): Effect.Effect<Rollback.Plan, Rollback.Error, Enact> => Effect.flatMap(Effect.service(Enact), (e) => e.rollbackPlan(runId))
/** `Enact.verify` as an accessor. */
export const verify = (receipt: unknown): Effect.Effect<Verification, never, Enact> => Effect.flatMap(Effect.service(Enact), (e) => e.verify(receipt))
/** `Enact.recover` as an accessor. */
export const recover = (options?: Rollback.RecoverOptions): Effect.Effect<Rollback.RecoverReport, StoreError.StoreError | SignerError, Enact> =>
  Effect.flatMap(Effect.service(Enact), (e) => e.recover(options))
