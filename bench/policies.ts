/**
 * Benchmark: the policy gate (`Policy.evaluate`, run to completion) with every built-in policy
 * registered and configured as a deployment would, over a realistic coding-agent payload (a shell
 * command, a path, a URL and a message). Two gates are measured:
 *
 * - "sync": every policy that answers synchronously (all but five), so the gate never enters the
 *   Effect runtime;
 * - "full": the whole catalogue, including `code_freeze_active`, `no_repeat_emails`,
 *   `limit_tasks_per_contact`, `dont_duplicate_contacts` and `block_ssrf` (which asks the `Dns` service
 *   about the URL's name; the default has no resolver), whose Effects switch the gate to its Effect path.
 *
 * Payloads rotate through distinct strings, so the per-evaluation memos (parsed command, URL, path)
 * help within one evaluation but never across evaluations. Prints p50/p99 µs after a warm-up.
 * Run with `node bench/policies.ts` (Node 22) or `deno run -A bench/policies.ts`.
 */
import { Effect } from "effect"
import * as ConnectorError from "../src/ConnectorError.ts"
import * as Access from "../policies/access.ts"
import * as Credentials from "../policies/credentials.ts"
import * as Crm from "../policies/crm.ts"
import * as Db from "../policies/db.ts"
import * as Email from "../policies/email.ts"
import * as FileSystem from "../policies/filesystem.ts"
import * as Git from "../policies/git.ts"
import * as PromptInjection from "../policies/promptInjection.ts"
import * as Shell from "../policies/shell.ts"
import * as Slack from "../policies/slack.ts"
import * as Time from "../policies/time.ts"
import * as Url from "../policies/url.ts"
import * as Policy from "../src/Policy.ts"
import * as ReceiptStore from "../src/store/ReceiptStore.ts"
import type { PolicyContext } from "../src/WorkflowContext.ts"

const N = Number(process.env.BENCH_N ?? 50_000)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 10_000)
const VARIANTS = 256

const store = ReceiptStore.makeMemory()

const sync: ReadonlyArray<Policy.Policy> = [
  // git
  Git.dontPushToMain, Git.requireBranchPrefix("agent/"), Git.maxFilesPerCommit(50), Git.dontDeleteBranch, Git.dontMergeToMain,
  Git.dontForcePush, Git.requireMeaningfulCommitMessage, Git.dontCommitApiKeys,
  // database
  Db.dontDeleteRow, Db.dontDeleteWithoutWhere, Db.dontUpdateWithoutWhere, Db.protectTables(["users", "billing.invoices"]), Db.blockDdl,
  // filesystem
  FileSystem.dontDeleteFile, FileSystem.restrictPaths(["/workspace", "/tmp"], { cwd: "/workspace" }),
  FileSystem.blockExtensions([".pem", ".key", ".p12"]), FileSystem.dontEditGitignore, FileSystem.dontReadEnv, FileSystem.dontTouchCiCd,
  FileSystem.dontAccessHomeDir({ cwd: "/workspace" }),
  // access
  Access.contractorCannotWritePii(["ssn", "email", "date_of_birth"]), Access.requireActorRole(["engineer", "admin"]),
  Access.requireUserRole("engineer", "admin"), Access.dontReadSensitiveTables(["salaries", "hr.reviews"]),
  Access.dontReadSensitivePaths(["/etc", "/var/secrets"]), Access.requireClearanceForPath(["/workspace/restricted"], 3),
  // time, slack
  Time.withinMaintenanceWindow("00:00", "23:59", { timeZone: "Europe/Berlin" }),
  Slack.requireChannelAllowlist(["#deploys", "#eng"]), Slack.blockDms,
  // url
  Url.requireHttps, Url.blockDnsExfilDomains, Url.blockSuspiciousTlds, Url.blockRawIpUrls,
  Url.webfetchDomainAllowlist(["example.com", "github.com", "npmjs.org"]),
  // prompt injection, email, credentials
  PromptInjection.blockPromptInjection, PromptInjection.blockPromptInjectionFields(["message", "body"]), Email.noMassEmails,
  Credentials.dontCopyApiKeys, Credentials.blockGrepSecretPatterns, Credentials.blockGlobCredentialsDirs,
  Credentials.pauseOnResourcePurposeMismatch, Credentials.blockSecretsInPayload,
  // coding-agent shell guard
  ...Shell.codingAgentShellGuard({ protectedTables: ["users", "orders"] })
]

const effectful: ReadonlyArray<Policy.Policy> = [
  Time.codeFreezeActive,
  Email.noRepeatEmails({ window: "24 hours" }),
  Crm.limitTasksPerContact({ max: 3 }),
  Crm.dontDuplicateContacts({ lookup: () => Effect.succeed(false) }),
  Url.blockSsrf
]

const full: ReadonlyArray<Policy.Policy> = [...sync, ...effectful]

const payload = (i: number) => ({
  command: `cd /workspace/app && npm ci && npx vitest run src/parser-${i}.test.ts && git add -A && git commit -m "Fix nested quote parsing (#${i})" && git push origin agent/fix-parser-${i}`,
  path: `/workspace/app/src/parser-${i}.ts`,
  url: `https://docs.example.com/guides/parsing?section=${i}`,
  message: `Fixed the nested-quote edge case in the parser (variant ${i}); all 214 tests pass and the bundle size is unchanged.`,
  branch: `agent/fix-parser-${i}`,
  commit_message: `Fix nested quote parsing (#${i})`
})

const contexts: ReadonlyArray<PolicyContext> = Array.from({ length: VARIANTS }, (_, i) => ({
  runId: `bench-${i}`,
  workflow: "coding-agent",
  user: "agent@co",
  userAttributes: { role: "engineer", clearance: 1 },
  payload: payload(i),
  now: new Date("2025-01-15T12:00:00Z"),
  read: (system, call) => Effect.fail(ConnectorError.unknownSystem(system, call.action, "no systems in this bench")),
  history: (filter) => store.list(filter)
}))

const measure = (label: string, policies: ReadonlyArray<Policy.Policy>) => {
  const run = (i: number) => Effect.runSync(Policy.evaluate(policies, contexts[i % VARIANTS]!))
  const first = run(0)
  const failed = first.filter((r) => !r.passed).map((r) => r.policy)
  for (let i = 0; i < WARMUP; i++) run(i)
  const samples = new Float64Array(N)
  for (let i = 0; i < N; i++) {
    const t0 = performance.now()
    run(i)
    samples[i] = (performance.now() - t0) * 1000
  }
  samples.sort()
  const at = (q: number) => samples[Math.min(N - 1, Math.floor(q * N))]!.toFixed(1)
  console.log(
    `${label.padEnd(6)} ${String(policies.length).padStart(3)} policies  p50 ${at(0.5).padStart(6)} µs  p99 ${at(0.99).padStart(6)} µs  (${N} evaluations; blocked by: ${failed.join(", ") || "none"})`
  )
}

console.log(`Policy gate over a coding-agent payload (command + path + url + message), ${VARIANTS} payload variants`)
measure("sync", sync)
measure("full", full)
