import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { Effect, Option, Schema } from "effect"
import { sha256 } from "@noble/hashes/sha2.js"
import { bytesToHex } from "@noble/hashes/utils.js"
import type { Receipt } from "../src/Model.ts"
import * as Canonical from "../src/receipt/Canonical.ts"
import * as Merkle from "../src/receipt/Merkle.ts"
import * as ReceiptText from "../src/store/_receiptText.ts"
import { layerCrypto as NodeCryptoLayer } from "../node.ts"
import * as Crypto from "../src/Crypto.ts"
import * as Policy from "../src/Policy.ts"
import * as ReceiptModule from "../src/receipt/Receipt.ts"
import * as ReceiptStore from "../src/store/ReceiptStore.ts"
import * as Signer from "../src/receipt/Signer.ts"
import * as Workflow from "../src/Workflow.ts"
import { makeSigner, setMany, setup, stateOf, toJson, refusal } from "./support/enact.ts"
import { makeKv } from "./support/kv.ts"
import { unsignedReceipt } from "./support/receipts.ts"

/** The tree hasher on the portable (WebCrypto) and the native (node:crypto) Digest layers. */
const webHasher = Merkle.hasher.pipe(Effect.provide(Crypto.layerWebCrypto))
const nodeHasher = Merkle.hasher.pipe(Effect.provide(NodeCryptoLayer))
const withCrypto = Effect.provide(Crypto.layerWebCrypto)

/** A workflow exercising every receipt field: nested payload, policies (one shadow), several actions. */
const rich = Workflow.make({
  name: "rich",
  payload: Schema.Struct({
    key: Schema.String,
    meta: Schema.Struct({ tags: Schema.Array(Schema.String), level: Schema.Number, urgent: Schema.Boolean, note: Schema.NullOr(Schema.String) })
  }),
  run: (ctx) =>
    Effect.gen(function*() {
      yield* ctx.act("store", { action: "set", args: { key: ctx.payload.key, value: "v1" } })
      yield* ctx.act("store", { action: "get", args: { key: ctx.payload.key } })
      yield* ctx.act("store", { action: "publish", args: { key: ctx.payload.key } })
    })
})
const policies = [
  Policy.make("allowed_key", () => Policy.pass("Key is allowed")),
  Policy.shadow(Policy.make("experimental", () => Policy.fail("Would block")))
]

/** Runs `n` rich runs concurrently (so some are batch-signed) and returns them with the harness. */
const richReceipts = (n: number) =>
  Effect.gen(function*() {
    const kv = makeKv({ allowedActions: ["set", "get", "publish"] })
    const h = yield* setup({ systems: { store: kv.connector }, policies, workflows: [rich] })
    const outcomes = yield* Effect.forEach(
      Array.from({ length: n }, (_, i) => i),
      (i) =>
        h.enact.run({
          workflow: "rich",
          user: "agent@co",
          userAttributes: { role: "ops", scopes: ["kv"] },
          payload: { key: `k${i}`, meta: { tags: ["a", "b"], level: 3, urgent: true, note: null } }
        }),
      { concurrency: n }
    )
    return { ...h, kv, receipts: outcomes.map((o) => o.receipt) }
  })

/** Every single-point edit of a JSON value: each leaf changed, each member removed, a member added. */
const edits = (value: unknown, path: string): Array<readonly [string, unknown]> => {
  const out: Array<readonly [string, unknown]> = []
  if (typeof value === "string") {
    out.push([`${path} (appended)`, value + "x"])
    if (value.length > 0) {
      const last = value[value.length - 1] === "0" ? "1" : "0"
      out.push([`${path} (last char)`, value.slice(0, -1) + last])
    }
  } else if (typeof value === "number") {
    out.push([`${path} (+1)`, value + 1])
  } else if (typeof value === "boolean") {
    out.push([`${path} (flipped)`, !value])
  } else if (value === null) {
    out.push([`${path} (null → string)`, "tampered"])
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => {
      for (const [p, v] of edits(item, `${path}[${i}]`)) out.push([p, value.map((x, j) => (j === i ? v : x))])
    })
    if (value.length > 0) out.push([`${path} (last removed)`, value.slice(0, -1)])
    out.push([`${path} (item added)`, [...value, value.length > 0 ? value[0] : "extra"]])
  } else if (typeof value === "object") {
    const obj = value as Record<string, unknown>
    for (const k of Object.keys(obj)) {
      for (const [p, v] of edits(obj[k], path === "" ? k : `${path}.${k}`)) out.push([p, { ...obj, [k]: v }])
      const { [k]: _removed, ...rest } = obj
      out.push([`${path === "" ? k : `${path}.${k}`} (removed)`, rest])
    }
    out.push([`${path === "" ? "(receipt)" : path} (extra field)`, { ...obj, extra_field: true }])
  }
  return out
}

describe("receipt verification", () => {
  it.effect("a real receipt verifies, also after a JSON round trip and with its keys reordered", () =>
    Effect.gen(function*() {
      const { enact, receipts } = yield* richReceipts(1)
      const r = receipts[0]!
      assert.deepStrictEqual(yield* enact.verify(r), { valid: true })
      assert.deepStrictEqual(yield* enact.verify(toJson(r)), { valid: true })
      const reordered = Object.fromEntries(Object.entries(toJson(r)).reverse())
      assert.deepStrictEqual(yield* enact.verify(reordered), { valid: true })
      // and in another "process": a fresh instance holding the same secret
      const other = yield* setup({})
      assert.deepStrictEqual(yield* other.enact.verify(toJson(r)), { valid: true })
    }))

  it.effect("tampering with any single field of a receipt makes verification fail", () =>
    Effect.gen(function*() {
      const { enact, receipts, signer } = yield* richReceipts(4)
      // Runs that journal (sign journal entries) rarely reach the sealer in the same tick, so seal the
      // contents of four real receipts together: the first is signed at once, the others wait for it and
      // share the next signature, each with an audit path.
      const seal = yield* ReceiptModule.makeSealer(signer, yield* webHasher)
      const sealed = yield* Effect.all(receipts.map((x) => seal(ReceiptModule.unsigned(x))), { concurrency: "unbounded" })
      const r = sealed.find((x) => x.signature_proof.length > 0)
      assert.isDefined(r)
      if (r === undefined) return
      assert.isAbove(r.signature_proof.length, 0, "the receipt is batch-signed")
      assert.deepStrictEqual(yield* enact.verify(r), { valid: true })
      const json = toJson(r)
      const variants = edits(json, "")
      // every top-level field is covered, including the nested ones inside it
      const covered = new Set(variants.map(([p]) => p.split(/[.[ ]/)[0]))
      for (const k of Object.keys(json)) assert.isTrue(covered.has(k), `field ${k} is tampered with`)
      for (const path of ["payload.meta.tags[1]", "payload.meta.level", "payload.meta.urgent", "payload.meta.note", "policy_results[1].shadow", "actions_taken[0].rollback_data.args.value", "actions_taken[2].rollback_data.manual", "user_attributes.scopes[0]", "signature_proof[0]"]) {
        assert.isTrue(variants.some(([p]) => p.startsWith(path)), `nested value ${path} is tampered with`)
      }
      assert.isAbove(variants.length, 100)
      for (const [path, tampered] of variants) {
        const v = yield* enact.verify(tampered)
        assert.isFalse(v.valid, `tampering with ${path} went unnoticed`)
      }
    }))

  it.effect("rollback refuses every tampered variant of a stored receipt with InvalidSignature, and changes nothing", () =>
    Effect.gen(function*() {
      const { receipts, signer, kv } = yield* richReceipts(4)
      const r = receipts.find((x) => x.signature_proof.length > 0) ?? receipts[0]!
      const served: { current: unknown } = { current: r }
      const memory = ReceiptStore.makeMemory()
      const store: ReceiptStore.ReceiptStoreService = {
        ...memory,
        get: (runId) => (runId === r.run_id ? Effect.succeed(Option.some(served.current as Receipt)) : memory.get(runId))
      }
      const { enact } = yield* setup({ systems: { store: kv.connector }, policies, workflows: [rich] }, { store, signer })
      const before = stateOf(kv.data)
      const logBefore = kv.log.length
      for (const [path, tampered] of edits(toJson(r), "")) {
        served.current = tampered
        const e = yield* Effect.flip(enact.rollback(r.run_id))
        assert.strictEqual(refusal(e), "InvalidSignature", path)
        const plan = yield* Effect.flip(enact.rollbackPlan(r.run_id))
        assert.isTrue(refusal(plan) === "InvalidSignature", path)
      }
      assert.deepStrictEqual(stateOf(kv.data), before)
      assert.strictEqual(kv.log.length, logBefore)
      assert.deepStrictEqual(yield* memory.list(), [], "no rollback receipt was written")
      // the untouched receipt still rolls back
      served.current = r
      const ok = yield* enact.rollback(r.run_id)
      assert.strictEqual(ok.result.decision, "ROLLBACK_PARTIAL")
    }))

  it.effect("rollback refuses a stored receipt whose rollback data was edited to restore an attacker's value", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      kv.data.set("balance", "100")
      const { enact, signer } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] })
      const { receipt } = yield* enact.run({ workflow: "set_many", user: "u", payload: { system: "store", pairs: [{ key: "balance", value: "90" }] } })
      const forged: Receipt = {
        ...receipt,
        actions_taken: receipt.actions_taken.map((a) => ({ ...a, rollback_data: { action: "restore", args: { key: "balance", value: "1000000" } } }))
      }
      const store = ReceiptStore.makeMemory()
      yield* store.put(forged)
      const victim = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] }, { store, signer })
      const e = yield* Effect.flip(victim.enact.rollback(receipt.run_id))
      assert.isTrue(refusal(e) === "InvalidSignature")
      assert.deepStrictEqual(stateOf(kv.data), { balance: "90" })
    }))

  it.effect("verify never fails and explains why garbage is not a receipt", () =>
    Effect.gen(function*() {
      const { enact, receipts } = yield* richReceipts(1)
      const r = toJson(receipts[0]!)
      const { signature: _s, ...unsignedOnly } = r
      const garbage: ReadonlyArray<unknown> = [
        null,
        undefined,
        "receipt",
        42,
        [],
        {},
        unsignedOnly,
        { ...r, signature: "" },
        { ...r, signature: r["signature"] + "0" },
        { ...r, signature: String(r["signature"]).toUpperCase() },
        { ...r, format_version: 1 },
        { ...r, format_version: 3 },
        { ...r, signature_proof: Array.from({ length: 65 }, () => `L${"0".repeat(64)}`) },
        { ...r, policy_results: [{ policy: "x", passed: true, reason: "y", extra: 1 }] }
      ]
      for (const g of garbage) {
        const v = yield* enact.verify(g)
        assert.isFalse(v.valid, JSON.stringify(g)?.slice(0, 80))
        if (!v.valid) assert.isString(v.reason)
      }
    }))

  it.effect("Receipt.sign and Receipt.verify use the Signer in context; a lone receipt has an empty proof", () =>
    Effect.gen(function*() {
      const signer = yield* makeSigner()
      const unsigned = unsignedReceipt({ run_id: "r-1", payload: { a: [1, "x", null] }, signature_alg: signer.algorithm, key_id: signer.keyId })
      const receipt = yield* ReceiptModule.sign(unsigned).pipe(Effect.provideService(Signer.Signer, signer), withCrypto)
      assert.deepStrictEqual(receipt.signature_proof, [])
      assert.deepStrictEqual(ReceiptModule.unsigned(receipt), unsigned)
      assert.isTrue(yield* ReceiptModule.verify(receipt).pipe(Effect.provideService(Signer.Signer, signer), withCrypto))
      // the signature is over the Merkle root, which for a lone receipt is its own leaf
      const leaf = yield* ReceiptModule.leafOf(unsigned, yield* webHasher)
      const message = new Uint8Array([...new TextEncoder().encode("enact/receipt-root/v1\n"), ...leaf])
      assert.isTrue(yield* signer.verify(message, Uint8Array.from(Buffer.from(receipt.signature, "hex"))))
      const edited = { ...receipt, payload: { a: [1, "x", null, 2] } }
      const detailed = yield* ReceiptModule.verifyDetailed(edited).pipe(Effect.provideService(Signer.Signer, signer), withCrypto)
      assert.isFalse(detailed.valid)
    }))
})

describe("stored text", () => {
  it.effect("the text stored for a sealed receipt is exactly its canonical encoding, whatever its payload holds", () =>
    Effect.gen(function*() {
      const signer = yield* makeSigner()
      const key = fc.oneof(fc.string(), fc.constantFrom("__proto__", "10", "2", "signature", "signature_proof", "run_id", "é", "\u{1F600}", ""))
      const json = fc.letrec((tie) => ({
        value: fc.oneof({ depthSize: "small" }, fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null),
          fc.array(tie("value"), { maxLength: 4 }), fc.dictionary(key, tie("value"), { maxKeys: 5 }))
      })).value
      const payloads = fc.sample(json, { numRuns: 200, seed: 7 })
      for (const [i, payload] of payloads.entries()) {
        // Through JSON, as requests arrive: a `__proto__` key stays an own data property.
        const data = JSON.parse(JSON.stringify(payload) ?? "null") as Receipt["payload"]
        const unsigned = unsignedReceipt({ run_id: `r-${i}`, payload: data, signature_alg: signer.algorithm, key_id: signer.keyId })
        const receipt = yield* ReceiptModule.sign(unsigned).pipe(Effect.provideService(Signer.Signer, signer), withCrypto)
        const stored = ReceiptText.encode(receipt)
        assert.isTrue(stored.ok)
        if (stored.ok) assert.strictEqual(stored.text, Canonical.encode(receipt), `payload ${JSON.stringify(data)}`)
      }
    }))
})

describe("batch signing", () => {
  it.effect("50 concurrent runs share signatures in batches and every receipt verifies on its own", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const { enact, store } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] })
      const outcomes = yield* Effect.forEach(
        Array.from({ length: 50 }, (_, i) => i),
        (i) => enact.run({ workflow: "set_many", user: "u", payload: { system: "store", pairs: [{ key: `k${i}`, value: `v${i}` }] } }),
        { concurrency: 50 }
      )
      const receipts = outcomes.map((o) => o.receipt)
      assert.strictEqual(new Set(receipts.map((r) => r.run_id)).size, 50)
      assert.isTrue(receipts.some((r) => r.signature_proof.length > 0), "some receipts were signed in a batch")
      const signatures = new Set(receipts.map((r) => r.signature))
      assert.isBelow(signatures.size, 50, "receipts share signatures")
      assert.strictEqual((yield* store.list()).length, 50)
      const auditor = yield* setup({})
      for (const r of receipts) {
        assert.deepStrictEqual(yield* auditor.enact.verify(toJson(r)), { valid: true }, r.run_id)
      }
      // receipts of one batch recompute the same root from their own proofs
      const bySignature = new Map<string, Array<Receipt>>()
      for (const r of receipts) bySignature.set(r.signature, [...(bySignature.get(r.signature) ?? []), r])
      const h = yield* webHasher
      for (const group of bySignature.values()) {
        const roots = new Set(yield* Effect.forEach(group, (r) =>
          Effect.gen(function*() {
            const root = yield* Merkle.rootFromProof(yield* ReceiptModule.leafOf(ReceiptModule.unsigned(r), h), r.signature_proof, h)
            return root === undefined ? "malformed" : bytesToHex(root)
          })))
        assert.strictEqual(roots.size, 1)
        assert.isFalse(roots.has("malformed"))
      }
    }))

  it.effect("swapping proofs or signatures between receipts fails verification", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] })
      // two bursts one after the other: at least two different batches
      const burst = (from: number) =>
        Effect.forEach(
          Array.from({ length: 10 }, (_, i) => from + i),
          (i) => enact.run({ workflow: "set_many", user: "u", payload: { system: "store", pairs: [{ key: `k${i}`, value: "v" }] } }),
          { concurrency: 10 }
        )
      const outcomes = [...(yield* burst(0)), ...(yield* burst(10))]
      const receipts = outcomes.map((o) => o.receipt)
      const batched = receipts.filter((r) => r.signature_proof.length > 0)
      const a = batched[0]
      const b = batched.find((x) => x.signature === a?.signature && x.run_id !== a.run_id)
      assert.isDefined(a)
      assert.isDefined(b, "two receipts share a batch")
      if (a === undefined || b === undefined) return
      assert.notDeepEqual(a.signature_proof, b.signature_proof)
      assert.isFalse((yield* enact.verify({ ...a, signature_proof: b.signature_proof })).valid)
      assert.isFalse((yield* enact.verify({ ...b, signature_proof: a.signature_proof })).valid)
      assert.isFalse((yield* enact.verify({ ...a, signature_proof: [] })).valid)
      if (a.signature_proof.length > 1) {
        assert.isFalse((yield* enact.verify({ ...a, signature_proof: [...a.signature_proof].reverse() })).valid)
      }
      const lone = receipts.find((x) => x.signature !== a.signature)
      assert.isDefined(lone, "there is more than one batch")
      if (lone !== undefined) {
        assert.isFalse((yield* enact.verify({ ...lone, signature: a.signature })).valid)
        assert.isFalse((yield* enact.verify({ ...a, signature: lone.signature })).valid)
      }
    }))

  it.effect("the sealer batches receipts that arrive while a signature is in flight", () =>
    Effect.gen(function*() {
      const signer = yield* makeSigner()
      let signatures = 0
      const counting: Signer.SignerService = {
        ...signer,
        sign: (m) => {
          signatures++
          return signer.sign(m)
        }
      }
      const seal = yield* ReceiptModule.makeSealer(counting, yield* webHasher)
      const unsigned = (i: number) => unsignedReceipt({ run_id: `r${i}`, payload: i, signature_alg: signer.algorithm, key_id: signer.keyId })
      const sealed = yield* Effect.forEach(Array.from({ length: 33 }, (_, i) => unsigned(i)), seal, { concurrency: "unbounded" })
      assert.isBelow(signatures, 33)
      assert.deepStrictEqual(sealed.map((r) => r.run_id), Array.from({ length: 33 }, (_, i) => `r${i}`))
      for (const r of sealed) assert.isTrue(yield* ReceiptModule.verify(r).pipe(Effect.provideService(Signer.Signer, signer), withCrypto))
    }))

  it.effect("a signer failure fails every run of its batch instead of storing unsigned receipts", () =>
    Effect.gen(function*() {
      const signer = yield* makeSigner()
      const broken: Signer.SignerService = {
        ...signer,
        sign: () => Effect.fail(new Signer.SignerError({ reason: "Crypto", message: "Signing failed: HSM offline" }))
      }
      const kv = makeKv({ allowedActions: ["set"] })
      const { enact, store } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] }, { signer: broken })
      const results = yield* Effect.forEach(
        [0, 1, 2, 3],
        (i) => Effect.flip(enact.run({ workflow: "set_many", user: "u", payload: { system: "store", pairs: [{ key: `k${i}`, value: "v" }] } })),
        { concurrency: 4 }
      )
      for (const e of results) {
        assert.strictEqual(e._tag, "SignerError")
        if (e._tag === "SignerError") assert.include(e.message, "HSM offline")
      }
      assert.deepStrictEqual(yield* store.list(), [])
    }))
})

describe("Merkle", () => {
  const leavesOf = (n: number, h: Merkle.Hasher) => Effect.forEach(Array.from({ length: n }, (_, i) => `leaf-${i}`), h.leaf)

  it.effect("every leaf's proof recomputes the root, for trees of 1 to 33 leaves", () =>
    Effect.gen(function*() {
      const h = yield* webHasher
      for (let n = 1; n <= 33; n++) {
        const leaves = yield* leavesOf(n, h)
        const { proofs, root } = yield* Merkle.build(leaves, h)
        assert.strictEqual(proofs.length, n)
        for (let i = 0; i < n; i++) {
          const got = yield* Merkle.rootFromProof(leaves[i]!, proofs[i]!, h)
          assert.isDefined(got)
          assert.strictEqual(bytesToHex(got!), bytesToHex(root), `n=${n} i=${i}`)
          assert.isAtMost(proofs[i]!.length, Math.ceil(Math.log2(n)))
        }
        if (n === 1) {
          assert.deepStrictEqual(proofs[0], [])
          assert.strictEqual(bytesToHex(root), bytesToHex(leaves[0]!))
        }
      }
    }))

  it.effect("a proof does not fit another leaf", () =>
    Effect.gen(function*() {
      const h = yield* webHasher
      for (const n of [2, 3, 7, 16, 33]) {
        const leaves = yield* leavesOf(n, h)
        const { proofs, root } = yield* Merkle.build(leaves, h)
        for (let i = 0; i < n; i++) {
          const j = (i + 1) % n
          const got = yield* Merkle.rootFromProof(leaves[j]!, proofs[i]!, h)
          assert.notStrictEqual(got === undefined ? "" : bytesToHex(got), bytesToHex(root), `n=${n} leaf ${j} with proof ${i}`)
        }
      }
    }))

  it.effect("malformed proof entries give undefined", () =>
    Effect.gen(function*() {
      const h = yield* webHasher
      const leaves = yield* leavesOf(4, h)
      const { proofs } = yield* Merkle.build(leaves, h)
      const good = proofs[0]![0]!
      const hex = good.slice(1)
      const bad = [
        "",
        "L",
        `X${hex}`,
        `l${hex}`,
        hex,
        `L${hex.slice(1)}`,
        `L${hex}0`,
        `L${hex.toUpperCase().replace(/[0-9]/g, "A")}`,
        `L${hex.slice(0, -1)}g`,
        ` L${hex}`,
        `L${hex}\n`
      ]
      for (const entry of bad) {
        assert.isUndefined(yield* Merkle.rootFromProof(leaves[0]!, [entry], h), JSON.stringify(entry))
        assert.isUndefined(yield* Merkle.rootFromProof(leaves[0]!, [good, entry], h), JSON.stringify(entry))
      }
      assert.isUndefined(yield* Merkle.rootFromProof(leaves[0]!, Array.from({ length: 65 }, () => good), h), "too long")
    }))

  it.effect("building a tree of no leaves is a RangeError defect", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Merkle.build([], yield* webHasher))
      assert.isTrue(exit._tag === "Failure" && String(exit.cause).includes("RangeError"))
    }))

  it.effect("leaves and inner nodes are domain-separated (RFC 6962 style)", () =>
    Effect.gen(function*() {
      const h = yield* webHasher
      const data = new TextEncoder().encode("récépissé")
      assert.strictEqual(bytesToHex(yield* h.leaf("récépissé")), bytesToHex(sha256(new Uint8Array([0, ...data]))))
      const [a, b] = (yield* leavesOf(2, h)) as [Uint8Array, Uint8Array]
      const { root } = yield* Merkle.build([a, b], h)
      assert.strictEqual(bytesToHex(root), bytesToHex(sha256(new Uint8Array([1, ...a, ...b]))))
      assert.notStrictEqual(bytesToHex(root), bytesToHex(sha256(new Uint8Array([0, ...a, ...b]))))
    }))
})

describe("native crypto layer", () => {
  it.effect("hashes leaves and nodes exactly like the portable layer", () =>
    Effect.gen(function*() {
      const web = yield* webHasher
      const native = yield* nodeHasher
      const samples = fc.sample(
        fc.tuple(fc.string({ unit: "binary" }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 })),
        200
      )
      for (const [text, l, r] of samples) {
        assert.strictEqual(bytesToHex(yield* native.leaf(text)), bytesToHex(yield* web.leaf(text)))
        assert.strictEqual(bytesToHex(yield* native.node(l, r)), bytesToHex(yield* web.node(l, r)))
      }
    }))

  it.effect("receipts sealed with native crypto verify with the portable layer, and back", () =>
    Effect.gen(function*() {
      const nativeSigner = yield* Signer.makeHmac({ secret: "native-and-portable-agree-0123456789" }).pipe(Effect.provide(NodeCryptoLayer))
      const webSigner = yield* Signer.makeHmac({ secret: "native-and-portable-agree-0123456789" }).pipe(withCrypto)
      assert.strictEqual(nativeSigner.keyId, webSigner.keyId)
      const seal = yield* ReceiptModule.makeSealer(nativeSigner, yield* nodeHasher)
      const base = unsignedReceipt({ run_id: "r0", payload: { text: "héllo 👋" }, signature_alg: nativeSigner.algorithm, key_id: nativeSigner.keyId })
      const sealed = yield* Effect.forEach([0, 1, 2, 3, 4], (i) => seal({ ...base, run_id: `r${i}` }), { concurrency: "unbounded" })
      for (const r of sealed) {
        assert.deepStrictEqual(yield* ReceiptModule.verifyWith(webSigner, r, yield* webHasher), { valid: true })
      }
      const webSeal = yield* ReceiptModule.makeSealer(webSigner, yield* webHasher)
      const back = yield* webSeal({ ...base, run_id: "w1" })
      assert.deepStrictEqual(yield* ReceiptModule.verifyWith(nativeSigner, back, yield* nodeHasher), { valid: true })
    }))
})
