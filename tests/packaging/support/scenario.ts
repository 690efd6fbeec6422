/**
 * The scenario every package check runs, whatever the entry point (the npm tarball in a fresh project, an
 * esbuild bundle in Chromium, the bundle in Deno without permissions): an in-memory run that is BLOCKed,
 * one that PASSes and changes a record, verification of its receipt (and of a tampered copy), and a
 * rollback that puts the record back. It receives the library as an argument, so each check decides how
 * it was imported.
 * @module
 */
import type * as Enact from "../../../mod.ts"
import type { Effect as EffectNs, Schema as SchemaNs } from "effect"

/** What the scenario needs from the library and from `effect`. */
export interface Api {
  readonly EnactClient: typeof Enact.EnactClient
  readonly Connector: typeof Enact.Connector
  readonly ConnectorError: typeof Enact.ConnectorError
  readonly Policy: typeof Enact.Policy
  readonly Workflow: typeof Enact.Workflow
  readonly Effect: typeof EffectNs
  readonly Schema: typeof SchemaNs
}

/** What the scenario observed; every check asserts it equals `expected`. */
export interface Observed {
  readonly blocked: string
  readonly passed: string
  readonly afterRun: string | null
  readonly verified: boolean
  readonly tampered: boolean
  readonly rolledBack: string
  readonly afterRollback: string | null
}

export const expected: Observed = {
  blocked: "BLOCK",
  passed: "PASS",
  afterRun: "new",
  verified: true,
  tampered: false,
  rolledBack: "ROLLED_BACK",
  afterRollback: "old"
}

/** Runs the scenario. */
export const runScenario = async (api: Api): Promise<Observed> => {
  const { Connector, ConnectorError, Effect, EnactClient, Policy, Schema, Workflow } = api
  const data = new Map<string, string>([["k", "old"]])
  const records = Connector.make({
    kind: "records",
    allowedActions: ["set"],
    actions: {
      set: Connector.mutating(Schema.Struct({ key: Schema.String, value: Schema.String }), ({ key, value }) =>
        Effect.sync(() => {
          const before = data.get(key) ?? null
          return {
            alreadyDone: before === value,
            rollback: { action: "restore", args: { key, value: before, expected: value } },
            apply: Effect.sync(() => {
              data.set(key, value)
              return { key, value }
            })
          }
        }))
    },
    inverses: {
      restore: Connector.inverse(
        Schema.Struct({ key: Schema.String, value: Schema.NullOr(Schema.String), expected: Schema.String }),
        ({ expected, key, value }) =>
          Effect.suspend((): EffectNs.Effect<{ readonly restored: boolean }, Enact.ConnectorError.ConnectorError> => {
            const now = data.get(key) ?? null
            if (now === value) return Effect.succeed({ restored: false })
            if (now !== expected) return Effect.fail(ConnectorError.changed("", "", "changed since the run", { expected, current: now }))
            if (value === null) data.delete(key)
            else data.set(key, value)
            return Effect.succeed({ restored: true })
          })
      )
    }
  })
  const noSecrets = Policy.make("no_secret_keys", (ctx) => {
    const key = (ctx.payload as { readonly key: string }).key
    return Policy.check(!key.startsWith("secret"), "ordinary key", `key '${key}' is protected`)
  })
  const put = Workflow.makeAsync({
    name: "put",
    payload: Schema.Struct({ key: Schema.String, value: Schema.String }),
    run: async (ctx) => (await ctx.act("records", { action: "set", args: ctx.payload })).output
  })
  const enact = new EnactClient({
    secret: "package-check-secret-0123456789abcdef",
    systems: { records },
    policies: [noSecrets],
    workflows: [put]
  })
  try {
    const blocked = await enact.run({ workflow: "put", user: "agent@co", payload: { key: "secret-1", value: "x" } })
    const passed = await enact.run({ workflow: "put", user: "agent@co", payload: { key: "k", value: "new" } })
    const afterRun = data.get("k") ?? null
    const verified = (await enact.verify(passed.receipt)).valid
    const tampered = (await enact.verify({ ...passed.receipt, user_email: "someone@else" })).valid
    const undone = await enact.rollback(passed.receipt.run_id)
    return {
      blocked: blocked.result.decision,
      passed: passed.result.decision,
      afterRun,
      verified,
      tampered,
      rolledBack: undone.result.decision,
      afterRollback: data.get("k") ?? null
    }
  } finally {
    await enact.close()
  }
}
