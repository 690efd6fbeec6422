/**
 * Benchmark: `run()` with 3 trivial policies and one no-op (read-only) connector action, on the memory
 * store and on the durable file store, sequentially and with 64 runs in flight.
 * Prints runs/s and p50/p99 latency in µs. Run with `npm run bench` (Node 22) or
 * `deno run -A bench/run.ts`.
 */
import { Effect, Layer, Schema } from "effect"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Connector from "../src/Connector.ts"
import * as Crypto from "../src/Crypto.ts"
import * as Enact from "../src/Enact.ts"
import * as FileJournal from "../src/store/FileJournal.ts"
import * as FileReceiptStore from "../src/store/FileReceiptStore.ts"
import * as Journal from "../src/store/Journal.ts"
import { layerCrypto } from "../node.ts"
import * as Policy from "../src/Policy.ts"
import * as ReceiptStore from "../src/store/ReceiptStore.ts"
import * as Signer from "../src/receipt/Signer.ts"
import * as Workflow from "../src/Workflow.ts"

const N_SEQ = Number(process.env.BENCH_SEQ ?? 20_000)
const N_PAR = Number(process.env.BENCH_PAR ?? 100_000)
const FLIGHT = 64

const noop = Connector.make({
  kind: "noop",
  allowedActions: ["noop"],
  actions: {
    noop: Connector.readOnly(() => Effect.succeed({ alreadyDone: false, rollback: null, apply: Effect.succeed(null) }))
  }
})

const policies = [
  Policy.make("user_present", (ctx) => Policy.check(ctx.user.length > 0, "user given", "no user")),
  Policy.make("not_main", (ctx) => {
    const branch = (ctx.payload as { branch: string }).branch
    return Policy.check(branch !== "main" && branch !== "master", "branch is not main", "push to main")
  }),
  Policy.make("prefix", (ctx) =>
    Policy.check((ctx.payload as { branch: string }).branch.startsWith("agent/"), "has prefix", "missing agent/ prefix"))
]

const workflow = Workflow.make({
  name: "bench",
  payload: Schema.Struct({ repo: Schema.String, branch: Schema.String }),
  run: (ctx) => ctx.act("noop", { action: "noop", args: null })
})

const request = { workflow: "bench", user: "agent@company.com", payload: { repo: "org/app", branch: "agent/fix-1" } }

const pct = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

const measure = (label: string, n: number, concurrency: number) =>
  Effect.gen(function*() {
    const enact = yield* Enact.Enact
    const lat = new Float64Array(n)
    let failures = 0
    const one = (i: number) =>
      Effect.suspend(() => {
        const t0 = performance.now()
        return Effect.map(enact.run(request), (o) => {
          lat[i] = (performance.now() - t0) * 1000
          if (o.result.decision !== "PASS") failures++
        })
      })
    // warm-up
    yield* Effect.forEach(Array.from({ length: 2000 }, (_, i) => i), () => enact.run(request), { concurrency, discard: true })
    const t0 = performance.now()
    yield* Effect.forEach(Array.from({ length: n }, (_, i) => i), one, { concurrency, discard: true })
    const secs = (performance.now() - t0) / 1000
    lat.sort()
    console.log(
      `${label.padEnd(34)} ${(n / secs).toFixed(0).padStart(8)} runs/s   p50 ${pct(lat, 0.5).toFixed(1).padStart(8)} µs   p99 ${
        pct(lat, 0.99).toFixed(1).padStart(8)
      } µs${failures > 0 ? `   (${failures} not PASS!)` : ""}`
    )
  })

// Native crypto (node:crypto HMAC and SHA-256), as node.ts provides it; BENCH_CRYPTO=webcrypto for the portable layer.
const crypto = process.env.BENCH_CRYPTO === "webcrypto" ? Crypto.layerWebCrypto : layerCrypto
const enactLayer = Enact.layer({ systems: { noop }, policies, workflows: [workflow] }).pipe(Layer.provide(crypto))
const signer = Signer.layerHmac({ secret: "bench-secret-bench-secret-bench-secret!" }).pipe(Layer.provide(crypto))

const memory = enactLayer.pipe(Layer.provide([ReceiptStore.layerMemory, Journal.layerMemory, signer]))
const files = (dir: string) =>
  enactLayer.pipe(
    Layer.provide([
      FileReceiptStore.layer({ directory: join(dir, "receipts") }),
      FileJournal.layer({ directory: join(dir, "receipts", ".journal") }),
      signer
    ]),
    Layer.provide([NodeFileSystem.layer, NodePath.layer])
  )

/** Verifying one stored receipt (the signature is checked every time: no cache), p50/p99. */
const measureVerify = (n: number) =>
  Effect.gen(function*() {
    const enact = yield* Enact.Enact
    const { receipt } = yield* enact.run(request)
    const copy = JSON.parse(JSON.stringify(receipt)) as unknown
    for (let i = 0; i < 2000; i++) yield* enact.verify(copy)
    const lat = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const t0 = performance.now()
      const v = yield* enact.verify(copy)
      lat[i] = (performance.now() - t0) * 1000
      if (!v.valid) throw new Error("verify failed")
    }
    lat.sort()
    console.log(`${"verify one receipt".padEnd(34)} ${"".padStart(8)}         p50 ${pct(lat, 0.5).toFixed(1).padStart(8)} µs   p99 ${pct(lat, 0.99).toFixed(1).padStart(8)} µs`)
  })

const main = async () => {
  console.log(`enact bench: run() with 3 policies + 1 no-op action; HMAC-SHA256 and SHA-256 via ${process.env.BENCH_CRYPTO === "webcrypto" ? "WebCrypto" : "node:crypto"} (batched)`)
  console.log(`runtime: ${typeof Deno !== "undefined" ? "deno" : `node ${process.version}`}`)
  await Effect.runPromise(
    Effect.gen(function*() {
      yield* measure("memory store, sequential", N_SEQ, 1)
      yield* measure(`memory store, ${FLIGHT} in flight`, N_PAR, FLIGHT)
      yield* measureVerify(20_000)
    }).pipe(Effect.provide(memory))
  )
  const dir = mkdtempSync(join(tmpdir(), "enact-bench-"))
  try {
    await Effect.runPromise(
      Effect.gen(function*() {
        yield* measure("file store (durable), sequential", Math.min(N_SEQ, 5_000), 1)
        yield* measure(`file store (durable), ${FLIGHT} in flight`, Math.min(N_PAR, 50_000), FLIGHT)
      }).pipe(Effect.provide(files(dir)))
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

declare const Deno: unknown
await main()
