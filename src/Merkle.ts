/**
 * A small Merkle tree (RFC 6962 style domain separation: leaves are hashed with a 0x00 prefix, inner nodes
 * with 0x01) so many receipts can share one signature while each stays verifiable on its own with its
 * audit path. One WebCrypto signature per batch instead of per receipt is what lets Enact sign tens of
 * thousands of receipts a second.
 *
 * @example
 * ```ts
 * import { Merkle } from "./mod.ts"
 * const leaves = ["a", "b", "c"].map((s) => Merkle.leafHash(s))
 * const { root, proofs } = Merkle.build(leaves)
 * Merkle.rootFromProof(leaves[2]!, proofs[2]!) // equals root
 * ```
 * @module
 */
import { Context } from "effect"
import { sha256 } from "@noble/hashes/sha2.js"
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js"

const LEAF = 0x00
const NODE = 0x01

/**
 * The SHA-256 used for the tree. Any implementation gives identical hashes; the default is the audited
 * pure-JS `@noble/hashes` (runs everywhere), and `MerkleNode.ts` offers the runtime's native one.
 */
export interface Hasher {
  /** SHA-256(0x00 || UTF-8 bytes of `text`). */
  readonly leaf: (text: string) => Uint8Array
  /** SHA-256(0x01 || left || right). */
  readonly node: (left: Uint8Array, right: Uint8Array) => Uint8Array
}

/** The portable hasher. */
export const portableHasher: Hasher = {
  leaf: (text) => {
    const data = utf8ToBytes(text)
    const buf = new Uint8Array(data.length + 1)
    buf[0] = LEAF
    buf.set(data, 1)
    return sha256(buf)
  },
  node: (left, right) => {
    const buf = new Uint8Array(65)
    buf[0] = NODE
    buf.set(left, 1)
    buf.set(right, 33)
    return sha256(buf)
  }
}

/** The hasher in use; defaults to the portable one. */
export const CurrentHasher = Context.Reference<Hasher>("enact/Merkle/CurrentHasher", {
  defaultValue: () => portableHasher
})

/** Hash of one leaf (a string, hashed as UTF-8). */
export const leafHash = (text: string, hasher: Hasher = portableHasher): Uint8Array => hasher.leaf(text)

/**
 * Builds the tree over `leaves` and returns the root and, per leaf, its audit path: a list of
 * `"L<hex>"` / `"R<hex>"` siblings (on the left or right of the running hash), bottom-up. An odd node out
 * is promoted to the next level unchanged. A single leaf is its own root with an empty path.
 */
export const build = (
  leaves: ReadonlyArray<Uint8Array>,
  hasher: Hasher = portableHasher
): { readonly root: Uint8Array; readonly proofs: ReadonlyArray<ReadonlyArray<string>> } => {
  if (leaves.length === 0) throw new RangeError("Cannot build a Merkle tree of no leaves")
  const proofs: Array<Array<string>> = leaves.map(() => [])
  // positions[i] = indices of the original leaves under node i of the current level
  let level: Array<Uint8Array> = [...leaves]
  let members: Array<Array<number>> = leaves.map((_, i) => [i])
  while (level.length > 1) {
    const next: Array<Uint8Array> = []
    const nextMembers: Array<Array<number>> = []
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!
      const right = level[i + 1]
      if (right === undefined) {
        next.push(left)
        nextMembers.push(members[i]!)
        continue
      }
      const leftHex = bytesToHex(left)
      const rightHex = bytesToHex(right)
      for (const m of members[i]!) proofs[m]!.push(`R${rightHex}`)
      for (const m of members[i + 1]!) proofs[m]!.push(`L${leftHex}`)
      next.push(hasher.node(left, right))
      nextMembers.push([...members[i]!, ...members[i + 1]!])
    }
    level = next
    members = nextMembers
  }
  return { root: level[0]!, proofs }
}

const HEX64 = /^[LR][0-9a-f]{64}$/

/** Recomputes the root from a leaf hash and its audit path; `undefined` if the path is malformed. */
export const rootFromProof = (
  leaf: Uint8Array,
  proof: ReadonlyArray<string>,
  hasher: Hasher = portableHasher
): Uint8Array | undefined => {
  if (proof.length > 64) return undefined
  let acc = leaf
  for (const step of proof) {
    if (!HEX64.test(step)) return undefined
    const sibling = hexToBytes(step.slice(1))
    acc = step[0] === "L" ? hasher.node(sibling, acc) : hasher.node(acc, sibling)
  }
  return acc
}
