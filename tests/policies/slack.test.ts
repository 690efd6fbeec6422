import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { Effect } from "effect"
import * as Slack from "../../policies/slack.ts"
import * as Policy from "../../src/Policy.ts"
import { policyHarness } from "../support/policies.ts"

const { ctx, verdict } = policyHarness({ workflow: "slack.post_message", runId: "run-1", now: "2025-01-15T12:00:00Z" })

const onChannel = (policy: Policy.Policy, channel: unknown) => verdict(policy, { channel, text: "hi" })

describe("block_dms", () => {
  it("blocks direct-message channels (D…)", () => {
    const v = onChannel(Slack.blockDms, "D0123ABCD")
    assert.isFalse(v.passed)
    assert.strictEqual(v.reason, "Slack channel 'D0123ABCD' is a direct-message channel; direct messages are blocked")
  })

  it("blocks user ids (U…, W…): Slack opens a DM", () => {
    assert.include(onChannel(Slack.blockDms, "U0123ABCD").reason, "a user id")
    assert.isFalse(onChannel(Slack.blockDms, "U0123ABCD").passed)
    assert.isFalse(onChannel(Slack.blockDms, "W0123ABCDEF").passed)
  })

  it("regression: group DMs (G… mpim ids and mpdm- names) block like DMs", () => {
    const v = onChannel(Slack.blockDms, "G0123ABCD")
    assert.isFalse(v.passed)
    assert.include(v.reason, "group direct message")
    assert.isFalse(onChannel(Slack.blockDms, "mpdm-alice--bob--carol-1").passed)
    assert.isFalse(onChannel(Slack.blockDms, "#mpdm-alice--bob-1").passed)
  })

  it("blocks @name targets and mention syntax", () => {
    assert.isFalse(onChannel(Slack.blockDms, "@alice").passed)
    assert.include(onChannel(Slack.blockDms, "@Alice").reason, "'@alice'")
    assert.isFalse(onChannel(Slack.blockDms, "<@U0123ABCD>").passed)
    assert.isFalse(onChannel(Slack.blockDms, "<@U0123ABCD|alice>").passed)
    assert.isFalse(onChannel(Slack.blockDms, "<@alice>").passed)
  })

  it("regression: lowercase or padded DM ids still block", () => {
    assert.isFalse(onChannel(Slack.blockDms, "d0123abcd").passed)
    assert.isFalse(onChannel(Slack.blockDms, "  D0123ABCD  ").passed)
    assert.isFalse(onChannel(Slack.blockDms, "g0123abcd").passed)
  })

  it("passes public and private channels by id or name", () => {
    for (const c of ["C0123ABCD", "#general", "general", "<#C0123ABCD|general>", "<#C0123ABCD>", "design", "Deploys", "dev-2024", "users"]) {
      const v = onChannel(Slack.blockDms, c)
      assert.isTrue(v.passed, `${c}: ${v.reason}`)
    }
  })

  it("passes when there is no channel; blocks a channel that is not a string or is empty", () => {
    assert.isTrue(verdict(Slack.blockDms, { text: "hi" }).passed)
    assert.isTrue(verdict(Slack.blockDms, { channel: null }).passed)
    assert.include(onChannel(Slack.blockDms, 42).reason, "Payload field 'channel' is a number")
    assert.isFalse(onChannel(Slack.blockDms, ["C0123ABCD"]).passed)
    assert.isFalse(onChannel(Slack.blockDms, "").passed)
    assert.isFalse(onChannel(Slack.blockDms, "  #  ").passed)
    assert.isFalse(onChannel(Slack.blockDms, "<@>").passed)
  })
})

describe("Slack policies never throw", () => {
  it("on arbitrary payloads, or a channel whose getter throws", () => {
    const policies = [Slack.blockDms, Slack.requireChannelAllowlist(["#general"])]
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ channel: fc.oneof(fc.string(), fc.anything()) })), (payload) => {
        for (const p of policies) assert.isBoolean(verdict(p, payload).passed)
      }),
      { numRuns: 200 }
    )
    const throwing = Object.defineProperty({}, "channel", { enumerable: true, get: () => { throw new Error("boom") } })
    for (const p of policies) assert.include(verdict(p, throwing).reason, "unreadable")
  })
})

describe("require_channel_allowlist", () => {
  const allow = Slack.requireChannelAllowlist(["#deploys", "C0123ABCD", "Incidents"])

  it("passes listed channels in every spelling of their id or name", () => {
    for (const c of ["deploys", "#deploys", "#Deploys", " deploys ", "C0123ABCD", "c0123abcd", "<#C0123ABCD|general>", "incidents", "<#incidents>"]) {
      const v = onChannel(allow, c)
      assert.isTrue(v.passed, `${c}: ${v.reason}`)
    }
    assert.strictEqual(onChannel(allow, "#deploys").reason, "Slack channel 'deploys' is on the allowlist")
  })

  it("blocks unlisted channels, DMs and users, naming the allowlist", () => {
    const v = onChannel(allow, "#random")
    assert.isFalse(v.passed)
    assert.strictEqual(v.reason, "Slack channel 'random' is not on the allowlist (deploys, C0123ABCD, incidents)")
    for (const c of ["D0123ABCD", "@deploys", "G0123ABCD", "C9999ZZZZ", "deploys-old", "<#C9999ZZZZ|deploys>"]) {
      assert.isFalse(onChannel(allow, c).passed, c)
    }
  })

  it("an empty allowlist allows no channel", () => {
    const none = Slack.requireChannelAllowlist([])
    assert.include(onChannel(none, "#general").reason, "allowlist is empty")
    assert.isTrue(verdict(none, {}).passed)
  })

  it("blocks a channel of the wrong type", () => {
    assert.isFalse(onChannel(allow, { id: "C0123ABCD" }).passed)
  })

  it("refuses entries that are not channels when built", () => {
    assert.throws(() => Slack.requireChannelAllowlist([""]), /Cannot build require_channel_allowlist/)
    assert.throws(() => Slack.requireChannelAllowlist(["#"]), /Cannot build require_channel_allowlist/)
    assert.throws(() => Slack.requireChannelAllowlist([7 as unknown as string]), /Cannot build require_channel_allowlist/)
  })

  it.effect("through the gate with block_dms: a listed channel passes both, a group DM fails both", () =>
    Effect.gen(function*() {
      const policies = [Slack.blockDms, allow]
      const ok = yield* Policy.evaluate(policies, ctx({ channel: "#deploys" }))
      assert.isTrue(Policy.allPassed(ok))
      const dm = yield* Policy.evaluate(policies, ctx({ channel: "G0123ABCD" }))
      assert.deepStrictEqual(dm.map((r) => [r.policy, r.passed]), [["block_dms", false], ["require_channel_allowlist", false]])
    }))
})
