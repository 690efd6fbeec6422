/**
 * Building, signing and verifying receipts.
 *
 * A receipt is signed over the RFC 8785 canonical encoding of every field but `signature` and
 * `signature_proof`. Receipts produced at the same moment are signed together: each canonical receipt is
 * a Merkle leaf, the signer signs the root once, and each receipt carries its own audit path, so it still
 * verifies alone. A receipt signed alone has an empty path and its leaf is the root.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Receipt, Signer } from "./mod.ts"
 * const ok = (r: unknown) =>
 *   Receipt.verify(r).pipe(Effect.provide(Signer.layerHmac({ secret: process.env.ENACT_SECRET })))
 * ```
 * @module
 */
import { Effect, Schema } from "effect"
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js"
import * as Canonical from "./Canonical.ts"
import * as Merkle from "./Merkle.ts"
import { type Receipt, Receipt as ReceiptSchema, type UnsignedReceipt } from "./Model.ts"
import { Signer, SignerError, type SignerService } from "./Signer.ts"

export type { Receipt, UnsignedReceipt }

const utf8 = new TextEncoder()
const ROOT_PREFIX = utf8.encode("enact/receipt-root/v1\n")

/** The bytes the signer signs for a Merkle root (domain-separated). */
const rootMessage = (root: Uint8Array): Uint8Array => {
  const msg = new Uint8Array(ROOT_PREFIX.length + root.length)
  msg.set(ROOT_PREFIX, 0)
  msg.set(root, ROOT_PREFIX.length)
  return msg
}

/** Strips the signature fields. */
export const unsigned = (receipt: Receipt): UnsignedReceipt => {
  const { signature: _s, signature_proof: _p, ...rest } = receipt
  return rest
}

/** The leaf hash of a receipt's signed content. */
export const leafOf = (u: UnsignedReceipt, hasher: Merkle.Hasher = Merkle.portableHasher): Uint8Array =>
  hasher.leaf(Canonical.encode(u))

/**
 * The signed receipt with its fields in canonical (sorted) order, so that storing it (canonical bytes)
 * takes the fast path of `Canonical.encode`.
 */
const withSignature = (u: UnsignedReceipt, signature: string, proof: ReadonlyArray<string>): Receipt => ({
  actions_taken: u.actions_taken,
  decision: u.decision,
  format_version: u.format_version,
  key_id: u.key_id,
  manual_steps: u.manual_steps,
  original_run_id: u.original_run_id,
  payload: u.payload,
  policy_reads: u.policy_reads,
  policy_results: u.policy_results,
  reason: u.reason,
  run_id: u.run_id,
  signature,
  signature_alg: u.signature_alg,
  signature_proof: proof,
  timestamp: u.timestamp,
  user_attributes: u.user_attributes,
  user_email: u.user_email,
  workflow: u.workflow
})

/** Largest number of receipts signed under one root. */
const MAX_BATCH = 1024

interface Pending {
  readonly unsigned: UnsignedReceipt
  readonly leaf: Uint8Array
  readonly resume: (effect: Effect.Effect<Receipt, SignerError>) => void
}

/** Signatures in flight at once: enough to keep the CPU busy while WebCrypto works off-thread. */
const MAX_IN_FLIGHT = 4

/**
 * Makes a sealer: a function that signs receipts in batches. Receipts sealed in the same scheduler tick
 * share one signature (flushed in a microtask: no timers, so a lone receipt is signed at once); up to
 * `MAX_IN_FLIGHT` batches are signed concurrently, and receipts arriving beyond that wait for the next.
 */
export const makeSealer = (
  signer: SignerService,
  hasher: Merkle.Hasher = Merkle.portableHasher
): (u: UnsignedReceipt) => Effect.Effect<Receipt, SignerError> => {
  let queue: Array<Pending> = []
  let inFlight = 0
  let scheduled = false
  // Flushing in a microtask lets every fiber resumed in the same scheduler tick join the batch.
  const schedule = (): void => {
    if (inFlight >= MAX_IN_FLIGHT || scheduled) return
    scheduled = true
    queueMicrotask(flush)
  }
  const flush = (): void => {
    scheduled = false
    const batch = queue.length > MAX_BATCH ? queue.splice(0, MAX_BATCH) : queue
    if (batch === queue) queue = []
    inFlight++
    let root: Uint8Array
    let proofs: ReadonlyArray<ReadonlyArray<string>>
    try {
      ;({ root, proofs } = Merkle.build(batch.map((p) => p.leaf), hasher))
    } catch (e) {
      inFlight--
      const err = new SignerError({ reason: "Crypto", message: `Cannot build signing tree: ${String(e)}` })
      for (const p of batch) p.resume(Effect.fail(err))
      return
    }
    signer.sign(rootMessage(root)).then(
      (sig) => {
        const signature = bytesToHex(sig)
        for (let i = 0; i < batch.length; i++) {
          const p = batch[i]!
          p.resume(Effect.succeed(withSignature(p.unsigned, signature, proofs[i]!)))
        }
      },
      (e: unknown) => {
        const err = e instanceof SignerError
          ? e
          : new SignerError({ reason: "Crypto", message: `Signing failed: ${e instanceof Error ? e.message : String(e)}` })
        for (const p of batch) p.resume(Effect.fail(err))
      }
    ).finally(() => {
      inFlight--
      if (queue.length > 0) schedule()
    })
  }
  return (u) => {
    let leaf: Uint8Array
    try {
      leaf = leafOf(u, hasher)
    } catch (e) {
      return Effect.fail(new SignerError({ reason: "Crypto", message: `Cannot encode receipt: ${String(e)}` }))
    }
    return Effect.callback<Receipt, SignerError>((resume) => {
      queue.push({ unsigned: u, leaf, resume })
      schedule()
    })
  }
}

/** Signs one receipt (no batching). */
export const sign = (u: UnsignedReceipt): Effect.Effect<Receipt, SignerError, Signer> =>
  Effect.flatMap(Effect.service(Signer), (signer) => makeSealer(signer)(u))

/** The outcome of verification, with why it failed. */
export type Verification = { readonly valid: true } | { readonly valid: false; readonly reason: string }

const decodeStrict = Schema.decodeUnknownResult(ReceiptSchema, { onExcessProperty: "error" })

/**
 * Verifies a receipt (any JSON value) against a signer: shape and format version, algorithm and key id,
 * audit path and signature. Never fails; a bad receipt is `{ valid: false, reason }`.
 */
export const verifyWith = async (
  signer: SignerService,
  input: unknown,
  hasher: Merkle.Hasher = Merkle.portableHasher,
  verified?: Set<string>
): Promise<Verification> => {
  const decoded = decodeStrict(input)
  if (decoded._tag === "Failure") return { valid: false, reason: `Not a receipt: ${decoded.failure.message}` }
  const receipt = decoded.success
  if (receipt.signature_alg !== signer.algorithm) {
    return { valid: false, reason: `Signed with ${receipt.signature_alg}, verifier uses ${signer.algorithm}` }
  }
  if (receipt.key_id !== signer.keyId) {
    return { valid: false, reason: `Signed with key ${receipt.key_id}, verifier has key ${signer.keyId}` }
  }
  if (!/^[0-9a-f]+$/.test(receipt.signature) || receipt.signature.length % 2 !== 0) {
    return { valid: false, reason: "Signature is not hex" }
  }
  let leaf: Uint8Array
  try {
    leaf = leafOf(unsigned(input as Receipt), hasher)
  } catch (e) {
    return { valid: false, reason: `Cannot encode receipt: ${String(e)}` }
  }
  const root = Merkle.rootFromProof(leaf, receipt.signature_proof, hasher)
  if (root === undefined) return { valid: false, reason: "Malformed signature proof" }
  // Receipts signed together share a root: a (root, signature) pair checked once need not be checked again.
  const key = verified === undefined ? "" : `${bytesToHex(root)}:${receipt.signature}`
  if (verified !== undefined && verified.has(key)) return { valid: true }
  const ok = await signer.verify(rootMessage(root), hexToBytes(receipt.signature))
  if (ok && verified !== undefined) {
    if (verified.size >= 10_000) verified.clear()
    verified.add(key)
  }
  return ok ? { valid: true } : { valid: false, reason: "Signature does not match the receipt's contents" }
}

/** Verifies with the `Signer` in context, with the reason when invalid. */
export const verifyDetailed = (input: unknown): Effect.Effect<Verification, never, Signer> =>
  Effect.flatMap(Effect.service(Signer), (signer) => Effect.promise(() => verifyWith(signer, input)))

/** True when the receipt is intact and signed by the `Signer` in context. */
export const verify = (input: unknown): Effect.Effect<boolean, never, Signer> =>
  Effect.map(verifyDetailed(input), (v) => v.valid)
