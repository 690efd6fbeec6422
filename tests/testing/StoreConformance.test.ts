/**
 * The receipt store and journal conformance suites of `testing.ts`, run against every store and journal
 * this project ships: the memory ones and the file ones (the file store also with bytes written by hand,
 * the file journal also with leases that expire under a stalled holder).
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Effect, Layer } from "effect"
import * as fsp from "node:fs/promises"
import * as nodePath from "node:path"
import * as FileJournal from "../../src/store/FileJournal.ts"
import * as FileReceiptStore from "../../src/store/FileReceiptStore.ts"
import * as Journal from "../../src/store/Journal.ts"
import * as ReceiptStore from "../../src/store/ReceiptStore.ts"
import { Conformance, Testing } from "../../testing.ts"
import { tempDir } from "../support/tempDir.ts"
import { register } from "./suite.ts"

const NodeLayer = Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)
const onNode = Effect.provide(NodeLayer)

register("ReceiptStore.makeMemory conforms", Conformance.receiptStore(Effect.sync(ReceiptStore.makeMemory)), (e) => e)

register(
  "the store of Testing.make (memory, behind StoreFaults) conforms",
  Conformance.receiptStore(Effect.map(Testing.make({}), (h) => h.store)),
  (e) => e
)

register(
  "FileReceiptStore conforms (bytes written by hand included)",
  Conformance.receiptStore(Effect.gen(function*() {
    const directory = yield* tempDir("enact-conf-store-")
    const store = yield* FileReceiptStore.make({ directory })
    const writeRaw = (runId: string, bytes: Uint8Array) => Effect.promise(() => fsp.writeFile(nodePath.join(directory, `${runId}.json`), bytes))
    return { store, writeRaw }
  })),
  onNode,
  { live: true }
)

register("Journal.makeMemory conforms", Conformance.journal(Effect.sync(Journal.makeMemory)), (e) => e)

register("the journal of Testing.make (memory, behind StoreFaults) conforms", Conformance.journal(Effect.map(Testing.make({}), (h) => h.journal)), (e) => e)

register(
  "FileJournal conforms (leases that expire included)",
  Conformance.journal(
    Effect.flatMap(tempDir("enact-conf-journal-"), (directory) => FileJournal.make({ directory })),
    {
      ttl: "30 seconds",
      storage: Effect.map(tempDir("enact-conf-journal-"), (directory) => FileJournal.make({ directory, leaseTtl: "30 seconds" }))
    }
  ),
  onNode,
  { live: true }
)
