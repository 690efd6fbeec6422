import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import * as Credentials from "../../policies/credentials.ts"
import * as Policy from "../../src/Policy.ts"
import { assertAlwaysDecides, policyHarness } from "../support/policies.ts"

const { ctx, verdict, blocks, passes } = policyHarness({ workflow: "tool.grep" })

describe("dont_copy_api_keys", () => {
  const policy = Credentials.dontCopyApiKeys

  it("blocks content holding a known key format, without repeating the key", () => {
    const key = `sk-${"a1B2".repeat(6)}`
    const reason = blocks(policy, { content: `OPENAI_API_KEY=${key}\n` })
    assert.include(reason, "OpenAI")
    assert.notInclude(reason, key)
    blocks(policy, { content: `const token = "ghp_${"x".repeat(36)}"` })
    blocks(policy, { content: "aws_access_key_id = AKIAIOSFODNN7EXAMPLE" })
    blocks(policy, { content: "-----BEGIN EC PRIVATE KEY-----\n..." })
    blocks(policy, { content: `key: AIza${"k".repeat(35)}` })
    blocks(policy, { content: "SLACK=xoxb-1234567890-abcdefghij" })
  })

  it("scans nested content", () => blocks(policy, { content: { files: [{ body: "AKIAIOSFODNN7EXAMPLE" }] } }))

  it("passes ordinary content, look-alikes, and absent content", () => {
    passes(policy, { content: "export const answer = 42" })
    passes(policy, { content: "pip install scikit-learn # sk-learn" })
    passes(policy, { content: "the AKIA prefix marks AWS keys" })
    passes(policy, {})
  })
})

describe("block_grep_secret_patterns", () => {
  const policy = Credentials.blockGrepSecretPatterns
  const grep = (grep_pattern: unknown) => ({ grep_pattern })

  it("blocks searches for secret names and key material", () => {
    assert.include(blocks(policy, grep("aws_secret_access_key")).toLowerCase(), "credential")
    for (const p of ["API_KEY", "OPENAI_API_KEY", "api-key", "password\\s*=", "passwd", "secret_key", "client_secret", "BEGIN RSA PRIVATE KEY", "BEGIN.*PRIVATE\\s+KEY", "access_token", "Authorization: Bearer"]) {
      blocks(policy, grep(p))
    }
  })

  it("blocks searches for vendor key shapes and literal keys", () => {
    blocks(policy, grep("sk-[A-Za-z0-9]{20,}"))
    blocks(policy, grep("AKIA[0-9A-Z]{16}"))
    blocks(policy, grep("ghp_"))
    blocks(policy, grep("xoxb-"))
  })

  it("sees through regex syntax around secret words", () => {
    blocks(policy, grep("[Pp]assword"))
    blocks(policy, grep("pass.?word"))
    blocks(policy, grep("(api|API)_?(key|KEY)"))
  })

  it("passes ordinary searches", () => {
    for (const p of ["TODO", "function\\s+main", "tokenizer", "passthrough", "Asia/Tokyo", "keyboard", "secretary"]) {
      passes(policy, grep(p))
    }
  })

  it("passes when absent, blocks a wrong type", () => {
    passes(policy, {})
    passes(policy, grep(""))
    blocks(policy, grep(["password"]))
  })
})

describe("block_glob_credentials_dirs", () => {
  const policy = Credentials.blockGlobCredentialsDirs
  const glob = (glob_pattern: unknown) => ({ glob_pattern })

  it("blocks globs into credential folders", () => {
    assert.include(blocks(policy, glob("~/.aws/*")), "'.aws'")
    for (const g of ["**/.ssh/*", "**/.aws/credentials", "/root/.gnupg/**", "~/.kube/config", "**/.docker/config.json"]) blocks(policy, glob(g))
  })

  it("blocks credential file shapes", () => {
    for (const g of ["**/*.pem", "**/*.key", "**/*.pfx", "**/*.p12", "**/id_rsa", "**/id_ed25519", "**/.netrc", "**/.git-credentials", "**/.env*", "server.pem", "id_*"]) {
      blocks(policy, glob(g))
    }
  })

  it("blocks anything naming credentials, as the original did", () => {
    blocks(policy, glob("**/update_credentials_form.html"))
  })

  it("sees through braces, wildcards, character classes and case", () => {
    blocks(policy, glob("**/.{aws,ssh}/*"))
    blocks(policy, glob("**/{src,.ssh}/*"))
    blocks(policy, glob("**/.?sh/*"))
    blocks(policy, glob("**/.[s]sh/*"))
    blocks(policy, glob("**/.*sh/id_*"))
    blocks(policy, glob("**/*.PEM"))
    blocks(policy, glob("**/.AWS/*"))
  })

  it("passes ordinary globs, including broad ones", () => {
    for (const g of ["src/credit/*.py", "src/**/*.py", "*", "**/*", "*.*", "**/*.ts", "docs/**/*.md", "**/*.json", "{a,{b,c}}/*.rs"]) {
      passes(policy, glob(g))
    }
  })

  it("blocks globs with too many alternatives to check", () => {
    assert.include(blocks(policy, glob("{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}")), "too many alternatives")
  })

  it("passes when absent, blocks a wrong type", () => {
    passes(policy, {})
    blocks(policy, glob(5))
  })
})

describe("pause_on_resource_purpose_mismatch", () => {
  const policy = Credentials.pauseOnResourcePurposeMismatch
  const use = (credential_purpose: string, resource_target: string) => ({ credential_purpose, resource_target })

  it("blocks the PocketOS shape: a domain token deleting a volume", () => {
    const reason = blocks(policy, use("domain registration", "volume delete"))
    assert.include(reason, "domain")
    assert.include(reason, "volume")
    assert.include(reason.toLowerCase(), "credential")
  })

  it("blocks other cross-scope uses", () => {
    blocks(policy, use("vm provisioning", "disk delete"))
    blocks(policy, use("invoice issuing", "user delete"))
    blocks(policy, use("domain ops", "volumeDelete"))
  })

  it("passes matching scopes and synonyms", () => {
    passes(policy, use("storage admin", "volume create"))
    passes(policy, use("DNS rotation", "domain transfer"))
  })

  it("passes unclassified vocabulary and missing fields", () => {
    passes(policy, use("quantum widget", "hyperflux gizmo"))
    passes(policy, { resource_target: "volume delete" })
    passes(policy, { credential_purpose: "domain ops" })
    passes(policy, {})
  })

  it("blocks fields of the wrong type", () => blocks(policy, { credential_purpose: ["dns"], resource_target: "volume" }))
})

describe("credential policies through the gate", () => {
  const all = [
    Credentials.dontCopyApiKeys,
    Credentials.blockGrepSecretPatterns,
    Credentials.blockGlobCredentialsDirs,
    Credentials.pauseOnResourcePurposeMismatch
  ]

  it.effect("records each verdict under its snake_case name", () =>
    Effect.gen(function*() {
      const results = yield* Policy.evaluate(all, ctx({
        content: "AKIAIOSFODNN7EXAMPLE",
        grep_pattern: "TODO",
        glob_pattern: "**/.ssh/*",
        credential_purpose: "domain registration",
        resource_target: "volume delete"
      }))
      assert.deepStrictEqual(results.map((r) => [r.policy, r.passed]), [
        ["dont_copy_api_keys", false],
        ["block_grep_secret_patterns", true],
        ["block_glob_credentials_dirs", false],
        ["pause_on_resource_purpose_mismatch", false]
      ])
    }))

  it("never throws on arbitrary payloads", () => {
    const fields = ["content", "grep_pattern", "glob_pattern", "credential_purpose", "resource_target"]
    const globby = fc.stringMatching(/^[{}[\]*?!^,./a-z\\]{0,24}$/)
    assertAlwaysDecides(all, fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom(...fields), fc.oneof(fc.anything(), globby))), verdict)
  })
})
