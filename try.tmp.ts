import { Effect } from "effect"
import * as fs from "node:fs"
import * as Shell from "./policies/shell.ts"
import * as Git from "./policies/git.ts"
import * as Policy from "./src/Policy.ts"
const gate = [...Shell.codingAgentShellGuard({ allowPackages: [...Shell.DEFAULT_VETTED_PACKAGES, "lodash"], protectedTables: ["users", "orders"] }), Git.dontPushToMain, Git.dontForcePush, Git.requireMeaningfulCommitMessage, Git.dontMergeToMain]
const file = process.argv[2]!
const want = process.argv[3] ?? "block"
const cases: Array<string> = JSON.parse(fs.readFileSync(file, "utf8"))
let bad = 0
for (const command of cases) {
  const ctx = { runId: "r", workflow: "w", user: "u", userAttributes: {}, payload: { command }, systems: {}, now: new Date(0) }
  const results = Effect.runSync(Policy.evaluate(gate, ctx as any) as any) as ReadonlyArray<Policy.PolicyResult>
  const blocked = results.filter((r) => !r.passed)
  const ok = want === "block" ? blocked.length > 0 : blocked.length === 0
  if (!ok) { bad++; console.log(want === "block" ? "PASSED:" : "BLOCKED:", JSON.stringify(command), want === "block" ? "" : blocked.map((r) => `${r.policy}: ${r.reason}`).join(" | ")) }
  else if (process.env.V) console.log("ok", JSON.stringify(command), blocked.map((r) => r.policy).join(","))
}
console.log(`${cases.length - bad}/${cases.length} as expected (${want})`)
