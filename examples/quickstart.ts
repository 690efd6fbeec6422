/**
 * Enact quickstart: three runs against a temporary folder with the filesystem connector.
 *   1. BLOCK    an agent tries to overwrite `.env`; a policy stops it before anything runs
 *   2. PASS     the agent rewrites `notes/todo.md`; the change and its inverse are receipted
 *   3. ROLLBACK one call restores `notes/todo.md` byte for byte from the signed receipt
 * No credentials, no network. Run: `npm run quickstart` (Node 22) or `deno run -A examples/quickstart.ts`.
 */
import { Schema } from "effect"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import * as FileSystem from "../connectors/FileSystem.ts"
import { Policy, Workflow } from "../mod.ts"
import { EnactClient, makeFileSystem } from "../node.ts"

const workspace = mkdtempSync(join(tmpdir(), "enact-quickstart-"))
mkdirSync(join(workspace, "notes"))
writeFileSync(join(workspace, "notes", "todo.md"), "- ship the release\n")
writeFileSync(join(workspace, ".env"), "DATABASE_URL=postgres://prod\n")

// Policies: plain functions of the run context, run before anything executes.
const noEnvFiles = Policy.make("block_env_files", (ctx) => {
  const path = String((ctx.payload as { path?: unknown }).path ?? "")
  const name = path.split("/").pop() ?? ""
  return Policy.check(!name.startsWith(".env"), `'${path}' is not an env file`, `Writing '${path}' is blocked`)
})

// A workflow: deterministic code with a payload Schema; acts only through allowlisted connector actions.
const updateFile = Workflow.make({
  name: "update_file",
  payload: Schema.Struct({ path: Schema.String, content: Schema.String }),
  run: (ctx) => ctx.act("workspace", FileSystem.writeFile(ctx.payload))
})

// Sign with ENACT_SECRET if you have one; the demo makes a throwaway one otherwise.
const secret = process.env.ENACT_SECRET ?? crypto.randomUUID() + crypto.randomUUID()
const receipts = resolve("receipts")

const enact = new EnactClient({
  secret,
  systems: { workspace: makeFileSystem({ root: workspace, allowedActions: ["read_file", "write_file"] }) },
  policies: [noEnvFiles],
  workflows: [updateFile],
  store: { directory: receipts }
})

const show = (label: string, decision: string, runId: string, reason: string | null) =>
  console.log(
    `${label.padEnd(9)} ${decision.padEnd(12)} receipt: ${join(receipts, `${runId}.json`)}${reason ? `\n          reason: ${reason}` : ""}`
  )

try {
  const blocked = await enact.run({
    workflow: "update_file",
    user: "agent@company.com",
    payload: { path: ".env", content: "DATABASE_URL=postgres://attacker\n" }
  })
  show("1. run", blocked.result.decision, blocked.receipt.run_id, blocked.result.reason)

  const passed = await enact.run({
    workflow: "update_file",
    user: "agent@company.com",
    payload: { path: "notes/todo.md", content: "- (agent) deleted everything\n" }
  })
  show("2. run", passed.result.decision, passed.receipt.run_id, passed.result.reason)
  console.log(`          notes/todo.md now: ${JSON.stringify(readFileSync(join(workspace, "notes", "todo.md"), "utf8"))}`)

  const undone = await enact.rollback(passed.receipt.run_id)
  show("3. undo", undone.result.decision, undone.receipt.run_id, undone.result.reason)
  console.log(`          notes/todo.md now: ${JSON.stringify(readFileSync(join(workspace, "notes", "todo.md"), "utf8"))}`)

  const verified = await enact.verify(passed.receipt)
  console.log(`\nreceipt of run 2 verifies: ${verified.valid}; tampered copy verifies: ${
    (await enact.verify({ ...passed.receipt, user_email: "someone-else@company.com" })).valid
  }`)
  if (blocked.result.decision !== "BLOCK" || passed.result.decision !== "PASS" || undone.result.decision !== "ROLLED_BACK") {
    process.exitCode = 1
  }
} finally {
  await enact.close()
  rmSync(workspace, { recursive: true, force: true })
}

