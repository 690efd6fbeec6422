/**
 * Building, signing and verifying receipts.
 *
 * A receipt is signed over the RFC 8785 canonical encoding of every field but `signature` and
 * `signature_proof`. Receipts produced at the same moment are signed together: each canonical receipt is
 * a Merkle leaf, the signer signs the root once, and each receipt carries its own audit path, so it still
 * verifies alone. A receipt signed alone has an empty path and its leaf is the root. `docs/RECEIPTS.md`
 * specifies the format for verifiers in other languages.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Crypto, Receipt, Signer } from "../../mod.ts"
 * const ok = (r: unknown) =>
 *   Receipt.verify(r).pipe(
 *     Effect.provide(Signer.layerHmac({ secret: process.env.ENACT_SECRET }).pipe(Layer.provideMerge(Crypto.layerWebCrypto)))
 *   )
 * ```
 * @module
 */
import { Effect, Schema } from "effect"
import type { Scope } from "effect"
import * as Digest from "effect/crypto/Digest"
import * as GroupCommit from "../store/_groupCommit.ts"
import * as ReceiptText from "../store/_receiptText.ts"
import * as Canonical from "./Canonical.ts"
import * as Merkle from "./Merkle.ts"
import { type Receipt, Receipt as ReceiptSchema, type UnsignedReceipt } from "../Model.ts"
import { Signer, SignerError, type SignerService } from "./Signer.ts"

export type { Receipt, UnsignedReceipt }

const utf8 = new TextEncoder()
const ROOT_PREFIX = utf8.encode("enact/receipt-root/v1\n")
const HEX_DIGITS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"))
const hex = (bytes: Uint8Array): string => {
  let out = ""
  for (let i = 0; i < bytes.length; i++) out += HEX_DIGITS[bytes[i]!]
  return out
}
const nibble = (c: number): number => (c >= 97 ? c - 87 : c - 48) // lowercase hex only (checked by the caller)
const fromHex = (text: string): Uint8Array => {
  const out = new Uint8Array(text.length >> 1)
  for (let i = 0; i < out.length; i++) out[i] = (nibble(text.charCodeAt(2 * i)) << 4) | nibble(text.charCodeAt(2 * i + 1))
  return out
}

/** The bytes the signer signs for a Merkle root: `enact/receipt-root/v1\n` then the 32-byte root. */
export const rootMessage = (root: Uint8Array): Uint8Array => {
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

/** The leaf hash of a receipt's signed content: SHA-256(0x00 || canonical JSON). */
export const leafOf = (u: UnsignedReceipt, hasher: Merkle.Hasher): Effect.Effect<Uint8Array> =>
  Effect.suspend(() => hasher.leaf(Canonical.encode(u)))

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

const encodeFailure = (e: unknown) =>
  new SignerError({ reason: "Crypto", message: `Cannot encode receipt: ${e instanceof Error ? e.message : String(e)}` })

/** Signs a batch under one Merkle root. */
const signBatch = (signer: SignerService, hasher: Merkle.Hasher) =>
(batch: ReadonlyArray<UnsignedReceipt>): Effect.Effect<ReadonlyArray<Receipt>, SignerError> =>
  Effect.gen(function*() {
    const out: Array<Receipt> = []
    for (let from = 0; from < batch.length; from += MAX_BATCH) {
      const chunk = batch.slice(from, from + MAX_BATCH)
      // Each receipt's members are encoded once: for its leaf now, for its stored text once signed.
      const parts = yield* Effect.try({ try: () => chunk.map((u) => Canonical.members(u)), catch: encodeFailure })
      // Hashed side by side (an asynchronous digest overlaps), except a receipt alone: no fiber for it.
      const leaves = yield* Effect.forEach(parts, (ms) => hasher.leaf(Canonical.join(ms)), {
        concurrency: chunk.length > 1 ? "unbounded" : 1
      })
      const { proofs, root } = yield* Merkle.build(leaves, hasher)
      const signature = hex(yield* signer.sign(rootMessage(root)))
      for (let i = 0; i < chunk.length; i++) {
        const proof = proofs[i]!
        const text = Canonical.join([...parts[i]!, ["signature", JSON.stringify(signature)], ["signature_proof", Canonical.encode(proof)]])
        out.push(ReceiptText.seal(withSignature(chunk[i]!, signature, proof), text))
      }
    }
    return out
  })

/**
 * Makes a sealer: a function that signs receipts in batches. A receipt that arrives while nothing is being
 * signed is signed at once, in the caller's fiber; receipts that arrive while a signature is in flight
 * wait and share the next one. Up to four batches are in flight, so a slow signature (Ed25519,
 * WebCrypto's asynchronous HMAC) does not hold up the next batch.
 */
export const makeSealer = (
  signer: SignerService,
  hasher: Merkle.Hasher
): Effect.Effect<(u: UnsignedReceipt) => Effect.Effect<Receipt, SignerError>, never, Scope.Scope> =>
  Effect.map(GroupCommit.makeBatcher(signBatch(signer, hasher), { workers: 4 }), (batcher) => {
    const sign = signBatch(signer, hasher)
    let signing = 0
    const alone = (u: UnsignedReceipt) =>
      Effect.suspend(() => {
        signing++
        return Effect.ensuring(
          Effect.map(sign([u]), (receipts) => receipts[0]!),
          Effect.sync(() => {
            signing--
          })
        )
      })
    return (u: UnsignedReceipt) => Effect.suspend(() => (signing === 0 ? alone(u) : batcher.submit(u)))
  })

/** Signs one receipt alone (no batching). */
export const sign = (u: UnsignedReceipt): Effect.Effect<Receipt, SignerError, Signer | Digest.Digest> =>
  Effect.gen(function*() {
    const signer = yield* Signer
    const hasher = yield* Merkle.hasher
    const [receipt] = yield* signBatch(signer, hasher)([u])
    return receipt!
  })

/** The outcome of verification, with why it failed. */
export type Verification = { readonly valid: true } | { readonly valid: false; readonly reason: string }

const isReceipt = Schema.is(ReceiptSchema)
const decodeStrict = Schema.decodeUnknownResult(ReceiptSchema, { onExcessProperty: "error" })
const HEX = /^(?:[0-9a-f]{2})+$/

/**
 * Verifies a receipt (any JSON value) against a signer: shape and format version, algorithm and key id,
 * audit path and signature. Never fails; a bad receipt is `{ valid: false, reason }`. `verified` caches
 * (root, signature) pairs already checked: receipts signed together share them.
 */
export const verifyWith = (
  signer: SignerService,
  input: unknown,
  hasher: Merkle.Hasher,
  verified?: Set<string>
): Effect.Effect<Verification> =>
  Effect.gen(function*() {
    // The cheap shape check first; the strict decode (which also refuses unknown fields) only explains a
    // failure. An unknown field cannot make a receipt verify anyway: the signature covers every field.
    if (!isReceipt(input)) {
      const decoded = decodeStrict(input)
      return { valid: false, reason: `Not a receipt: ${decoded._tag === "Failure" ? decoded.failure.message : "unexpected shape"}` } as const
    }
    const receipt = input
    if (receipt.signature_alg !== signer.algorithm) {
      return { valid: false, reason: `Signed with ${receipt.signature_alg}, verifier uses ${signer.algorithm}` } as const
    }
    if (receipt.key_id !== signer.keyId) {
      return { valid: false, reason: `Signed with key ${receipt.key_id}, verifier has key ${signer.keyId}` } as const
    }
    if (!HEX.test(receipt.signature)) return { valid: false, reason: "Signature is not hex" } as const
    let text: string
    try {
      text = Canonical.encode(unsigned(input as Receipt))
    } catch (e) {
      return { valid: false, reason: `Cannot encode receipt: ${String(e)}` } as const
    }
    const root = yield* Merkle.rootFromProof(yield* hasher.leaf(text), receipt.signature_proof, hasher)
    if (root === undefined) return { valid: false, reason: "Malformed signature proof" } as const
    const key = verified === undefined ? "" : `${hex(root)}:${receipt.signature}`
    if (verified !== undefined && verified.has(key)) return { valid: true } as const
    const ok = yield* signer.verify(rootMessage(root), fromHex(receipt.signature))
    if (ok && verified !== undefined) {
      if (verified.size >= 10_000) verified.clear()
      verified.add(key)
    }
    return ok ? { valid: true } as const : { valid: false, reason: "Signature does not match the receipt's contents" } as const
  })

/** Verifies with the `Signer` and `Digest` in context, with the reason when invalid. */
export const verifyDetailed = (input: unknown): Effect.Effect<Verification, never, Signer | Digest.Digest> =>
  Effect.gen(function*() {
    return yield* verifyWith(yield* Signer, input, yield* Merkle.hasher)
  })

/** True when the receipt is intact and signed by the `Signer` in context. */
export const verify = (input: unknown): Effect.Effect<boolean, never, Signer | Digest.Digest> =>
  Effect.map(verifyDetailed(input), (v) => v.valid)
