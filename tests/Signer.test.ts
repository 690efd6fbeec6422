import { assert, layer } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Redacted, Schema } from "effect"
import * as Crypto from "../src/Crypto.ts"
import * as Enact from "../src/Enact.ts"
import * as Journal from "../src/store/Journal.ts"
import type { Receipt } from "../src/Model.ts"
import * as Policy from "../src/Policy.ts"
import * as ReceiptStore from "../src/store/ReceiptStore.ts"
import * as Signer from "../src/receipt/Signer.ts"
import * as Workflow from "../src/Workflow.ts"
import { makeSigner, SECRET, setMany, setup, toJson } from "./support/enact.ts"
import { makeKv } from "./support/kv.ts"

const noConfig = ConfigProvider.layer(ConfigProvider.fromUnknown({}))
const withEnv = (env: Record<string, string>) => ConfigProvider.layer(ConfigProvider.fromUnknown(env))

/** The `SignerError` reason an HMAC signer built from these options fails with. */
const failure = (options: Signer.HmacOptions) => Effect.map(Effect.flip(Signer.makeHmac(options)), (e) => e.reason)

/** Runs one `set_many` through Enact with the given signer and returns the receipt. */
const receiptWith = (signer: Signer.SignerService) =>
  Effect.gen(function*() {
    const kv = makeKv({ allowedActions: ["set"] })
    const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] }, { signer })
    const { receipt } = yield* enact.run({ workflow: "set_many", user: "u", payload: { system: "store", pairs: [{ key: "a", value: "1" }] } })
    return receipt
  })

/** Verifies with the given signer. */
const verifyWith = (signer: Signer.SignerService, receipt: unknown) =>
  Effect.gen(function*() {
    const { enact } = yield* setup({}, { signer })
    return yield* enact.verify(receipt)
  })

layer(Crypto.layerWebCrypto)("HMAC secret rules", (it) => {
  it.effect("no secret option and no ENACT_SECRET fails with MissingSecret", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* failure({}), "MissingSecret")
      assert.strictEqual(yield* failure({ secret: "" }), "MissingSecret")
      assert.strictEqual(yield* failure({ secret: Redacted.make("") }), "MissingSecret")
    }).pipe(Effect.provide(noConfig)))

  it.effect("the Enact layer cannot be built without a secret", () =>
    Effect.gen(function*() {
      const live = Enact.layer({}).pipe(
        Layer.provide(Layer.mergeAll(ReceiptStore.layerMemory, Journal.layerMemory, Signer.layerHmac())),
        Layer.provide(Crypto.layerWebCrypto)
      )
      const e = yield* Effect.flip(Layer.build(live).pipe(Effect.scoped))
      assert.strictEqual(e.reason, "MissingSecret")
    }).pipe(Effect.provide(noConfig)))

  it.effect("a 31-character secret fails with WeakSecret", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* failure({ secret: "x".repeat(31) }), "WeakSecret")
      assert.strictEqual(yield* failure({ secret: Redacted.make("x".repeat(31)) }), "WeakSecret")
      assert.strictEqual(Signer.MIN_SECRET_LENGTH, 32)
    }))

  it.effect("a weak ENACT_SECRET fails with WeakSecret too", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* failure({}), "WeakSecret")
    }).pipe(Effect.provide(withEnv({ ENACT_SECRET: "short" }))))

  it.effect("a 31-character secret works with allowInsecureSecret", () =>
    Effect.gen(function*() {
      const signer = yield* Signer.makeHmac({ secret: "x".repeat(31), allowInsecureSecret: true })
      const receipt = yield* receiptWith(signer)
      assert.deepStrictEqual(yield* verifyWith(signer, receipt), { valid: true })
    }))

  it.effect("a 32-character secret is accepted", () =>
    Effect.gen(function*() {
      const signer = yield* Signer.makeHmac({ secret: "x".repeat(32) })
      assert.strictEqual(signer.algorithm, "hmac-sha256")
    }))

  it.effect("ENACT_SECRET from the ConfigProvider signs receipts that the same secret verifies", () =>
    Effect.gen(function*() {
      const fromEnv = yield* Signer.makeHmac()
      const receipt = yield* receiptWith(fromEnv)
      const explicit = yield* Signer.makeHmac({ secret: SECRET })
      assert.strictEqual(fromEnv.keyId, explicit.keyId)
      assert.deepStrictEqual(yield* verifyWith(explicit, receipt), { valid: true })
      const other = yield* Signer.makeHmac({ secret: SECRET + "!" })
      assert.isFalse((yield* verifyWith(other, receipt)).valid)
    }).pipe(Effect.provide(withEnv({ ENACT_SECRET: SECRET }))))

  it.effect("an explicit secret takes precedence over ENACT_SECRET", () =>
    Effect.gen(function*() {
      const fromEnv = yield* Signer.makeHmac()
      const sameAsEnv = yield* Signer.makeHmac({ secret: "e".repeat(40) })
      assert.strictEqual(fromEnv.keyId, sameAsEnv.keyId)
      const chosen = yield* Signer.makeHmac({ secret: Redacted.make(SECRET) })
      const explicit = yield* Signer.makeHmac({ secret: SECRET })
      assert.strictEqual(chosen.keyId, explicit.keyId)
      assert.notStrictEqual(chosen.keyId, fromEnv.keyId)
    }).pipe(Effect.provide(withEnv({ ENACT_SECRET: "e".repeat(40) }))))

  it.effect("a wrong secret fails verification", () =>
    Effect.gen(function*() {
      const receipt = yield* receiptWith(yield* makeSigner())
      const wrong = yield* Signer.makeHmac({ secret: SECRET.replace("a", "b") })
      const v = yield* verifyWith(wrong, receipt)
      assert.isFalse(v.valid)
      // Same key id but a different secret: the signature check itself must catch it.
      const impostor = yield* Signer.makeHmac({ secret: "another-secret-of-enough-length-000", keyId: receipt.key_id })
      const v2 = yield* verifyWith(impostor, receipt)
      assert.isFalse(v2.valid)
      if (!v2.valid) assert.include(v2.reason, "Signature does not match")
    }))

  it.effect("key ids identify the secret without revealing it", () =>
    Effect.gen(function*() {
      const a = yield* Signer.makeHmac({ secret: SECRET })
      const a2 = yield* Signer.makeHmac({ secret: SECRET })
      const b = yield* Signer.makeHmac({ secret: SECRET + "x" })
      assert.strictEqual(a.keyId, a2.keyId)
      assert.notStrictEqual(a.keyId, b.keyId)
      assert.match(a.keyId, /^hmac:[0-9a-f]{16}$/)
      assert.notInclude(a.keyId, SECRET.slice(0, 8))
      const named = yield* Signer.makeHmac({ secret: SECRET, keyId: "prod-2026" })
      assert.strictEqual(named.keyId, "prod-2026")
    }))

  it.effect("the signing secret never appears in any receipt", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set", "publish"] })
      const block = Policy.make("no_b", (c) => {
        const pairs = (c.payload as { readonly pairs?: ReadonlyArray<{ readonly key: string }> }).pairs ?? []
        return Policy.check(pairs.every((p) => p.key !== "b"), "ok", "b is blocked")
      })
      const { enact } = yield* setup({ systems: { store: kv.connector }, policies: [block], workflows: [setMany] })
      const receipts: Array<Receipt> = []
      const pass = yield* enact.run({ workflow: "set_many", user: "u", payload: { system: "store", pairs: [{ key: "a", value: "1" }] } })
      receipts.push(pass.receipt)
      receipts.push((yield* enact.run({ workflow: "set_many", user: "u", payload: { system: "store", pairs: [{ key: "b", value: "1" }] } })).receipt)
      receipts.push((yield* enact.run({ workflow: "set_many", user: "u", payload: { wrong: true } })).receipt)
      receipts.push((yield* enact.runAction({ system: "store", action: "publish", args: { key: "a" }, user: "u" })).receipt)
      receipts.push((yield* enact.rollback(pass.receipt.run_id)).receipt)
      assert.deepStrictEqual(receipts.map((r) => r.decision), ["PASS", "BLOCK", "BLOCK", "PASS", "ROLLED_BACK"])
      for (const r of receipts) {
        const text = JSON.stringify(r)
        assert.notInclude(text, SECRET)
        assert.notInclude(text, Buffer.from(SECRET).toString("hex"))
        assert.notInclude(text, Buffer.from(SECRET).toString("base64"))
      }
    }))
})

layer(Crypto.layerWebCrypto)("connector secrets", (it) => {
  const TOKEN = "tok_live_5f2c9d0e1a7b"

  it.effect("a connector secret flowing into payload, outputs and rollback data is replaced by [REDACTED]", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set", "get"], secret: TOKEN })
      kv.data.set("prev", `old-${TOKEN}`)
      const leaky = Workflow.make({
        name: "leaky",
        payload: Schema.Struct({ note: Schema.String }),
        run: (ctx) =>
          Effect.gen(function*() {
            yield* ctx.act("store", { action: "set", args: { key: "token", value: TOKEN } })
            yield* ctx.act("store", { action: "set", args: { key: "prev", value: "new" } })
            yield* ctx.act("store", { action: "get", args: { key: "token" } })
            return TOKEN
          })
      })
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [leaky] })
      const { receipt } = yield* enact.run({
        workflow: "leaky",
        user: "u",
        payload: { note: `use ${TOKEN} please` },
        userAttributes: { [TOKEN]: TOKEN }
      })
      assert.strictEqual(receipt.decision, "PASS")
      const text = JSON.stringify(receipt)
      assert.notInclude(text, TOKEN)
      assert.deepStrictEqual(receipt.payload, { note: "use [REDACTED] please" })
      assert.deepStrictEqual(receipt.user_attributes, { "[REDACTED]": "[REDACTED]" })
      assert.deepStrictEqual(receipt.actions_taken[0]?.output, { key: "token", value: "[REDACTED]" })
      assert.deepStrictEqual(receipt.actions_taken[1]?.rollback_data?.args, { expected: "new", key: "prev", value: "old-[REDACTED]" })
      assert.deepStrictEqual(receipt.actions_taken[2]?.output, { key: "token", value: "[REDACTED]" })
      assert.strictEqual(kv.data.get("token"), TOKEN, "the action itself got the real value")
      assert.deepStrictEqual(yield* enact.verify(receipt), { valid: true })
    }))

  it.effect("a connector secret in a blocked payload or a policy reason is redacted", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"], secret: TOKEN })
      const echo = Policy.make("echo", (c) => Policy.fail(`saw ${JSON.stringify(c.payload)}`))
      const { enact } = yield* setup({ systems: { store: kv.connector }, policies: [echo], workflows: [setMany] })
      const blocked = yield* enact.run({ workflow: "set_many", user: "u", payload: { system: "store", pairs: [{ key: TOKEN, value: TOKEN }] } })
      assert.strictEqual(blocked.receipt.decision, "BLOCK")
      assert.notInclude(JSON.stringify(blocked.receipt), TOKEN)
      assert.include(blocked.receipt.reason ?? "", "[REDACTED]")
      const invalid = yield* enact.run({ workflow: "set_many", user: "u", payload: { [TOKEN]: 1 } })
      assert.notInclude(JSON.stringify(invalid.receipt), TOKEN)
      assert.include(invalid.receipt.reason ?? "", "[REDACTED]")
    }))

  it.effect("a connector secret never reaches the journal", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"], secret: TOKEN })
      const memory = Journal.makeMemory()
      const written: Array<string> = []
      const journal: Journal.JournalService = {
        ...memory,
        append: (runId, entries) => Effect.andThen(Effect.sync(() => written.push(JSON.stringify(entries))), memory.append(runId, entries))
      }
      const { enact } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] }, { journal })
      yield* enact.run({ workflow: "set_many", user: "u", payload: { system: "store", pairs: [{ key: "k", value: TOKEN }] } })
      assert.isAbove(written.length, 0)
      for (const w of written) assert.notInclude(w, TOKEN)
    }))
})

layer(Crypto.layerWebCrypto)("Ed25519", (it) => {
  it.effect("receipts signed with a private key verify with the public key alone, and not with another key", () =>
    Effect.gen(function*() {
      const keys = yield* Signer.generateEd25519()
      const others = yield* Signer.generateEd25519()
      assert.strictEqual(keys.publicKey.length, 32)
      const signer = yield* Signer.makeEd25519(keys)
      assert.strictEqual(signer.algorithm, "ed25519")
      const receipt = yield* receiptWith(signer)
      assert.strictEqual(receipt.signature_alg, "ed25519")
      assert.strictEqual(receipt.signature.length, 128, "a 64-byte signature in hex")

      const auditor = yield* Signer.makeEd25519Verifier(keys.publicKey)
      assert.deepStrictEqual(yield* verifyWith(auditor, receipt), { valid: true })
      assert.deepStrictEqual(yield* verifyWith(auditor, toJson(receipt)), { valid: true })

      const stranger = yield* Signer.makeEd25519Verifier(others.publicKey)
      assert.isFalse((yield* verifyWith(stranger, receipt)).valid)
      // Even claiming the right key id, another key's signature check fails.
      const liar = { ...stranger, keyId: auditor.keyId }
      const v = yield* verifyWith(liar, receipt)
      assert.isFalse(v.valid)
      if (!v.valid) assert.include(v.reason, "Signature does not match")
    }))

  it.effect("an Enact built on the verifier layer alone verifies Ed25519 receipts", () =>
    Effect.gen(function*() {
      const keys = yield* Signer.generateEd25519()
      const receipt = yield* receiptWith(yield* Signer.makeEd25519(keys))
      const VerifierLive = Enact.layer({}).pipe(
        Layer.provide(Layer.mergeAll(ReceiptStore.layerMemory, Journal.layerMemory, Signer.layerEd25519Verifier(keys.publicKey))),
        Layer.provide(Crypto.layerWebCrypto)
      )
      const v = yield* Enact.verify(receipt).pipe(Effect.provide(VerifierLive))
      assert.deepStrictEqual(v, { valid: true })
    }))

  it.effect("a verify-only signer cannot sign, so a run under it fails and stores nothing", () =>
    Effect.gen(function*() {
      const keys = yield* Signer.generateEd25519()
      const verifier = yield* Signer.makeEd25519Verifier(keys.publicKey)
      const e = yield* Effect.flip(verifier.sign(new Uint8Array([1, 2, 3])))
      assert.strictEqual(e.reason, "CannotSign")

      const kv = makeKv({ allowedActions: ["set"] })
      const { enact, store } = yield* setup({ systems: { store: kv.connector }, workflows: [setMany] }, { signer: verifier })
      const err = yield* Effect.flip(enact.run({ workflow: "set_many", user: "u", payload: { system: "store", pairs: [] } }))
      assert.strictEqual(err._tag, "SignerError")
      if (err._tag === "SignerError") assert.strictEqual(err.reason, "CannotSign")
      assert.deepStrictEqual(yield* store.list(), [])
    }))

  it.effect("HMAC and Ed25519 receipts are not interchangeable", () =>
    Effect.gen(function*() {
      const keys = yield* Signer.generateEd25519()
      const ed = yield* Signer.makeEd25519(keys)
      const hmac = yield* makeSigner()
      const hmacReceipt = yield* receiptWith(hmac)
      const edReceipt = yield* receiptWith(ed)
      assert.isFalse((yield* verifyWith(ed, hmacReceipt)).valid)
      assert.isFalse((yield* verifyWith(hmac, edReceipt)).valid)
    }))

  it.effect("malformed keys fail with InvalidKey", () =>
    Effect.gen(function*() {
      const keys = yield* Signer.generateEd25519()
      const short = yield* Effect.flip(Signer.makeEd25519Verifier(keys.publicKey.subarray(0, 31)))
      assert.strictEqual(short.reason, "InvalidKey")
      const badPrivate = yield* Effect.flip(Signer.makeEd25519({ privateKey: new Uint8Array(48), publicKey: keys.publicKey }))
      assert.strictEqual(badPrivate.reason, "InvalidKey")
      const layerFailure = yield* Effect.flip(Layer.build(Signer.layerEd25519Verifier(new Uint8Array(5))).pipe(Effect.scoped))
      assert.strictEqual(layerFailure.reason, "InvalidKey")
    }))
})
