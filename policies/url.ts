/**
 * URL policies (payload: `url`), for WebFetch-style tools. URLs are parsed with the WHATWG `URL` parser
 * — the one `fetch` uses — so the host a policy judges is the host a request would reach: userinfo,
 * ports, percent-encoding, full-width digits, IDNA, case and trailing dots are resolved first, and every
 * IPv4 and IPv6 spelling is normalised. Each policy passes when the payload has no `url`; a `url` that is
 * not a string, does not parse, is longer than 16 KiB or has a host longer than a DNS name blocks.
 *
 * `block_raw_ip_urls` judges the URL as written: raw IPs, and names that are addresses in disguise
 * (`localhost`, wildcard loopback domains such as `lvh.me`, IP-echo names such as `127.0.0.1.nip.io`,
 * rebinding services, names embedding a private address). `block_ssrf` adds private-use suffixes,
 * single-label and metadata names, and resolves other names through the `Dns` service (`dns.ts`),
 * checking every address; a resolver error blocks. Credentials in a URL's userinfo are returned in the
 * verdict's `redact`, and never shown in reasons.
 *
 * @example
 * ```ts
 * import * as Url from "./url.ts"
 * const policies = [
 *   Url.requireHttps, Url.blockDnsExfilDomains, Url.blockRawIpUrls, Url.blockSsrf, Url.webfetchDomainAllowlist(["docs.example.com"])
 * ]
 * ```
 * @module
 */
import { Effect } from "effect"
import * as Policy from "../src/Policy.ts"
import * as Hosts from "./_hostNames.ts"
import * as Ip from "./_ip.ts"
import * as Payload from "./_payload.ts"
import { Dns } from "./dns.ts"

/** What the URL policies need to know about one URL, computed once per distinct URL string. */
interface Target {
  /** The scheme without the colon, lowercase (`https`). */
  readonly scheme: string
  /** The host, lowercase, without brackets or trailing dots; `""` when the URL has none. */
  readonly host: string
  /** The host's labels from the right (`["com", "example", "docs"]`); empty for IPs and hostless URLs. */
  readonly labels: ReadonlyArray<string>
  /** The host as an IP address, whatever its spelling. */
  readonly ip: Ip.Ip | undefined
  /** The path as the parser left it (dot segments resolved, still percent-encoded). */
  readonly pathname: string
  /** Credentials in the userinfo (`https://user:token@host`), to redact from receipts. */
  readonly secrets: ReadonlyArray<string>
  /** Why the URL cannot be judged (a host longer than a DNS name can be), if so. */
  readonly problem: string | undefined
}

const SPECIAL = new Set(["http:", "https:", "ws:", "wss:", "ftp:", "file:"])

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/**
 * Canonicalises a host. Special schemes get this from the parser already; for the others (`gopher:`,
 * `foo:`), whose hosts the parser leaves opaque, the host goes through the http host parser, so
 * `gopher://2130706433/` is judged as 127.0.0.1 like `http://2130706433/`. Throws when that parser
 * rejects the host (`foo://pastebin.com%2Fx/`): a host no one can name is not judged, it blocks.
 */
const canonicalHost = (url: URL): string => {
  let host = url.hostname
  if (host !== "" && !SPECIAL.has(url.protocol) && !host.startsWith("[")) host = new URL(`http://${host}/`).hostname
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1)
  return host.replace(/\.+$/, "")
}

/** Longest URL inspected; a longer one blocks rather than being parsed (browsers cap URLs near this too). */
export const MAX_URL_LENGTH = 16_384
/** Longest host name DNS allows. */
const MAX_HOST_LENGTH = 253

/** The userinfo credentials of a URL, as written and decoded (a lone long username is a token too). */
const userinfoSecrets = (url: URL): ReadonlyArray<string> => {
  const parts = url.password !== "" ? [url.password] : url.username.length >= 16 ? [url.username] : []
  return parts.flatMap((p) => [p, decode(p)]).filter((p, i, all) => p !== "" && all.indexOf(p) === i)
}

const analyse = (url: URL): Target => {
  const host = canonicalHost(url)
  const ip = host === "" ? undefined : Ip.parse(host)
  const tooLong = ip === undefined && host.length > MAX_HOST_LENGTH
  return {
    scheme: url.protocol.slice(0, -1),
    host: tooLong ? host.slice(0, 64) : host,
    labels: ip !== undefined || host === "" || tooLong ? [] : host.split(".").reverse(),
    ip,
    pathname: url.pathname,
    secrets: userinfoSecrets(url),
    problem: tooLong ? `URL host is ${host.length} characters long, more than a DNS name can be (${MAX_HOST_LENGTH})` : undefined
  }
}

// A one-entry memo: the URL policies registered together all read the same `payload.url`, so it is
// parsed once per run. It holds no history and cannot change a verdict.
let memoRaw: string | undefined
let memoTarget: Target | undefined

const targetOf = (raw: string): Target | undefined => {
  if (raw === memoRaw) return memoTarget
  let target: Target | undefined
  try {
    target = analyse(new URL(raw))
  } catch {
    target = undefined
  }
  memoRaw = raw
  memoTarget = target
  return target
}

const NO_URL = Policy.pass("No URL in the payload")
/** Userinfo in a URL-ish string, hidden from reasons (it may hold a password or token). */
const USERINFO = /(\/\/)[^/?#@]*@/

const withSecrets = (t: Target, v: Policy.Verdict): Policy.Verdict => (t.secrets.length === 0 ? v : { ...v, redact: t.secrets })

/**
 * Builds a policy over `payload.url`: absent passes, wrong type, too long or unparseable blocks, else
 * `decide`. Credentials in the URL's userinfo are returned in `redact`.
 */
const urlPolicy = (
  name: string,
  decide: (t: Target) => Policy.Verdict | Effect.Effect<Policy.Verdict>
): Policy.Policy =>
  Policy.make(name, (ctx) => {
    const raw = Payload.string(ctx.payload, "url")
    if (raw === undefined) return NO_URL
    if (typeof raw !== "string") return raw
    if (raw.length > MAX_URL_LENGTH) {
      return Policy.fail(`URL is ${raw.length} characters long, more than the ${MAX_URL_LENGTH} inspected (fail closed)`)
    }
    const target = targetOf(raw)
    if (target === undefined) return Policy.fail(`URL ${Payload.show(raw.replace(USERINFO, "$1…@"))} cannot be parsed`)
    if (target.problem !== undefined) return withSecrets(target, Policy.fail(`${target.problem} (fail closed)`))
    const v = decide(target)
    if (!Effect.isEffect(v)) return withSecrets(target, v)
    return target.secrets.length === 0 ? v : Effect.map(v, (x) => withSecrets(target, x))
  })

/** The host as shown in reasons (IPv6 in brackets). */
const shown = (t: Target): string => (t.ip?.version === 6 ? `[${Ip.format(t.ip)}]` : t.host)

/** Finds the most specific listed domain the host is, or is a subdomain of (label-wise). */
const findDomain = <A>(labels: ReadonlyArray<string>, domains: ReadonlyMap<string, A>): A | undefined => {
  let suffix = ""
  let found: A | undefined
  for (const label of labels) {
    suffix = suffix === "" ? label : `${label}.${suffix}`
    const hit = domains.get(suffix)
    if (hit !== undefined) found = hit
  }
  return found
}

const SECURE = new Set(["https", "wss"])

/**
 * Blocks URLs that do not use https (or wss), e.g. `http://example.com`.
 *
 * @example
 * ```ts
 * import { requireHttps } from "./url.ts"
 * const policies = [requireHttps] // "http://api.example.com/v1" blocks, "https://api.example.com/v1" passes
 * ```
 */
export const requireHttps: Policy.Policy = urlPolicy("require_https", (t) =>
  SECURE.has(t.scheme)
    ? Policy.pass(`URL uses ${t.scheme}`)
    : Policy.fail(`URL uses '${t.scheme}:' instead of https`))

/** Exfiltration services, by registrable domain; every subdomain is covered too. */
const EXFIL_DOMAINS: ReadonlyMap<string, string> = new Map([
  ...["pastebin.com", "paste.ee", "hastebin.com", "ghostbin.com", "ghostbin.co", "rentry.co", "rentry.org", "dpaste.com",
    "dpaste.org", "paste.rs", "ix.io", "sprunge.us", "termbin.com", "controlc.com", "privatebin.net", "justpaste.it"]
    .map((d) => [d, "a paste site"] as const),
  ...["transfer.sh", "file.io", "0x0.st", "tmpfiles.org", "catbox.moe", "gist.githubusercontent.com"]
    .map((d) => [d, "an anonymous file drop"] as const),
  ...["webhook.site", "requestbin.com", "requestbin.net", "pipedream.net", "requestcatcher.com", "hookbin.com",
    "beeceptor.com", "mockbin.org", "postb.in"].map((d) => [d, "a request-capture service"] as const),
  ...["ngrok.io", "ngrok.app", "ngrok.dev", "ngrok-free.app", "ngrok-free.dev", "loca.lt", "localtunnel.me", "serveo.net",
    "trycloudflare.com", "localhost.run", "lhr.life"].map((d) => [d, "a tunnelling service"] as const),
  ...["interact.sh", "oast.pro", "oast.live", "oast.site", "oast.online", "oast.fun", "oast.me", "oastify.com",
    "burpcollaborator.net", "dnslog.cn", "ceye.io"].map((d) => [d, "an out-of-band interaction catcher"] as const),
  ["api.telegram.org", "the Telegram Bot API"]
])

const DISCORD = new Map([["discord.com", true], ["discordapp.com", true]])
const DISCORD_WEBHOOK = /^\/api(?:\/v\d+)?\/webhooks(?:\/|$)/

/**
 * Blocks URLs on known data-exfiltration services (paste sites, file drops, request catchers, tunnels,
 * Discord webhooks, the Telegram Bot API), subdomains included: `https://x.webhook.site/a` blocks,
 * `https://notpastebin.com` passes.
 *
 * @example
 * ```ts
 * import { blockDnsExfilDomains } from "./url.ts"
 * const policies = [blockDnsExfilDomains] // "https://PASTEBIN.COM./raw/x" blocks: "URL host 'pastebin.com' is a paste site, …"
 * ```
 */
export const blockDnsExfilDomains: Policy.Policy = urlPolicy("block_dns_exfil_domains", (t) => {
  const kind = findDomain(t.labels, EXFIL_DOMAINS)
  if (kind !== undefined) return Policy.fail(`URL host '${t.host}' is ${kind}, a known data-exfiltration destination`)
  if (findDomain(t.labels, DISCORD) !== undefined && DISCORD_WEBHOOK.test(decode(t.pathname).toLowerCase().replace(/\/{2,}/g, "/"))) {
    return Policy.fail(`URL is a Discord webhook on '${t.host}', a known data-exfiltration destination`)
  }
  return Policy.pass(`URL host '${shown(t)}' is not a known data-exfiltration destination`)
})

/** Top-level domains over-represented in abuse reports (free, anonymous or file-name look-alikes). */
const SUSPICIOUS_TLDS: ReadonlySet<string> = new Set([
  // Freenom's free TLDs
  "tk", "ml", "ga", "cf", "gq",
  // cheap TLDs dominated by abuse in Spamhaus / Interisle reports
  "top", "icu", "cyou", "buzz", "rest", "sbs", "cfd", "bond", "monster", "click", "loan", "work", "men", "date", "win",
  "bid", "racing", "download", "stream", "review", "party", "science", "trade", "accountant", "cricket", "faculty",
  "kim", "gdn", "country",
  // look like file names in agent transcripts
  "zip", "mov",
  // not resolvable on the public DNS
  "onion"
])

/**
 * Blocks URLs whose host ends in a TLD mostly used for abuse (`.tk`, `.zip`, `.top`, `.onion`...).
 *
 * @example
 * ```ts
 * import { blockSuspiciousTlds } from "./url.ts"
 * const policies = [blockSuspiciousTlds] // "https://free-prizes.tk/" blocks, "https://example.com" passes
 * ```
 */
export const blockSuspiciousTlds: Policy.Policy = urlPolicy("block_suspicious_tlds", (t) => {
  const tld = t.labels[0]
  if (tld !== undefined && SUSPICIOUS_TLDS.has(tld)) {
    return Policy.fail(`URL host '${t.host}' is under '.${tld}', a top-level domain mostly used for abuse`)
  }
  return Policy.pass(t.labels.length === 0 ? "URL has no domain name" : `URL host '${t.host}' is not under a suspicious top-level domain`)
})

/**
 * Blocks URLs whose host is an IP address in any spelling — IPv6 (`[::1]`, `[::ffff:127.0.0.1]`), decimal
 * (`2130706433`), hex (`0x7f.1`), octal (`0177.0.0.1`) — naming private, loopback, link-local,
 * unique-local, carrier-grade NAT and metadata ranges; and names that are addresses in disguise:
 * `localhost`, wildcard loopback domains (`lvh.me`, `app.localtest.me`), IP-echo names
 * (`127.0.0.1.nip.io`), rebinding services and names embedding a private address (`10-0-0-5.example.com`).
 * It judges the URL as written; `block_ssrf` also resolves names.
 *
 * @example
 * ```ts
 * import { blockRawIpUrls } from "./url.ts"
 * const policies = [blockRawIpUrls] // "http://0x7f.1/" blocks: "URL host is the raw IP address 127.0.0.1 (loopback)"
 * ```
 */
export const blockRawIpUrls: Policy.Policy = urlPolicy("block_raw_ip_urls", (t) => {
  if (t.ip !== undefined) {
    const range = Ip.classify(t.ip)
    return Policy.fail(`URL host is the raw IP address ${Ip.format(t.ip)}${range === undefined ? "" : ` (${range})`}`)
  }
  const disguised = t.labels.length > 0 ? Hosts.disguisedAddress(t.host, t.labels) : undefined
  if (disguised !== undefined) return Policy.fail(`URL host '${t.host}' is ${disguised}`)
  return Policy.pass(t.host === "" ? "URL has no host" : `URL host '${t.host}' is a domain name, not a raw IP address`)
})

const judgeAddresses = (t: Target, addresses: ReadonlyArray<string>, via: string): Policy.Verdict => {
  if (addresses.length === 0) return Policy.fail(`URL host '${t.host}' resolves to no address (${via}), so where it leads cannot be checked`)
  for (const a of addresses) {
    const ip = Ip.parse(a)
    if (ip === undefined) return Policy.fail(`URL host '${t.host}' resolves to ${Payload.show(a)}, which is not an IP address (${via})`)
    const range = Ip.classify(ip)
    if (range !== undefined) return Policy.fail(`URL host '${t.host}' resolves to ${Ip.format(ip)} (${range}) via ${via}`)
  }
  return Policy.pass(`URL host '${t.host}' resolves only to public addresses (${addresses.length}, via ${via})`)
}

/**
 * Blocks server-side request forgery: URLs whose host is, or resolves to, a loopback, private,
 * link-local, carrier-grade NAT, unique-local, reserved or cloud-metadata address (169.254.169.254,
 * fd00:ec2::254, 100.100.100.200…). IP literals in any spelling and the names `block_raw_ip_urls` knows
 * are judged as written; so are single-label names, private-use suffixes (`.internal`, `.local`,
 * `.home.arpa`…) and metadata names (`metadata.google.internal`). Other names are resolved through the
 * `Dns` service and every address is checked; a resolver error blocks. Without a resolver (the default
 * `Dns` layer) those names pass, judged by name only. Returns an Effect for names that need DNS.
 *
 * @example
 * ```ts
 * import { EnactClient } from "../mod.ts"
 * import * as Dns from "./dns.ts"
 * import { blockSsrf } from "./url.ts"
 * // { url: "https://intranet.example.com/" } blocks: "URL host 'intranet.example.com' resolves to 10.0.0.5 (private) via memory"
 * const enact = new EnactClient({ policies: [blockSsrf], services: Dns.layerMemory({ "intranet.example.com": ["10.0.0.5"] }) })
 * ```
 */
export const blockSsrf: Policy.Policy = urlPolicy("block_ssrf", (t) => {
  if (t.host === "") return Policy.pass("URL has no host")
  if (t.ip !== undefined) {
    const range = Ip.classify(t.ip)
    return range === undefined
      ? Policy.pass(`URL host ${shown(t)} is a public address`)
      : Policy.fail(`URL host ${shown(t)} is ${range.startsWith("the ") ? range : `in the ${range} range`}`)
  }
  const internal = Hosts.internalName(t.host, t.labels)
  if (internal !== undefined) return Policy.fail(`URL host '${t.host}' is ${internal}`)
  return Effect.flatMap(Effect.service(Dns), (dns) =>
    dns.resolver === undefined
      ? Effect.succeed(Policy.pass(`URL host '${t.host}' is not a known internal name (not resolved: no DNS resolver is configured)`))
      : dns.resolver.resolve(t.host).pipe(
        Effect.map((addresses) => judgeAddresses(t, addresses, dns.name)),
        Effect.catch((e) => Effect.succeed(Policy.fail(`URL host '${t.host}' could not be resolved (${e.message}), so where it leads cannot be checked`)))
      ))
})

const notADomain = (entry: string) =>
  new TypeError(`Cannot build webfetch_domain_allowlist: ${Payload.show(entry)} is not a domain name or IP address`)

/** Canonicalises one allowlist entry (`*.Example.COM.` → `example.com`), or throws a configuration error. */
const allowedEntry = (entry: unknown): string => {
  if (typeof entry !== "string") {
    throw new TypeError(`Cannot build webfetch_domain_allowlist: entries must be strings, got ${Payload.describeType(entry)}`)
  }
  const trimmed = entry.trim().replace(/^\*?\./, "")
  const v6 = trimmed.includes(":") ? Ip.parseIPv6(trimmed) : undefined
  if (v6 !== undefined) return Ip.format({ version: 6, words: v6 })
  if (trimmed === "" || /[/\\@?#:\s]/.test(trimmed)) throw notADomain(entry)
  let host: string
  try {
    host = new URL(`http://${trimmed}/`).hostname.replace(/\.+$/, "")
  } catch {
    throw notADomain(entry)
  }
  if (host === "") throw notADomain(entry)
  const ip = Ip.parse(host)
  return ip === undefined ? host : Ip.format(ip)
}

/**
 * Builds a host matcher from allowlist entries (domains, covering their subdomains label-wise, and IPs):
 * given a raw URL it returns the entry its host matches, or undefined (also for a URL that cannot be
 * parsed). Throws a configuration error on an entry that is not a domain or IP.
 */
export const hostMatcher = (entries: ReadonlyArray<string>): (raw: string) => string | undefined => {
  const allowed = new Map<string, string>()
  for (const d of entries) {
    const canonical = allowedEntry(d)
    allowed.set(canonical, canonical)
  }
  return (raw) => {
    if (raw.length > MAX_URL_LENGTH) return undefined
    const t = targetOf(raw)
    if (t === undefined || t.host === "" || t.problem !== undefined) return undefined
    return t.ip === undefined ? findDomain(t.labels, allowed) : allowed.get(Ip.format(t.ip))
  }
}

/**
 * Allows only URLs whose host is a listed domain or a subdomain of one, compared label by label
 * (`evilexample.com` is not under `example.com`); listed IPs match exactly. An empty list allows nothing.
 * Throws at build time on an entry that is not a domain name.
 *
 * @example
 * ```ts
 * import { webfetchDomainAllowlist } from "./url.ts"
 * const policies = [webfetchDomainAllowlist(["example.com"])] // "https://docs.example.com/a" passes, "https://evilexample.com" blocks
 * ```
 */
export const webfetchDomainAllowlist = (domains: ReadonlyArray<string>): Policy.Policy => {
  const allowed = new Map<string, string>()
  for (const d of domains) {
    const canonical = allowedEntry(d)
    allowed.set(canonical, canonical)
  }
  const list = [...allowed.keys()].join(", ")
  return urlPolicy("webfetch_domain_allowlist", (t) => {
    if (t.host === "") return Policy.fail(`URL has no host, so it cannot be on the allowlist`)
    const match = t.ip === undefined ? findDomain(t.labels, allowed) : allowed.get(Ip.format(t.ip))
    if (match !== undefined) return Policy.pass(`URL host '${shown(t)}' is allowed by '${match}'`)
    return Policy.fail(
      allowed.size === 0
        ? `URL host '${shown(t)}' is not allowed: the WebFetch allowlist is empty`
        : `URL host '${shown(t)}' is not on the WebFetch allowlist (${list})`
    )
  })
}
