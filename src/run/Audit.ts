/**
 * Auditing the receipt store: every stored receipt is read back and verified, and those that cannot be
 * trusted are listed with why: not canonical or not decodable (refused by the store), signed by another
 * key, or carrying a signature that does not match. A forged or edited receipt file never counts as
 * evidence for history-aware policies; this is how it is reported to a human.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Enact } from "../../mod.ts"
 * const untrusted = Effect.map(Enact.recover(), (report) => report.untrusted)
 * ```
 * @module
 */
import { Effect, Option } from "effect"
import type { Engine } from "../Engine.ts"
import { verifyWith } from "../receipt/Receipt.ts"
import type * as StoreError from "../store/StoreError.ts"

/** A stored receipt that cannot be trusted, and why. */
export interface Untrusted {
  readonly runId: string
  readonly reason: string
}

/** Reads and verifies every receipt in the store; fails only if the store cannot be listed or read. */
export const untrustedReceipts = (engine: Engine): Effect.Effect<ReadonlyArray<Untrusted>, StoreError.StoreError> =>
  Effect.gen(function*() {
    const out: Array<Untrusted> = []
    for (const runId of yield* engine.store.ids()) {
      const read = yield* Effect.result(engine.store.get(runId))
      if (read._tag === "Failure") {
        if (read.failure.reason._tag === "Corrupt") out.push({ runId, reason: read.failure.message })
        else return yield* Effect.fail(read.failure)
        continue
      }
      const found = read.success
      if (Option.isNone(found)) continue
      const check = yield* verifyWith(engine.signer, found.value, engine.hasher)
      if (!check.valid) out.push({ runId, reason: check.reason })
    }
    return out
  })
