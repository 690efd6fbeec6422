/**
 * The receipt format is a spec (docs/RECEIPTS.md): the test vectors in `tests/vectors/receipts.json` are
 * checked twice, by Enact itself and by an independent verifier written here from the spec alone (the
 * reference RFC 8785 `canonicalize` package and `node:crypto`, no Enact code), as a verifier in another
 * language would be.
 */
import { assert, describe, it } from "@effect/vitest"
import canonicalizeImport from "canonicalize"
import { Effect } from "effect"
import { createHash, createHmac, createPublicKey, verify as edVerify } from "node:crypto"
import { readFileSync } from "node:fs"
import * as Crypto from "../src/Crypto.ts"
import * as Merkle from "../src/receipt/Merkle.ts"
import type { Receipt } from "../src/Model.ts"
import * as ReceiptModule from "../src/receipt/Receipt.ts"
import * as Signer from "../src/receipt/Signer.ts"

const canonicalize = canonicalizeImport as unknown as (input: unknown) => string | undefined

interface Vectors {
  readonly hmac: { readonly secret: string; readonly key_id: string }
  readonly ed25519: { readonly seed: string; readonly public_key: string; readonly key_id: string }
  readonly root_prefix: string
  readonly cases: ReadonlyArray<{
    readonly name: string
    readonly canonical: string
    readonly leaf: string
    readonly root: string
    readonly receipt: Record<string, unknown>
    readonly valid: boolean
  }>
}

const vectors = JSON.parse(readFileSync(new URL("./vectors/receipts.json", import.meta.url), "utf8")) as Vectors
const fromHex = (h: string) => Buffer.from(h, "hex")
const sha256 = (...parts: ReadonlyArray<Uint8Array>) => {
  const hash = createHash("sha256")
  for (const p of parts) hash.update(p)
  return hash.digest()
}

/** A verifier written from docs/RECEIPTS.md alone. */
const independentVerify = (receipt: Record<string, unknown>): boolean => {
  const { signature, signature_proof, ...signed } = receipt as { signature: string; signature_proof: ReadonlyArray<string> } & Record<string, unknown>
  if (signed["format_version"] !== 2) return false
  const text = canonicalize(signed)
  if (text === undefined) return false
  let node = sha256(Buffer.from([0x00]), Buffer.from(text, "utf8"))
  if (signature_proof.length > 64) return false
  for (const step of signature_proof) {
    if (!/^[LR][0-9a-f]{64}$/.test(step)) return false
    const sibling = fromHex(step.slice(1))
    node = step[0] === "L" ? sha256(Buffer.from([0x01]), sibling, node) : sha256(Buffer.from([0x01]), node, sibling)
  }
  const message = Buffer.concat([Buffer.from(vectors.root_prefix, "utf8"), node])
  if (signed["signature_alg"] === "hmac-sha256") {
    if (signed["key_id"] !== vectors.hmac.key_id) return false
    const expected = createHmac("sha256", Buffer.from(vectors.hmac.secret, "utf8")).update(message).digest("hex")
    return expected === signature
  }
  if (signed["signature_alg"] === "ed25519") {
    if (signed["key_id"] !== vectors.ed25519.key_id) return false
    const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), fromHex(vectors.ed25519.public_key)])
    return edVerify(null, message, createPublicKey({ key: spki, format: "der", type: "spki" }), fromHex(signature))
  }
  return false
}

describe("receipt test vectors", () => {
  it("key ids follow the spec", () => {
    const hmacId = createHmac("sha256", Buffer.from(vectors.hmac.secret, "utf8")).update("enact/key-id/v1").digest("hex").slice(0, 16)
    assert.strictEqual(vectors.hmac.key_id, `hmac:${hmacId}`)
    assert.strictEqual(vectors.ed25519.key_id, `ed25519:${sha256(fromHex(vectors.ed25519.public_key)).toString("hex").slice(0, 16)}`)
  })

  it("an independent verifier written from the spec agrees with every vector", () => {
    assert.isAtLeast(vectors.cases.length, 8)
    for (const c of vectors.cases) {
      assert.strictEqual(independentVerify(c.receipt), c.valid, c.name)
      if (c.canonical === "") continue
      const { signature: _s, signature_proof: _p, ...signed } = c.receipt
      assert.strictEqual(canonicalize(signed), c.canonical, c.name)
      assert.strictEqual(sha256(Buffer.from([0]), Buffer.from(c.canonical, "utf8")).toString("hex"), c.leaf, c.name)
    }
  })

  it.effect("Enact verifies exactly the valid vectors, with the HMAC secret or the Ed25519 public key alone", () =>
    Effect.gen(function*() {
      const hmac = yield* Signer.makeHmac({ secret: vectors.hmac.secret })
      const ed = yield* Signer.makeEd25519Verifier(fromHex(vectors.ed25519.public_key))
      assert.strictEqual(hmac.keyId, vectors.hmac.key_id)
      assert.strictEqual(ed.keyId, vectors.ed25519.key_id)
      const h = yield* Merkle.hasher
      for (const c of vectors.cases) {
        const signer = c.receipt["signature_alg"] === "ed25519" ? ed : hmac
        const v = yield* ReceiptModule.verifyWith(signer, c.receipt, h)
        assert.strictEqual(v.valid, c.valid, `${c.name}: ${v.valid ? "" : v.reason}`)
        if (c.leaf !== "") {
          const leaf = yield* ReceiptModule.leafOf(ReceiptModule.unsigned(c.receipt as unknown as Receipt), h)
          assert.strictEqual(Buffer.from(leaf).toString("hex"), c.leaf, c.name)
        }
      }
    }).pipe(Effect.provide(Crypto.layerWebCrypto)))
})
