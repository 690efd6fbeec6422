/**
 * Host names that reach the local machine, the private network or a cloud metadata service without a
 * resolver's help (private): loopback names (`localhost`, `*.localhost`), public wildcard domains that
 * resolve to 127.0.0.1 (`lvh.me`, `localtest.me` and their subdomains), services that echo an IP written
 * in the name (`127.0.0.1.nip.io`, `10-0-0-1.sslip.io`) or rebind it (`rbndr.us`), names under private-use
 * suffixes (`.internal`, `.local`, `.home.arpa`…), single-label names (resolved through local search
 * domains), metadata names (`metadata.google.internal`, `metadata.goog`), and any name that embeds a
 * private or loopback IPv4 address in its labels (`127.0.0.1.example.com`, `ip-10-0-0-5.example.com`).
 * This is the check the URL policies use when there is no resolver; with one, every resolved address is
 * judged as well (`url.ts`).
 *
 * @example
 * ```ts
 * import { internalName } from "./_hostNames.ts"
 * internalName("app.localtest.me", ["me", "localtest", "app"]) // "a public wildcard domain that resolves to 127.0.0.1"
 * internalName("docs.example.com", ["com", "example", "docs"]) // undefined
 * ```
 * @module
 */
import * as Ip from "./_ip.ts"

const LOOPBACK_NAMES = new Set(["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"])

/** Domains whose every name (the bare domain included) resolves to a loopback address. */
const LOOPBACK_WILDCARDS = [
  "localtest.me", "lvh.me", "vcap.me", "fuf.me", "lacolhost.com", "localho.st", "smackaho.st", "localhost.direct", "local.gd"
]
/** Services whose subdomains resolve to the address written in them (`127.0.0.1.nip.io`, `a-10-0-0-1.sslip.io`). */
const IP_ECHO = ["nip.io", "sslip.io", "xip.io", "traefik.me", "backname.io", "localtls.com"]
/** DNS rebinding services: a name answers one address, then another. */
const REBINDERS = ["rbndr.us", "1u.ms", "rebind.it"]
/** Suffixes that never resolve on the public internet, only inside a network or machine. */
const PRIVATE_SUFFIXES = [
  "localhost", "local", "internal", "localdomain", "home.arpa", "arpa", "lan", "intranet", "corp", "private", "home", "svc"
]
const METADATA_NAMES = ["metadata.goog", "metadata.google.internal", "instance-data.ec2.internal"]

const build = (entries: ReadonlyArray<readonly [ReadonlyArray<string>, string]>): ReadonlyMap<string, string> => {
  const m = new Map<string, string>()
  for (const [names, what] of entries) for (const n of names) m.set(n, what)
  return m
}

const DOMAINS = build([
  [LOOPBACK_WILDCARDS, "a public wildcard domain that resolves to 127.0.0.1"],
  [REBINDERS, "a DNS rebinding service"],
  [METADATA_NAMES, "a cloud metadata service name"]
])
const METADATA = "a cloud metadata service name"
const ECHO = new Set(IP_ECHO)
const SUFFIXES = new Set(PRIVATE_SUFFIXES)

/** The most specific listed suffix of a host, label-wise (`a.b.lvh.me` → `lvh.me`), from its reversed labels. */
const suffixIn = (labels: ReadonlyArray<string>, has: (suffix: string) => boolean): string | undefined => {
  let suffix = ""
  let found: string | undefined
  for (const label of labels) {
    suffix = suffix === "" ? label : `${label}.${suffix}`
    if (has(suffix)) found = suffix
  }
  return found
}

const QUAD = /(?:^|[.-])(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})(?=$|[.-])/g

/** A special-use IPv4 address written inside a name's labels (`127.0.0.1.x.com`, `ip-10-0-0-5.x.com`), if any. */
const embeddedAddress = (host: string): string | undefined => {
  QUAD.lastIndex = 0
  for (let m = QUAD.exec(host); m !== null; m = QUAD.exec(host)) {
    const parts = [m[1], m[2], m[3], m[4]].map(Number)
    if (parts.every((p) => p <= 255)) {
      const v4 = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0
      const range = Ip.classify({ version: 4, v4 })
      if (range !== undefined) return `${parts.join(".")} (${range})`
    }
    QUAD.lastIndex = m.index + 1
  }
  return undefined
}

/**
 * Why a host name (lower-case, no trailing dot, not an IP) is an IP address in disguise — a loopback
 * name, a wildcard or IP-echo domain, a rebinding service, or a name embedding a special-use address — or
 * undefined. `labels` are its labels from the right.
 */
export const disguisedAddress = (host: string, labels: ReadonlyArray<string>): string | undefined => {
  if (LOOPBACK_NAMES.has(host) || labels[0] === "localhost") return "a loopback name"
  const listed = suffixIn(labels, (s) => DOMAINS.has(s))
  if (listed !== undefined && DOMAINS.get(listed) !== METADATA) return DOMAINS.get(listed)
  const echo = suffixIn(labels, (s) => ECHO.has(s))
  if (echo !== undefined && labels.length > echo.split(".").length) return "a DNS name that resolves to an IP address written inside it"
  const embedded = embeddedAddress(host)
  return embedded === undefined ? undefined : `a name that embeds the address ${embedded}, the mark of a wildcard DNS service`
}

/**
 * Why a host name reaches an internal destination without a resolver's help: an address in disguise (see
 * `disguisedAddress`), a single-label name, a private-use suffix or a metadata name; or undefined.
 */
export const internalName = (host: string, labels: ReadonlyArray<string>): string | undefined => {
  const disguised = disguisedAddress(host, labels)
  if (disguised !== undefined) return disguised
  if (labels.length === 1) return "a single-label name, which resolves through local search domains to an internal host"
  if (suffixIn(labels, (s) => METADATA_NAMES.includes(s)) !== undefined) return METADATA
  const suffix = suffixIn(labels, (s) => SUFFIXES.has(s))
  return suffix === undefined ? undefined : `under '.${suffix}', which resolves only inside a private network`
}
