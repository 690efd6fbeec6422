/**
 * Found while attacking the snapshot: what a policy asks to redact is also taken out of the rollback
 * data, so a rollback can write the redaction marker into the real system in place of the user's data.
 * Redaction must only ever change what is *recorded*; an undo must restore real bytes or say it cannot.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { makeNode } from "../../connectors/FileSystemNode.ts"
import * as FileSystem from "../../connectors/FileSystem.ts"
import * as Policy from "../../src/Policy.ts"
import * as Workflow from "../../src/Workflow.ts"
import { setup } from "../support/enact.ts"
import { readBytes, tempDir, writeText } from "../support/tempDir.ts"

const KEY = "AKIAIOSFODNN7EXAMPLE"

/** A log-only credential detector: never blocks, asks for the key it found to be redacted. */
const findCredentials = Policy.shadow(Policy.make("find_credentials", (ctx) =>
  JSON.stringify(ctx.payload).includes(KEY)
    ? { passed: false, reason: "An AWS access key is in the payload", redact: [KEY] }
    : Policy.pass("No credential found")))

const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes))

describe("redaction and rollback", () => {
  it.live("rolling back a run whose pre-state held a redacted credential never writes the redaction marker into the file", () =>
    Effect.scoped(Effect.gen(function*() {
      const dir = yield* tempDir("enact-hostile-redact-")
      const original = `aws_access_key_id=${KEY}\n`
      yield* writeText(dir, "config.ini", original)
      const files = makeNode({ root: dir, allowedActions: ["write_file"] })
      const wf = Workflow.make({
        name: "update_config",
        payload: Schema.Struct({ content: Schema.String }),
        run: (ctx) => ctx.act("files", FileSystem.writeFile({ path: "config.ini", content: ctx.payload.content }))
      })
      const { enact } = yield* setup({ systems: { files }, policies: [findCredentials], workflows: [wf] })
      const { receipt } = yield* enact.run({ workflow: "update_config", user: "u", payload: { content: `${original}region=eu\n` } })
      assert.strictEqual(receipt.decision, "PASS", "a shadow policy never blocks")
      assert.notInclude(JSON.stringify(receipt), KEY, "the receipt does not hold the credential")
      const rolled = yield* enact.rollback(receipt.run_id)
      const after = text(yield* readBytes(dir, "config.ini"))
      assert.notInclude(after ?? "", "[REDACTED", "rollback wrote the redaction marker into the user's file")
      // Either the real pre-state came back, or rollback said it could not restore it and left the file alone.
      if (rolled.receipt.decision === "ROLLED_BACK") assert.strictEqual(after, original)
      else assert.isAbove(rolled.receipt.manual_steps.length, 0)
    })))
})
