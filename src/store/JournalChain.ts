/**
 * Signing and checking the journal's chain of entries. Each entry is signed with the receipt signer over
 * `enact/journal/v2`, the run id and the canonical entry (which holds its `seq` and the previous entry's
 * signature in `prev`), so one signature check per entry proves the whole order: nothing can be edited,
 * dropped from the middle, duplicated, reordered or spliced in from another run without being refused.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as JournalChain from "./JournalChain.ts"
 * declare const signer: import("../receipt/Signer.ts").SignerService
 * const program = Effect.gen(function*() {
 *   const cursor = JournalChain.start()
 *   const entries = yield* JournalChain.seal(signer, "run-1", cursor, [{
 *     type: "begin", run_id: "run-1", workflow: "w", user_email: "a@b", user_attributes: {}, payload: {}, timestamp: "t"
 *   }])
 *   return yield* JournalChain.verify(signer, "run-1", entries)
 * })
 * ```
 * @module
 */
import { Effect } from "effect"
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js"
import * as Canonical from "../receipt/Canonical.ts"
import type { Body, Entry } from "./Journal.ts"
import type { ActionResult, Json, RollbackData } from "../Model.ts"
import type { SignerError, SignerService } from "../receipt/Signer.ts"
import * as StoreError from "./StoreError.ts"

const utf8 = new TextEncoder()

const message = (runId: string, unsigned: object): Uint8Array =>
  utf8.encode(`enact/journal/v2\n${runId}\n${Canonical.encode(unsigned)}`)

/** Where the next entry of a run's chain goes. Mutable: owned by the one writer of the run. */
export interface Cursor {
  seq: number
  prev: string
}

/** A cursor for a journal with no entries yet. */
export const start = (): Cursor => ({ seq: 0, prev: "" })

/** Places `bodies` after the cursor, signing each in turn; advances the cursor. */
export const seal = (
  signer: SignerService,
  runId: string,
  cursor: Cursor,
  bodies: ReadonlyArray<Body>
): Effect.Effect<ReadonlyArray<Entry>, SignerError> =>
  Effect.gen(function*() {
    const out: Array<Entry> = []
    let { prev, seq } = cursor
    for (const body of bodies) {
      const unsigned = { ...body, seq, prev }
      const sig = yield* signer.sign(message(runId, unsigned))
      const entry = { ...unsigned, sig: bytesToHex(sig) } as Entry
      out.push(entry)
      prev = entry.sig
      seq++
    }
    cursor.seq = seq
    cursor.prev = prev
    return out
  })

/** One journaled step, replayed. `outcome: null` means the process died while it may have been applied. */
export interface Step {
  readonly step: number
  readonly system: string
  readonly action: string
  readonly args: Json
  readonly rollback_data: RollbackData | null
  readonly outcome: ActionResult | null
}

/** A run as its verified journal tells it. */
export interface Replay {
  readonly begin: Extract<Entry, { readonly type: "begin" }>
  readonly steps: ReadonlyArray<Step>
}

const HEX = /^(?:[0-9a-f]{2})+$/

/**
 * Checks a run's journal as a whole and folds it into steps: the first entry is the run's `begin`; each
 * entry sits at its `seq`, names the previous entry's signature and carries a valid signature; steps are
 * journaled once each (concurrent calls may journal them out of order), each outcome after its intent
 * and at most once. Anything else is
 * refused with `Corrupt`, naming the first entry that breaks the chain.
 */
export const verify = (
  signer: SignerService,
  runId: string,
  entries: ReadonlyArray<Entry>
): Effect.Effect<Replay, StoreError.StoreError> =>
  Effect.gen(function*() {
    const refuse = (why: string) =>
      Effect.fail(StoreError.corrupt(`Journal of ${runId} refused: ${why}; nothing will be receipted or undone from it`))
    if (entries.length === 0) return yield* refuse("it is empty")
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!
      if (typeof e.sig !== "string" || !HEX.test(e.sig)) return yield* refuse(`entry ${i + 1} is not signed`)
      if (e.seq !== i) return yield* refuse(`entry ${i + 1} is numbered ${e.seq} (entries missing, duplicated or reordered)`)
      if (e.prev !== (i === 0 ? "" : entries[i - 1]!.sig)) {
        return yield* refuse(`entry ${i + 1} does not follow entry ${i} (entries spliced, reordered or edited)`)
      }
    }
    const valid = yield* Effect.forEach(entries, (e) => {
      const { sig, ...unsigned } = e
      return signer.verify(message(runId, unsigned), hexToBytes(sig))
    }, { concurrency: "unbounded" })
    const bad = valid.indexOf(false)
    if (bad !== -1) return yield* refuse(`entry ${bad + 1} is not signed by this signer (edited or forged)`)
    const first = entries[0]!
    if (first.type !== "begin" || first.run_id !== runId) return yield* refuse("it does not start with this run's begin entry")
    const steps = new Map<number, Step>()
    for (let i = 1; i < entries.length; i++) {
      const e = entries[i]!
      if (e.type === "begin") return yield* refuse(`entry ${i + 1} begins the run a second time`)
      if (e.type === "intent") {
        if (steps.has(e.step)) return yield* refuse(`entry ${i + 1} journals step ${e.step} a second time`)
        steps.set(e.step, { step: e.step, system: e.system, action: e.action, args: e.args, rollback_data: e.rollback_data, outcome: null })
      } else {
        const s = steps.get(e.step)
        if (s === undefined) return yield* refuse(`entry ${i + 1} records the outcome of step ${e.step}, which was never journaled`)
        if (s.outcome !== null) return yield* refuse(`entry ${i + 1} records a second outcome for step ${e.step}`)
        if (e.result.action !== s.action || e.result.system !== s.system) {
          return yield* refuse(`entry ${i + 1} records an outcome for another action than step ${e.step}`)
        }
        steps.set(e.step, { ...s, outcome: e.result })
      }
    }
    return { begin: first, steps: [...steps.values()].sort((a, b) => a.step - b.step) }
  })
