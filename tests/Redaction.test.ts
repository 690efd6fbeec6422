/**
 * Secrets stay secret (issue 6, item 11): connector secrets never reach receipts, journals or the errors
 * handed to workflows, in any common encoding; a credential a policy found in the request is stored as
 * `[REDACTED:<fingerprint>]` in the receipt that blocked it (and in a PASS receipt when a shadow policy
 * found it).
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import * as fsp from "node:fs/promises"
import * as nodePath from "node:path"
import * as Connector from "../src/Connector.ts"
import * as ConnectorError from "../src/ConnectorError.ts"
import * as FileJournal from "../src/store/FileJournal.ts"
import * as Journal from "../src/store/Journal.ts"
import * as Policy from "../src/Policy.ts"
import { fingerprint } from "../src/receipt/Redact.ts"
import * as Workflow from "../src/Workflow.ts"
import { setup } from "./support/enact.ts"
import { makeKv } from "./support/kv.ts"
import { tempDir } from "./support/tempDir.ts"

const TOKEN = "sk_live_9fQ2xW7LmN4pR8tV1yZ3"

/** Every form of `secret` that must not survive: verbatim, case-changed, base64, base64url, hex, percent-encoded. */
const forms = (secret: string): ReadonlyArray<string> => {
  const bytes = new TextEncoder().encode(secret)
  const b64 = btoa(String.fromCharCode(...bytes))
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")
  return [secret, secret.toUpperCase(), b64.replace(/=+$/, ""), b64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), hex, hex.toUpperCase()]
}

/** A connector holding a secret API token that leaks it in every way a careless client would. */
const leaky = (secret: string) =>
  Connector.make({
    kind: "api",
    allowedActions: ["call", "broken"],
    secrets: [secret],
    actions: {
      call: Connector.mutating(() =>
        Effect.succeed({
          alreadyDone: false,
          rollback: { action: "uncall", args: { note: "token was " + secret } },
          apply: Effect.succeed({
            echoed: secret,
            header: `Authorization: Basic ${btoa(`user:${secret}`)}`,
            hex: [...new TextEncoder().encode(secret)].map((b) => b.toString(16).padStart(2, "0")).join(""),
            upper: secret.toUpperCase()
          })
        })
      ),
      broken: Connector.mutating(() =>
        Effect.succeed({
          alreadyDone: false,
          rollback: null,
          apply: Effect.fail(ConnectorError.unauthorized("api", "broken", `token ${secret} rejected (${encodeURIComponent(secret)})`))
        })
      )
    },
    inverses: { uncall: () => Effect.succeed(null) }
  })

describe("connector secrets", () => {
  it.effect("never reach the receipt, the journal or the error the workflow sees, in any encoding", () =>
    Effect.gen(function*() {
      const dir = nodePath.join(yield* tempDir("enact-secret-"), "journal")
      const journal = yield* FileJournal.make({ directory: dir }).pipe(Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))
      const appended: Array<string> = []
      const spy = { ...journal, append: (runId: string, entries: ReadonlyArray<Journal.Entry>) => {
        appended.push(JSON.stringify(entries))
        return journal.append(runId, entries)
      } }
      const seen: Array<string> = []
      const wf = Workflow.make({
        name: "use_api",
        payload: Schema.Struct({}),
        run: (ctx) =>
          Effect.andThen(
            ctx.act("api", { action: "call", args: {} }),
            ctx.act("api", { action: "broken", args: {} }).pipe(Effect.tapError((e) => Effect.sync(() => seen.push(e.message))))
          )
      })
      const { enact } = yield* setup({ systems: { api: leaky(TOKEN) }, workflows: [wf] }, { journal: spy })
      const o = yield* enact.run({ workflow: "use_api", user: "u", payload: {} })
      assert.strictEqual(o.result.decision, "PARTIAL")
      const receiptText = JSON.stringify(o.receipt)
      for (const form of forms(TOKEN)) {
        assert.notInclude(receiptText, form, `receipt holds ${form}`)
        for (const line of appended) assert.notInclude(line, form, `journal holds ${form}`)
        for (const message of seen) assert.notInclude(message, form, `error holds ${form}`)
        assert.notInclude(o.result.reason ?? "", form)
      }
      assert.include(seen[0] ?? "", "[REDACTED]")
      // Rollback data that held the secret cannot be replayed: it is a manual step, not a placeholder restore.
      const rb = o.receipt.actions_taken[0]?.rollback_data
      assert.isTrue(rb?.irreversible)
    }))
})

describe("credentials a policy found in the request", () => {
  const detector = Policy.make("no_live_keys", (ctx) => {
    const text = JSON.stringify(ctx.payload)
    const found = text.match(/sk_live_[A-Za-z0-9]+/g) ?? []
    return found.length === 0
      ? Policy.pass("no live keys")
      : { passed: false, reason: `a live API key is in the payload (${found.length})`, redact: found }
  })
  const save = Workflow.make({ name: "save", payload: Schema.Struct({ content: Schema.String }), run: () => Effect.void })

  it.effect("are stored redacted with a fingerprint in the BLOCK receipt, which still verifies", () =>
    Effect.gen(function*() {
      const { enact } = yield* setup({ policies: [detector], workflows: [save] })
      const o = yield* enact.run({ workflow: "save", user: "u", payload: { content: `export KEY=${TOKEN}` } })
      assert.strictEqual(o.result.decision, "BLOCK")
      assert.notInclude(JSON.stringify(o.receipt), TOKEN)
      assert.deepStrictEqual(o.receipt.payload, { content: `export KEY=[REDACTED:${fingerprint(TOKEN)}]` })
      assert.deepStrictEqual(yield* enact.verify(o.receipt), { valid: true })
    }))

  it.effect("a shadow policy's finding is redacted from the PASS receipt and the journal; the connector still gets the real value", () =>
    Effect.gen(function*() {
      const kv = makeKv({ allowedActions: ["set"] })
      const appended: Array<string> = []
      const memory = Journal.makeMemory()
      const journal: Journal.JournalService = {
        ...memory,
        append: (runId, entries) => Effect.andThen(Effect.sync(() => appended.push(JSON.stringify(entries))), memory.append(runId, entries))
      }
      const store = Workflow.make({
        name: "store_doc",
        payload: Schema.Struct({ content: Schema.String }),
        run: (ctx) => ctx.act("docs", { action: "set", args: { key: "doc", value: ctx.payload.content } })
      })
      const { enact } = yield* setup({ systems: { docs: kv.connector }, policies: [Policy.shadow(detector)], workflows: [store] }, { journal })
      const o = yield* enact.run({ workflow: "store_doc", user: "u", payload: { content: `token: ${TOKEN}` } })
      assert.strictEqual(o.result.decision, "PASS")
      assert.strictEqual(kv.data.get("doc"), `token: ${TOKEN}`, "the workflow acted on the real payload")
      assert.isTrue(o.receipt.policy_results[0]?.shadow)
      assert.notInclude(JSON.stringify(o.receipt), TOKEN)
      assert.isAbove(appended.length, 0)
      for (const line of appended) assert.notInclude(line, TOKEN)
      assert.include(JSON.stringify(o.receipt.actions_taken[0]?.args), `[REDACTED:${fingerprint(TOKEN)}]`)
    }))
})
