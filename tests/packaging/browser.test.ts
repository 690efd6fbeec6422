/**
 * The portable core runs where only Web APIs exist: an esbuild bundle of `mod.ts` (plain `--bundle
 * --platform=browser --format=esm`, no special flags) runs the package scenario in headless Chromium
 * (Debian's `chromium`, driven by `playwright-core`; `.ci/run` installs both) and in Deno with no
 * permissions at all. This file runs in the Node pass of the suite only: it exercises Deno itself.
 */
import { assert, describe, it } from "@effect/vitest"
import { build } from "esbuild"
import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"
import { expected } from "./support/scenario.ts"

declare const Deno: unknown
const root = fileURLToPath(new URL("../..", import.meta.url))
const CHROMIUM = process.env.ENACT_CHROMIUM ?? "/usr/bin/chromium"

const bundle = async (): Promise<string> => {
  const out = await build({
    entryPoints: [join(root, "tests", "packaging", "support", "bundleEntry.ts")],
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    write: false,
    logLevel: "silent"
  })
  return out.outputFiles[0]!.text
}

describe.skipIf(typeof Deno !== "undefined")("the portable bundle", () => {
  it("runs in headless Chromium", { timeout: 120_000 }, async () => {
    assert.isTrue(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium, as .ci/run does; or set ENACT_CHROMIUM)`)
    const code = await bundle()
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
    })
    try {
      const page = await browser.newPage()
      // A secure origin (WebCrypto needs one), served from memory.
      await page.route("https://enact.test/**", (route) =>
        new URL(route.request().url()).pathname === "/bundle.js"
          ? route.fulfill({ contentType: "text/javascript", body: code })
          : route.fulfill({ contentType: "text/html", body: "<!doctype html><script type=module src=/bundle.js></script>" }))
      await page.goto("https://enact.test/")
      const handle = await page.waitForFunction(() => (globalThis as { __enactResult?: unknown }).__enactResult, null, { timeout: 60_000 })
      assert.deepStrictEqual(await handle.jsonValue(), { observed: expected })
    } finally {
      await browser.close()
    }
  })

  it("runs in Deno with no permissions", { timeout: 120_000 }, async () => {
    const code = await bundle()
    const dir = mkdtempSync(join(tmpdir(), "enact-bundle-"))
    try {
      const file = join(dir, "bundle.mjs")
      writeFileSync(file, code)
      const r = spawnSync(join(root, "node_modules", ".bin", "deno"), ["run", "--no-prompt", "--no-config", file], { encoding: "utf8", timeout: 60_000 })
      assert.strictEqual(r.status, 0, r.stderr)
      assert.deepStrictEqual(JSON.parse(r.stdout.trim().split("\n").at(-1)!), { observed: expected })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
