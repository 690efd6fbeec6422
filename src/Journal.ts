/**
 * The write-ahead journal. Before a mutating action is applied, the run's journal durably records the
 * intent and its rollback data; after, the outcome. If the process dies mid-run, `rollback(runId)` reads
 * the journal, writes a signed PARTIAL receipt for what may have been applied, and undoes it.
 * A journal is removed once the run's receipt is stored.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Journal } from "./mod.ts"
 * const openRuns = Effect.gen(function*() {
 *   return yield* (yield* Journal.Journal).runs()
 * }).pipe(Effect.provide(Journal.layerMemory))
 * ```
 * @module
 */
import { Context, Effect, Layer, Option, Schema } from "effect"
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js"
import * as Canonical from "./Canonical.ts"
import { ActionResult, type Json, RollbackData } from "./Model.ts"
import type { SignerService } from "./Signer.ts"
import * as StoreError from "./StoreError.ts"

/** Written once, before the first intent: who ran what, so a crashed run can be receipted. */
export const Begin = Schema.Struct({
  type: Schema.Literal("begin"),
  run_id: Schema.String,
  workflow: Schema.String,
  user_email: Schema.String,
  user_attributes: Schema.Record(Schema.String, Schema.Json),
  payload: Schema.Json,
  timestamp: Schema.String,
  sig: Schema.optionalKey(Schema.String)
})
/** Written before an action mutates anything. */
export const Intent = Schema.Struct({
  type: Schema.Literal("intent"),
  step: Schema.Int,
  system: Schema.String,
  action: Schema.String,
  args: Schema.Json,
  rollback_data: Schema.NullOr(RollbackData),
  sig: Schema.optionalKey(Schema.String)
})
/** Written after the action returned (or failed). */
export const Outcome = Schema.Struct({
  type: Schema.Literal("outcome"),
  step: Schema.Int,
  result: ActionResult,
  sig: Schema.optionalKey(Schema.String)
})
export const Entry = Schema.Union([Begin, Intent, Outcome])
export type Entry = typeof Entry.Type

export interface JournalService {
  /** Appends entries; they are durable when the effect succeeds. */
  readonly append: (runId: string, entries: ReadonlyArray<Entry>) => Effect.Effect<void, StoreError.StoreError>
  /** Reads a run's entries (a torn final entry from a crash is dropped), or `None`. */
  readonly read: (runId: string) => Effect.Effect<Option.Option<ReadonlyArray<Entry>>, StoreError.StoreError>
  /** Run ids that still have a journal: finished runs whose cleanup was cut short, or crashed runs. */
  readonly runs: () => Effect.Effect<ReadonlyArray<string>, StoreError.StoreError>
  /** Deletes a run's journal (after its receipt is stored). */
  readonly remove: (runId: string) => Effect.Effect<void, StoreError.StoreError>
}

export class Journal extends Context.Service<Journal, JournalService>()("enact/Journal") {}

const utf8 = new TextEncoder()

const entryMessage = (runId: string, entry: Entry): Uint8Array => {
  const { sig: _sig, ...body } = entry
  return utf8.encode(`enact/journal/v1\n${runId}\n${Canonical.encode(body)}`)
}

/**
 * Signs a journal entry for a run (the `sig` field) with the receipt signer, so that a journal edited on
 * disk can never be turned into a signed receipt or drive a rollback.
 */
export const seal = async (signer: SignerService, runId: string, entry: Entry): Promise<Entry> => {
  const sig = await signer.sign(entryMessage(runId, entry))
  return { ...entry, sig: bytesToHex(sig) }
}

/** The index of the first entry whose signature is missing or wrong, or -1 when all verify. */
export const firstUnverified = async (
  signer: SignerService,
  runId: string,
  entries: ReadonlyArray<Entry>
): Promise<number> => {
  const checks = await Promise.all(entries.map((e) =>
    e.sig === undefined || !/^[0-9a-f]+$/.test(e.sig) || e.sig.length % 2 !== 0
      ? Promise.resolve(false)
      : signer.verify(entryMessage(runId, e), hexToBytes(e.sig))
  ))
  return checks.indexOf(false)
}

/** One journaled step, replayed. `outcome: null` means the process died while it may have been applied. */
export interface Step {
  readonly step: number
  readonly system: string
  readonly action: string
  readonly args: Json
  readonly rollback_data: RollbackData | null
  readonly outcome: ActionResult | null
}

/** A run as the journal saw it. */
export interface Replay {
  readonly begin: typeof Begin.Type | undefined
  readonly steps: ReadonlyArray<Step>
}

/** Folds entries into steps, in journal order. */
export const replay = (entries: ReadonlyArray<Entry>): Replay => {
  let begin: typeof Begin.Type | undefined
  const steps = new Map<number, Step>()
  for (const e of entries) {
    if (e.type === "begin") begin = e
    else if (e.type === "intent") steps.set(e.step, { ...e, outcome: null })
    else {
      const s = steps.get(e.step)
      if (s !== undefined) steps.set(e.step, { ...s, outcome: e.result })
    }
  }
  return { begin, steps: [...steps.values()].sort((a, b) => a.step - b.step) }
}

const guard = <A>(runId: string, f: () => A): Effect.Effect<A, StoreError.StoreError> =>
  StoreError.isValidRunId(runId) ? Effect.sync(f) : Effect.fail(StoreError.invalidRunId(runId))

/** Builds an in-memory journal. */
export const makeMemory = (): JournalService => {
  const journals = new Map<string, Array<Entry>>()
  return {
    append: (runId, entries) =>
      guard(runId, () => {
        const list = journals.get(runId) ?? []
        list.push(...entries)
        journals.set(runId, list)
      }),
    read: (runId) => guard(runId, () => Option.fromUndefinedOr(journals.get(runId)?.slice())),
    runs: () => Effect.sync(() => [...journals.keys()]),
    remove: (runId) => guard(runId, () => void journals.delete(runId))
  }
}

/** An in-memory journal: survives failures inside the process, not a crash of it. */
export const layerMemory: Layer.Layer<Journal> = Layer.sync(Journal, makeMemory)
