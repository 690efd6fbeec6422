import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect } from "effect"
import * as Time from "../../policies/time.ts"
import * as Policy from "../../src/Policy.ts"
import { policyHarness } from "../support/policies.ts"

const { ctx, verdict } = policyHarness({ workflow: "deploy", runId: "run-1" })
/** A context with an empty payload, for a run that started at `iso`. */
const ctxAt = (iso: string) => ctx({}, { now: iso })
const verdictAt = (policy: Policy.Policy, iso: string): Policy.Verdict => verdict(policy, {}, { now: iso })

const passesAt = (policy: Policy.Policy, ...isos: ReadonlyArray<string>) => {
  for (const iso of isos) assert.isTrue(verdictAt(policy, iso).passed, `${iso}: ${verdictAt(policy, iso).reason}`)
}
const blocksAt = (policy: Policy.Policy, ...isos: ReadonlyArray<string>) => {
  for (const iso of isos) assert.isFalse(verdictAt(policy, iso).passed, `${iso}: ${verdictAt(policy, iso).reason}`)
}

describe("within_maintenance_window", () => {
  it("a same-day window includes its start and excludes its end (UTC by default)", () => {
    const w = Time.withinMaintenanceWindow("02:00", "06:00")
    passesAt(w, "2025-01-15T02:00:00Z", "2025-01-15T04:30:00Z", "2025-01-15T05:59:59Z")
    blocksAt(w, "2025-01-15T01:59:59Z", "2025-01-15T06:00:00Z", "2025-01-15T12:00:00Z")
    assert.strictEqual(verdictAt(w, "2025-01-15T04:30:00Z").reason, "Run time 04:30 is inside the maintenance window 02:00-06:00 (UTC)")
    assert.strictEqual(verdictAt(w, "2025-01-15T12:00:00Z").reason, "Run time 12:00 is outside the maintenance window 02:00-06:00 (UTC)")
  })

  it("regression: a window crossing midnight (22:00-02:00) covers both sides of midnight", () => {
    const w = Time.withinMaintenanceWindow("22:00", "02:00")
    passesAt(w, "2025-01-15T22:00:00Z", "2025-01-15T23:30:00Z", "2025-01-16T00:00:00Z", "2025-01-16T01:59:00Z")
    blocksAt(w, "2025-01-16T02:00:00Z", "2025-01-16T12:00:00Z", "2025-01-15T21:59:00Z")
  })

  it("minutes count, not just hours", () => {
    const w = Time.withinMaintenanceWindow("09:15", "09:45")
    passesAt(w, "2025-01-15T09:15:00Z", "2025-01-15T09:44:59Z")
    blocksAt(w, "2025-01-15T09:14:59Z", "2025-01-15T09:45:00Z")
  })

  it("judges the wall clock of the IANA zone, through daylight saving time", () => {
    const berlin = Time.withinMaintenanceWindow("01:00", "03:00", { timeZone: "Europe/Berlin" })
    passesAt(berlin, "2025-01-15T00:30:00Z", "2025-07-15T23:30:00Z")
    blocksAt(berlin, "2025-01-15T02:30:00Z", "2025-07-15T01:30:00Z")
    assert.include(verdictAt(berlin, "2025-01-15T00:30:00Z").reason, "01:30 is inside the maintenance window 01:00-03:00 (Europe/Berlin)")
    const kolkata = Time.withinMaintenanceWindow("23:00", "00:30", { timeZone: "Asia/Kolkata" })
    passesAt(kolkata, "2025-01-15T18:45:00Z")
    blocksAt(kolkata, "2025-01-15T19:00:00Z")
    const newYork = Time.withinMaintenanceWindow("22:00", "02:00", { timeZone: "America/New_York" })
    passesAt(newYork, "2025-01-16T03:00:00Z")
    blocksAt(newYork, "2025-01-15T22:00:00Z")
  })

  it("uses the run's start time (ctx.now), not the wall clock of the machine", () => {
    const w = Time.withinMaintenanceWindow("00:00", "00:01")
    passesAt(w, "2001-09-09T00:00:30Z")
  })

  it("blocks when the run time is not a valid date", () => {
    const v = verdictAt(Time.withinMaintenanceWindow("02:00", "06:00"), "not a date")
    assert.isFalse(v.passed)
    assert.include(v.reason, "no valid start time")
  })

  it("start == end is a configuration error when built, not a silent block", () => {
    assert.throws(() => Time.withinMaintenanceWindow("03:00", "03:00"), /start and end are both 03:00/)
  })

  it("malformed times and unknown zones are configuration errors when built", () => {
    for (const [start, end] of [["24:00", "02:00"], ["9:00", "10:00"], ["12:60", "13:00"], ["noon", "13:00"], ["01:00", ""], ["01:00:00", "02:00"]] as const) {
      assert.throws(() => Time.withinMaintenanceWindow(start, end), /must be "HH:MM"/, `${start}-${end}`)
    }
    assert.throws(() => Time.withinMaintenanceWindow("01:00", "02:00", { timeZone: "Mars/Olympus_Mons" }), /not an IANA time zone/)
  })

  it.effect("through the gate", () =>
    Effect.gen(function*() {
      const results = yield* Policy.evaluate(
        [Time.withinMaintenanceWindow("22:00", "02:00", { timeZone: "UTC" })],
        ctxAt("2025-01-15T23:00:00Z")
      )
      assert.deepStrictEqual(results, [{ policy: "within_maintenance_window", passed: true, reason: "Run time 23:00 is inside the maintenance window 22:00-02:00 (UTC)" }])
    }))
})

describe("code_freeze_active", () => {
  const evaluateWith = (env: Record<string, string>) =>
    Policy.evaluate([Time.codeFreezeActive], ctxAt("2025-01-15T12:00:00Z")).pipe(
      Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))
    )

  it.effect("blocks while ENACT_FREEZE is 1, true or yes, in any case", () =>
    Effect.gen(function*() {
      for (const value of ["1", "true", "TRUE", "True", "yes", "YES", " yes "]) {
        const [r] = yield* evaluateWith({ ENACT_FREEZE: value })
        assert.isFalse(r?.passed, value)
        assert.include(r?.reason ?? "", "A code freeze is active", value)
      }
    }))

  it.effect("passes when ENACT_FREEZE is unset, empty or any other value", () =>
    Effect.gen(function*() {
      const [unset] = yield* evaluateWith({})
      assert.deepStrictEqual(unset, { policy: "code_freeze_active", passed: true, reason: "No code freeze: ENACT_FREEZE is not set" })
      for (const value of ["", "0", "false", "no", "off", "frozen"]) {
        const [r] = yield* evaluateWith({ ENACT_FREEZE: value })
        assert.isTrue(r?.passed, value)
      }
    }))

  it.effect("reads the setting at evaluation time, so one policy object follows the provider", () =>
    Effect.gen(function*() {
      const policies = [Time.codeFreezeActive]
      const ctx = ctxAt("2025-01-15T12:00:00Z")
      const frozen = yield* Policy.evaluate(policies, ctx).pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ ENACT_FREEZE: "yes" })))
      )
      const thawed = yield* Policy.evaluate(policies, ctx).pipe(
        Effect.provide(ConfigProvider.layer(ConfigProvider.fromUnknown({ ENACT_FREEZE: "no" })))
      )
      assert.isFalse(frozen[0]?.passed)
      assert.isTrue(thawed[0]?.passed)
    }))

  it.effect("blocks when the setting cannot be read (fail closed)", () =>
    Effect.gen(function*() {
      const broken = ConfigProvider.make(() => Effect.fail(new ConfigProvider.SourceError({ message: "vault unreachable" })))
      const [r] = yield* Policy.evaluate([Time.codeFreezeActive], ctxAt("2025-01-15T12:00:00Z")).pipe(
        Effect.provideService(ConfigProvider.ConfigProvider, broken)
      )
      assert.isFalse(r?.passed)
      assert.include(r?.reason ?? "", "Cannot read ENACT_FREEZE")
      assert.include(r?.reason ?? "", "vault unreachable")
    }))
})
