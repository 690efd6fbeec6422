import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { createHash } from "node:crypto"
import * as Redact from "../src/receipt/Redact.ts"

const R = "[REDACTED]"
const utf8 = (s: string) => Buffer.from(s, "utf8")
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64")
const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url")
const concat = (...parts: ReadonlyArray<Uint8Array>) => Buffer.concat(parts)
const formEncode = (s: string) => new URLSearchParams({ k: s }).toString().slice(2)
const fullyEscaped = (s: string) => Array.from(utf8(s), (b) => `%${b.toString(16).padStart(2, "0")}`).join("")

/**
 * The characters of base64(prefix ++ secret ++ …) fully determined by the secret's bytes, as [first, end):
 * written here from the bit layout (character k holds bits 6k..6k+5), independently of the module.
 */
const determined = (prefixBytes: number, secretBytes: number) =>
  [Math.ceil((8 * prefixBytes) / 6), Math.floor((8 * (prefixBytes + secretBytes)) / 6)] as const

/** Every encoded form of a secret that must not survive, including each base64 core of 8+ characters. */
const forms = (secret: string): ReadonlyArray<string> => {
  const bytes = utf8(secret)
  const out = [
    secret,
    secret.toUpperCase(),
    secret.toLowerCase(),
    bytes.toString("hex"),
    bytes.toString("hex").toUpperCase(),
    encodeURIComponent(secret),
    formEncode(secret),
    fullyEscaped(secret),
    fullyEscaped(secret).toUpperCase()
  ]
  for (let p = 0; p < 3; p++) {
    const [first, end] = determined(p, bytes.length)
    if (end - first < 8) continue
    out.push(b64(concat(new Uint8Array(p), bytes)).slice(first, end), b64url(concat(new Uint8Array(p), bytes)).slice(first, end))
  }
  return out
}

describe("Redact.scrub", () => {
  const secret = "Tr0ub4dor&3 horse/+staple"

  it("redacts the verbatim and case-changed forms, inside longer strings and in keys", () => {
    const value: Record<string, unknown> = {
      a: `token=${secret};`,
      b: `x ${secret.toUpperCase()} y ${secret.toLowerCase()} z`,
      c: [`${"tR0UB4DOR&3 HoRsE/+sTaPlE"}!`],
      [`key-${secret}`]: 1
    }
    assert.deepStrictEqual(Redact.scrub(value, [secret]), {
      a: `token=${R};`,
      b: `x ${R} y ${R} z`,
      c: [`${R}!`],
      [`key-${R}`]: 1
    })
  })

  it("treats regular-expression characters in a secret literally", () => {
    const tricky = "a.b*c+d?e^f$g|h(i)j[k]l{m}n\\o/p-q"
    assert.strictEqual(Redact.scrubText(`<${tricky}> <axbxcxdxexfxgxhxixjxkxlxmxnxoxpxq>`, [tricky]), `<${R}> <axbxcxdxexfxgxhxixjxkxlxmxnxoxpxq>`)
    assert.strictEqual(Redact.scrubText(encodeURIComponent(tricky), [tricky]), R)
  })

  it("redacts a numeric secret held as a JSON number", () => {
    const out: unknown = Redact.scrub({ pin: 98765432, n: 42, s: "acct 98765432" }, ["98765432"])
    assert.deepStrictEqual(out, { pin: R, n: 42, s: `acct ${R}` })
  })

  it("redacts hex in lower and upper case", () => {
    const hex = utf8(secret).toString("hex")
    assert.strictEqual(Redact.scrubText(`0x${hex}00 and ${hex.toUpperCase()}`, [secret]), `0x${R}00 and ${R}`)
  })

  it("redacts percent-encoded forms: encodeURIComponent, lower-case escapes, + for spaces, fully escaped", () => {
    const forms = [
      encodeURIComponent(secret),
      encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      formEncode(secret),
      fullyEscaped(secret),
      fullyEscaped(secret).toUpperCase(),
      encodeURI(secret)
    ]
    for (const form of forms) {
      assert.notStrictEqual(form, secret)
      assert.strictEqual(Redact.scrubText(`https://h/?q=${form}&next=1`, [secret]), `https://h/?q=${R}&next=1`, form)
    }
    // Non-ASCII secrets: every UTF-8 byte escaped.
    assert.strictEqual(Redact.scrubText(`p=${encodeURIComponent("pässwörd-λ")}`, ["pässwörd-λ"]), `p=${R}`)
  })

  it("redacts base64 and base64url, padded or not, at every byte alignment inside a longer encoding", () => {
    const bytes = utf8(secret)
    for (let p = 0; p < 6; p++) {
      for (let q = 0; q < 4; q++) {
        const data = concat(utf8("user:x".slice(0, p)), bytes, utf8("!?~".slice(0, q)))
        const [first, end] = determined(p, bytes.length)
        for (const encoded of [b64(data), b64(data).replace(/=+$/, ""), b64url(data)]) {
          const expected = `Basic ${encoded.slice(0, first)}${R}${encoded.slice(end)}`
          assert.strictEqual(Redact.scrubText(`Basic ${encoded}`, [secret]), expected, `prefix ${p}, suffix ${q}`)
        }
      }
    }
  })

  it("redacts the real Authorization header of user:password", () => {
    const header = `Basic ${b64(utf8("admin:hunter2-is-not-a-password"))}`
    const out = Redact.scrub({ headers: { authorization: header } }, ["hunter2-is-not-a-password"])
    assert.match(out.headers.authorization, /^Basic YWRtaW46[A-Za-z0-9+/]?\[REDACTED\][A-Za-z0-9+/]?=*$/)
  })

  it("redacts the longer of two overlapping secrets whole", () => {
    const inner = "abcd1234"
    const outer = "xx-abcd1234-yy"
    for (const secrets of [[inner, outer], [outer, inner]]) {
      assert.strictEqual(Redact.scrubText(`<${outer}> and <${inner}>`, secrets), `<${R}> and <${R}>`)
    }
    // Secrets that share text but neither contains the other: the union of both spans goes.
    assert.strictEqual(Redact.scrubText("[12345678abcdef]", ["12345678", "5678abcdef"]), `[${R}]`)
    // One secret's hex containing another secret verbatim.
    const hexed = utf8("deadbeef-token").toString("hex")
    assert.strictEqual(Redact.scrubText(hexed, ["deadbeef-token", hexed.slice(4, 16)]), R)
  })

  it("returns values without secrets unchanged (the same value)", () => {
    const value = { a: [1, "two", { three: null, four: true }], b: "nothing here", "": -0.5 }
    assert.strictEqual(Redact.scrub(value, ["not-present-anywhere"]), value)
    assert.deepStrictEqual(Redact.scrub(value, ["not-present-anywhere"]), { a: [1, "two", { three: null, four: true }], b: "nothing here", "": -0.5 })
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ minLength: 8 }), (v, s) => {
        fc.pre(!forms(s).some((f) => JSON.stringify(v).toLowerCase().includes(f.toLowerCase())))
        assert.deepStrictEqual(Redact.scrub(v, [s]), v)
      }),
      { numRuns: 300 }
    )
  })

  it("leaves the input untouched and shares nothing that changed", () => {
    const value = { keep: { deep: [1, 2] }, leak: ["x", "the-secret-value"] }
    const out = Redact.scrub(value, ["the-secret-value"])
    assert.deepStrictEqual(value, { keep: { deep: [1, 2] }, leak: ["x", "the-secret-value"] })
    assert.deepStrictEqual(out, { keep: { deep: [1, 2] }, leak: ["x", R] })
  })

  it("ignores secrets under 4 characters instead of redacting everything", () => {
    const value = { a: "abc a b c", b: "an ordinary sentence with the-long-secret" }
    assert.deepStrictEqual(Redact.scrub(value, ["", "a", "ab", "abc", "the-long-secret"]), {
      a: "abc a b c",
      b: `an ordinary sentence with ${R}`
    })
    assert.strictEqual(Redact.scrubText("abc", ["", "abc"]), "abc")
  })

  it("keeps both keys when two redact to the same text, and keeps __proto__ as data", () => {
    const value = JSON.parse(`{"${secret.replace("/", "\\/")}":1,"${secret.toUpperCase().replace("/", "\\/")}":2,"__proto__":{"x":"${secret.replace("/", "\\/")}"}}`)
    const out = Redact.scrub(value, [secret]) as Record<string, unknown>
    assert.deepStrictEqual(Object.keys(out), [R, `${R}~2`, "__proto__"])
    assert.deepStrictEqual(Object.values(out).slice(0, 2).sort(), [1, 2])
    assert.strictEqual(Object.getPrototypeOf(out), Object.prototype)
    assert.deepStrictEqual(Object.getOwnPropertyDescriptor(out, "__proto__")?.value, { x: R })
  })

  it("scrubText scrubs error messages the same way", () => {
    const message = `Request failed: GET /v1?api_key=${encodeURIComponent(secret)} (auth ${b64(utf8(secret))})`
    const out = Redact.scrubText(message, [secret])
    for (const f of forms(secret)) assert.notInclude(out, f)
    assert.include(out, "Request failed: GET /v1?api_key=[REDACTED]")
  })

  it("a scrubber built once gives the same results as scrub", () => {
    const scrubber = Redact.makeScrubber([secret, "second-secret"])
    const value = { a: `${secret}|${b64(utf8("second-secret"))}` }
    assert.deepStrictEqual(scrubber.value(value), Redact.scrub(value, [secret, "second-secret"]))
    assert.strictEqual(scrubber.text(secret), R)
  })

  it("property: no encoding form of any secret survives, wherever it is embedded", () => {
    const secretArb = fc.string({ minLength: 8, maxLength: 40, unit: fc.constantFrom(..."abcdefXYZ0189 -_+/=%&:.~!é€") })
    const leak = fc.record({
      secret: fc.nat(),
      form: fc.nat(),
      prefix: fc.string({ maxLength: 6 }),
      suffix: fc.string({ maxLength: 6 }),
      asKey: fc.boolean(),
      at: fc.array(fc.nat(), { minLength: 4, maxLength: 4 })
    })
    fc.assert(
      fc.property(fc.uniqueArray(secretArb, { minLength: 1, maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), fc.array(leak, { minLength: 1, maxLength: 6 }), (secrets, base, leaks) => {
        let value: unknown = { base }
        for (const l of leaks) {
          const s = secrets[l.secret % secrets.length]!
          const bytes = utf8(s)
          const encoders = [
            () => s,
            () => s.toUpperCase(),
            () => bytes.toString("hex"),
            () => bytes.toString("hex").toUpperCase(),
            () => encodeURIComponent(s),
            () => formEncode(s),
            () => fullyEscaped(s),
            () => b64(concat(utf8(l.prefix), bytes, utf8(l.suffix))),
            () => b64url(concat(utf8(l.prefix), bytes, utf8(l.suffix))).replace(/=+$/, "")
          ]
          const text = l.prefix + encoders[l.form % encoders.length]!() + l.suffix
          value = insert(value, text, l.asKey, l.at)
        }
        const out = Redact.scrub(value, secrets)
        const json = JSON.stringify(out)
        const strings = stringsOf(out)
        for (const s of secrets) {
          for (const f of forms(s)) {
            assert.notInclude(json, JSON.stringify(f).slice(1, -1), `${JSON.stringify(s)} as ${f}`)
            for (const str of strings) assert.notInclude(str, f, `${JSON.stringify(s)} as ${f}`)
          }
        }
      }),
      { numRuns: 400 }
    )
  })
})

/** Inserts `text` (as a string value or a key) somewhere in a JSON value, steered by the numbers in `at`. */
const insert = (value: unknown, text: string, asKey: boolean, at: ReadonlyArray<number>): unknown => {
  const [here = 0, ...rest] = at
  if (Array.isArray(value)) {
    if (rest.length > 0 && value.length > 0 && here % 2 === 0) {
      const i = here % value.length
      return value.map((v, j) => (j === i ? insert(v, text, asKey, rest) : v))
    }
    const copy = [...value]
    copy.splice(here % (value.length + 1), 0, asKey ? { [text]: here } : text)
    return copy
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
    if (rest.length > 0 && entries.length > 0 && here % 2 === 0) {
      const i = here % entries.length
      return Object.fromEntries(entries.map(([k, v], j) => [k, j === i ? insert(v, text, asKey, rest) : v]))
    }
    return Object.fromEntries([...entries, asKey ? [text, here] : [`k${here}`, text]])
  }
  return [value, asKey ? { [text]: here } : text]
}

/** Every string (keys included) of a JSON value. */
const stringsOf = (value: unknown): ReadonlyArray<string> => {
  if (typeof value === "string") return [value]
  if (Array.isArray(value)) return value.flatMap(stringsOf)
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([k, v]) => [k, ...stringsOf(v)])
  return []
}

describe("Redact.redactFound", () => {
  const sha8 = (s: string) => createHash("sha256").update(s, "utf8").digest("hex").slice(0, 8)

  it("replaces a found credential, in every form, by [REDACTED:<first 8 hex of its SHA-256>]", () => {
    const key = "AKIAIOSFODNN7EXAMPLE"
    const marker = `[REDACTED:${sha8(key)}]`
    const value = { cmd: `aws --key ${key}`, enc: encodeURIComponent(key.toLowerCase()), [key]: b64(utf8(key)) }
    const out = Redact.redactFound(value, [key])
    assert.strictEqual(Redact.fingerprint(key), sha8(key))
    assert.deepStrictEqual(Object.keys(out), ["cmd", "enc", marker])
    assert.strictEqual(out.cmd, `aws --key ${marker}`)
    assert.strictEqual(out.enc, marker)
    assert.match(Object.values(out)[2] as string, new RegExp(`^${marker.replace(/[[\]]/g, "\\$&")}.{0,2}$`))
  })

  it("correlates: the same secret gets the same marker in two receipts, another secret a different one", () => {
    const a = Redact.redactFound({ p: "token ghp_aaaaaaaaaaaaaaaa" }, ["ghp_aaaaaaaaaaaaaaaa"])
    const b = Redact.redactFound({ q: ["ghp_aaaaaaaaaaaaaaaa"] }, ["ghp_aaaaaaaaaaaaaaaa"])
    const c = Redact.redactFound({ p: "token ghp_bbbbbbbbbbbbbbbb" }, ["ghp_bbbbbbbbbbbbbbbb"])
    assert.strictEqual(a.p.slice(6), b.q[0])
    assert.notStrictEqual(a.p, c.p)
    assert.notInclude(JSON.stringify([a, b, c]), "ghp_")
  })

  it("labels a span covered by two found strings with the longer one's fingerprint", () => {
    const out = Redact.redactFound({ s: "xx-abcd1234-yy" }, ["abcd1234", "xx-abcd1234-yy"])
    assert.deepStrictEqual(out, { s: `[REDACTED:${sha8("xx-abcd1234-yy")}]` })
  })
})
