/**
 * Child process for the crash test: runs a two-step workflow against `root` with a durable file store and
 * journal in `receipts` (journal leases live `ttlMs` without a heartbeat), prints `RUN <id>` and
 * `STEP1 DONE` after the first write, then hangs (heartbeating its lease) until the parent kills it with
 * SIGKILL. Usage: node crashChild.ts <root> <receipts> <runId> <ttlMs>
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Effect, Layer, Schema } from "effect"
import * as FilePlatformNode from "../../connectors/FilePlatformNode.ts"
import * as FileSystem from "../../connectors/FileSystem.ts"
import * as Enact from "../../src/Enact.ts"
import * as FileJournal from "../../src/store/FileJournal.ts"
import * as FileReceiptStore from "../../src/store/FileReceiptStore.ts"
import * as Crypto from "../../src/Crypto.ts"
import * as Signer from "../../src/receipt/Signer.ts"
import * as Workflow from "../../src/Workflow.ts"

const [root, receipts, runId, ttl] = process.argv.slice(2) as [string, string, string, string]

const twoWrites = Workflow.make({
  name: "two_writes",
  payload: Schema.Struct({}),
  run: (ctx) =>
    Effect.gen(function*() {
      yield* ctx.act("disk", FileSystem.writeFile({ path: "a.txt", content: "agent wrote A\n" }))
      yield* Effect.sync(() => console.log("STEP1 DONE"))
      yield* Effect.never
      yield* ctx.act("disk", FileSystem.writeFile({ path: "b.txt", content: "agent wrote B\n" }))
    })
})

const program = Effect.gen(function*() {
  const disk = yield* FileSystem.make({ root, allowedActions: ["write_file"] })
  const enact = yield* Enact.make({ systems: { disk }, workflows: [twoWrites] })
  console.log(`RUN ${runId}`)
  yield* enact.run({ workflow: "two_writes", user: "crash@test", payload: {}, runId })
}).pipe(
  Effect.provide(Layer.mergeAll(
    FileReceiptStore.layer({ directory: receipts }),
    FileJournal.layer({ directory: `${receipts}/.journal`, leaseTtl: Number(ttl) }),
    Signer.layerHmac({ secret: "crash-test-secret-crash-test-secret!!" }).pipe(Layer.provideMerge(Crypto.layerWebCrypto))
  )),
  Effect.provide([NodeFileSystem.layer, NodePath.layer, FilePlatformNode.layer])
)

Effect.runPromise(Effect.scoped(program)).catch((e: unknown) => {
  console.error("child failed", e)
  process.exit(2)
})
