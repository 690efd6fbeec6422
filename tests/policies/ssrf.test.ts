/**
 * Issue 8, URLs: the `Dns` service and its layers, `block_ssrf` judging every resolved address, the
 * built-in list of names that lead inside without a resolver, size caps, userinfo credentials returned
 * for redaction, and the web set's `allow.hosts`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as Dns from "../../policies/dns.ts"
import * as DnsNode from "../../policies/dnsNode.ts"
import * as Sets from "../../policies/sets.ts"
import * as Url from "../../policies/url.ts"
import * as Policy from "../../src/Policy.ts"
import { policyHarness } from "../support/policies.ts"

const { ctx, judge, verdict } = policyHarness({ workflow: "web.fetch" })
const onUrl = (policy: Policy.Policy, url: string) => judge(policy, { url })

const RECORDS = {
  "public.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
  "intranet.example.com": ["10.0.0.5"],
  "mixed.example.com": ["93.184.216.34", "127.0.0.1"],
  "meta.example.com": ["169.254.169.254"],
  "v6meta.example.com": ["fd00:ec2::254"],
  "mapped.example.com": ["::ffff:192.168.1.10"],
  "empty.example.com": [],
  "garbage.example.com": ["not-an-ip"]
}
const memory = Dns.layerMemory(RECORDS)

describe("Dns layers", () => {
  it.effect("the default has no resolver; layerLiteral says the same", () =>
    Effect.gen(function*() {
      assert.isUndefined((yield* Dns.Dns).resolver)
      assert.isUndefined((yield* Effect.provide(Effect.service(Dns.Dns), Dns.layerLiteral)).resolver)
    }))

  it.effect("layerMemory answers its records, case-insensitively and without the trailing dot, and NotFound otherwise", () =>
    Effect.gen(function*() {
      const dns = yield* Dns.Dns
      assert.deepStrictEqual(yield* dns.resolver!.resolve("Intranet.Example.COM."), ["10.0.0.5"])
      const missing = yield* Effect.flip(dns.resolver!.resolve("nope.example.com"))
      assert.strictEqual(missing._tag, "DnsError")
      assert.strictEqual(missing.reason, "NotFound")
    }).pipe(Effect.provide(memory)))

  it.effect("the node:dns layer resolves what the system resolver resolves (localhost)", () =>
    Effect.gen(function*() {
      const addresses = yield* DnsNode.resolver.resolve("localhost")
      assert.isTrue(addresses.some((a) => a === "127.0.0.1" || a === "::1"), addresses.join(", "))
      const dns = yield* Effect.provide(Effect.service(Dns.Dns), DnsNode.layer)
      assert.strictEqual(dns.name, "node:dns")
    }))
})

describe("block_ssrf", () => {
  it.effect("judges every address a name resolves to", () =>
    Effect.gen(function*() {
      assert.include((yield* onUrl(Url.blockSsrf, "https://public.example.com/")).reason, "only to public addresses (2, via memory)")
      const cases: ReadonlyArray<readonly [string, string]> = [
        ["https://intranet.example.com/", "resolves to 10.0.0.5 (private)"],
        ["https://mixed.example.com/", "resolves to 127.0.0.1 (loopback)"],
        ["https://meta.example.com/", "the cloud metadata service 169.254.169.254"],
        ["https://v6meta.example.com/", "the AWS metadata service (IPv6)"],
        ["https://mapped.example.com/", "private (IPv4-mapped 192.168.1.10)"],
        ["https://empty.example.com/", "resolves to no address"],
        ["https://garbage.example.com/", "not an IP address"],
        ["https://unknown.example.com/", "could not be resolved"]
      ]
      for (const [url, reason] of cases) {
        const v = yield* onUrl(Url.blockSsrf, url)
        assert.isFalse(v.passed, url)
        assert.include(v.reason, reason, url)
      }
    }).pipe(Effect.provide(memory)))

  it.effect("a resolver that fails blocks, naming the failure", () =>
    Effect.gen(function*() {
      const failing = Dns.layer({ resolve: (host) => Effect.fail(new Dns.DnsError({ host, reason: "Timeout", message: `${host} timed out` })) }, "flaky")
      const v = yield* Effect.provide(onUrl(Url.blockSsrf, "https://public.example.com/"), failing)
      assert.isFalse(v.passed)
      assert.include(v.reason, "timed out")
    }))

  it.effect("without a resolver, ordinary names pass and say so; internal names block by name", () =>
    Effect.gen(function*() {
      assert.include((yield* onUrl(Url.blockSsrf, "https://docs.example.com/")).reason, "no DNS resolver is configured")
      const cases: ReadonlyArray<readonly [string, string]> = [
        ["https://app.localtest.me/", "resolves to 127.0.0.1"],
        ["https://x.y.lvh.me/", "resolves to 127.0.0.1"],
        ["http://10.0.0.1.nip.io/", "IP address written inside it"],
        ["http://a-127-0-0-1.sslip.io/", "IP address written inside it"],
        ["http://7f000001.c0a80001.rbndr.us/", "rebinding"],
        ["http://ip-10-1-2-3.corp.example.com/", "embeds the address 10.1.2.3"],
        ["http://metadata.google.internal/", "metadata"],
        ["http://metadata.goog/", "metadata"],
        ["http://intranet/", "single-label"],
        ["http://nas.local/", "'.local'"],
        ["http://kubernetes.default.svc/", "'.svc'"],
        ["http://router.home.arpa/", "'.home.arpa'"],
        ["http://localhost./", "loopback name"],
        ["http://[::1]/", "loopback"],
        ["http://0x7f.1/", "loopback"],
        ["http://[::ffff:169.254.169.254]/", "metadata"],
        ["http://168.63.129.16/", "Azure WireServer"]
      ]
      for (const [url, reason] of cases) {
        const v = yield* onUrl(Url.blockSsrf, url)
        assert.isFalse(v.passed, url)
        assert.include(v.reason, reason, url)
      }
      assert.isTrue((yield* onUrl(Url.blockSsrf, "https://8.8.8.8/")).passed, "a public literal is not SSRF (block_raw_ip_urls judges raw IPs)")
      assert.isTrue((yield* onUrl(Url.blockSsrf, "https://nip.io/")).passed, "the service's own site")
      assert.isTrue((yield* onUrl(Url.blockSsrf, "https://93.184.216.34.example.com/")).passed, "an embedded public address")
    }))

  it("answers synchronously when no DNS is needed", () => {
    for (const url of ["http://127.0.0.1/", "https://lvh.me/", "http://intranet/", "http://[fd00:ec2::254]/"]) {
      assert.isFalse(Effect.isEffect(Url.blockSsrf.check(ctx({ url }))), url)
    }
    assert.isTrue(Effect.isEffect(Url.blockSsrf.check(ctx({ url: "https://docs.example.com/" }))))
  })
})

describe("block_raw_ip_urls catches names that are addresses in disguise", () => {
  it("blocks wildcard loopback domains, IP-echo names and embedded private addresses, and passes ordinary names", () => {
    for (const url of ["https://localtest.me/", "https://a.vcap.me/", "http://127.0.0.1.nip.io/", "https://10-0-0-1.traefik.me/", "http://x.192.168.0.1.example.com/"]) {
      assert.isFalse(verdict(Url.blockRawIpUrls, { url }).passed, url)
    }
    for (const url of ["https://github.com/", "https://v1-2-3-4.example.com/", "https://example.com/127.0.0.1"]) {
      assert.isTrue(verdict(Url.blockRawIpUrls, { url }).passed, url)
    }
  })
})

describe("caps and credentials in URLs", () => {
  it("blocks URLs over 16 KiB and hosts longer than a DNS name, before parsing them", () => {
    const long = verdict(Url.requireHttps, { url: `https://example.com/${"a".repeat(Url.MAX_URL_LENGTH)}` })
    assert.isFalse(long.passed)
    assert.include(long.reason, "more than the 16384 inspected")
    const host = verdict(Url.requireHttps, { url: `https://${"a".repeat(254)}.com/` })
    assert.isFalse(host.passed)
    assert.include(host.reason, "more than a DNS name can be")
  })

  it("returns userinfo credentials for redaction, as written and decoded, and keeps them out of reasons", () => {
    const v = verdict(Url.blockRawIpUrls, { url: "https://deploy:s3cr%21t-pass@example.com/repo.git" })
    assert.isTrue(v.passed)
    assert.deepStrictEqual(v.redact, ["s3cr%21t-pass", "s3cr!t-pass"])
    assert.notInclude(v.reason, "s3cr")
    const token = verdict(Url.requireHttps, { url: "http://ghs_abcdefghijklmnopqrstuvwxyz0123456789@example.com/" })
    assert.isFalse(token.passed)
    assert.deepStrictEqual(token.redact, ["ghs_abcdefghijklmnopqrstuvwxyz0123456789"])
    assert.isUndefined(verdict(Url.requireHttps, { url: "https://example.com/" }).redact)
  })
})

describe("the web set's allow.hosts", () => {
  it.effect("passes every check for an allowed host, saying 'allowed by configuration', and nothing else", () =>
    Effect.gen(function*() {
      const set = Sets.webWith({ allow: { hosts: ["localhost", "api.internal.example"] } })
      const results = yield* Policy.evaluate(set, ctx({ url: "http://localhost:3000/health" }))
      assert.isTrue(Policy.allPassed(results), Policy.blockReason(results))
      const https = results.find((r) => r.policy === "require_https")!
      assert.match(https.reason, /^allowed by configuration: host 'localhost' is on the web set's allow list \(otherwise: URL uses 'http:'/)
      const sub = yield* Policy.evaluate(set, ctx({ url: "https://v2.api.internal.example/x" }))
      assert.isTrue(Policy.allPassed(sub), Policy.blockReason(sub))
      for (const url of ["http://localhost.evil.example/", "http://127.0.0.1/", "http://internal.example/", "http://notapi.internal.example.com/"]) {
        assert.isFalse(Policy.allPassed(yield* Policy.evaluate(set, ctx({ url }))), url)
      }
    }).pipe(Effect.provide(Layer.empty)))

  it("refuses an allow entry that is not a host", () => {
    assert.throws(() => Sets.webWith({ allow: { hosts: ["https://x.example/path"] } }), /is not a domain name or IP address/)
  })
})
