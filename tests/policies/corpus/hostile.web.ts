/**
 * Hostile URLs, written against `policies/url.ts`, `_hostNames.ts` and `_ip.ts`: names that lead to
 * loopback, the private network or a metadata service without looking like an IP, IP spellings the URL
 * parser accepts, and names whose DNS answers are private (`dns` gives the answers a `Dns` memory layer
 * serves for the case; without it, no resolver is configured).
 */
import type { Case } from "./hostile.ts"

/** A corpus case whose URL host is resolved through a memory DNS layer with these records. */
export interface WebCase extends Case {
  readonly dns?: Readonly<Record<string, ReadonlyArray<string>>>
}

const url = (u: string, note: string, dns?: Readonly<Record<string, ReadonlyArray<string>>>): WebCase =>
  dns === undefined ? { category: "url", payload: { url: u }, note } : { category: "url", payload: { url: u }, note, dns }

export const HOSTILE_WEB: ReadonlyArray<WebCase> = [
  // Names that resolve to loopback on the public DNS
  url("https://localtest.me/admin", "wildcard loopback domain"),
  url("https://admin.localtest.me/", "subdomain of a wildcard loopback domain"),
  url("https://a.b.c.lvh.me:8443/", "deep subdomain of lvh.me with a port"),
  url("https://LVH.ME./", "upper case and a trailing dot"),
  url("https://vcap.me/", "vcap.me"),
  url("https://x.localhost.direct/", "localhost.direct"),
  url("https://api.local.gd/", "local.gd"),
  url("https://smackaho.st/", "smackaho.st"),
  url("http://127.0.0.1.nip.io/", "nip.io with a dotted IP"),
  url("https://app-10-0-0-5.nip.io/", "nip.io with a dashed IP and a prefix"),
  url("https://169-254-169-254.sslip.io/latest/meta-data/", "sslip.io echoing the metadata address"),
  url("https://10.0.0.1.traefik.me/", "traefik.me"),
  url("https://7f000001.c0a80001.rbndr.us/", "rbndr.us rebinding name"),
  url("https://make-1.2.3.4-rebind-127.0.0.1-rr.1u.ms/", "1u.ms rebinding name"),
  url("https://127.0.0.1.attacker-wildcard.example/", "an unknown wildcard domain embedding 127.0.0.1"),
  url("https://ip-10-20-30-40.attacker.example/", "a name embedding a private address, dashed"),
  url("https://192-168-1-1.wild.example/", "a name embedding a home-router address"),
  url("https://x.169.254.169.254.wild.example/", "a name embedding the metadata address"),
  // Internal names
  url("http://metadata.google.internal/computeMetadata/v1/instance/", "GCP metadata name"),
  url("http://metadata.goog/computeMetadata/v1/", "GCP metadata alias"),
  url("http://metadata/computeMetadata/v1/", "single-label metadata name"),
  url("http://kubernetes.default.svc/api/v1/secrets", "Kubernetes API service name"),
  url("http://vault.service.consul.internal/v1/secret", "name under .internal"),
  url("http://printer.local/", "mDNS name"),
  url("http://router.home.arpa/admin", "home.arpa"),
  url("http://jenkins.corp/script", "name under .corp"),
  url("http://intranet/", "single-label intranet host"),
  url("http://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/", "circled letters that IDNA maps to localhost"),
  url("http://ｌｏｃａｌｈｏｓｔ:8080/", "full-width localhost"),
  url("http://foo.localhost/", "a subdomain of localhost"),
  // IP spellings
  url("https://example.com@127.0.0.1/", "userinfo that looks like the host"),
  url("https://example.com:443@0x7f000001/", "userinfo with a port, hex host"),
  url("http://0177.0.0.01/", "octal loopback"),
  url("http://2852039166/latest/meta-data/", "decimal metadata address"),
  url("http://0xa9.0xfe.0xa9.0xfe/", "hex metadata address by octet"),
  url("http://[::ffff:a9fe:a9fe]/", "IPv4-mapped metadata address"),
  url("http://[64:ff9b::a9fe:a9fe]/", "NAT64 metadata address"),
  url("http://[fd00:ec2::254]/latest/meta-data/", "AWS IPv6 metadata address"),
  url("http://[0:0:0:0:0:0:0:1]/", "uncompressed IPv6 loopback"),
  url("http://100.100.100.200/latest/meta-data/", "Alibaba Cloud metadata"),
  url("http://168.63.129.16/machine/?comp=goalstate", "Azure WireServer, a public-range platform address"),
  // Names whose DNS answers are private (a resolver is configured)
  url("https://status.example.com/", "public-looking name that resolves to a private address", { "status.example.com": ["10.1.2.3"] }),
  url("https://cdn.example.net/x.js", "one public and one loopback answer", { "cdn.example.net": ["93.184.216.34", "127.0.0.1"] }),
  url("https://v6.example.org/", "AAAA answer in unique-local space", { "v6.example.org": ["fd12:3456::1"] }),
  url("https://meta.example.io/latest/", "A answer is the metadata address", { "meta.example.io": ["169.254.169.254"] }),
  url("https://gone.example.dev/", "a name the resolver cannot resolve", { "other.example.dev": ["93.184.216.34"] }),
  url("https://cgnat.example.com/", "carrier-grade NAT answer", { "cgnat.example.com": ["100.64.0.9"] }),
  // Exfiltration and size
  url("https://a1b2c3.webhook.site/", "request catcher subdomain"),
  url("https://discord.com/api/v10/webhooks/1/%74oken", "Discord webhook with an encoded path segment"),
  url(`https://${"a".repeat(300)}.example.com/`, "host longer than any DNS name"),
  url(`https://example.com/${"x".repeat(20_000)}`, "URL longer than inspected")
]
