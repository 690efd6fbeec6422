import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Exit, Layer, Option } from "effect"
import fc from "fast-check"
import * as fsp from "node:fs/promises"
import * as nodePath from "node:path"
import * as LogFrame from "../src/store/_logFrame.ts"
import * as ReceiptText from "../src/store/_receiptText.ts"
import * as Canonical from "../src/receipt/Canonical.ts"
import * as Crypto from "../src/Crypto.ts"
import * as FileReceiptStore from "../src/store/FileReceiptStore.ts"
import * as Merkle from "../src/receipt/Merkle.ts"
import type { Json, Receipt, UnsignedReceipt } from "../src/Model.ts"
import * as ReceiptModule from "../src/receipt/Receipt.ts"
import * as ReceiptStore from "../src/store/ReceiptStore.ts"
import * as Signer from "../src/receipt/Signer.ts"
import { readBytes, tempDir, writeText } from "./support/tempDir.ts"
import { unsignedReceipt } from "./support/receipts.ts"

const NodeLayer = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)
const SECRET = "canonical-test-secret-0123456789abcdef"
const signer = Signer.makeHmac({ secret: SECRET, keyId: "test" }).pipe(Effect.provide(Crypto.layerWebCrypto))
const hasher = Merkle.hasher.pipe(Effect.provide(Crypto.layerWebCrypto))

/** A receipt with a real signature whose payload offers numbers, escapes and non-ASCII text to rewrite. */
const signed = (runId: string): Effect.Effect<Receipt, Signer.SignerError> =>
  sealWith(unsignedReceipt({
    run_id: runId,
    payload: { amount: 1, label: "Apply", zero: 0, cafe: "café", path: "a/b" }
  }))

/** Signs one receipt alone with the test signer. */
function sealWith(u: UnsignedReceipt): Effect.Effect<Receipt, Signer.SignerError> {
  return Effect.flatMap(signer, (s) => ReceiptModule.sign(u).pipe(Effect.provideService(Signer.Signer, s), Effect.provide(Crypto.layerWebCrypto)))
}

const verifies = (value: unknown) => Effect.flatMap(signer, (s) => Effect.flatMap(hasher, (h) => ReceiptModule.verifyWith(s, value, h)))

const text = (r: Receipt) => Canonical.encode(r) + "\n"

/**
 * Byte strings an attacker can write for a receipt whose canonical text is `c`: the same receipt (or a
 * superset) in another spelling. `parses` marks those a plain `JSON.parse` (after a BOM-stripping decoder,
 * as the store used) still reads as a validly signed receipt, which is what makes them dangerous.
 */
const variants = (c: string): ReadonlyArray<{ readonly name: string; readonly bytes: string; readonly parses: boolean }> => [
  { name: "duplicate key", bytes: c.replace("{", "{\"workflow\":\"forged\",") + "\n", parses: true },
  { name: "1.0 for 1", bytes: c.replace("\"amount\":1", "\"amount\":1.0") + "\n", parses: true },
  { name: "-0 for 0", bytes: c.replace("\"zero\":0", "\"zero\":-0") + "\n", parses: true },
  { name: "0e5 for 0", bytes: c.replace("\"zero\":0", "\"zero\":0e5") + "\n", parses: true },
  { name: "1E0 for 1", bytes: c.replace("\"amount\":1", "\"amount\":1E0") + "\n", parses: true },
  { name: "\\u0041 escape", bytes: c.replace("\"Apply\"", "\"\\u0041pply\"") + "\n", parses: true },
  { name: "\\u00e9 escape", bytes: c.replace("café", "caf\\u00e9") + "\n", parses: true },
  { name: "escaped slash", bytes: c.replace("a/b", "a\\/b") + "\n", parses: true },
  { name: "whitespace inside", bytes: c.replace("{", "{ ") + "\n", parses: true },
  { name: "pretty-printed", bytes: JSON.stringify(JSON.parse(c), null, 2).replaceAll("\n", " ") + "\n", parses: true },
  { name: "trailing space", bytes: c + " \n", parses: true },
  { name: "CRLF", bytes: c + "\r\n", parses: true },
  { name: "two newlines", bytes: c + "\n\n", parses: true },
  { name: "reordered keys", bytes: JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(c)).reverse())) + "\n", parses: true },
  { name: "byte-order mark", bytes: "\uFEFF" + c + "\n", parses: true },
  { name: "second JSON value", bytes: c + " " + c + "\n", parses: false },
  { name: "second line", bytes: c + "\n" + c + "\n", parses: false },
  { name: "unknown field", bytes: Canonical.encode({ ...JSON.parse(c), zz_extra: 1 }) + "\n", parses: false }
]

/** What a pre-canonical reader made of the bytes: BOM-stripping UTF-8 decode, then JSON.parse. */
const laxParse = (bytes: string): unknown => JSON.parse(new TextDecoder().decode(new TextEncoder().encode(bytes)))

const withStore = <A, E>(dir: string, f: (store: ReceiptStore.ReceiptStoreService) => Effect.Effect<A, E>) =>
  Effect.scoped(Effect.flatMap(FileReceiptStore.make({ directory: dir }), f))

layer(NodeLayer)("FileReceiptStore with files written by an attacker", (it) => {
  it.effect("every non-canonical spelling of a validly signed receipt is refused by get and skipped by list", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("enact-canon-")
      const original = yield* signed("victim")
      const cases = variants(Canonical.encode(original))
      yield* withStore(dir, (store) =>
        Effect.gen(function*() {
          yield* store.put(yield* signed("honest"))
          for (const [i, v] of cases.entries()) {
            const runId = `forged-${i}`
            const forged = yield* signed(runId)
            const bytes = variants(Canonical.encode(forged))[i]!.bytes
            if (v.parses) {
              // The attack is real: the old reader accepted these bytes as a receipt that verifies.
              assert.isTrue((yield* verifies(laxParse(bytes))).valid, `${v.name} verifies when read leniently`)
            }
            yield* writeText(dir, `${runId}.json`, bytes)
            const error = yield* Effect.flip(store.get(runId))
            assert.strictEqual(error.reason._tag, "Corrupt", v.name)
            assert.include(error.message, runId, v.name)
          }
          assert.deepStrictEqual((yield* store.list()).map((r) => r.run_id), ["honest"])
          const ids = yield* store.ids()
          assert.strictEqual(ids.length, cases.length + 1)
          assert.include(ids, "honest")
        }))
    }))

  it.effect("a folder or a symlink loop under a receipt's name is Corrupt for get and skipped by list", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("enact-canon-")
      yield* writeText(dir, "folder.json/inner.txt", "x")
      yield* Effect.promise(() => fsp.symlink("loop.json", nodePath.join(dir, "loop.json")))
      // Log records for those names cannot be restored, and must not stop the store from opening.
      yield* writeText(dir, ".log/crashed.log", LogFrame.encode([text(yield* signed("folder")), text(yield* signed("loop"))].map((t) => new TextEncoder().encode(t)), true))
      yield* withStore(dir, (store) =>
        Effect.gen(function*() {
          yield* store.put(yield* signed("honest"))
          assert.strictEqual((yield* Effect.flip(store.get("folder"))).reason._tag, "Corrupt")
          assert.strictEqual((yield* Effect.flip(store.get("loop"))).reason._tag, "Corrupt")
          assert.deepStrictEqual((yield* store.list()).map((r) => r.run_id), ["honest"])
          assert.deepStrictEqual(yield* store.ids(), ["folder", "honest", "loop"])
        }))
    }))

  it.effect("the error says what is wrong", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("enact-canon-")
      const c = Canonical.encode(yield* signed("r1"))
      yield* writeText(dir, "r1.json", c.replace("\"amount\":1", "\"amount\":1.0") + "\n")
      yield* writeText(dir, "r2.json", "\uFEFF" + c.replace("r1", "r2") + "\n")
      yield* writeText(dir, "r3.json", new Uint8Array([...new TextEncoder().encode(c.replace("r1", "r3")).slice(0, -1), 0xff, 0x7d, 0x0a]))
      yield* withStore(dir, (store) =>
        Effect.gen(function*() {
          const m1 = (yield* Effect.flip(store.get("r1"))).message
          assert.match(m1, /r1\.json is not in canonical form \(RFC 8785\): at character \d+ it has "\.0,/)
          assert.include((yield* Effect.flip(store.get("r2"))).message, "byte-order mark")
          assert.include((yield* Effect.flip(store.get("r3"))).message, "not valid UTF-8")
        }))
    }))

  it.effect("a canonical file round-trips, also when written by hand, and put writes exactly the canonical bytes", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("enact-canon-")
      const put = yield* signed("put-one")
      const byHand = yield* signed("by-hand")
      yield* writeText(dir, "by-hand.json", text(byHand))
      yield* withStore(dir, (store) =>
        Effect.gen(function*() {
          yield* store.put(put)
          // The log record (read while the store is open, before its checkpoint) holds the same bytes.
          const segments = (yield* Effect.promise(() => fsp.readdir(nodePath.join(dir, ".log")))).filter((n) => n.endsWith(".log"))
          const records = yield* Effect.forEach(segments, (n) => Effect.map(readBytes(dir, `.log/${n}`), (b) => LogFrame.scan(b ?? new Uint8Array()).payloads))
          assert.deepStrictEqual(records.flat().map((p) => new TextDecoder().decode(p)), [text(put)])
          assert.deepStrictEqual(yield* store.get("put-one"), Option.some(put))
          assert.deepStrictEqual(yield* store.get("by-hand"), Option.some(byHand))
          assert.isTrue((yield* verifies(Option.getOrThrow(yield* store.get("by-hand")))).valid)
        }))
      assert.strictEqual(new TextDecoder().decode((yield* readBytes(dir, "put-one.json")) ?? undefined), text(put))
    }))

  it.effect("a receipt with an unknown field, or a getter, is refused by put rather than stored differently", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("enact-canon-")
      const r = yield* signed("extra")
      let reads = 0
      const shifty = Object.defineProperty({ ...r }, "workflow", { enumerable: true, get: () => (reads++ === 0 ? "w" : "other") })
      yield* withStore(dir, (store) =>
        Effect.gen(function*() {
          const extra = yield* Effect.flip(store.put({ ...r, extra: true } as Receipt))
          assert.strictEqual(extra.reason._tag, "Corrupt")
          yield* store.put(shifty)
          // Whatever the getter said when encoded is what is stored and read back, byte for byte.
          const stored = Option.getOrThrow(yield* store.get("extra"))
          const bytes = new TextDecoder().decode((yield* readBytes(dir, "extra.json")) ?? undefined)
          assert.strictEqual(bytes, text(stored))
        }))
    }))

  it.effect("replay restores a canonical log record, but not a non-canonical or invalid one", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("enact-canon-")
      const good = yield* signed("logged-good")
      const bad = yield* signed("logged-bad")
      const badRecords = variants(Canonical.encode(bad)).map((v) => new TextEncoder().encode(v.bytes))
      const escaping = new TextEncoder().encode(Canonical.encode({ ...good, run_id: "../escape" }) + "\n")
      const segment = LogFrame.encode([...badRecords, escaping, new TextEncoder().encode(text(good))], true)
      yield* writeText(dir, ".log/crashed.log", segment)
      yield* withStore(dir, (store) =>
        Effect.gen(function*() {
          assert.deepStrictEqual(yield* store.get("logged-good"), Option.some(good))
          assert.isTrue(Option.isNone(yield* store.get("logged-bad")))
          assert.deepStrictEqual(yield* store.ids(), ["logged-good"])
        }))
      assert.isNull(yield* readBytes(nodePath.dirname(dir), "escape.json"))
    }))

  it.effect("replay replaces a forged non-canonical file with the committed record, and keeps a valid one", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("enact-canon-")
      const committed = yield* signed("run-1")
      const other = yield* signed("run-2")
      yield* writeText(dir, "run-1.json", text(committed).replace("\"zero\":0", "\"zero\":-0"))
      yield* writeText(dir, "run-2.json", text(other))
      const loser = Canonical.encode({ ...other, reason: "lost the race" }) + "\n"
      yield* writeText(dir, ".log/crashed.log", LogFrame.encode([text(committed), loser].map((t) => new TextEncoder().encode(t)), true))
      yield* withStore(dir, (store) =>
        Effect.gen(function*() {
          assert.deepStrictEqual(yield* store.get("run-1"), Option.some(committed))
          assert.deepStrictEqual(yield* store.get("run-2"), Option.some(other))
        }))
    }))

  it.effect("property: put writes Canonical.encode(receipt) + newline, and get returns that receipt", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("enact-canon-")
      const s = yield* signer
      const cases = fc.sample(fc.record({ payload: fc.jsonValue({ maxDepth: 3 }), user: fc.string(), n: fc.nat() }), 150)
      yield* withStore(dir, (store) =>
        Effect.forEach(cases, ({ payload, user, n }, i) =>
          Effect.gen(function*() {
            const r = yield* sealWith(unsignedReceipt({ run_id: `p-${i}-${n}`, payload: payload as Json, user_email: user }))
            yield* store.put(r)
            const bytes = (yield* readBytes(dir, `${r.run_id}.json`)) ?? new Uint8Array()
            assert.strictEqual(new TextDecoder().decode(bytes), Canonical.encode(r) + "\n")
            const back = Option.getOrThrow(yield* store.get(r.run_id))
            assert.strictEqual(Canonical.encode(back), Canonical.encode(r))
            assert.isTrue((yield* verifies(back)).valid)
          }), { discard: true }))
    }))

  it.effect("property: a single-byte edit is refused or reads as a different receipt, never the same one", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("enact-canon-")
      const s = yield* signer
      // Bytes that keep JSON valid most often; numbers with exponents offer same-value edits (1e+21 -> 1E+21).
      const significant = [..."eE+-0123456789. \t\r\n\\\"u,:{}[]/"].map((c) => c.charCodeAt(0))
      const edits = fc.sample(
        fc.record({
          payload: fc.jsonValue({ maxDepth: 2 }),
          at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
          byte: fc.oneof(fc.nat(255), fc.constantFrom(...significant))
        }),
        400
      )
      let sameValueEdits = 0
      yield* withStore(dir, (store) =>
        Effect.forEach(edits, ({ payload, at, byte }, i) =>
          Effect.gen(function*() {
            const r = yield* sealWith(unsignedReceipt({
              run_id: `e-${i}`,
              payload: { data: payload as Json, big: 1e21, small: 1.5e-7, text: "A/é" }
            }))
            const bytes = new TextEncoder().encode(text(r))
            const edited = bytes.slice()
            // Every fourth case edits an exponent, where a same-value spelling is one byte away.
            const exponent = text(r).indexOf("e+21")
            const pos = i % 4 === 0 ? exponent + (i % 8 === 0 ? 0 : 1) : Math.floor(at * bytes.length)
            edited[pos] = byte === bytes[pos] ? (byte + 1) % 256 : byte
            if (i % 4 === 0) edited[pos] = i % 8 === 0 ? 0x45 : 0x30 // "E" or "0": 1E+21, 1e021
            try {
              if (Canonical.encode(JSON.parse(new TextDecoder().decode(edited))) === Canonical.encode(r)) sameValueEdits++
            } catch {
              // not JSON at all
            }
            yield* writeText(dir, `e-${i}.json`, edited)
            const got = yield* Effect.exit(store.get(`e-${i}`))
            if (Exit.isFailure(got) || Option.isNone(got.value)) return
            assert.notStrictEqual(Canonical.encode(got.value.value), Canonical.encode(r))
            // What a reader gets is exactly what is on disk.
            assert.strictEqual(new TextDecoder().decode(edited), text(got.value.value))
          }), { discard: true }))
      assert.isAtLeast(sameValueEdits, 100) // the dangerous edits were tried, and all refused
    }))
})

describe("ReceiptText.parse", () => {
  it("exhaustively: no single-byte edit of a receipt parses back to the same receipt", () =>
    Effect.runPromise(Effect.gen(function*() {
      const r = yield* Effect.flatMap(signer, (s) =>
        sealWith(unsignedReceipt({ run_id: "exhaustive", payload: { big: 1e21, small: 1.5e-7, t: "A/é" } })))
      const canonical = Canonical.encode(r)
      const bytes = new TextEncoder().encode(canonical + "\n")
      let accepted = 0
      let sameValue = 0
      for (let pos = 0; pos < bytes.length; pos++) {
        for (let byte = 0; byte < 256; byte++) {
          if (byte === bytes[pos]) continue
          const edited = bytes.slice()
          edited[pos] = byte
          try {
            if (Canonical.encode(JSON.parse(new TextDecoder().decode(edited))) === canonical) sameValue++
          } catch {
            // not JSON
          }
          const parsed = ReceiptText.parse(edited)
          if (!parsed.ok) continue
          accepted++
          assert.notStrictEqual(parsed.text, canonical)
          assert.strictEqual(parsed.text + "\n", new TextDecoder().decode(edited))
        }
      }
      assert.isAbove(sameValue, 0) // same-value spellings exist one byte away, and none was accepted
      // Edits inside string values (and digits) remain valid, different receipts.
      assert.isAbove(accepted, 0)
    })))
})

describe("ReceiptStore.makeMemory", () => {
  it.effect("keeps canonical text: a receipt comes back as a fresh equal copy, and ids lists its keys", () =>
    Effect.gen(function*() {
      const store = ReceiptStore.makeMemory()
      const r = yield* signed("m-1")
      yield* store.put(r)
      yield* store.put(yield* signed("m-0"))
      const first = Option.getOrThrow(yield* store.get("m-1"))
      assert.deepStrictEqual(first, r)
      assert.notStrictEqual(first, Option.getOrThrow(yield* store.get("m-1")))
      assert.deepStrictEqual(yield* store.ids(), ["m-0", "m-1"])
      assert.strictEqual((yield* Effect.flip(store.put({ ...r, run_id: "m-2", extra: 1 } as Receipt))).reason._tag, "Corrupt")
      assert.deepStrictEqual(yield* store.ids(), ["m-0", "m-1"])
    }))
})
