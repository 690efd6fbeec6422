/**
 * The write-ahead journal. Before a mutating action is applied, the run's journal durably records the
 * intent and its rollback data; after, the outcome. If the process dies mid-run, `rollback(runId)` reads
 * the journal, writes a signed PARTIAL receipt for what may have been applied, and undoes it. A journal is
 * removed once the run's receipt is stored.
 *
 * Entries form a signed chain: each carries its position (`seq`, from 0) and the signature of the entry
 * before it (`prev`), and is signed with the receipt signer. A journal whose entries were edited,
 * reordered, duplicated, spliced from another run or cut in the middle is refused as a whole
 * (`verifyChain`). Cutting whole entries off the end cannot be told apart from a crash; it can only make
 * rollback treat a step as applied, and inverses compare before they swap, so that undoes nothing twice.
 *
 * Runs are guarded by **leases**: whoever writes a run's journal (the run itself, or a rollback or
 * recovery taking over a crashed run) holds its lease, refreshed by a heartbeat. `acquire` is exclusive,
 * so it also reserves a caller-chosen run id; a live lease makes rollback, recovery and a second run with
 * the same id refuse (`Leased`). A lease whose holder stopped refreshing it for longer than its time to
 * live has expired and may be taken over.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Journal } from "../../mod.ts"
 * const openRuns = Effect.gen(function*() {
 *   return yield* (yield* Journal.Journal).runs()
 * }).pipe(Effect.provide(Journal.layerMemory))
 * ```
 * @module
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import type { Scope } from "effect"
import { ActionResult, RollbackData } from "../Model.ts"
import * as StoreError from "./StoreError.ts"

type Str = typeof Schema.String
type Int = typeof Schema.Int
type J = typeof Schema.Json
type Chained = {
  /** Position in the run's journal, from 0. */
  readonly seq: Int
  /** Signature of the previous entry (`""` for the first). */
  readonly prev: Str
  /** Signature of this entry (hex), over everything else in it and the run id. */
  readonly sig: Str
}
const chained: Chained = { seq: Schema.Int, prev: Schema.String, sig: Schema.String }

/** Written once, first: who ran what, so a crashed run can be receipted. */
export const Begin: Schema.Struct<{
  readonly type: Schema.Literal<"begin">
  readonly run_id: Str
  readonly workflow: Str
  readonly user_email: Str
  readonly user_attributes: Schema.$Record<Str, J>
  readonly payload: J
  readonly timestamp: Str
} & Chained> = Schema.Struct({
  type: Schema.Literal("begin"),
  run_id: Schema.String,
  workflow: Schema.String,
  user_email: Schema.String,
  user_attributes: Schema.Record(Schema.String, Schema.Json),
  payload: Schema.Json,
  timestamp: Schema.String,
  ...chained
})
/** Written before an action mutates anything. */
export const Intent: Schema.Struct<{
  readonly type: Schema.Literal<"intent">
  readonly step: Int
  readonly system: Str
  readonly action: Str
  readonly args: J
  readonly rollback_data: Schema.NullOr<typeof RollbackData>
} & Chained> = Schema.Struct({
  type: Schema.Literal("intent"),
  step: Schema.Int,
  system: Schema.String,
  action: Schema.String,
  args: Schema.Json,
  rollback_data: Schema.NullOr(RollbackData),
  ...chained
})
/** Written after the action returned (or failed). */
export const Outcome: Schema.Struct<{
  readonly type: Schema.Literal<"outcome">
  readonly step: Int
  readonly result: typeof ActionResult
} & Chained> = Schema.Struct({
  type: Schema.Literal("outcome"),
  step: Schema.Int,
  result: ActionResult,
  ...chained
})
/** Any journal entry. */
export const Entry: Schema.Union<[typeof Begin, typeof Intent, typeof Outcome]> = Schema.Union([Begin, Intent, Outcome])
export type Entry = typeof Entry.Type

type Unchained<E> = E extends unknown ? Omit<E, "seq" | "prev" | "sig"> : never
/** An entry before it is placed in the chain and signed. */
export type Body = Unchained<Entry>

/** A lease on a run, held until the scope it was acquired in closes. */
export interface Lease {
  /** Fails with `Leased` once someone else holds the run (this holder's lease expired and was taken over). */
  readonly check: Effect.Effect<void, StoreError.StoreError>
}

/** What a run's lease looks like from outside. */
export type LeaseState = "free" | "alive" | "expired"

export interface JournalService {
  /** Appends entries; they are durable when the effect succeeds. */
  readonly append: (runId: string, entries: ReadonlyArray<Entry>) => Effect.Effect<void, StoreError.StoreError>
  /** Reads a run's entries (a torn final entry from a crash is dropped), or `None`. */
  readonly read: (runId: string) => Effect.Effect<Option.Option<ReadonlyArray<Entry>>, StoreError.StoreError>
  /** Run ids that still have a journal: finished runs whose cleanup was cut short, or crashed runs. */
  readonly runs: () => Effect.Effect<ReadonlyArray<string>, StoreError.StoreError>
  /** Deletes a run's journal (after its receipt is stored). */
  readonly remove: (runId: string) => Effect.Effect<void, StoreError.StoreError>
  /**
   * Takes the run's lease until the scope closes, refreshing it meanwhile. Fails with `Leased` when a
   * live lease exists, or an expired one and `takeOver` is false (a crashed run that must be recovered).
   */
  readonly acquire: (
    runId: string,
    options: { readonly takeOver: boolean }
  ) => Effect.Effect<Lease, StoreError.StoreError, Scope.Scope>
  /** Whether anyone holds the run's lease. */
  readonly leaseState: (runId: string) => Effect.Effect<LeaseState, StoreError.StoreError>
}

const JournalBase: Context.ServiceClass<Journal, "enact/Journal", JournalService> = Context.Service<Journal, JournalService>()("enact/Journal")
/** The journal service. */
export class Journal extends JournalBase {}

const guard = <A>(runId: string, f: () => A): Effect.Effect<A, StoreError.StoreError> =>
  StoreError.isValidRunId(runId) ? Effect.sync(f) : Effect.fail(StoreError.invalidRunId(runId))

/**
 * Builds an in-memory journal. Its leases live as long as their holder's scope: a memory journal dies
 * with its process, so there is never a crashed holder to wait out.
 */
export const makeMemory = (): JournalService => {
  const journals = new Map<string, Array<Entry>>()
  const leases = new Map<string, object>()
  return {
    append: (runId, entries) =>
      guard(runId, () => {
        const list = journals.get(runId) ?? []
        list.push(...entries)
        journals.set(runId, list)
      }),
    read: (runId) => guard(runId, () => Option.fromUndefinedOr(journals.get(runId)?.slice())),
    runs: () => Effect.sync(() => [...journals.keys()]),
    remove: (runId) => guard(runId, () => void journals.delete(runId)),
    acquire: (runId) =>
      Effect.flatMap(guard(runId, () => leases.has(runId)), (taken) => {
        if (taken) return Effect.fail(StoreError.leased(`Run ${runId} is leased by a run or rollback in progress`))
        const token = {}
        leases.set(runId, token)
        const lease: Lease = {
          check: Effect.suspend(() =>
            leases.get(runId) === token ? Effect.void : Effect.fail(StoreError.leased(`The lease on run ${runId} was lost`))
          )
        }
        return Effect.as(
          Effect.addFinalizer(() => Effect.sync(() => leases.get(runId) === token && leases.delete(runId))),
          lease
        )
      }),
    leaseState: (runId) => guard(runId, () => (leases.has(runId) ? "alive" : "free"))
  }
}

/** An in-memory journal: survives failures inside the process, not a crash of it. */
export const layerMemory: Layer.Layer<Journal> = Layer.sync(Journal, makeMemory)
