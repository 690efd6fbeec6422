/**
 * The npm package people install: `npm pack` builds the tarball (compiled JS and .d.ts behind an
 * `exports` map), a fresh project installs it from the tarball, imports `enact`, `enact/node`,
 * `enact/testing` and `enact/connectors/filesystem`, type-checks against the shipped .d.ts, and runs the
 * package scenario under Node 22 and under Deno. This file runs in the Node pass of the suite only: it
 * exercises both runtimes itself.
 */
import { assert, describe, it } from "@effect/vitest"
import { spawnSync } from "node:child_process"
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { expected } from "./support/scenario.ts"

declare const Deno: unknown
const root = fileURLToPath(new URL("../..", import.meta.url))
const bin = (name: string) => join(root, "node_modules", ".bin", name)

const run = (command: string, args: ReadonlyArray<string>, cwd: string, env: Record<string, string> = {}) => {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, timeout: 240_000 })
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

const consumer = `import * as Enact from "enact"
import * as Node from "enact/node"
import * as Testing from "enact/testing"
import * as FileSystem from "enact/connectors/filesystem"
import { Effect, Schema } from "effect"
import { runScenario } from "./scenario.ts"

const observed = await runScenario({ ...Enact, Effect, Schema })
const entryPoints = {
  node: typeof Node.EnactClient === "function" && typeof Node.layerCrypto === "object",
  testing: typeof Testing === "object",
  filesystem: typeof FileSystem.make === "function" && typeof FileSystem.writeFile === "function"
}
console.log(JSON.stringify({ observed, entryPoints }))
`

describe.skipIf(typeof Deno !== "undefined")("the npm tarball", () => {
  it("installs into a fresh project and works from Node 22 and from Deno, with types", { timeout: 300_000 }, () => {
    const work = mkdtempSync(join(tmpdir(), "enact-npm-"))
    try {
      run("npm", ["pack", "--pack-destination", work, "--silent"], root)
      const tarball = readdirSync(work).find((n) => n.endsWith(".tgz"))
      assert.isDefined(tarball, "npm pack wrote a tarball")
      const project = join(work, "consumer")
      mkdirSync(project)
      writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }))
      run("npm", ["install", join(work, tarball!), "effect@4.1.0", "@effect/platform-node@4.1.0", "--prefer-offline", "--no-audit", "--no-fund", "--silent"], project)
      copyFileSync(join(root, "tests", "packaging", "support", "scenario.ts"), join(project, "scenario.ts"))
      writeFileSync(join(project, "main.ts"), consumer)
      for (const [runtime, out] of [
        ["node", run(bin("node"), ["main.ts"], project)],
        ["deno", run(bin("deno"), ["run", "-A", "main.ts"], project)]
      ] as const) {
        const result = JSON.parse(out.trim().split("\n").at(-1)!) as { observed: unknown; entryPoints: Record<string, boolean> }
        assert.deepStrictEqual(result.observed, expected, runtime)
        assert.deepStrictEqual(result.entryPoints, { node: true, testing: true, filesystem: true }, runtime)
      }
      // The shipped declarations type-check a consumer.
      writeFileSync(join(project, "tsconfig.json"), JSON.stringify({
        compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, noEmit: true, skipLibCheck: true, allowImportingTsExtensions: true, types: [] },
        files: ["typed.ts"]
      }))
      writeFileSync(join(project, "typed.ts"), `import { EnactClient, Policy } from "enact"
import { layerCrypto } from "enact/node"
const client: EnactClient = new EnactClient({ secret: "x".repeat(32), policies: [Policy.make("p", () => Policy.pass("ok"))] })
void client
void layerCrypto
`)
      run(bin("tsc"), ["-p", "tsconfig.json"], project)
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})
