import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { Effect } from "effect"
import * as Url from "../../policies/url.ts"
import type * as Policy from "../../src/Policy.ts"
import { policyHarness } from "../support/policies.ts"

const harness = policyHarness({ workflow: "webfetch", runId: "run-1", now: "2025-01-15T12:00:00Z" })
/** Runs a synchronous URL policy on `{ url }`. */
const verdict = (policy: Policy.Policy, url: string): Policy.Verdict => harness.verdict(policy, { url })

const RUNS = { numRuns: Number(process.env.PROP_RUNS ?? 300) }

// ---------------------------------------------------------------------------------------------------------
// URL dressing: everything around the host that must not change which host is judged
// ---------------------------------------------------------------------------------------------------------

const scheme = fc.constantFrom("http", "https", "HTTPS", "ws", "wss", "ftp")
const userinfo = fc.oneof(
  fc.constant(""),
  fc.constantFrom("user@", "user:pass@", "example.com@", "docs.example.com:443@", "a%40b@", ":@", "@")
)
const port = fc.oneof(fc.constant(""), fc.integer({ min: 1, max: 65535 }).map((p) => `:${p}`))
const pathChars = fc.constantFrom(..."abcxyz0123456789-_.~/".split(""))
const tail = fc.tuple(
  fc.array(pathChars, { maxLength: 12 }).map((cs) => `/${cs.join("")}`),
  fc.oneof(fc.constant(""), fc.constantFrom("?q=1", "?next=https://example.com/", "?u=a@b")),
  fc.oneof(fc.constant(""), fc.constantFrom("#frag", "#@example.com"))
).map(([p, q, f]) => p + q + f)

const urlAround = (host: fc.Arbitrary<string>) =>
  fc.tuple(scheme, userinfo, host, port, tail).map(([s, u, h, p, t]) => `${s}://${u}${h}${p}${t}`)

/** Random case per character. */
const casing = (s: string) =>
  fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }).map((flips) =>
    [...s].map((c, i) => (flips[i] ? c.toUpperCase() : c)).join("")
  )

/** Percent-encodes or full-width-encodes some characters of a host name (the URL parser decodes both). */
const encoding = (s: string) =>
  fc.array(fc.constantFrom("plain", "percent", "fullwidth"), { minLength: s.length, maxLength: s.length }).map((how) =>
    [...s].map((c, i) => {
      if (c === "." || how[i] === "plain") return c
      if (how[i] === "percent") return `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`
      return String.fromCharCode(c.charCodeAt(0) + 0xfee0)
    }).join("")
  )

const trailingDots = fc.integer({ min: 0, max: 2 }).map((n) => ".".repeat(n))
const subdomains = fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { maxLength: 3 })

/** A forbidden host dressed up: optional subdomains, casing, encoding, trailing dots. */
const disguisedHost = (domain: string) =>
  fc.tuple(subdomains, trailingDots).chain(([subs, dots]) => {
    const host = [...subs, domain].join(".")
    return encoding(host).chain((encoded) => casing(encoded)).map((h) => h + dots)
  })

const EXFIL = ["pastebin.com", "webhook.site", "transfer.sh", "requestbin.com", "ngrok-free.app", "ngrok.io", "api.telegram.org", "paste.ee"]

describe("URL policies, property-based", () => {
  it("block_dns_exfil_domains blocks every disguise of a listed domain", () => {
    fc.assert(
      fc.property(fc.constantFrom(...EXFIL).chain((d) => urlAround(disguisedHost(d))), (url) => {
        const v = verdict(Url.blockDnsExfilDomains, url)
        assert.isFalse(v.passed, `${url}: ${v.reason}`)
      }),
      RUNS
    )
  })

  it("block_dns_exfil_domains passes look-alikes that glue a prefix onto a listed domain", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXFIL.filter((d) => d.split(".").length === 2)),
        fc.stringMatching(/^[a-z0-9]{1,8}$/),
        (domain, prefix) => {
          const v = verdict(Url.blockDnsExfilDomains, `https://${prefix}${domain}/x`)
          assert.isTrue(v.passed, `${prefix}${domain}: ${v.reason}`)
        }
      ),
      RUNS
    )
  })

  it("block_dns_exfil_domains blocks every disguise of a Discord webhook path", () => {
    const path = fc.tuple(
      fc.constantFrom("/api/webhooks", "/api/v9/webhooks", "/API/WEBHOOKS", "//api//webhooks", "/api/%77ebhooks", "/x/../api/webhooks", "/api/./webhooks"),
      fc.stringMatching(/^\/[0-9]{1,10}\/[a-zA-Z0-9_-]{0,12}$/)
    ).map(([a, b]) => a + b)
    fc.assert(
      fc.property(
        fc.constantFrom("discord.com", "discordapp.com", "canary.discord.com").chain((h) => casing(h)),
        path,
        trailingDots,
        (host, p, dots) => {
          const url = `https://${host}${dots}${p}`
          assert.isFalse(verdict(Url.blockDnsExfilDomains, url).passed, url)
        }
      ),
      RUNS
    )
  })
})

// ---------------------------------------------------------------------------------------------------------
// IP spellings
// ---------------------------------------------------------------------------------------------------------

/** Special-use IPv4 ranges the policy must name: [first address, prefix length, expected range name]. */
const RANGES: ReadonlyArray<readonly [number, number, string]> = [
  [0x7f000000, 8, "loopback"],
  [0x0a000000, 8, "private"],
  [0xac100000, 12, "private"],
  [0xc0a80000, 16, "private"],
  [0xa9fe0000, 16, "link-local"],
  [0x64400000, 10, "carrier-grade NAT"]
]

const inRange = fc.constantFrom(...RANGES).chain(([base, bits, name]) =>
  fc.integer({ min: 0, max: 2 ** (32 - bits) - 1 }).map((offset) => ({ ip: (base + offset) >>> 0, name }))
)
const anyIPv4 = fc.integer({ min: 0, max: 0xffffffff }).map((ip) => ip >>> 0)

const bytes = (ip: number) => [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255]
const dotted = (ip: number) => bytes(ip).join(".")

/** One number in decimal, hex (either case of the `0x`) or octal. */
const inBase = (n: number) =>
  fc.constantFrom("dec", "hex", "HEX", "oct").map((base) =>
    base === "dec" ? String(n) : base === "hex" ? `0x${n.toString(16)}` : base === "HEX" ? `0X${n.toString(16).toUpperCase()}` : `0${n.toString(8)}`
  )

/** Every inet_aton spelling: 4, 3, 2 or 1 parts, each part in any base. */
const ipv4Spelling = (ip: number) => {
  const [a, b, c, d] = bytes(ip) as [number, number, number, number]
  const partsOf: ReadonlyArray<ReadonlyArray<number>> = [
    [a, b, c, d],
    [a, b, (c << 8) | d],
    [a, ((b << 16) | (c << 8) | d) >>> 0],
    [ip]
  ]
  return fc.constantFrom(...partsOf).chain((parts) => fc.tuple(...parts.map(inBase)).map((ps) => ps.join(".")))
}

const hex4 = (n: number) => n.toString(16)

/** IPv6 spellings carrying an IPv4 address: mapped, with a dotted or hex tail, compressed or not. */
const ipv6Spelling = (ip: number) => {
  const hi = hex4(ip >>> 16)
  const lo = hex4(ip & 0xffff)
  return fc.constantFrom(
    `[::ffff:${dotted(ip)}]`,
    `[::FFFF:${dotted(ip)}]`,
    `[::ffff:${hi}:${lo}]`,
    `[0:0:0:0:0:ffff:${hi}:${lo}]`,
    `[0000:0000:0000:0000:0000:ffff:${dotted(ip)}]`,
    `[64:ff9b::${hi}:${lo}]`
  )
}

describe("block_raw_ip_urls, property-based", () => {
  it("every IPv4 spelling of any address blocks, and the reason names the canonical address", () => {
    fc.assert(
      fc.property(anyIPv4.chain((ip) => fc.tuple(fc.constant(ip), urlAround(fc.tuple(ipv4Spelling(ip), fc.constantFrom("", ".")).map(([h, d]) => h + d)))), ([ip, url]) => {
        const v = verdict(Url.blockRawIpUrls, url)
        assert.isFalse(v.passed, url)
        assert.include(v.reason, dotted(ip), url)
      }),
      RUNS
    )
  })

  it("every IPv4 and IPv6 spelling of a private, loopback, link-local or CGNAT address blocks naming the range", () => {
    fc.assert(
      fc.property(
        inRange.chain(({ ip, name }) =>
          fc.tuple(fc.constant(name), urlAround(fc.oneof(ipv4Spelling(ip), ipv6Spelling(ip))))
        ),
        ([name, url]) => {
          const v = verdict(Url.blockRawIpUrls, url)
          assert.isFalse(v.passed, url)
          assert.include(v.reason, name, url)
        }
      ),
      RUNS
    )
  })

  it("every spelling of IPv6 loopback and link-local/unique-local addresses blocks", () => {
    const word = fc.integer({ min: 0, max: 0xffff })
    const loopback = fc.constantFrom("[::1]", "[0:0:0:0:0:0:0:1]", "[0::1]", "[::0:1]", "[0000::0001]", "[0:0::0:0:1]")
    const linkLocal = fc.tuple(word, word).map(([a, b]) => `[fe80::${hex4(a)}:${hex4(b)}]`)
    const uniqueLocal = fc.tuple(fc.integer({ min: 0xfc00, max: 0xfdff }), word).map(([a, b]) => `[${hex4(a)}::${hex4(b)}]`)
    fc.assert(
      fc.property(urlAround(fc.oneof(loopback, linkLocal, uniqueLocal).chain((h) => casing(h))), (url) => {
        const v = verdict(Url.blockRawIpUrls, url)
        assert.isFalse(v.passed, url)
        assert.match(v.reason, /loopback|link-local|unique-local/, url)
      }),
      RUNS
    )
  })
})

// ---------------------------------------------------------------------------------------------------------
// Safe URLs
// ---------------------------------------------------------------------------------------------------------

// Hyphens in the 3rd and 4th place are reserved by IDNA ("xn--" labels are punycode and may be invalid):
// such hosts are refused by the URL parser, which is the policy failing closed, not a safe URL.
const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/).filter((l) => l.slice(2, 4) !== "--")
const ALLOWED = ["example.com", "docs.example.org"]
const allowlist = Url.webfetchDomainAllowlist(ALLOWED)

const safeHost = fc.tuple(fc.array(label, { maxLength: 3 }), fc.constantFrom(...ALLOWED)).map(([subs, domain]) => [...subs, domain].join("."))
const safeUrl = fc.tuple(safeHost, port, tail).map(([h, p, t]) => `https://${h}${p}${t}`)

describe("safe URLs, property-based", () => {
  it("https URLs on allowed domains pass every URL policy", () => {
    fc.assert(
      fc.property(safeUrl, (url) => {
        for (const policy of [allowlist, Url.requireHttps, Url.blockDnsExfilDomains, Url.blockSuspiciousTlds, Url.blockRawIpUrls]) {
          const v = verdict(policy, url)
          assert.isTrue(v.passed, `${policy.name} on ${url}: ${v.reason}`)
        }
      }),
      RUNS
    )
  })

  it("allowed domains pass the allowlist with any casing, trailing dots, userinfo and port", () => {
    fc.assert(
      fc.property(urlAround(fc.tuple(safeHost.chain(casing), trailingDots).map(([h, d]) => h + d)), (url) => {
        assert.isTrue(verdict(allowlist, url).passed, url)
      }),
      RUNS
    )
  })

  it("a prefix glued onto an allowed domain, or an allowed domain used as a subdomain elsewhere, blocks", () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALLOWED), label, fc.boolean(), (domain, other, glue) => {
        const url = glue ? `https://${other}${domain}/` : `https://${domain}.${other}.net/`
        assert.isFalse(verdict(allowlist, url).passed, url)
      }),
      RUNS
    )
  })
})

describe("URL policies never throw", () => {
  it("on arbitrary payloads and arbitrary url strings, every URL policy returns a verdict", () => {
    const policies = [Url.requireHttps, Url.blockDnsExfilDomains, Url.blockSuspiciousTlds, Url.blockRawIpUrls, Url.webfetchDomainAllowlist(["example.com"])]
    fc.assert(
      fc.property(fc.oneof(fc.anything({ maxDepth: 2 }), fc.record({ url: fc.oneof(fc.string(), fc.webUrl(), fc.anything({ maxDepth: 1 })) })), (payload) => {
        for (const p of policies) {
          const out = p.check(harness.ctx(payload))
          assert.isFalse(Effect.isEffect(out))
          assert.isBoolean((out as Policy.Verdict).passed)
        }
      }),
      { numRuns: 100 }
    )
  })
})
