/**
 * The entry point bundled by `tests/packaging/browser.test.ts`: the portable `mod.ts` and `effect`, running
 * the package scenario and publishing what it observed (`globalThis.__enactResult`, and on stdout where
 * there is a console but no document, as in Deno).
 * @module
 */
import { Effect, Schema } from "effect"
import * as Enact from "../../../mod.ts"
import { runScenario } from "./scenario.ts"

const done = (value: unknown) => {
  ;(globalThis as { __enactResult?: unknown }).__enactResult = value
  if (typeof (globalThis as { document?: unknown }).document === "undefined") console.log(JSON.stringify(value))
}

runScenario({ ...Enact, Effect, Schema }).then(
  (observed) => done({ observed }),
  (e: unknown) => done({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) })
)
