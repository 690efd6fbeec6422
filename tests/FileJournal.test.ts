import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it, layer } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import * as fsp from "node:fs/promises"
import * as nodePath from "node:path"
import * as FileJournal from "../src/store/FileJournal.ts"
import { type Entry, Journal } from "../src/store/Journal.ts"
import type { StoreError } from "../src/store/StoreError.ts"
import { readBytes, snapshot, tempDir, writeText } from "./support/tempDir.ts"

const NodeLayer = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)

const chained = (seq: number) => ({ seq, prev: seq === 0 ? "" : `0${seq}`, sig: `1${seq}` })
const begin = (runId: string): Entry => ({
  ...chained(0),
  type: "begin",
  run_id: runId,
  workflow: "deploy",
  user_email: "ada@example.com",
  user_attributes: { team: "platform" },
  payload: { branch: "agent/1" },
  timestamp: "2026-11-21T10:00:00.000Z"
})
const intent = (step: number): Entry => ({
  ...chained(2 * step - 1),
  type: "intent",
  step,
  system: "disk",
  action: "write_file",
  args: { path: `file-${step}.txt`, content: "new" },
  rollback_data: { action: "restore_file", args: { path: `file-${step}.txt`, content: "old" } }
})
const outcome = (step: number): Entry => ({
  ...chained(2 * step),
  type: "outcome",
  step,
  result: {
    action: "write_file",
    system: "disk",
    args: { path: `file-${step}.txt`, content: "new" },
    success: true,
    output: { written: true },
    rollback_data: { action: "restore_file", args: { path: `file-${step}.txt`, content: "old" } },
    already_done: false
  }
})
const line = (e: Entry) => JSON.stringify(e) + "\n"

const journalAt = (directory: string) => FileJournal.make({ directory })
const reasonOf = (effect: Effect.Effect<unknown, StoreError>) => Effect.map(Effect.flip(effect), (e) => e.reason._tag)
const text = (bytes: Uint8Array | null) => new TextDecoder().decode(bytes ?? new Uint8Array())

layer(NodeLayer)("FileJournal", (it) => {
  describe("append and read", () => {
    it.effect("appends entries as JSON lines in <dir>/<run_id>.jsonl and reads them back in order", () =>
      Effect.gen(function*() {
        const dir = nodePath.join(yield* tempDir("enact-journal-"), "receipts", ".journal") // created by make
        const journal = yield* journalAt(dir)
        yield* journal.append("run-1", [begin("run-1"), intent(1)])
        yield* journal.append("run-1", [outcome(1)])
        yield* journal.append("run-1", [intent(2)])
        assert.deepStrictEqual(yield* journal.read("run-1"), Option.some([begin("run-1"), intent(1), outcome(1), intent(2)]))
        assert.strictEqual(
          text(yield* readBytes(dir, "run-1.jsonl")),
          [begin("run-1"), intent(1), outcome(1), intent(2)].map(line).join("")
        )
        assert.isTrue(Option.isNone(yield* journal.read("run-2")))
      }))

    it.effect("a fresh instance reads what another appended", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-journal-")
        yield* Effect.flatMap(journalAt(dir), (j) => j.append("run-1", [begin("run-1"), intent(1)]))
        const fresh = yield* journalAt(dir)
        assert.deepStrictEqual(yield* fresh.read("run-1"), Option.some([begin("run-1"), intent(1)]))
        assert.deepStrictEqual(yield* fresh.runs(), ["run-1"])
      }))

    it.effect("concurrent appends to one run keep every entry whole", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-journal-")
        const journal = yield* journalAt(dir)
        yield* Effect.forEach(Array.from({ length: 30 }, (_, i) => i + 1), (step) => journal.append("run-1", [intent(step)]), {
          concurrency: "unbounded"
        })
        const entries = Option.getOrThrow(yield* journal.read("run-1"))
        assert.deepStrictEqual(entries.map((e) => (e.type === "intent" ? e.step : 0)).sort((a, b) => a - b), [
          ...Array.from({ length: 30 }, (_, i) => i + 1)
        ])
      }))
  })

  describe("crashes", () => {
    it.effect("a torn final line is dropped, and the next append cuts it off", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-journal-")
        // A crash in the middle of writing the outcome.
        yield* writeText(dir, "run-1.jsonl", line(begin("run-1")) + line(intent(1)) + line(outcome(1)).slice(0, 40))
        const journal = yield* journalAt(dir)
        assert.deepStrictEqual(yield* journal.read("run-1"), Option.some([begin("run-1"), intent(1)]))
        yield* journal.append("run-1", [outcome(1)])
        assert.deepStrictEqual(yield* journal.read("run-1"), Option.some([begin("run-1"), intent(1), outcome(1)]))
        assert.strictEqual(text(yield* readBytes(dir, "run-1.jsonl")), [begin("run-1"), intent(1), outcome(1)].map(line).join(""))
      }))

    it.effect("a zero-filled tail (data lost in a power cut) is dropped too", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-journal-")
        const good = new TextEncoder().encode(line(begin("run-1")))
        const bytes = new Uint8Array(good.length + 64)
        bytes.set(good)
        yield* writeText(dir, "run-1.jsonl", bytes)
        const journal = yield* journalAt(dir)
        assert.deepStrictEqual(yield* journal.read("run-1"), Option.some([begin("run-1")]))
      }))

    it.effect("a bad line before the last one is Corrupt", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-journal-")
        yield* writeText(dir, "bad-json.jsonl", line(begin("bad-json")) + "{\"type\":\"int\n" + line(intent(1)))
        yield* writeText(dir, "bad-shape.jsonl", JSON.stringify({ type: "intent", step: "one" }) + "\n" + line(intent(1)))
        yield* writeText(dir, "bad-last.jsonl", line(intent(1)) + "{\"type\":\"nope\"}\n")
        const journal = yield* journalAt(dir)
        assert.strictEqual(yield* reasonOf(journal.read("bad-json")), "Corrupt")
        assert.strictEqual(yield* reasonOf(journal.read("bad-shape")), "Corrupt")
        assert.strictEqual(yield* reasonOf(journal.read("bad-last")), "Corrupt") // complete, so not torn
      }))
  })

  describe("runs and remove", () => {
    it.effect("runs lists run ids with a journal; remove deletes one and is idempotent", () =>
      Effect.gen(function*() {
        const dir = yield* tempDir("enact-journal-")
        const journal = yield* journalAt(dir)
        assert.deepStrictEqual(yield* journal.runs(), [])
        yield* journal.append("run-b", [begin("run-b")])
        yield* journal.append("run-a", [begin("run-a")])
        yield* writeText(dir, "notes.txt", "not a journal")
        yield* writeText(dir, ".run-c.jsonl", "{}\n")
        assert.deepStrictEqual(yield* journal.runs(), ["run-a", "run-b"])
        yield* journal.remove("run-a")
        yield* journal.remove("run-a")
        yield* journal.remove("never-existed")
        assert.deepStrictEqual(yield* journal.runs(), ["run-b"])
        assert.isTrue(Option.isNone(yield* journal.read("run-a")))
        assert.isNull(yield* readBytes(dir, "run-a.jsonl"))
        // A removed run can journal again from scratch.
        yield* journal.append("run-a", [begin("run-a")])
        assert.deepStrictEqual(yield* journal.read("run-a"), Option.some([begin("run-a")]))
      }))

    it.effect("ids that could escape the folder are refused before any file is touched", () =>
      Effect.gen(function*() {
        const base = yield* tempDir("enact-journal-")
        const dir = nodePath.join(base, "journal")
        const journal = yield* journalAt(dir)
        yield* writeText(base, "victim.jsonl", line(begin("victim")))
        const before = yield* snapshot(base)
        for (const runId of ["../victim", "../../x", "a/b", "a\\b", ".", "..", "", "x".repeat(129), "é"]) {
          assert.strictEqual(yield* reasonOf(journal.append(runId, [begin("x")])), "InvalidRunId", runId)
          assert.strictEqual(yield* reasonOf(journal.read(runId)), "InvalidRunId", runId)
          assert.strictEqual(yield* reasonOf(journal.remove(runId)), "InvalidRunId", runId)
        }
        assert.deepStrictEqual(yield* snapshot(base), before)
        assert.deepStrictEqual(yield* Effect.promise(() => fsp.readdir(dir)), [])
      }))
  })
})

describe("FileJournal.layer", () => {
  it.effect("provides a Journal over the given folder", () =>
    Effect.gen(function*() {
      const dir = yield* tempDir("enact-journal-")
      const runs = yield* Effect.gen(function*() {
        const journal = yield* Journal
        yield* journal.append("via-layer", [begin("via-layer")])
        return yield* journal.runs()
      }).pipe(Effect.provide(FileJournal.layer({ directory: dir }).pipe(Layer.provide(NodeLayer))))
      assert.deepStrictEqual(runs, ["via-layer"])
    }))
})
