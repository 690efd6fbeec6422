import { assert, describe, it } from "@effect/vitest"
import * as Git from "../../policies/git.ts"
import { policyHarness } from "../support/policies.ts"

const { verdict, blocks, passes } = policyHarness({ workflow: "git.push" })
const cmd = (command: string, extra: Record<string, unknown> = {}) => ({ command, ...extra })

describe("dont_push_to_main normalises push destinations before judging", () => {
  it("blocks every spelling of main or master as a destination", () => {
    for (const command of [
      "git push origin HEAD:main", "git push origin HEAD:heads/main", "git push origin HEAD:refs/heads/main", "git push origin @:main",
      "git push origin HEAD:MAIN", "git push origin +HEAD:master", "git push origin agent/x:refs/heads/main", "git push origin main",
      "git push origin refs/heads/main", "git push origin HEAD:ma''in", "git push origin \"HEAD:$(echo main)\"", "B=main; git push origin HEAD:$B",
      "git push origin HEAD:m{a,}in", "git -C /repo --no-pager push origin HEAD:main", "sudo -u git git push origin HEAD:main",
      "bash -c 'git push origin HEAD:main'", "echo git push origin HEAD:main | sh", "git send-pack ../repo.git main",
      "git http-push https://x.example/r.git main", "git subtree push --prefix=dist origin main"
    ]) assert.match(blocks(Git.dontPushToMain, cmd(command)), /main|master/, command)
  })

  it("blocks deleting main and pushes that write every branch", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["git push origin :main", "deletes"], ["git push origin --delete main", "deletes"], ["git push -d origin master", "deletes"],
      ["git push --all origin", "every branch"], ["git push --mirror origin", "every branch"], ["git push --branches origin", "every branch"],
      ["git push origin '*:*'", "pattern"], ["git push origin 'refs/heads/*:refs/heads/*'", "pattern"], ["git push origin :", "matching"],
      ["git push --prune origin 'refs/heads/*:refs/heads/*'", "--prune"], ["git push --prune origin", "missing locally"],
      ["git send-pack --all ../repo.git", "every branch"]
    ]
    for (const [command, reason] of cases) assert.include(blocks(Git.dontPushToMain, cmd(command)), reason, command)
  })

  it("applies push configuration from -c, git config earlier in the command, GIT_CONFIG_* and aliases", () => {
    for (const command of [
      "git -c remote.origin.push=HEAD:main push origin", "git -c remote.origin.mirror=true push origin", "git -c push.default=matching push origin",
      "git config remote.origin.push HEAD:main && git push origin", "git config push.default matching; git push",
      "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.push GIT_CONFIG_VALUE_0=HEAD:main git push origin",
      "GIT_CONFIG_PARAMETERS=\"'remote.origin.mirror'='true'\" git push origin", "X=HEAD:main git --config-env=remote.origin.push=X push origin",
      "git -c alias.ship='push origin HEAD:main' ship", "git config alias.ship 'push origin HEAD:main' && git ship",
      "git config alias.ship '!git push origin HEAD:main' && git ship", "git -c alias.p=push p origin HEAD:main"
    ]) blocks(Git.dontPushToMain, cmd(command))
  })

  it("pushes the branch checked out earlier in the command when no refspec is given", () => {
    blocks(Git.dontPushToMain, cmd("git checkout main && git push"))
    blocks(Git.dontPushToMain, cmd("git switch master; git push origin HEAD"))
    blocks(Git.dontPushToMain, cmd("git push origin HEAD", { branch: "main" }))
    passes(Git.dontPushToMain, cmd("git checkout -b agent/fix && git push -u origin HEAD"))
  })

  it("blocks a push whose destination is not known until it runs", () => {
    for (const command of ["git push origin HEAD:$BRANCH", "git push $REMOTE_AND_REFS", "git push origin \"$(git branch --show-current)\""]) {
      assert.include(blocks(Git.dontPushToMain, cmd(command)), "cannot be determined", command)
    }
  })

  it("passes pushes to other branches, tags and ordinary flows", () => {
    for (const command of [
      "git push origin agent/x", "git push -u origin agent/fix-login", "git push origin HEAD:agent/x", "git push origin main:refs/tags/v1",
      "git push origin tag v1.2.0", "git push --tags origin", "git push", "git push origin HEAD", "git push --follow-tags origin agent/x",
      "git -c push.default=current push origin", "git push origin agent/maintenance", "git push origin agent/main-menu"
    ]) passes(Git.dontPushToMain, cmd(command))
  })
})

describe("the GitHub CLI", () => {
  it("a write to the main ref through gh api is a push to main; reads pass", () => {
    assert.include(blocks(Git.dontPushToMain, cmd("gh api -X PATCH repos/o/r/git/refs/heads/main -f sha=abc -F force=true")), "GitHub API")
    blocks(Git.dontPushToMain, cmd("gh api repos/o/r/git/refs/heads/master -f sha=abc"))
    passes(Git.dontPushToMain, cmd("gh api repos/o/r/git/refs/heads/main"))
    passes(Git.dontPushToMain, cmd("gh api -X PATCH repos/o/r/git/refs/heads/agent/x -f sha=abc"))
  })

  it("gh pr merge blocks under dont_merge_to_main: the base it merges into is not in the command", () => {
    assert.include(blocks(Git.dontMergeToMain, cmd("gh pr merge 42 --squash")), "may be main")
    passes(Git.dontMergeToMain, cmd("gh pr create --base develop --title x"))
    passes(Git.dontMergeToMain, cmd("gh pr view 42"))
  })
})

describe("dont_force_push finds force in any spelling", () => {
  it("blocks force options, abbreviations, + refspecs, mirror and force set by configuration", () => {
    for (const command of [
      "git push --forc origin agent/x", "git push --force-w origin agent/x", "git push -uf origin agent/x", "git push origin -- +agent/x",
      "git push origin agent/x -f", "git push origin agent/x --force-if-includes", "git push --mirror", "git send-pack --force ../r agent/x",
      "git http-push --force https://x.example/r.git agent/x", "git -c remote.origin.push=+refs/heads/*:refs/heads/* push origin",
      "git config remote.origin.mirror true && git push", "git -c alias.fp='push -f' fp origin agent/x",
      "git config alias.fp 'push --force' && git fp origin agent/x"
    ]) blocks(Git.dontForcePush, cmd(command))
  })

  it("blocks a push whose options are not known until it runs", () => {
    for (const command of ["git push $OPTS origin agent/x", "git push -$F origin agent/x"]) {
      assert.include(blocks(Git.dontForcePush, cmd(command)), "cannot be ruled out", command)
    }
  })

  it("passes ordinary pushes and -f outside git push", () => {
    for (const command of ["git push origin agent/x", "git push --no-force-with-lease origin agent/x", "rm -f x && grep -f p.txt y", "git push --follow-tags origin agent/x"]) {
      passes(Git.dontForcePush, cmd(command))
    }
  })
})

describe("makeDontPushToMain / makeDontForcePush with allow", () => {
  it("permit the configured command and record it", () => {
    const policy = Git.makeDontForcePush({ allow: [{ prefix: "git push --force-with-lease" }] })
    const v = verdict(policy, cmd("git push --force-with-lease origin agent/x"))
    assert.isTrue(v.passed)
    assert.match(v.reason, /^allowed by configuration/)
    assert.isFalse(verdict(policy, cmd("git push --force origin agent/x")).passed)
  })
})

describe("require_meaningful_commit_message reads commit messages in the command", () => {
  it("blocks empty, lazy, and unknown messages, and --allow-empty-message", () => {
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [cmd("git commit -m \"\""), "empty"], [cmd("git commit --allow-empty-message -m ''"), "--allow-empty-message"],
      [cmd("git commit -m wip"), "too short"], [cmd("git commit -am 'fix'"), "too short"], [cmd("git commit -m 'fix fix fix fix'"), "not meaningful"],
      [cmd("git commit -m \"$MSG\""), "built at run time"], [{ commit_message: null }, "empty"], [{ commit_message: "" }, "empty"]
    ]
    for (const [payload, reason] of cases) assert.include(blocks(Git.requireMeaningfulCommitMessage, payload), reason, JSON.stringify(payload))
  })

  it("passes meaningful messages, heredoc messages, and commits that give no message", () => {
    for (const payload of [
      cmd("git commit -m 'Fix login redirect loop after session expiry'"),
      cmd("git commit -m \"$(cat <<'EOF'\nAdd retry with backoff to the webhook sender\nEOF\n)\""),
      cmd("git commit -m 'Add retries' -m 'Retries 5xx responses up to three times.'"),
      cmd("git commit --amend --no-edit"), cmd("git status"), {}
    ]) passes(Git.requireMeaningfulCommitMessage, payload)
  })
})
