import { defineConfig } from "vitest/config"

declare const Deno: unknown
const runtime = typeof Deno !== "undefined" ? "deno" : "node"
// .ci/run sets ENACT_TEST_REPORT to collect a JSON summary per runtime.
const report = process.env.ENACT_TEST_REPORT

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: report ? ["default", ["json", { outputFile: `${report}-${runtime}.json` }]] : ["default"]
  }
})
