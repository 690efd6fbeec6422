/**
 * The README's examples run as written: every ```ts block is extracted, saved next to the README (so
 * `./mod.ts` resolves as it reads) and run under Node 22 and under Deno, and the quickstart runs as
 * `npm run quickstart` does. This file runs in the Node pass of the suite only: it exercises both runtimes.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

declare const Deno: unknown
const root = fileURLToPath(new URL("../..", import.meta.url))
const bin = (name: string) => join(root, "node_modules", ".bin", name)

/** The ```ts blocks of the README, in order. */
const blocks = (): ReadonlyArray<string> => {
  const text = readFileSync(join(root, "README.md"), "utf8")
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)
}

/** Expected lines a block prints, from its `// PASS`-style comments after console.log calls. */
const expectedOutput = (code: string): ReadonlyArray<string> =>
  [...code.matchAll(/console\.log\([^\n]*\)\s*\/\/\s*(.+)$/gm)].map((m) => m[1]!.split(":")[0]!.trim())

/** Runs in the repository, without any ENACT_SECRET of the caller's (the examples bring their own). */
const run = (command: string, args: ReadonlyArray<string>) => {
  const { ENACT_SECRET: _secret, ...env } = process.env
  return spawnSync(command, args, { cwd: root, encoding: "utf8", timeout: 120_000, env })
}

describe.skipIf(typeof Deno !== "undefined")("the README", () => {
  it("has examples, and each runs as written under Node 22 and Deno, printing what its comments say", { timeout: 300_000 }, () => {
    const all = blocks()
    assert.isAtLeast(all.length, 5, "the README shows its examples")
    for (const [i, code] of all.entries()) {
      const file = join(root, `.readme-example-${i}.ts`)
      writeFileSync(file, code)
      try {
        for (const [runtime, command, args] of [
          ["node", bin("node"), [file]],
          ["deno", bin("deno"), ["run", "-A", file]]
        ] as const) {
          const r = run(command, args)
          assert.strictEqual(r.status, 0, `README example ${i + 1} under ${runtime} failed:\n${code}\n${r.stdout}\n${r.stderr}`)
          const lines = r.stdout.trim().split("\n").map((l) => l.trim())
          for (const want of expectedOutput(code)) {
            assert.isTrue(lines.some((l) => l.startsWith(want)), `example ${i + 1} (${runtime}) should print "${want}"; printed:\n${r.stdout}`)
          }
        }
      } finally {
        rmSync(file, { force: true })
      }
    }
  })

  it("runs the quickstart: BLOCK, PASS, ROLLED_BACK, and a tampered copy fails verification", { timeout: 120_000 }, () => {
    const r = run(bin("node"), [join(root, "examples", "quickstart.ts")])
    assert.strictEqual(r.status, 0, r.stderr)
    assert.match(r.stdout, /1\. run\s+BLOCK/)
    assert.match(r.stdout, /2\. run\s+PASS/)
    assert.match(r.stdout, /3\. undo\s+ROLLED_BACK/)
    assert.include(r.stdout, "receipt of run 2 verifies: true; tampered copy verifies: false")
  })
})
