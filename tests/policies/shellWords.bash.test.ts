/**
 * The shell model's words against real bash: random words built from quoting, escapes, `$'…'` strings
 * and brace expansion must give exactly the argv bash gives (`set -f`, so globs stay words, as in the
 * model). One bash process checks every generated case. Skipped where bash is not installed.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { spawnSync } from "node:child_process"
import { parse } from "../../policies/shell/parse.ts"

const hasBash = (() => {
  try {
    return spawnSync("bash", ["-c", "exit 0"]).status === 0
  } catch {
    return false
  }
})()

const FRAGMENTS = [
  "a", "b", "1", "-", "=", ".", "/", ":", "@", "%", "+", "'x y'", "\"p q\"", "''", "\"\"", "\\ ", "\\'", "\\\"", "\\\\", "\\a", "$'\\x41'", "$'\\t'",
  "$'a\\'b'", "$'\\101'", "$'\\u00e9'", "$'\\n'", "{c,d}", "{1..3}", "{e,{f,g}}", "\"{h,i}\"", "\\{j,k}", "'{l,m}'", ",", "{", "}", "{n}", "{o,}", "*", "?",
  "[ab]", "\"$\"", "#", "x#y", "$'\\e'", "$'\\cA'", "{a..c}", "{3..1}", "{01..03}", "{x,y}{1,2}"
]

const word = fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 5 }).map((xs) => xs.join(""))
const line = fc.array(word, { minLength: 1, maxLength: 3 }).map((ws) => ws.filter((w) => !w.startsWith("#")).join(" ")).filter((l) => l.trim() !== "")

describe.skipIf(!hasBash)("words agree with bash", () => {
  it("quoting, escapes, $'…' and brace expansion give bash's argv", () => {
    const cases = fc.sample(line, 400)
    const script = ["set -f", ...cases.map((c) => `printf '%s\\0' ${c}; printf '\\036'`)].join("\n")
    const run = spawnSync("bash", ["--norc", "--noprofile", "-c", script], { encoding: "latin1", env: { LC_ALL: "C.UTF-8" } })
    assert.strictEqual(run.status, 0, run.stderr)
    const outputs = run.stdout.split("\u001e").slice(0, cases.length)
    assert.strictEqual(outputs.length, cases.length)
    cases.forEach((c, i) => {
      const expected = outputs[i]!.split("\u0000").slice(0, -1).map((w) => Buffer.from(w, "latin1").toString("utf8"))
      const script = parse(`printf %s ${c}`)
      assert.isUndefined(script.problem, c)
      assert.deepStrictEqual(script.commands[0]!.argv.slice(2), expected, `words of ${JSON.stringify(c)}`)
    })
  })
})
