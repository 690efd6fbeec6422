/**
 * A small Merkle tree (RFC 6962 style domain separation: leaves are hashed with a 0x00 prefix, inner nodes
 * with 0x01) so many receipts can share one signature while each stays verifiable on its own with its
 * audit path. One WebCrypto signature per batch instead of per receipt is what lets Enact sign tens of
 * thousands of receipts a second.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Merkle from "./Merkle.ts"
 * const program = Effect.gen(function*() {
 *   const h = yield* Merkle.hasher
 *   const leaves = yield* Effect.forEach(["a", "b", "c"], h.leaf)
 *   const { proofs, root } = yield* Merkle.build(leaves, h)
 *   return yield* Merkle.rootFromProof(leaves[2]!, proofs[2]!, h) // equals root
 * })
 * ```
 * @module
 */
import { Effect } from "effect"
import * as Digest from "effect/crypto/Digest"

const LEAF = 0x00
const NODE = 0x01
const utf8 = new TextEncoder()
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
const fromHex = (text: string): Uint8Array => {
  const out = new Uint8Array(text.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16)
  return out
}

/**
 * The SHA-256 of the tree, from a `Digest` service: any layer gives identical hashes (WebCrypto portably,
 * `node:crypto` natively).
 */
export interface Hasher {
  /** SHA-256(0x00 || UTF-8 bytes of `text`). */
  readonly leaf: (text: string) => Effect.Effect<Uint8Array>
  /** SHA-256(0x01 || left || right). */
  readonly node: (left: Uint8Array, right: Uint8Array) => Effect.Effect<Uint8Array>
}

/** The tree's hasher over a `Digest` service. */
export const fromDigest = (digest: Digest.Digest["Service"]): Hasher => ({
  leaf: (text) => {
    // Encoded straight after the prefix byte (UTF-8 takes at most 3 bytes per UTF-16 unit): one copy.
    const buf = new Uint8Array(text.length * 3 + 1)
    buf[0] = LEAF
    const { written } = utf8.encodeInto(text, buf.subarray(1))
    return digest.digest(Digest.sha256, buf.subarray(0, written + 1))
  },
  node: (left, right) => {
    const buf = new Uint8Array(65)
    buf[0] = NODE
    buf.set(left, 1)
    buf.set(right, 33)
    return digest.digest(Digest.sha256, buf)
  }
})

/** The hasher of the `Digest` service in context. */
export const hasher: Effect.Effect<Hasher, never, Digest.Digest> = Effect.map(Effect.service(Digest.Digest), fromDigest)

/** Hash of one leaf (a string, hashed as UTF-8). */
export const leafHash = (text: string): Effect.Effect<Uint8Array, never, Digest.Digest> =>
  Effect.flatMap(hasher, (h) => h.leaf(text))

/**
 * Builds the tree over `leaves` and returns the root and, per leaf, its audit path: a list of
 * `"L<hex>"` / `"R<hex>"` siblings (on the left or right of the running hash), bottom-up. An odd node out
 * is promoted to the next level unchanged. A single leaf is its own root with an empty path. Fails with a
 * `RangeError` defect on no leaves.
 */
export const build = (
  leaves: ReadonlyArray<Uint8Array>,
  h: Hasher
): Effect.Effect<{ readonly root: Uint8Array; readonly proofs: ReadonlyArray<ReadonlyArray<string>> }> =>
  Effect.gen(function*() {
    if (leaves.length === 0) return yield* Effect.die(new RangeError("Cannot build a Merkle tree of no leaves"))
    const proofs: Array<Array<string>> = leaves.map(() => [])
    let level: Array<Uint8Array> = [...leaves]
    // members[i] = indices of the original leaves under node i of the current level
    let members: Array<Array<number>> = leaves.map((_, i) => [i])
    while (level.length > 1) {
      const pairs: Array<readonly [Uint8Array, Uint8Array]> = []
      const nextMembers: Array<Array<number>> = []
      for (let i = 0; i < level.length; i += 2) {
        const left = level[i]!
        const right = level[i + 1]
        if (right === undefined) {
          nextMembers.push(members[i]!)
          continue
        }
        const leftHex = hex(left)
        const rightHex = hex(right)
        for (const m of members[i]!) proofs[m]!.push(`R${rightHex}`)
        for (const m of members[i + 1]!) proofs[m]!.push(`L${leftHex}`)
        pairs.push([left, right])
        nextMembers.push([...members[i]!, ...members[i + 1]!])
      }
      const hashed = yield* Effect.forEach(pairs, ([l, r]) => h.node(l, r), { concurrency: "unbounded" })
      const next: Array<Uint8Array> = []
      let p = 0
      for (let i = 0; i < level.length; i += 2) next.push(level[i + 1] === undefined ? level[i]! : hashed[p++]!)
      level = next
      members = nextMembers
    }
    return { root: level[0]!, proofs }
  })

const HEX64 = /^[LR][0-9a-f]{64}$/

/** Recomputes the root from a leaf hash and its audit path; `undefined` if the path is malformed. */
export const rootFromProof = (
  leaf: Uint8Array,
  proof: ReadonlyArray<string>,
  h: Hasher
): Effect.Effect<Uint8Array | undefined> =>
  Effect.gen(function*() {
    if (proof.length > 64) return undefined
    let acc = leaf
    for (const step of proof) {
      if (!HEX64.test(step)) return undefined
      const sibling = fromHex(step.slice(1))
      acc = step[0] === "L" ? yield* h.node(sibling, acc) : yield* h.node(acc, sibling)
    }
    return acc
  })
