import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Ip from "../../policies/_ip.ts"
import * as Url from "../../policies/url.ts"
import * as Policy from "../../src/Policy.ts"
import { policyHarness } from "../support/policies.ts"

const { ctx, verdict } = policyHarness({ workflow: "webfetch", runId: "run-1", now: "2025-01-15T12:00:00Z" })

const onUrl = (policy: Policy.Policy, url: string) => verdict(policy, { url })

const assertBlocks = (policy: Policy.Policy, url: string, reasonIncludes?: string) => {
  const v = onUrl(policy, url)
  assert.isFalse(v.passed, `${policy.name} should block ${url} (${v.reason})`)
  if (reasonIncludes !== undefined) assert.include(v.reason, reasonIncludes)
}

const assertPasses = (policy: Policy.Policy, url: string) => {
  const v = onUrl(policy, url)
  assert.isTrue(v.passed, `${policy.name} should pass ${url} (${v.reason})`)
}

const ALL = [Url.requireHttps, Url.blockDnsExfilDomains, Url.blockSuspiciousTlds, Url.blockRawIpUrls, Url.webfetchDomainAllowlist(["example.com"])]

describe("URL policies: shared payload handling", () => {
  it("every URL policy passes when the payload has no url (or url is null), and says so", () => {
    for (const p of ALL) {
      for (const payload of [{}, { other: "https://pastebin.com" }, { url: null }, null, "https://pastebin.com", [1]]) {
        const v = verdict(p, payload)
        assert.isTrue(v.passed, p.name)
        assert.strictEqual(v.reason, "No URL in the payload")
      }
    }
  })

  it("every URL policy blocks a url that is not a string (fail closed)", () => {
    for (const p of ALL) {
      for (const url of [42, ["https://example.com"], { href: "https://example.com" }, true]) {
        const v = verdict(p, { url })
        assert.isFalse(v.passed, p.name)
        assert.include(v.reason, "Payload field 'url' is")
      }
    }
  })

  it("every URL policy blocks a url the WHATWG parser rejects", () => {
    for (const p of ALL) {
      for (const url of ["", "pastebin.com/raw/x", "http://exa mple.com/", "http://1.2.3.4.5/", "http://999.1.1.1/", "http://[::1/", "//example.com"]) {
        const v = onUrl(p, url)
        assert.isFalse(v.passed, `${p.name} on ${url}`)
        assert.include(v.reason, "cannot be parsed")
      }
    }
  })

  it("a url whose getter throws blocks with a reason instead of throwing", () => {
    const payload = Object.defineProperty({}, "url", { enumerable: true, get: () => { throw new Error("boom") } })
    for (const p of ALL) {
      const v = verdict(p, payload)
      assert.isFalse(v.passed, p.name)
      assert.include(v.reason, "unreadable")
    }
  })

  it("an unparseable url is reported without its userinfo (it may hold a password)", () => {
    const v = onUrl(Url.requireHttps, "http://admin:hunter2@exa mple.com/")
    assert.isFalse(v.passed)
    assert.notInclude(v.reason, "hunter2")
    assert.include(v.reason, "http://…@exa mple.com/")
  })

  it("regression: a non-special scheme whose host the http parser rejects blocks", () => {
    for (const p of ALL) assert.include(onUrl(p, "foo://pastebin.com%2Fx/").reason, "cannot be parsed", p.name)
  })

  it("policy names are the catalogue's snake_case names", () => {
    assert.deepStrictEqual(ALL.map((p) => p.name), [
      "require_https",
      "block_dns_exfil_domains",
      "block_suspicious_tlds",
      "block_raw_ip_urls",
      "webfetch_domain_allowlist"
    ])
  })

  it.effect("through the gate: a clean https URL passes every policy, an exfil URL over http fails three", () =>
    Effect.gen(function*() {
      const ok = yield* Policy.evaluate(ALL, ctx({ url: "https://docs.example.com/guide?q=1" }))
      assert.isTrue(Policy.allPassed(ok))
      const bad = yield* Policy.evaluate(ALL, ctx({ url: "http://user:pw@X.Webhook.Site./abc" }))
      assert.deepStrictEqual(bad.map((r) => [r.policy, r.passed]), [
        ["require_https", false],
        ["block_dns_exfil_domains", false],
        ["block_suspicious_tlds", true],
        ["block_raw_ip_urls", true],
        ["webfetch_domain_allowlist", false]
      ])
      assert.notInclude(Policy.blockReason(bad), "pw", "credentials in the URL never reach the receipt")
    }))
})

describe("require_https", () => {
  it("passes https and wss", () => {
    assertPasses(Url.requireHttps, "https://example.com/")
    assertPasses(Url.requireHttps, "HTTPS://EXAMPLE.COM/")
    assertPasses(Url.requireHttps, "wss://example.com/socket")
  })

  it("blocks http, ws, ftp and other schemes, naming the scheme", () => {
    assertBlocks(Url.requireHttps, "http://example.com/", "'http:'")
    assertBlocks(Url.requireHttps, "HTTP://example.com/", "'http:'")
    assertBlocks(Url.requireHttps, "  http://example.com/  ", "'http:'")
    assertBlocks(Url.requireHttps, "ws://example.com/", "'ws:'")
    assertBlocks(Url.requireHttps, "ftp://example.com/", "'ftp:'")
    assertBlocks(Url.requireHttps, "gopher://example.com/", "'gopher:'")
    assertBlocks(Url.requireHttps, "javascript:alert(1)", "'javascript:'")
    assertBlocks(Url.requireHttps, "file:///etc/passwd", "'file:'")
  })

  it("a look-alike scheme is not https", () => {
    assertBlocks(Url.requireHttps, "httpss://example.com/")
    assertBlocks(Url.requireHttps, "https-evil://example.com/")
  })
})

describe("block_dns_exfil_domains", () => {
  it("blocks each kind of exfiltration service", () => {
    assertBlocks(Url.blockDnsExfilDomains, "https://pastebin.com/raw/abc", "a paste site")
    assertBlocks(Url.blockDnsExfilDomains, "https://transfer.sh/x.txt", "an anonymous file drop")
    assertBlocks(Url.blockDnsExfilDomains, "https://webhook.site/0000-1111", "a request-capture service")
    assertBlocks(Url.blockDnsExfilDomains, "https://enx1.m.pipedream.net/", "a request-capture service")
    assertBlocks(Url.blockDnsExfilDomains, "https://requestbin.com/r/abc", "a request-capture service")
    assertBlocks(Url.blockDnsExfilDomains, "https://abcd-1-2-3-4.ngrok-free.app/collect", "a tunnelling service")
    assertBlocks(Url.blockDnsExfilDomains, "https://evil.ngrok.io/collect?d=secret", "a tunnelling service")
    assertBlocks(Url.blockDnsExfilDomains, "https://api.telegram.org/bot123:abc/sendMessage", "Telegram Bot API")
    assertBlocks(Url.blockDnsExfilDomains, "https://abc.oast.fun/", "out-of-band")
  })

  it("regression: case and trailing-dot variants of a listed domain block (PASTEBIN.COM.)", () => {
    assertBlocks(Url.blockDnsExfilDomains, "https://PASTEBIN.COM./raw/x", "'pastebin.com'")
    assertBlocks(Url.blockDnsExfilDomains, "https://PaStEbIn.CoM../raw/x")
    assertBlocks(Url.blockDnsExfilDomains, "https://pastebin.com.:443/raw/x")
  })

  it("regression: subdomains of listed domains block (x.webhook.site)", () => {
    assertBlocks(Url.blockDnsExfilDomains, "https://x.webhook.site/abc")
    assertBlocks(Url.blockDnsExfilDomains, "https://a.b.c.pastebin.com/")
  })

  it("regression: userinfo, encoding and full-width tricks resolve to the real host", () => {
    assertBlocks(Url.blockDnsExfilDomains, "https://google.com@pastebin.com/")
    assertBlocks(Url.blockDnsExfilDomains, "https://user:pass@webhook.site:8443/x")
    assertBlocks(Url.blockDnsExfilDomains, "https://past%65bin.com/")
    assertBlocks(Url.blockDnsExfilDomains, "https://pastebin%2Ecom/")
    assertBlocks(Url.blockDnsExfilDomains, "https://ｐａｓｔｅｂｉｎ.com/")
    assertBlocks(Url.blockDnsExfilDomains, "https://paste\u200bbin.com/")
    assertBlocks(Url.blockDnsExfilDomains, "https://pastebin.com\\@example.com/")
  })

  it("regression: hosts of non-special schemes are canonicalised too", () => {
    assertBlocks(Url.blockDnsExfilDomains, "gopher://PASTEBIN.com./x")
    assertBlocks(Url.blockDnsExfilDomains, "foo://past%65bin.com/x")
  })

  it("blocks Discord webhooks in every path spelling, but not the rest of Discord", () => {
    assertBlocks(Url.blockDnsExfilDomains, "https://discord.com/api/webhooks/123/abc", "Discord webhook")
    assertBlocks(Url.blockDnsExfilDomains, "https://discordapp.com/api/webhooks/123/abc", "Discord webhook")
    assertBlocks(Url.blockDnsExfilDomains, "https://canary.discord.com/api/v10/webhooks/1/x", "Discord webhook")
    assertBlocks(Url.blockDnsExfilDomains, "https://DISCORD.COM./API/Webhooks/1/x")
    assertBlocks(Url.blockDnsExfilDomains, "https://discord.com//api//webhooks/1")
    assertBlocks(Url.blockDnsExfilDomains, "https://discord.com/api/%77ebhooks/1")
    assertBlocks(Url.blockDnsExfilDomains, "https://discord.com/x/../api/webhooks/1")
    assertPasses(Url.blockDnsExfilDomains, "https://discord.com/channels/123")
    assertPasses(Url.blockDnsExfilDomains, "https://discord.com/api/v10/users/@me")
  })

  it("look-alikes pass: the match is label-wise, not a substring", () => {
    assertPasses(Url.blockDnsExfilDomains, "https://notpastebin.com/")
    assertPasses(Url.blockDnsExfilDomains, "https://pastebin.com.example.org/")
    assertPasses(Url.blockDnsExfilDomains, "https://example.com/pastebin.com")
    assertPasses(Url.blockDnsExfilDomains, "https://example.com/?next=https://webhook.site/")
    assertPasses(Url.blockDnsExfilDomains, "https://telegram.org/")
    assertPasses(Url.blockDnsExfilDomains, "https://github.com/ngrok/ngrok-go")
  })
})

describe("block_suspicious_tlds", () => {
  it("blocks hosts under abused TLDs, in any case and with a trailing dot", () => {
    assertBlocks(Url.blockSuspiciousTlds, "https://free-prizes.tk/", "'.tk'")
    assertBlocks(Url.blockSuspiciousTlds, "https://FREE-PRIZES.TK./", "'.tk'")
    assertBlocks(Url.blockSuspiciousTlds, "https://github.com-release.zip/", "'.zip'")
    assertBlocks(Url.blockSuspiciousTlds, "http://abcdefghijklmnop.onion/", "'.onion'")
    assertBlocks(Url.blockSuspiciousTlds, "https://a.b.top/x")
  })

  it("passes ordinary TLDs, suspicious labels that are not the TLD, and IP hosts", () => {
    assertPasses(Url.blockSuspiciousTlds, "https://example.com/")
    assertPasses(Url.blockSuspiciousTlds, "https://tk.example.com/")
    assertPasses(Url.blockSuspiciousTlds, "https://example.com/file.zip")
    assertPasses(Url.blockSuspiciousTlds, "https://example.co.uk/")
    assertPasses(Url.blockSuspiciousTlds, "http://127.0.0.1/")
    assertPasses(Url.blockSuspiciousTlds, "data:text/plain,hi")
  })
})

describe("block_raw_ip_urls", () => {
  it("blocks a plain public IPv4 address", () => {
    assertBlocks(Url.blockRawIpUrls, "http://8.8.8.8/", "raw IP address 8.8.8.8")
    assert.notInclude(onUrl(Url.blockRawIpUrls, "http://8.8.8.8/").reason, "(")
  })

  it("regression: IPv6 loopback [::1] blocks", () => {
    assertBlocks(Url.blockRawIpUrls, "http://[::1]/", "::1 (loopback)")
    assertBlocks(Url.blockRawIpUrls, "http://[::1]:8080/admin", "loopback")
  })

  it("regression: expanded IPv6 [0:0:0:0:0:0:0:1] blocks", () => {
    assertBlocks(Url.blockRawIpUrls, "http://[0:0:0:0:0:0:0:1]/", "loopback")
    assertBlocks(Url.blockRawIpUrls, "http://[0000:0000:0000:0000:0000:0000:0000:0001]/", "loopback")
  })

  it("regression: IPv4-mapped IPv6 [::ffff:127.0.0.1] blocks and names the IPv4 inside", () => {
    assertBlocks(Url.blockRawIpUrls, "http://[::ffff:127.0.0.1]/", "loopback (IPv4-mapped 127.0.0.1)")
    assertBlocks(Url.blockRawIpUrls, "http://[::FFFF:7f00:1]/", "loopback (IPv4-mapped 127.0.0.1)")
    assertBlocks(Url.blockRawIpUrls, "http://[::ffff:a00:1]/", "private (IPv4-mapped 10.0.0.1)")
  })

  it("regression: NAT64, 6to4 and IPv4-compatible IPv6 forms of private addresses block", () => {
    assertBlocks(Url.blockRawIpUrls, "http://[64:ff9b::7f00:1]/", "loopback (NAT64 127.0.0.1)")
    assertBlocks(Url.blockRawIpUrls, "http://[2002:c0a8:101::1]/", "private (6to4 192.168.1.1)")
    assertBlocks(Url.blockRawIpUrls, "http://[::127.0.0.1]/", "loopback (IPv4-compatible 127.0.0.1)")
  })

  it("regression: decimal IPv4 http://2130706433/ blocks as 127.0.0.1", () => {
    assertBlocks(Url.blockRawIpUrls, "http://2130706433/", "127.0.0.1 (loopback)")
    assertBlocks(Url.blockRawIpUrls, "http://167772161/", "10.0.0.1 (private)")
  })

  it("regression: hex IPv4 (0x7f.1, 0x7f000001, 0X7F.0X0.0X0.0X1) blocks as 127.0.0.1", () => {
    assertBlocks(Url.blockRawIpUrls, "http://0x7f.1/", "127.0.0.1 (loopback)")
    assertBlocks(Url.blockRawIpUrls, "http://0x7f000001/", "127.0.0.1 (loopback)")
    assertBlocks(Url.blockRawIpUrls, "http://0X7F.0X0.0X0.0X1/", "127.0.0.1 (loopback)")
  })

  it("regression: octal IPv4 (0177.0.0.1, 017700000001) blocks as 127.0.0.1", () => {
    assertBlocks(Url.blockRawIpUrls, "http://0177.0.0.1/", "127.0.0.1 (loopback)")
    assertBlocks(Url.blockRawIpUrls, "http://017700000001/", "127.0.0.1 (loopback)")
    assertBlocks(Url.blockRawIpUrls, "http://012.0.0.1/", "10.0.0.1 (private)")
  })

  it("regression: short IPv4 forms (127.1, 10.1, 0177.1) block", () => {
    assertBlocks(Url.blockRawIpUrls, "http://127.1/", "127.0.0.1 (loopback)")
    assertBlocks(Url.blockRawIpUrls, "http://10.1/", "10.0.0.1 (private)")
    assertBlocks(Url.blockRawIpUrls, "http://0177.1/", "127.0.0.1 (loopback)")
  })

  it("regression: private, link-local, unique-local, CGNAT and unspecified ranges block and are named", () => {
    assertBlocks(Url.blockRawIpUrls, "http://10.20.30.40/", "(private)")
    assertBlocks(Url.blockRawIpUrls, "http://172.16.0.1/", "(private)")
    assertBlocks(Url.blockRawIpUrls, "http://172.31.255.255/", "(private)")
    assertBlocks(Url.blockRawIpUrls, "http://192.168.1.1:8080/", "(private)")
    assertBlocks(Url.blockRawIpUrls, "http://169.254.169.254/latest/meta-data/", "(the cloud metadata service 169.254.169.254)")
    assertBlocks(Url.blockRawIpUrls, "http://169.254.1.1/", "(link-local)")
    assertBlocks(Url.blockRawIpUrls, "http://100.64.0.1/", "(carrier-grade NAT)")
    assertBlocks(Url.blockRawIpUrls, "http://0.0.0.0/", "(unspecified)")
    assertBlocks(Url.blockRawIpUrls, "http://[fe80::1]/", "(link-local)")
    assertBlocks(Url.blockRawIpUrls, "http://[fd12:3456:789a::1]/", "(unique-local)")
    assertBlocks(Url.blockRawIpUrls, "http://[::]/", "(unspecified)")
    assertBlocks(Url.blockRawIpUrls, "http://172.32.0.1/", "172.32.0.1")
    assert.notInclude(onUrl(Url.blockRawIpUrls, "http://172.32.0.1/").reason, "private", "172.32/16 is outside 172.16/12")
  })

  it("regression: percent-encoded, full-width, userinfo and trailing-dot spellings of an IP block", () => {
    assertBlocks(Url.blockRawIpUrls, "http://%31%32%37.0.0.1/", "127.0.0.1")
    assertBlocks(Url.blockRawIpUrls, "http://１２７.０.０.１/", "127.0.0.1")
    assertBlocks(Url.blockRawIpUrls, "http://example.com@127.0.0.1/", "127.0.0.1")
    assertBlocks(Url.blockRawIpUrls, "http://127.0.0.1./", "127.0.0.1")
  })

  it("regression: IP hosts of non-special schemes are normalised too", () => {
    assertBlocks(Url.blockRawIpUrls, "gopher://2130706433/", "127.0.0.1 (loopback)")
    assertBlocks(Url.blockRawIpUrls, "foo://0x7f.1/x", "127.0.0.1 (loopback)")
    assertBlocks(Url.blockRawIpUrls, "foo://[::1]/x", "loopback")
  })

  it("blocks loopback names and IP-echo DNS names", () => {
    assertBlocks(Url.blockRawIpUrls, "http://localhost:3000/", "loopback name")
    assertBlocks(Url.blockRawIpUrls, "http://LOCALHOST./", "loopback name")
    assertBlocks(Url.blockRawIpUrls, "http://admin.localhost/", "loopback name")
    assertBlocks(Url.blockRawIpUrls, "http://127.0.0.1.nip.io/", "IP address written inside it")
    assertBlocks(Url.blockRawIpUrls, "http://10-0-0-1.sslip.io/", "IP address written inside it")
  })

  it("passes domain names, including ones that start with digits or contain IP-like labels", () => {
    assertPasses(Url.blockRawIpUrls, "https://example.com/")
    assertPasses(Url.blockRawIpUrls, "https://1password.com/")
    assertPasses(Url.blockRawIpUrls, "https://93.184.216.34.example.com/")
    assertPasses(Url.blockRawIpUrls, "https://ec2-54-12-3-4.compute-1.amazonaws.com/")
    assertPasses(Url.blockRawIpUrls, "https://0x7f.example.com/")
    assertPasses(Url.blockRawIpUrls, "https://nip.io/")
    assertPasses(Url.blockRawIpUrls, "https://example.com/http://127.0.0.1/")
    assertPasses(Url.blockRawIpUrls, "data:text/plain,127.0.0.1")
  })
})

describe("webfetch_domain_allowlist", () => {
  const allow = Url.webfetchDomainAllowlist(["example.com", "Docs.Other.ORG.", "*.wild.dev", "203.0.113.7", "[2001:db8::1]"])

  it("passes listed domains and their subdomains, in any case, with ports, userinfo and trailing dots", () => {
    assertPasses(allow, "https://example.com/")
    assertPasses(allow, "https://docs.example.com/guide")
    assertPasses(allow, "https://A.B.EXAMPLE.COM./x?y=z#f")
    assertPasses(allow, "https://user:pw@example.com:8443/")
    assertPasses(allow, "https://docs.other.org/")
    assertPasses(allow, "https://api.wild.dev/")
    assertPasses(allow, "https://wild.dev/")
    assert.include(onUrl(allow, "https://docs.example.com/").reason, "allowed by 'example.com'")
  })

  it("regression: matching is component-wise: evilexample.com is not under example.com", () => {
    assertBlocks(allow, "https://evilexample.com/", "not on the WebFetch allowlist")
    assertBlocks(allow, "https://example.com.evil.io/")
    assertBlocks(allow, "https://other.org/")
    assertBlocks(allow, "https://xdocs.other.org/")
  })

  it("regression: userinfo naming an allowed domain does not allow the real host", () => {
    assertBlocks(allow, "https://example.com@evil.io/", "'evil.io'")
    assertBlocks(allow, "https://example.com:pw@evil.io/")
    assertBlocks(allow, "https://evil.io/?u=https://example.com/")
    assertBlocks(allow, "https://evil.io#@example.com")
  })

  it("listed IPs match exactly, in any spelling; unlisted IPs block", () => {
    assertPasses(allow, "http://203.0.113.7/")
    assertPasses(allow, "http://3405803783/")
    assertPasses(allow, "http://[2001:DB8:0:0:0:0:0:1]/")
    assertBlocks(allow, "http://203.0.113.8/")
    assertBlocks(allow, "http://127.0.0.1/")
  })

  it("blocks URLs without a host", () => {
    assertBlocks(allow, "file:///etc/passwd", "no host")
    assertBlocks(allow, "data:text/plain,example.com", "no host")
  })

  it("an empty allowlist allows nothing", () => {
    const none = Url.webfetchDomainAllowlist([])
    assertBlocks(none, "https://example.com/", "allowlist is empty")
    assert.isTrue(verdict(none, {}).passed, "still passes when there is no URL")
  })

  it("entries that are not domain names throw when the policy is built", () => {
    for (const bad of ["https://example.com/path", "example.com/path", "", "  ", "exa mple.com", "user@example.com", "example.com:8080", "1.2.3.4.5"]) {
      assert.throws(() => Url.webfetchDomainAllowlist([bad]), /Cannot build webfetch_domain_allowlist/, JSON.stringify(bad))
    }
    assert.throws(() => Url.webfetchDomainAllowlist([42 as unknown as string]), /entries must be strings/)
  })
})

describe("IP normalisation (_ip)", () => {
  it("parses every IPv4 spelling the WHATWG parser accepts", () => {
    const loopback = 0x7f000001
    for (const s of ["127.0.0.1", "2130706433", "0x7f000001", "0x7f.1", "0177.0.0.1", "127.1", "127.0.1", "0x7F.0.0.1", "017700000001", "127.0.0.1."]) {
      assert.strictEqual(Ip.parseIPv4(s), loopback, s)
    }
    assert.strictEqual(Ip.parseIPv4("0x"), 0)
    for (const s of ["256.0.0.1", "1.2.3.4.5", "08.0.0.1", "0x1g", "4294967296", "1.16777216", "", "a.b.c.d", "1..2"]) {
      assert.isUndefined(Ip.parseIPv4(s), s)
    }
  })

  it("parses IPv6 with compression, embedded IPv4 and zones, and formats it canonically", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["::1", "::1"],
      ["[0:0:0:0:0:0:0:1]", "::1"],
      ["::ffff:127.0.0.1", "::ffff:7f00:1"],
      ["fe80::1%eth0", "fe80::1"],
      ["2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
      ["::", "::"],
      ["1::", "1::"]
    ]
    for (const [input, canonical] of cases) {
      const w = Ip.parseIPv6(input)
      assert.isDefined(w, input)
      assert.strictEqual(Ip.format({ version: 6, words: w! }), canonical, input)
    }
    for (const s of ["1:2:3:4:5:6:7:8:9", "1::2::3", ":1::", "12345::", "::ffff:1.2.3", "g::1", "1:2:3:4:5:6:7"]) {
      assert.isUndefined(Ip.parseIPv6(s), s)
    }
  })

  it("classifies special ranges and public addresses", () => {
    const v4 = (s: string) => Ip.classify(Ip.parse(s)!)
    assert.strictEqual(v4("127.255.0.1"), "loopback")
    assert.strictEqual(v4("10.0.0.0"), "private")
    assert.strictEqual(v4("172.16.0.0"), "private")
    assert.strictEqual(v4("192.168.255.255"), "private")
    assert.strictEqual(v4("100.127.255.255"), "carrier-grade NAT")
    assert.isUndefined(v4("100.128.0.0"))
    assert.strictEqual(v4("169.254.0.1"), "link-local")
    assert.strictEqual(v4("224.0.0.1"), "multicast")
    assert.strictEqual(v4("255.255.255.255"), "reserved")
    assert.isUndefined(v4("8.8.8.8"))
    assert.strictEqual(v4("fc00::1"), "unique-local")
    assert.strictEqual(v4("febf::1"), "link-local")
    assert.strictEqual(v4("ff02::1"), "multicast")
    assert.isUndefined(v4("2606:4700::1111"))
    assert.isUndefined(v4("::ffff:8.8.8.8"), "a mapped public address is public")
  })
})
