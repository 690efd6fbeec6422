/**
 * IP address normalisation for the URL policies. Parses every IPv4 spelling the WHATWG URL parser (and
 * `inet_aton`) accepts — decimal `2130706433`, hex `0x7f.1`, octal `0177.0.0.1`, short `127.1` — and
 * IPv6 with `::`, embedded IPv4 tails and zone ids, then names the special-use range an address is in,
 * looking through IPv4-mapped, IPv4-compatible, NAT64, 6to4 and Teredo addresses to the IPv4 inside.
 *
 * @example
 * ```ts
 * import { classify, parse } from "./_ip.ts"
 * const ip = parse("0x7f.1") // { version: 4, v4: 2130706433 }
 * if (ip !== undefined) classify(ip) // "loopback"
 * ```
 * @module
 */

/** A parsed IP address: IPv4 as an unsigned 32-bit number, IPv6 as eight 16-bit words. */
export type Ip =
  | { readonly version: 4; readonly v4: number }
  | { readonly version: 6; readonly words: ReadonlyArray<number> }

const DEC = /^[0-9]+$/
const OCT = /^[0-7]+$/
const HEX = /^[0-9a-f]*$/i

const ipv4Part = (part: string): number | undefined => {
  if (part.length === 0) return undefined
  if (part.length >= 2 && (part[1] === "x" || part[1] === "X") && part[0] === "0") {
    const digits = part.slice(2)
    return HEX.test(digits) ? (digits.length === 0 ? 0 : parseInt(digits, 16)) : undefined
  }
  if (part.length >= 2 && part[0] === "0") {
    const digits = part.slice(1)
    return OCT.test(digits) ? parseInt(digits, 8) : undefined
  }
  return DEC.test(part) ? Number(part) : undefined
}

/**
 * Parses an IPv4 address the way the WHATWG URL host parser does: one to four dot-separated parts, each
 * decimal, `0x` hex or `0`-prefixed octal, the last part filling the remaining bytes; one trailing dot.
 */
export const parseIPv4 = (input: string): number | undefined => {
  const parts = input.split(".")
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop()
  if (parts.length === 0 || parts.length > 4) return undefined
  let value = 0
  for (let i = 0; i < parts.length; i++) {
    const n = ipv4Part(parts[i]!)
    if (n === undefined || !Number.isSafeInteger(n)) return undefined
    if (i < parts.length - 1) {
      if (n > 255) return undefined
      value += n * 2 ** (8 * (3 - i))
    } else {
      if (n >= 2 ** (8 * (5 - parts.length))) return undefined
      value += n
    }
  }
  return value >>> 0
}

/** Strict dotted-quad decimal (the only IPv4 form allowed inside an IPv6 address). */
const dottedQuad = (s: string): number | undefined => {
  const parts = s.split(".")
  if (parts.length !== 4) return undefined
  let value = 0
  for (const p of parts) {
    if (!DEC.test(p) || p.length > 3) return undefined
    const n = Number(p)
    if (n > 255) return undefined
    value = value * 256 + n
  }
  return value >>> 0
}

const WORD = /^[0-9a-f]{1,4}$/i
const IPV6_CHARS = /^[0-9a-f:.]+$/i

const words = (s: string): Array<number> | undefined => {
  if (s === "") return []
  const out: Array<number> = []
  for (const g of s.split(":")) {
    if (!WORD.test(g)) return undefined
    out.push(parseInt(g, 16))
  }
  return out
}

/** Parses an IPv6 address (brackets and a `%zone` suffix allowed) into eight 16-bit words. */
export const parseIPv6 = (input: string): ReadonlyArray<number> | undefined => {
  let s = input.startsWith("[") && input.endsWith("]") ? input.slice(1, -1) : input
  const zone = s.indexOf("%")
  if (zone >= 0) s = s.slice(0, zone)
  if (!IPV6_CHARS.test(s)) return undefined
  const lastColon = s.lastIndexOf(":")
  if (lastColon < 0) return undefined
  let tail: Array<number> = []
  if (s.includes(".", lastColon)) {
    const v4 = dottedQuad(s.slice(lastColon + 1))
    if (v4 === undefined) return undefined
    tail = [v4 >>> 16, v4 & 0xffff]
    s = s.slice(0, lastColon + 1)
    if (!s.endsWith("::")) s = s.slice(0, -1)
  }
  const halves = s.split("::")
  if (halves.length > 2) return undefined
  const head = words(halves[0]!)
  if (head === undefined) return undefined
  if (halves.length === 1) {
    return head.length + tail.length === 8 ? [...head, ...tail] : undefined
  }
  const rest = words(halves[1]!)
  if (rest === undefined) return undefined
  const given = head.length + rest.length + tail.length
  if (given > 7) return undefined
  return [...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail]
}

/** Parses an IP literal in any spelling (IPv6 if it has a colon), or `undefined` for a name. */
export const parse = (host: string): Ip | undefined => {
  if (host.includes(":")) {
    const w = parseIPv6(host)
    return w === undefined ? undefined : { version: 6, words: w }
  }
  const v4 = parseIPv4(host)
  return v4 === undefined ? undefined : { version: 4, v4 }
}

const formatV4 = (v4: number): string => `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}`

/** The canonical text of an address: dotted quad, or compressed IPv6 (RFC 5952). */
export const format = (ip: Ip): string => {
  if (ip.version === 4) return formatV4(ip.v4)
  const w = ip.words
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && w[j] === 0) j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  const hex = (a: ReadonlyArray<number>) => a.map((x) => x.toString(16)).join(":")
  return best < 0 ? hex(w) : `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`
}

const V4_RANGES: ReadonlyArray<readonly [base: number, bits: number, name: string]> = [
  [0x00000000, 8, "unspecified"],
  [0x0a000000, 8, "private"],
  [0x64400000, 10, "carrier-grade NAT"],
  [0x7f000000, 8, "loopback"],
  [0xa9fe0000, 16, "link-local"],
  [0xac100000, 12, "private"],
  [0xc0000000, 24, "reserved"],
  [0xc0000200, 24, "documentation"],
  [0xc0a80000, 16, "private"],
  [0xc6120000, 15, "benchmarking"],
  [0xc6336400, 24, "documentation"],
  [0xcb007100, 24, "documentation"],
  [0xe0000000, 4, "multicast"],
  [0xf0000000, 4, "reserved"]
]

/** Cloud metadata and platform endpoints (some in public ranges, such as Azure's WireServer). */
const V4_METADATA: ReadonlyMap<number, string> = new Map([
  [0xa9fea9fe, "the cloud metadata service 169.254.169.254"],
  [0xa9feaa02, "the ECS task metadata service"],
  [0x646464c8, "the Alibaba Cloud metadata service"],
  [0xa83f8110, "the Azure WireServer platform endpoint"]
])

const classifyV4 = (v4: number): string | undefined => {
  const metadata = V4_METADATA.get(v4)
  if (metadata !== undefined) return metadata
  for (const [base, bits, name] of V4_RANGES) {
    if (v4 >>> (32 - bits) === base >>> (32 - bits)) return name
  }
  return undefined
}

/** The IPv4 address carried inside an IPv6 one, and how it is carried. */
export const embeddedIPv4 = (w: ReadonlyArray<number>): { readonly v4: number; readonly via: string } | undefined => {
  const low = ((w[6]! << 16) | w[7]!) >>> 0
  const zeros = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (w[i] !== 0) return false
    return true
  }
  if (zeros(0, 5) && w[5] === 0xffff) return { v4: low, via: "IPv4-mapped" }
  if (zeros(0, 6) && low > 1) return { v4: low, via: "IPv4-compatible" }
  if (w[0] === 0x64 && w[1] === 0xff9b && zeros(2, 6)) return { v4: low, via: "NAT64" }
  if (w[0] === 0x2002) return { v4: ((w[1]! << 16) | w[2]!) >>> 0, via: "6to4" }
  if (w[0] === 0x2001 && w[1] === 0) return { v4: ~low >>> 0, via: "Teredo" }
  return undefined
}

const prefix = (w: ReadonlyArray<number>, value: number, bits: number): boolean => w[0]! >>> (16 - bits) === value >>> (16 - bits)

/**
 * Names the special-use range of an address ("loopback", "private", "link-local", "unique-local",
 * "carrier-grade NAT"...), or `undefined` for an ordinary public address.
 */
export const classify = (ip: Ip): string | undefined => {
  if (ip.version === 4) return classifyV4(ip.v4)
  const w = ip.words
  if (w.every((x) => x === 0)) return "unspecified"
  if (w[0] === 0xfd00 && w[1] === 0x0ec2 && w.slice(2, 7).every((x) => x === 0) && w[7] === 0x254) {
    return "the AWS metadata service (IPv6)"
  }
  if (w.slice(0, 7).every((x) => x === 0) && w[7] === 1) return "loopback"
  const inner = embeddedIPv4(w)
  if (inner !== undefined) {
    const range = classifyV4(inner.v4)
    return range === undefined ? undefined : `${range} (${inner.via} ${formatV4(inner.v4)})`
  }
  if (prefix(w, 0xfe80, 10)) return "link-local"
  if (prefix(w, 0xfec0, 10)) return "site-local"
  if (prefix(w, 0xfc00, 7)) return "unique-local"
  if (prefix(w, 0xff00, 8)) return "multicast"
  if (w[0] === 0x2001 && w[1] === 0x0db8) return "documentation"
  if (w[0] === 0x0100 && w[1] === 0 && w[2] === 0 && w[3] === 0) return "discard-only"
  return undefined
}
