import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Layer, Option, Result } from "effect"
import { spawn } from "node:child_process"
import * as fsp from "node:fs/promises"
import * as nodePath from "node:path"
import { fileURLToPath } from "node:url"
import * as LogFrame from "../src/store/_logFrame.ts"
import * as Canonical from "../src/receipt/Canonical.ts"
import * as FileReceiptStore from "../src/store/FileReceiptStore.ts"
import type { Receipt } from "../src/Model.ts"
import { ReceiptStore, type ReceiptStoreService } from "../src/store/ReceiptStore.ts"
import type { StoreError } from "../src/store/StoreError.ts"
import { readBytes, snapshot, tempDir, writeText } from "./support/tempDir.ts"

const NodeLayer = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

/** A valid receipt; the store does not verify signatures. */
const receipt = (runId: string, fields: Partial<Receipt> = {}): Receipt => ({
  format_version: 2,
  run_id: runId,
  workflow: "deploy",
  user_email: "ada@example.com",
  user_attributes: { team: "platform" },
  payload: { branch: "agent/1" },
  policy_results: [{ policy: "dont_push_to_main", passed: true, reason: "Branch is not main" }],
  policy_reads: [],
  decision: "PASS",
  reason: null,
  actions_taken: [],
  manual_steps: [],
  original_run_id: null,
  timestamp: "2026-11-21T10:00:00.000Z",
  signature_alg: "hmac-sha256",
  key_id: "k1",
  signature: "00",
  signature_proof: [],
  ...fields
})

declare const Deno: unknown

/**
 * A child process that puts receipts `kill-0`, `kill-1`, ... (16 in flight) into `dir`, printing `ACK <i>` once
 * each put returned; it is SIGKILLed after `acks` of them, with more in flight. Resolves with the acked ids.
 */
const putAndKill = (dir: string, acks: number) =>
  new Promise<ReadonlyArray<number>>((resolve, reject) => {
    const store = fileURLToPath(new URL("../src/store/FileReceiptStore.ts", import.meta.url))
    const code = `
      const { Effect, Layer } = await import("effect")
      const NodeFileSystem = await import("@effect/platform-node/NodeFileSystem")
      const NodePath = await import("@effect/platform-node/NodePath")
      const FileReceiptStore = await import(${JSON.stringify(store)})
      const receipt = ${receipt.toString()}
      const program = Effect.gen(function*() {
        const store = yield* FileReceiptStore.make({ directory: ${JSON.stringify(dir)}, segmentRecords: 64 })
        yield* Effect.forEach(Array.from({ length: 5000 }, (_, i) => i), (i) =>
          Effect.andThen(store.put(receipt("kill-" + i)), Effect.sync(() => console.log("ACK " + i))), { concurrency: 16 })
        yield* Effect.never
      }).pipe(Effect.scoped, Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))
      Effect.runFork(program)`
    const args = typeof Deno !== "undefined" ? ["eval", code] : ["--input-type=module", "-e", code]
    const child = spawn(process.execPath, args, { cwd: fileURLToPath(new URL("..", import.meta.url)), stdio: "pipe" })
    let out = ""
    let err = ""
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString()
      if ((out.match(/^ACK /gm) ?? []).length >= acks) child.kill("SIGKILL")
    })
    child.stderr.on("data", (d: Buffer) => (err += d.toString()))
    child.on("exit", (_code, signal) => {
      const acked = [...out.matchAll(/^ACK (\d+)$/gm)].map((m) => Number(m[1]))
      if (signal === "SIGKILL" && acked.length >= acks) resolve(acked)
      else reject(new Error(`child exited (${signal}) after ${acked.length} acks: ${err}`))
    })
  })

/** Runs `f` against a store instance over `directory` that is closed (checkpointed) when `f` ends. */
const withStore = <A, E>(
  directory: string,
  f: (store: ReceiptStoreService) => Effect.Effect<A, E>,
  options: FileReceiptStore.Options = {}
) => Effect.scoped(Effect.flatMap(FileReceiptStore.make({ ...options, directory }), f))

/** The reason tag a store effect fails with. */
const reasonOf = (effect: Effect.Effect<unknown, StoreError>) => Effect.map(Effect.flip(effect), (e) => e.reason._tag)

const encode = (text: string): Uint8Array => new TextEncoder().encode(text)
const fileText = (r: Receipt) => Canonical.encode(r) + "\n"

layer(NodeLayer)("FileReceiptStore", (it) => {
  describe("put, get and list", () => {
    it.effect("stores a receipt as plain JSON in <dir>/<run_id>.json and reads it back", () =>
      Effect.gen(function*() {
        const dir = nodePath.join(yield* tempDir("enact-store-"), "receipts") // created by the layer
        const r = receipt("run-1")
        yield* withStore(dir, (store) =>
          Effect.gen(function*() {
            yield* store.put(r)
            assert.deepStrictEqual(yield* store.get("run-1"), Option.some(r))
            assert.isTrue(Option.isNone(yield* store.get("run-2")))
          }))
        const bytes = yield* readBytes(dir, "run-1.json")
        assert.deepStrictEqual(JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array())), r)
        assert.deepStrictEqual(yield* Effect.promise(() => fsp.readdir(nodePath.join(dir, ".log"))), [])
      }))

    it.effect("list applies every filter and returns newest first", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-store-")
        const all = [
          receipt("a", { timestamp: "2026-01-01T00:00:00.000Z" }),
          receipt("b", { timestamp: "2026-01-02T00:00:00.000Z", decision: "BLOCK", workflow: "other" }),
          receipt("c", { timestamp: "2026-01-03T00:00:00.000Z", user_email: "bob@example.com" }),
          receipt("rb-a-1", { timestamp: "2026-01-04T00:00:00.000Z", decision: "ROLLED_BACK", original_run_id: "a" })
        ]
        yield* withStore(dir, (store) =>
          Effect.gen(function*() {
            yield* Effect.forEach(all, store.put, { concurrency: "unbounded" })
            const ids = (filter: Parameters<ReceiptStoreService["list"]>[0]) =>
              Effect.map(store.list(filter), (rs) => rs.map((r) => r.run_id))
            assert.deepStrictEqual(yield* ids(undefined), ["rb-a-1", "c", "b", "a"])
            assert.deepStrictEqual(yield* ids({ workflow: "other" }), ["b"])
            assert.deepStrictEqual(yield* ids({ decision: "PASS" }), ["c", "a"])
            assert.deepStrictEqual(yield* ids({ user: "bob@example.com" }), ["c"])
            assert.deepStrictEqual(yield* ids({ originalRunId: "a" }), ["rb-a-1"])
            assert.deepStrictEqual(yield* ids({ since: "2026-01-02T00:00:00.000Z" }), ["rb-a-1", "c", "b"])
            assert.deepStrictEqual(yield* ids({ until: "2026-01-02T00:00:00.000Z" }), ["a"])
            assert.deepStrictEqual(yield* ids({ since: "2026-01-02T00:00:00.000Z", until: "2026-01-04T00:00:00.000Z" }), [
              "c",
              "b"
            ])
            assert.deepStrictEqual(yield* ids({ limit: 2 }), ["rb-a-1", "c"])
            assert.deepStrictEqual(yield* ids({ decision: "PASS", limit: 0 }), [])
          }))
      }))
  })

  describe("write-once", () => {
    it.effect("a second put of a run id fails with AlreadyExists and leaves the first intact", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-store-")
        const first = receipt("run-1")
        yield* withStore(dir, (store) =>
          Effect.gen(function*() {
            yield* store.put(first)
            assert.strictEqual(yield* reasonOf(store.put(receipt("run-1", { decision: "BLOCK" }))), "AlreadyExists")
            assert.strictEqual(yield* reasonOf(store.put(first)), "AlreadyExists")
          }))
        // Also from another instance (another process's view).
        yield* withStore(dir, (store) =>
          Effect.gen(function*() {
            assert.strictEqual(yield* reasonOf(store.put(receipt("run-1", { reason: "again" }))), "AlreadyExists")
            assert.deepStrictEqual(yield* store.get("run-1"), Option.some(first))
          }))
        assert.strictEqual(new TextDecoder().decode((yield* readBytes(dir, "run-1.json")) ?? undefined), fileText(first))
      }))

    it.effect("of concurrent puts of one run id, from two instances, exactly one wins", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-store-")
        const outcomes = yield* Effect.scoped(Effect.gen(function*() {
          const one = yield* FileReceiptStore.make({ directory: dir })
          const two = yield* FileReceiptStore.make({ directory: dir })
          const attempts = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? one : two).put(receipt("same", { reason: `attempt ${i}` })))
          return yield* Effect.all(attempts.map((a) => Effect.result(a)), { concurrency: "unbounded" })
        }))
        const winners = outcomes.flatMap((o, i) => (Result.isSuccess(o) ? [i] : []))
        assert.strictEqual(winners.length, 1)
        for (const o of outcomes) if (Result.isFailure(o)) assert.strictEqual(o.failure.reason._tag, "AlreadyExists")
        const stored = yield* withStore(dir, (store) => store.get("same"))
        assert.deepStrictEqual(stored, Option.some(receipt("same", { reason: `attempt ${winners[0]}` })))
      }))
  })

  describe("durability", () => {
    it.effect("an instance opening while another is live replays its log without disturbing it", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-store-")
        yield* Effect.scoped(Effect.gen(function*() {
          const live = yield* FileReceiptStore.make({ directory: dir })
          yield* live.put(receipt("before"))
          const opener = yield* FileReceiptStore.make({ directory: dir }) // replays the live segment
          assert.deepStrictEqual(yield* opener.get("before"), Option.some(receipt("before")))
          // Had the opener restored a record the live instance was still publishing, the file would hold
          // exactly that record: the put must still succeed (here the file is written by hand to force it).
          yield* writeText(dir, "raced.json", fileText(receipt("raced")))
          yield* live.put(receipt("raced"))
          yield* live.put(receipt("after"))
          assert.deepStrictEqual((yield* opener.list()).map((r) => r.run_id).sort(), ["after", "before", "raced"])
        }))
        // Both closed: every segment and marker is checkpointed away.
        assert.deepStrictEqual(yield* Effect.promise(() => fsp.readdir(nodePath.join(dir, ".log"))), [])
      }))


    it.effect("200 concurrent puts are all readable, then from a fresh instance, and the log is checkpointed", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-store-")
        const all = Array.from({ length: 200 }, (_, i) =>
          receipt(`run-${i}`, { timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() }))
        // Small segments, so some are checkpointed while puts are still arriving.
        yield* withStore(dir, (store) =>
          Effect.gen(function*() {
            yield* Effect.forEach(all, store.put, { concurrency: "unbounded", discard: true })
            const listed = yield* store.list()
            assert.strictEqual(listed.length, 200)
            for (const r of all) assert.deepStrictEqual(yield* store.get(r.run_id), Option.some(r))
          }), { segmentRecords: 16 })
        assert.deepStrictEqual(yield* Effect.promise(() => fsp.readdir(nodePath.join(dir, ".log"))), [])
        const names = (yield* Effect.promise(() => fsp.readdir(dir))).filter((n) => n !== ".log")
        assert.strictEqual(names.length, 200) // no temp files left behind
        yield* withStore(dir, (store) =>
          Effect.gen(function*() {
            assert.deepStrictEqual(yield* store.list(), [...all].reverse())
          }))
      }))

    it.effect("a fresh instance recovers receipts a crash left only in the log, and ignores a torn tail", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-store-")
        const logged = receipt("logged-only", { timestamp: "2026-01-01T00:00:00.000Z" })
        const torn = receipt("torn-file", { timestamp: "2026-01-02T00:00:00.000Z" })
        const tail = encode(fileText(receipt("never-acknowledged")))
        // What a crash leaves: committed records whose files are missing or torn, then half a frame.
        const segment = LogFrame.encode([encode(fileText(logged)), encode(fileText(torn)), tail], true)
        yield* writeText(dir, ".log/crashed-1.log", segment.subarray(0, segment.length - 40))
        yield* writeText(dir, "torn-file.json", fileText(torn).slice(0, 30))
        yield* writeText(dir, ".log/garbage.log", "not a log at all")
        yield* withStore(dir, (store) =>
          Effect.gen(function*() {
            assert.deepStrictEqual(yield* store.get("logged-only"), Option.some(logged))
            assert.deepStrictEqual(yield* store.get("torn-file"), Option.some(torn))
            assert.isTrue(Option.isNone(yield* store.get("never-acknowledged")))
            assert.deepStrictEqual((yield* store.list()).map((r) => r.run_id), ["torn-file", "logged-only"])
          }))
        assert.strictEqual(new TextDecoder().decode((yield* readBytes(dir, "logged-only.json")) ?? undefined), fileText(logged))
      }))

    it.effect("a process killed mid-put loses no acknowledged receipt and leaves none torn", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-store-")
        const acked = yield* Effect.promise(() => putAndKill(dir, 300))
        yield* withStore(dir, (store) =>
          Effect.gen(function*() {
            for (const i of acked) assert.deepStrictEqual(yield* store.get(`kill-${i}`), Option.some(receipt(`kill-${i}`)))
            const listed = yield* store.list() // every file decodes: nothing torn
            assert.isAtLeast(listed.length, acked.length)
            for (const r of listed) assert.deepStrictEqual(r, receipt(r.run_id))
          }))
        const names = yield* Effect.promise(() => fsp.readdir(dir))
        for (const name of names.filter((n) => n.endsWith(".json"))) {
          assert.isTrue(((yield* readBytes(dir, name)) ?? new Uint8Array()).at(-1) === 0x0a, `${name} is complete`)
        }
      }), 60_000)

    it.effect("torn temp files and unrelated files never surface as receipts", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-store-")
        yield* writeText(dir, ".run-1.0a1b2c-0.tmp", fileText(receipt("run-1")).slice(0, 25))
        yield* writeText(dir, ".run-2.0a1b2c-1.tmp", "")
        yield* writeText(dir, "README.md", "# receipts\n")
        yield* writeText(dir, ".journal/run-3.jsonl", "{}\n")
        yield* withStore(dir, (store) =>
          Effect.gen(function*() {
            assert.deepStrictEqual(yield* store.list(), [])
            assert.isTrue(Option.isNone(yield* store.get("run-1")))
            yield* store.put(receipt("run-1")) // a leftover temp name does not block the run id
            assert.deepStrictEqual((yield* store.list()).map((r) => r.run_id), ["run-1"])
          }))
      }))

    it.effect("a complete but damaged or misnamed receipt file is Corrupt for get and skipped by list", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-store-")
        yield* writeText(dir, "bad-json.json", "{\"format_version\":1,\n")
        yield* writeText(dir, "bad-shape.json", JSON.stringify({ ...receipt("bad-shape"), decision: "MAYBE" }) + "\n")
        yield* writeText(dir, "renamed.json", fileText(receipt("original")))
        yield* withStore(dir, (store) =>
          Effect.gen(function*() {
            assert.strictEqual(yield* reasonOf(store.get("bad-json")), "Corrupt")
            assert.strictEqual(yield* reasonOf(store.get("bad-shape")), "Corrupt")
            assert.strictEqual(yield* reasonOf(store.get("renamed")), "Corrupt")
            yield* store.put(receipt("good"))
            assert.deepStrictEqual((yield* store.list()).map((r) => r.run_id), ["good"])
            assert.deepStrictEqual(yield* store.ids(), ["bad-json", "bad-shape", "good", "renamed"])
          }))
      }))

    it.effect("a file without its final newline (being written, or torn) reads as absent", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-store-")
        yield* writeText(dir, "half.json", fileText(receipt("half")).slice(0, 100))
        yield* writeText(dir, "empty.json", "")
        yield* withStore(dir, (store) =>
          Effect.gen(function*() {
            assert.isTrue(Option.isNone(yield* store.get("half")))
            assert.isTrue(Option.isNone(yield* store.get("empty")))
            assert.deepStrictEqual(yield* store.list(), [])
            // The name is still taken: its writer (or recovery from the log) owns it.
            assert.strictEqual(yield* reasonOf(store.put(receipt("half"))), "AlreadyExists")
          }))
      }))
  })

  describe("run ids", () => {
    const hostile = ["../x", "../../etc/passwd", "a/b", "a\\b", ".", "..", "", ".hidden", "-dash", "x".repeat(129), "a b", "é"]

    it.effect("ids that could escape the folder are refused before any file is touched", () =>
      Effect.gen(function*() {
        const base = yield* tempDir("enact-store-")
        const dir = nodePath.join(base, "inner", "receipts")
        yield* withStore(dir, () => Effect.void)
        const before = yield* snapshot(base)
        yield* withStore(dir, (store) =>
          Effect.forEach(hostile, (runId) =>
            Effect.gen(function*() {
              assert.strictEqual(yield* reasonOf(store.put(receipt(runId))), "InvalidRunId", runId)
              assert.strictEqual(yield* reasonOf(store.get(runId)), "InvalidRunId", runId)
            })))
        assert.deepStrictEqual(yield* snapshot(base), before)
      }))

    it.effect("a receipt that does not match the schema is refused", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-store-")
        const broken = { ...receipt("run-1"), decision: "MAYBE" } as unknown as Receipt
        yield* withStore(dir, (store) =>
          Effect.gen(function*() {
            assert.strictEqual(yield* reasonOf(store.put(broken)), "Corrupt")
            assert.isTrue(Option.isNone(yield* store.get("run-1")))
          }))
      }))
  })
})

describe("FileReceiptStore.layer", () => {
  it.effect("provides a ReceiptStore over the default or given folder", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("enact-store-")
      const stored = yield* Effect.gen(function*() {
        const store = yield* ReceiptStore
        yield* store.put(receipt("via-layer"))
        return yield* store.list()
      }).pipe(Effect.provide(FileReceiptStore.layer({ directory: dir }).pipe(Layer.provide(NodeLayer))))
      assert.deepStrictEqual(stored.map((r) => r.run_id), ["via-layer"])
      assert.isNotNull(yield* readBytes(dir, "via-layer.json"))
    }))
})
