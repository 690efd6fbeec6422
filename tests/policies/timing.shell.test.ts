/**
 * Adversarial timing (issue 8, asked for explicitly): the shell guard and the git policies, fed inputs up
 * to 1 MiB built from what makes parsers slow — long runs of `$(`, backticks, quotes, backslashes, braces,
 * `;`, `|`, nesting, globs, heredocs, wrappers. Each evaluation of the whole gate finishes within 50 ms on
 * this machine, or blocks for size. The time is the CPU time of the evaluation (the test runner shares the
 * machine with other test files, whose work must not count), best of three runs; where the runtime has
 * no `process.cpuUsage`, wall time is used.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Git from "../../policies/git.ts"
import * as Shell from "../../policies/shell.ts"
import type { PolicyResult } from "../../src/Model.ts"
import * as Policy from "../../src/Policy.ts"
import { policyContext } from "../support/policies.ts"

const GATE: ReadonlyArray<Policy.Policy> = [
  ...Shell.codingAgentShellGuard({ protectedTables: ["users"] }),
  Git.dontPushToMain,
  Git.dontForcePush,
  Git.requireMeaningfulCommitMessage,
  Git.dontMergeToMain
]
const LIMIT_MS = 50
const SIZES = [1_024, 16_384, 99_000, 1_048_576]

const repeat = (unit: string, size: number): string => unit.repeat(Math.max(1, Math.floor(size / unit.length)))

/** Builders of adversarial text of about `size` characters. */
const SHAPES: ReadonlyArray<readonly [string, (size: number) => string]> = [
  ...["$(", "`", "\"", "'", "\\", "{", "{a,", "{a,b}", "}", ";", "|", "a;", "a|", "&&", "(", ")", "${", "$((", "((", "<<EOF\n", "*", "[", "[!", "]",
    "{1..9}", "$'\\x41", "a=b; ", "$x", "~/", "../", " -", "rm -rf ", "git push origin +", "-c ", "sh -c '", "eval ", "x | ", "$(echo ", "\"$(",
    "case x in ", "if true; then ", "for i in 1; do ", "EOF\n", "#", "\n", "\t", ":", "=", "$'", "<(", ">(", "<<<", "${x:-", "${x[", "\\\n"]
    .map((unit) => [`run of ${JSON.stringify(unit)}`, (n: number) => repeat(unit, n)] as const),
  ["secret glob with stars", (n) => `cat .e${"*".repeat(n)}q`],
  ["unclosed brackets", (n) => `cat ${"[".repeat(n)}`],
  ["many rm targets", (n) => `rm -rf ${repeat("a ", n)}`],
  ["many $'…' words", (n) => `echo ${repeat("$'\\x41' ", n)}`],
  ["many refspecs", (n) => `git push origin ${repeat("a:b ", n)}`],
  ["long awk program", (n) => `awk '${repeat("x||", n)}'`],
  ["long sed script", (n) => `sed '${repeat("s/a/b/;", n)}' f`],
  ["heredoc with a long body", (n) => `cat <<EOF\n${repeat("x\n", n)}EOF`],
  ["heredoc to sh with a long body", (n) => `sh <<EOF\n${repeat("echo $(ls)\n", n)}EOF`],
  ["long array", (n) => `a=(${repeat("x ", n)})`],
  ["many find -exec", (n) => `find . ${repeat("-exec rm {} ; ", n)}`],
  ["many assignments", (n) => `${repeat("X=1 ", n)}ls`],
  ["many wrappers", (n) => `${repeat("sudo ", n)}ls`],
  ["many nice wrappers", (n) => `${repeat("nice -n 1 ", n)}ls`],
  ["nested bash -c", (n) => {
    let s = "ls"
    while (s.length < n) s = `bash -c ${JSON.stringify(s)}`
    return s
  }],
  ["long git -c overrides", (n) => `git ${repeat("-c a.b=c ", n)}status`],
  ["many pipes into sh", (n) => `${repeat("echo x | ", n)}sh`],
  ["long word with brace groups", (n) => `echo ${repeat("{a,b}", Math.min(n, 60))}${"x".repeat(n)}`],
  ["long quoted word", (n) => `echo "${"y".repeat(n)}"`],
  ["long commit message", (n) => `git commit -m '${"word ".repeat(Math.floor(n / 5))}'`]
]

const cpu = typeof process !== "undefined" && typeof process.cpuUsage === "function" ? process.cpuUsage : undefined

/** CPU milliseconds so far (wall milliseconds without `process.cpuUsage`). */
const now = (): number => {
  if (cpu === undefined) return performance.now()
  const u = cpu()
  return (u.user + u.system) / 1000
}

/** Milliseconds for one evaluation of the gate on `command` (the parse memo is reset first). */
const once = (command: string): { readonly ms: number; readonly results: ReadonlyArray<PolicyResult> } => {
  Effect.runSync(Policy.evaluate(GATE, policyContext({ command: "true" })) as Effect.Effect<ReadonlyArray<PolicyResult>>)
  const start = now()
  const results = Effect.runSync(Policy.evaluate(GATE, policyContext({ command, commit_message: command, branch: command })) as Effect.Effect<ReadonlyArray<PolicyResult>>)
  return { ms: now() - start, results }
}

describe("shell and git policies on adversarial input up to 1 MiB", () => {
  for (const [name, build] of SHAPES) {
    it(`${name}: each evaluation within ${LIMIT_MS} ms, or blocked for size`, () => {
      for (const size of SIZES) {
        const command = build(size)
        let best = Number.POSITIVE_INFINITY
        let results: ReadonlyArray<PolicyResult> = []
        for (let run = 0; run < 3; run++) {
          const r = once(command)
          if (r.ms < best) best = r.ms
          results = r.results
        }
        const blockedForSize = !Policy.allPassed(results) && results.some((r) => /too long/.test(r.reason))
        assert.isTrue(
          best <= LIMIT_MS || blockedForSize,
          `${name} at ${command.length} characters took ${best.toFixed(1)} ms (best of 3) and was not blocked for size`
        )
        if (command.length > 100_000) assert.isTrue(blockedForSize, `${name} at ${command.length} characters must block for size`)
      }
    })
  }
})
