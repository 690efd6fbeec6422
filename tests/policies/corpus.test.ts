/**
 * The corpus: every hostile input must be blocked by the full built-in catalogue (configured as a real
 * deployment would), by at least one policy of its own category, and every benign look-alike must pass
 * the same gate.
 *
 * Not in the shared gate, because by design they block every payload that lacks their field, so they are
 * registered only on workflows of that kind (and tested in their own files): `dont_delete_row`,
 * `dont_delete_branch`, `dont_delete_file` (always block), `require_branch_prefix` (blocks a payload
 * without a branch), `dont_delete_without_where` and `dont_update_without_where` (block a payload without
 * a WHERE).
 */
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import * as Access from "../../policies/access.ts"
import * as Credentials from "../../policies/credentials.ts"
import * as Crm from "../../policies/crm.ts"
import * as Db from "../../policies/db.ts"
import * as Email from "../../policies/email.ts"
import * as FileSystem from "../../policies/filesystem.ts"
import * as Git from "../../policies/git.ts"
import * as PromptInjection from "../../policies/promptInjection.ts"
import * as Shell from "../../policies/shell.ts"
import * as Slack from "../../policies/slack.ts"
import * as Time from "../../policies/time.ts"
import * as Dns from "../../policies/dns.ts"
import * as Url from "../../policies/url.ts"
import type { ActionResult, Json, Receipt } from "../../src/Model.ts"
import * as Policy from "../../src/Policy.ts"
import * as ReceiptStore from "../../src/store/ReceiptStore.ts"
import type { PolicyContext } from "../../src/WorkflowContext.ts"
import { policyContext } from "../support/policies.ts"
import { storedReceipt } from "../support/receipts.ts"
import { BENIGN } from "./corpus/benign.ts"
import { BENIGN_CREDENTIALS } from "./corpus/benign.credentials.ts"
import { BENIGN_MESSAGES } from "./corpus/benign.messages.ts"
import { BENIGN_SQL, BENIGN_SQL_WRITES } from "./corpus/benign.sql.ts"
import { BENIGN_WEB } from "./corpus/benign.web.ts"
import { HOSTILE_CREDENTIALS } from "./corpus/hostile.credentials.ts"
import { HOSTILE_INJECTION } from "./corpus/hostile.injection.ts"
import { type Case, type Category, HOSTILE } from "./corpus/hostile.ts"
import { HOSTILE_SQL, HOSTILE_SQL_WRITES } from "./corpus/hostile.sql.ts"
import { HOSTILE_WEB, type WebCase } from "./corpus/hostile.web.ts"

const NOW = "2025-01-15T23:30:00.000Z"
const DEFAULT_ATTRIBUTES: Readonly<Record<string, Json>> = { role: "engineer", clearance: 1 }

const receipt = (runId: string, payload: Receipt["payload"], actions: ReadonlyArray<ActionResult> = []): Receipt =>
  storedReceipt({
    run_id: runId,
    workflow: "agent",
    user_email: "agent@co",
    payload,
    actions_taken: actions,
    timestamp: "2025-01-15T20:00:00.000Z"
  })

const task = (contact: string): ActionResult => ({
  action: "create_task",
  system: "crm",
  args: { contact_id: contact },
  success: true,
  output: { id: "t", contact_id: contact },
  rollback_data: null,
  already_done: false
})

const store = ReceiptStore.makeMemory()
Effect.runSync(store.put(receipt("sent-1", { to: "ann@co.com", subject: "Invoice #1042" })))
Effect.runSync(store.put(receipt("tasks-1", { contact_id: "c_busy" }, [task("c_busy"), task("c_busy"), task("c_busy"), task("c_quiet")])))
const EXISTING = new Set(["existing@co.com"])

/** Every policy of each category, configured as a deployment would. */
const CATALOGUE: Readonly<Record<Category, ReadonlyArray<Policy.Policy>>> = {
  git: [
    Git.dontPushToMain, Git.dontMergeToMain, Git.maxFilesPerCommit(50), Git.dontForcePush, Git.requireMeaningfulCommitMessage,
    Git.dontCommitApiKeys
  ],
  db: [Db.blockDdl, Db.protectTables(["users", "billing.invoices", "audit_log"]), Access.dontReadSensitiveTables(["salaries", "hr.reviews"])],
  filesystem: [
    FileSystem.restrictPaths(["/workspace", "/tmp"], { cwd: "/workspace" }), FileSystem.blockExtensions([".pem", ".key", ".p12", ".env"]),
    FileSystem.dontEditGitignore, FileSystem.dontReadEnv, FileSystem.dontTouchCiCd, FileSystem.dontAccessHomeDir({ cwd: "/workspace" }),
    Access.dontReadSensitivePaths(["/etc", "/var/secrets"])
  ],
  access: [
    Access.requireUserRole("engineer", "admin", "contractor"), Access.requireActorRole(["engineer", "admin", "contractor"]),
    Access.contractorCannotWritePii(["ssn", "email", "date_of_birth", "phone"]), Access.dontReadSensitiveTables(["salaries", "hr.reviews"]),
    Access.dontReadSensitivePaths(["/etc", "/var/secrets"]), Access.requireClearanceForPath(["/workspace/restricted"], 3)
  ],
  credentials: [
    Credentials.dontCopyApiKeys, Credentials.blockGrepSecretPatterns, Credentials.blockGlobCredentialsDirs,
    Credentials.pauseOnResourcePurposeMismatch, Credentials.blockSecretsInPayload
  ],
  url: [
    Url.requireHttps, Url.blockDnsExfilDomains, Url.blockSuspiciousTlds, Url.blockRawIpUrls, Url.blockSsrf,
    Url.webfetchDomainAllowlist([
      "example.com", "github.com", "githubusercontent.com", "npmjs.org", "developer.mozilla.org", "notpastebin.com"
    ])
  ],
  prompt_injection: [PromptInjection.blockPromptInjection, PromptInjection.blockPromptInjectionFields(["body", "title", "message"])],
  email: [Email.noMassEmails, Email.noRepeatEmails({ window: "24 hours" })],
  slack: [Slack.blockDms, Slack.requireChannelAllowlist(["#deploys", "#eng", "C0123ABCD"])],
  crm: [
    Crm.dontDuplicateContacts({ lookup: (email) => Effect.succeed(EXISTING.has(email)) }),
    Crm.limitTasksPerContact({ max: 3, window: "7 days" })
  ],
  time: [Time.withinMaintenanceWindow("22:00", "06:00", { timeZone: "UTC" }), Time.codeFreezeActive],
  shell: Shell.codingAgentShellGuard({
    allowPackages: [...Shell.DEFAULT_VETTED_PACKAGES, "lodash"],
    protectedTables: ["users", "orders", "billing.invoices"]
  })
}

const GATE: ReadonlyArray<Policy.Policy> = [...new Set(Object.values(CATALOGUE).flat())]

const contextOf = (c: Case, i: number): PolicyContext =>
  policyContext(c.payload, { runId: `corpus-${i}`, workflow: "agent", history: store, userAttributes: c.userAttributes ?? DEFAULT_ATTRIBUTES, now: c.now ?? NOW })

/** A data-changing SQL workflow registers the WHERE policies as well. */
const WRITE_GATE: ReadonlyArray<Policy.Policy> = [...GATE, Db.dontDeleteWithoutWhere, Db.dontUpdateWithoutWhere]

const evaluate = (c: Case, i: number, gate: ReadonlyArray<Policy.Policy> = GATE) =>
  Policy.evaluate(gate, contextOf(c, i)).pipe(
    Effect.provide((c as WebCase).dns === undefined ? Dns.layerLiteral : Dns.layerMemory((c as WebCase).dns!)),
    Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({})))
  )

const name = (c: Case): string => `${c.category}: ${c.note} ${JSON.stringify(c.payload).slice(0, 100)}`

describe("hostile corpus", () => {
  it("has at least 200 entries across every category", () => {
    assert.isAtLeast(HOSTILE.length, 200)
    for (const category of Object.keys(CATALOGUE)) {
      assert.isTrue(HOSTILE.some((c) => c.category === category), `no hostile ${category} entry`)
    }
  })
  HOSTILE.forEach((c, i) => {
    it.effect(`blocks ${name(c)}`, () =>
      Effect.gen(function*() {
        const results = yield* evaluate(c, i)
        assert.isFalse(Policy.allPassed(results), `passed the full gate: ${name(c)}`)
        const own = new Set(CATALOGUE[c.category].map((p) => p.name))
        const blockedBy = results.filter((r) => !r.passed).map((r) => r.policy)
        assert.isTrue(
          blockedBy.some((p) => own.has(p)),
          `blocked only by ${blockedBy.join(", ")}, by no ${c.category} policy: ${name(c)}`
        )
      }))
  })
})

describe("benign corpus", () => {
  it("has at least 100 entries", () => assert.isAtLeast(BENIGN.length, 100))
  BENIGN.forEach((c, i) => {
    it.effect(`passes ${name(c)}`, () =>
      Effect.gen(function*() {
        const results = yield* evaluate(c, i)
        assert.isTrue(Policy.allPassed(results), `blocked: ${name(c)}: ${Policy.blockReason(results)}`)
      }))
  })
})

// ---------------------------------------------------------------------------------------------------
// Issue 8: SQL, URL, credentials and prompt injection, written against the analysers

const WRITE_POLICIES = new Set([...CATALOGUE.db.map((p) => p.name), "dont_delete_without_where", "dont_update_without_where"])

const hostileIn = (cases: ReadonlyArray<Case>, gate: ReadonlyArray<Policy.Policy>, own: (c: Case) => ReadonlySet<string>, offset: number) =>
  cases.forEach((c, i) => {
    it.effect(`blocks ${name(c)}`, () =>
      Effect.gen(function*() {
        const results = yield* evaluate(c, offset + i, gate)
        const blockedBy = results.filter((r) => !r.passed).map((r) => r.policy)
        assert.isTrue(blockedBy.some((p) => own(c).has(p)), `blocked by ${blockedBy.join(", ") || "nothing"}, by no ${c.category} policy: ${name(c)}`)
      }))
  })

const benignIn = (cases: ReadonlyArray<Case>, gate: ReadonlyArray<Policy.Policy>, offset: number) =>
  cases.forEach((c, i) => {
    it.effect(`passes ${name(c)}`, () =>
      Effect.gen(function*() {
        const results = yield* evaluate(c, offset + i, gate)
        assert.isTrue(Policy.allPassed(results), `blocked: ${name(c)}: ${Policy.blockReason(results)}`)
      }))
  })

const ownPolicies = (c: Case): ReadonlySet<string> => new Set(CATALOGUE[c.category].map((p) => p.name))

const HOSTILE_ISSUE8: ReadonlyArray<Case> = [...HOSTILE_SQL_WRITES, ...HOSTILE_SQL, ...HOSTILE_WEB, ...HOSTILE_CREDENTIALS, ...HOSTILE_INJECTION]
const BENIGN_ISSUE8: ReadonlyArray<Case> = [...BENIGN_SQL_WRITES, ...BENIGN_SQL, ...BENIGN_WEB, ...BENIGN_CREDENTIALS, ...BENIGN_MESSAGES]

describe("hostile corpus, issue 8 (SQL, URL, credentials, prompt injection)", () => {
  it("has at least 150 entries across the four classes", () => {
    assert.isAtLeast(HOSTILE_ISSUE8.length, 150)
    for (const category of ["db", "url", "credentials", "prompt_injection"] as const) {
      assert.isAtLeast(HOSTILE_ISSUE8.filter((c) => c.category === category).length, 25, category)
    }
  })
  hostileIn(HOSTILE_SQL_WRITES, WRITE_GATE, () => WRITE_POLICIES, 10_000)
  hostileIn([...HOSTILE_SQL, ...HOSTILE_WEB, ...HOSTILE_CREDENTIALS, ...HOSTILE_INJECTION], GATE, ownPolicies, 20_000)
})

describe("benign corpus, issue 8 (everyday SQL, URLs, messages, code)", () => {
  it("has at least 70 entries", () => assert.isAtLeast(BENIGN_ISSUE8.length, 70))
  benignIn(BENIGN_SQL_WRITES, WRITE_GATE, 30_000)
  benignIn([...BENIGN_SQL, ...BENIGN_WEB, ...BENIGN_CREDENTIALS, ...BENIGN_MESSAGES], GATE, 40_000)
})
