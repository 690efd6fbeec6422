import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import * as Git from "../../policies/git.ts"
import * as Policy from "../../src/Policy.ts"
import { assertAlwaysDecides, policyHarness } from "../support/policies.ts"

const { ctx, verdict, blocks, passes } = policyHarness({ workflow: "git.push" })

const SECRETS: ReadonlyArray<readonly [string, string]> = [
  ["OpenAI legacy key", `sk-${"a1B2".repeat(6)}`],
  ["OpenAI project key", `sk-proj-${"Ab3_-x".repeat(8)}`],
  ["Anthropic key", `sk-ant-api03-${"Zz9".repeat(10)}`],
  ["GitHub PAT", `ghp_${"A1b2C3".repeat(6)}`],
  ["GitHub app token", `ghs_${"q".repeat(36)}`],
  ["GitHub refresh token", `ghr_${"R".repeat(36)}`],
  ["GitHub fine-grained token", `github_pat_${"11ABCDEFG0".repeat(3)}`],
  ["Slack bot token", "xoxb-1234567890-0987654321-AbCdEfGhIjKl"],
  ["Slack user token", "xoxp-1234-5678-9012-abcdefabcdef"],
  ["AWS access key id", "AKIAIOSFODNN7EXAMPLE"],
  ["Google API key", `AIza${"S".repeat(35)}`],
  ["Google OAuth token", `ya29.${"a0AfH6SM".repeat(5)}`],
  ["RSA private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow..."],
  ["OpenSSH private key", "-----BEGIN OPENSSH PRIVATE KEY-----"],
  ["PGP private key", "-----BEGIN PGP PRIVATE KEY BLOCK-----"]
]

describe("dont_push_to_main", () => {
  it("blocks main and master in any case, naming the branch", () => {
    assert.strictEqual(blocks(Git.dontPushToMain, { branch: "main" }), "Direct push to 'main' is blocked")
    blocks(Git.dontPushToMain, { branch: "master" })
    blocks(Git.dontPushToMain, { branch: "MAIN" })
    blocks(Git.dontPushToMain, { branch: "Master" })
  })

  it("blocks main spelled as a full ref or a refspec", () => {
    blocks(Git.dontPushToMain, { branch: "refs/heads/main" })
    blocks(Git.dontPushToMain, { branch: "+HEAD:main" })
    blocks(Git.dontPushToMain, { branch: " main " })
  })

  it("passes feature branches and look-alikes", () => {
    passes(Git.dontPushToMain, { branch: "agent/new-feature" })
    passes(Git.dontPushToMain, { branch: "maintenance" })
    passes(Git.dontPushToMain, { branch: "main-fix" })
  })

  it("passes when the branch is absent or null", () => {
    passes(Git.dontPushToMain, {})
    passes(Git.dontPushToMain, { branch: null })
    passes(Git.dontPushToMain, null)
  })

  it("blocks a branch of the wrong type (fail closed)", () => {
    assert.include(blocks(Git.dontPushToMain, { branch: ["main"] }), "must be a string")
    blocks(Git.dontPushToMain, { branch: 1 })
  })

  it("is named dont_push_to_main", () => assert.strictEqual(Git.dontPushToMain.name, "dont_push_to_main"))
})

describe("require_branch_prefix", () => {
  it("defaults to agent/ and names the prefix on a block", () => {
    assert.include(blocks(Git.requireBranchPrefix(), { branch: "feature-x" }), "'agent/'")
    passes(Git.requireBranchPrefix(), { branch: "agent/new-feature" })
  })

  it("takes a custom prefix", () => {
    passes(Git.requireBranchPrefix("fix/"), { branch: "fix/bug-123" })
    blocks(Git.requireBranchPrefix("fix/"), { branch: "agent/bug-123" })
  })

  it("blocks an empty or missing branch", () => {
    blocks(Git.requireBranchPrefix(), { branch: "" })
    blocks(Git.requireBranchPrefix(), {})
  })

  it("blocks the bare prefix and branch names git would refuse", () => {
    blocks(Git.requireBranchPrefix(), { branch: "agent/" })
    blocks(Git.requireBranchPrefix(), { branch: "agent/../main" })
    blocks(Git.requireBranchPrefix(), { branch: "agent/x y" })
    blocks(Git.requireBranchPrefix(), { branch: "agent/x.lock" })
  })

  it("is case-sensitive", () => blocks(Git.requireBranchPrefix(), { branch: "Agent/x" }))
})

describe("max_files_per_commit", () => {
  it("blocks over the limit and names the count", () => {
    assert.strictEqual(blocks(Git.maxFilesPerCommit(10), { file_count: 11 }), "Commit touches 11 files (max 10)")
  })

  it("passes at and under the limit", () => {
    passes(Git.maxFilesPerCommit(10), { file_count: 10 })
    passes(Git.maxFilesPerCommit(50), { file_count: 5 })
  })

  it("defaults to 50", () => {
    blocks(Git.maxFilesPerCommit(), { file_count: 51 })
    passes(Git.maxFilesPerCommit(), { file_count: 50 })
  })

  it("passes when no count is given", () => passes(Git.maxFilesPerCommit(10), {}))

  it("counts payload.files too, and the larger count wins", () => {
    blocks(Git.maxFilesPerCommit(2), { files: ["a", "b", "c"] })
    blocks(Git.maxFilesPerCommit(2), { file_count: 1, files: ["a", "b", "c"] })
  })

  it("blocks counts that are not non-negative integers", () => {
    blocks(Git.maxFilesPerCommit(), { file_count: "51" })
    blocks(Git.maxFilesPerCommit(), { file_count: -1 })
    blocks(Git.maxFilesPerCommit(), { file_count: Number.NaN })
    blocks(Git.maxFilesPerCommit(), { file_count: 1.5 })
    blocks(Git.maxFilesPerCommit(), { files: "a,b" })
  })
})

describe("dont_delete_branch", () => {
  it("always blocks, whatever the payload", () => {
    assert.include(blocks(Git.dontDeleteBranch, {}).toLowerCase(), "deletion")
    blocks(Git.dontDeleteBranch, { branch: "agent/old-feature" })
    blocks(Git.dontDeleteBranch, null)
  })
})

describe("dont_merge_to_main", () => {
  it("blocks merges into main or master in any case", () => {
    assert.include(blocks(Git.dontMergeToMain, { base: "main" }), "blocked")
    blocks(Git.dontMergeToMain, { base: "master" })
    blocks(Git.dontMergeToMain, { base: "MAIN" })
  })

  it("passes other targets and an absent base", () => {
    passes(Git.dontMergeToMain, { base: "staging" })
    passes(Git.dontMergeToMain, { base: "agent/release-candidate" })
    passes(Git.dontMergeToMain, {})
  })

  it("blocks a base of the wrong type", () => blocks(Git.dontMergeToMain, { base: { ref: "main" } }))
})

describe("dont_force_push", () => {
  const forced = (command: unknown) => blocks(Git.dontForcePush, { command })
  const fine = (command: unknown) => passes(Git.dontForcePush, { command })

  it("blocks -f and --force", () => {
    assert.include(forced("git push -f"), "'-f'")
    forced("git push --force origin agent/x")
  })

  it("regression: combined short flags (-fu, -uf, -vfu) are a force push", () => {
    assert.include(forced("git push -fu origin agent/x"), "'-fu'")
    forced("git push -uf origin agent/x")
    forced("git push -vfu origin agent/x")
  })

  it("regression: --force-with-lease, with or without a value, is a force push", () => {
    assert.include(forced("git push --force-with-lease=main:abc123 origin main"), "--force-with-lease=main:abc123")
    forced("git push --force-with-lease origin main")
    forced("git push --force-if-includes --force-with-lease origin main")
  })

  it("regression: a +ref refspec is a force push", () => {
    assert.include(forced("git push origin +main"), "'+main'")
    forced("git push origin +HEAD:refs/heads/main")
    forced("git push origin agent/a +agent/b")
  })

  it("blocks --mirror and unambiguous abbreviations of --force", () => {
    forced("git push --mirror backup")
    forced("git push --forc origin main")
    forced("git push --force-w origin main")
  })

  it("regression: rm -f and grep -f are not force pushes", () => {
    fine("rm -f build.log")
    fine("grep -f patterns.txt src/app.ts")
    fine("npm install -f")
    fine("git fetch -f origin")
    fine("git commit -m 'force push -f is bad'")
  })

  it("passes normal pushes, option values that contain f, and -f after --", () => {
    fine("git push origin agent/x")
    fine("git push -u origin agent/x")
    fine("git push -o ci.skip origin agent/x")
    fine("git push -ofast origin agent/x")
    fine("git push --push-option -f origin agent/x")
    fine("git push -- -f")
    fine("git push --no-force-with-lease origin agent/x")
  })

  it("finds the push behind git options, wrappers, env assignments and full paths", () => {
    forced("git -C /repo -c user.name=bot push -f")
    forced("sudo -u deploy git push --force")
    forced("GIT_TRACE=1 git push -f")
    forced("/usr/bin/git push -f")
    forced("env HOME=/tmp timeout 60 git push -f")
  })

  it("finds the push in compound commands, subshells, backticks and later lines", () => {
    forced("npm test && git push -f")
    forced("make; git push --force")
    forced("(cd repo && git push -f)")
    forced("echo `git push -f`")
    forced("echo $(git push -f)")
    forced("git status\ngit push -f")
    forced("git status # comment\ngit push -f")
  })

  it("follows sh -c, eval and git aliases", () => {
    forced("bash -c 'git push -fu origin x'")
    forced("sh -lc \"git push --force\"")
    forced("eval git push -f")
    forced("git -c alias.p='push --force' p")
    forced("git -c 'alias.yolo=!git push -f' yolo")
    forced("git -c remote.origin.push=+refs/heads/*:refs/heads/* push")
  })

  it("reads command arrays and payload.args", () => {
    forced(["git", "push", "-f"])
    fine(["git", "push", "origin", "main"])
    blocks(Git.dontForcePush, { args: ["push", "--force"] })
    blocks(Git.dontForcePush, { command: "git", args: ["push", "-f"] })
    blocks(Git.dontForcePush, { command: "git push", args: "origin +main" })
    passes(Git.dontForcePush, { command: "rm", args: ["-f", "x"] })
  })

  it("passes when there is no command", () => passes(Git.dontForcePush, {}))

  it("blocks a command of the wrong type (fail closed)", () => {
    blocks(Git.dontForcePush, { command: 42 })
    blocks(Git.dontForcePush, { command: ["git", "push", 1] })
    blocks(Git.dontForcePush, { args: { force: true } })
  })
})

describe("require_meaningful_commit_message", () => {
  const policy = Git.requireMeaningfulCommitMessage

  it("blocks empty and whitespace-only messages", () => {
    assert.strictEqual(blocks(policy, { commit_message: "" }), "Commit message is empty")
    blocks(policy, { commit_message: "  \n " })
  })

  it("blocks messages under 10 characters", () => {
    assert.include(blocks(policy, { commit_message: "fix bug" }), "too short")
  })

  it("blocks lazy words however they are padded", () => {
    for (const m of ["fix", "WIP", "update", "misc", ".", "work in progress", "fix fix fix fix", "update...........", "...........", "Updated!!!!!!"]) {
      blocks(policy, { commit_message: m })
    }
  })

  it("passes a message that says what changed", () => {
    passes(policy, { commit_message: "Add retry with backoff to the webhook sender" })
    passes(policy, { commit_message: "fix: handle null user in login" })
  })

  it("passes when absent, blocks a non-string", () => {
    passes(policy, {})
    blocks(policy, { commit_message: ["fix"] })
  })
})

describe("dont_commit_api_keys", () => {
  it("blocks every known secret format in the diff", () => {
    for (const [label, secret] of SECRETS) {
      const reason = blocks(Git.dontCommitApiKeys, { diff: `+++ b/config.ts\n+const key = "${secret}"\n` })
      assert.notInclude(reason, secret, `${label}: the reason must not repeat the secret`)
    }
  })

  it("scans content and commit_message too", () => {
    assert.include(blocks(Git.dontCommitApiKeys, { content: "AKIAIOSFODNN7EXAMPLE" }), "payload.content")
    assert.include(blocks(Git.dontCommitApiKeys, { commit_message: `rotate ${SECRETS[3]![1]}` }), "payload.commit_message")
  })

  it("scans strings nested in arrays and objects", () => {
    blocks(Git.dontCommitApiKeys, { diff: [{ file: "a.ts", hunks: ["ok", `token=${SECRETS[7]![1]}`] }] })
  })

  it("names every secret it found for redaction, so the blocking receipt never stores one", () => {
    for (const [label, secret] of SECRETS) {
      const v = verdict(Git.dontCommitApiKeys, { diff: `+const key = "${secret}"\n` })
      assert.isFalse(v.passed, label)
      assert.isTrue((v.redact ?? []).some((r) => r.includes(secret) || secret.includes(r)), `${label}: redact holds the secret`)
    }
  })

  it("passes ordinary code and look-alikes", () => {
    passes(Git.dontCommitApiKeys, { diff: "+const task-runner = 'sk-learn'\n+// AKIA is the AWS prefix" })
    passes(Git.dontCommitApiKeys, { diff: "task-abcdefghijklmnopqrstuvwxyz0123" })
    passes(Git.dontCommitApiKeys, {})
  })

  it("blocks values nested too deeply to scan", () => {
    let deep: unknown = "x"
    for (let i = 0; i < 100; i++) deep = [deep]
    blocks(Git.dontCommitApiKeys, { diff: deep })
  })
})

describe("git policies through the gate", () => {
  const all = [
    Git.dontPushToMain,
    Git.requireBranchPrefix(),
    Git.maxFilesPerCommit(),
    Git.dontDeleteBranch,
    Git.dontMergeToMain,
    Git.dontForcePush,
    Git.requireMeaningfulCommitMessage,
    Git.dontCommitApiKeys
  ]

  it.effect("records every verdict under its snake_case name", () =>
    Effect.gen(function*() {
      const results = yield* Policy.evaluate(all, ctx({
        branch: "main",
        base: "master",
        file_count: 3,
        command: "git push -fu origin main",
        commit_message: "wip",
        diff: "+AKIAIOSFODNN7EXAMPLE"
      }))
      assert.deepStrictEqual(results.map((r) => [r.policy, r.passed]), [
        ["dont_push_to_main", false],
        ["require_branch_prefix", false],
        ["max_files_per_commit", true],
        ["dont_delete_branch", false],
        ["dont_merge_to_main", false],
        ["dont_force_push", false],
        ["require_meaningful_commit_message", false],
        ["dont_commit_api_keys", false]
      ])
      assert.isFalse(Policy.allPassed(results))
      for (const r of results) assert.notInclude(r.reason, "fail closed", `${r.policy} should decide, not crash`)
    }))

  it("never throws on arbitrary payloads", () => {
    const fields = ["branch", "base", "file_count", "files", "command", "args", "commit_message", "diff", "content"]
    assertAlwaysDecides(all, fc.oneof(fc.anything(), fc.dictionary(fc.constantFrom(...fields), fc.anything())), verdict)
  })

  it("a throwing getter blocks instead of throwing", () => {
    const payload = Object.defineProperty({}, "branch", {
      enumerable: true,
      get: () => {
        throw new Error("boom")
      }
    })
    assert.include(blocks(Git.dontPushToMain, payload), "payload.branch")
  })
})

describe("regressions found by the corpus", () => {
  it("dont_force_push sees through `sudo -u git` and a force push inside a quoted $( )", () => {
    blocks(Git.dontForcePush, { command: "cd repo && sudo -u git git push --mirror" })
    blocks(Git.dontForcePush, { command: "echo \"$(git push -f origin x)\"" })
    blocks(Git.dontForcePush, { command: "git -c alias.p='!git push --force' p" })
    passes(Git.dontForcePush, { command: "sudo -u git git push origin agent/x" })
  })

  it("dont_push_to_main reads the refspecs of git push commands", () => {
    assert.include(blocks(Git.dontPushToMain, { command: "git push origin HEAD:main" }), "'HEAD:main'")
    blocks(Git.dontPushToMain, { command: "git push origin :master" })
    blocks(Git.dontPushToMain, { command: "cd app && git push -u origin refs/heads/Main" })
    blocks(Git.dontPushToMain, { command: "git push origin --delete main" })
    passes(Git.dontPushToMain, { command: "git push origin agent/x" })
    passes(Git.dontPushToMain, { command: "git push origin main:agent/from-main" })
    passes(Git.dontPushToMain, { command: "git push" })
    passes(Git.dontPushToMain, { command: "git checkout main && git pull" })
  })

  it("dont_commit_api_keys finds an assigned AWS secret access key", () => {
    const secret = ["wJalrXUtnFEMI", "K7MDENG", "bPxRfiCYEXAMPLEKEY"].join("/")
    assert.include(blocks(Git.dontCommitApiKeys, { diff: `+aws_secret_access_key = ${secret}` }), "AWS secret access key")
    blocks(Git.dontCommitApiKeys, { diff: `AWS_SECRET_ACCESS_KEY: "${secret}"` })
    passes(Git.dontCommitApiKeys, { diff: "+aws_secret_access_key = os.environ['AWS_SECRET_ACCESS_KEY']" })
  })
})
