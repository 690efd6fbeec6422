/** Everyday URLs an agent fetches: documentation, package registries, APIs, issue trackers. */
import type { Case } from "./hostile.ts"

const url = (u: string, note: string): Case => ({ category: "url", payload: { url: u }, note })

export const BENIGN_WEB: ReadonlyArray<Case> = [
  url("https://developer.mozilla.org/en-US/docs/Web/API/URL", "MDN"),
  url("https://github.com/effect-ts/effect/issues?q=is%3Aopen+label%3Abug", "GitHub issue search with an encoded query"),
  url("https://raw.githubusercontent.com/owner/repo/main/README.md", "raw file on GitHub"),
  url("https://registry.npmjs.org/effect", "npm registry"),
  url("https://www.npmjs.org/package/vitest", "npm website"),
  url("https://example.com/docs/v2/getting-started#install", "docs with a fragment"),
  url("https://api.example.com/v1/orders?page=2&per_page=50", "API pagination"),
  url("https://example.com/search?q=localhost+config", "the word localhost in a query"),
  url("https://example.com/blog/127-ways-to-cook", "digits in a path"),
  url("https://docs.example.com/guides/ip-10-tips", "ip-10 in a path"),
  url("https://github.com/nip-io/docs", "nip in a path"),
  url("https://example.com:8443/status", "a non-default port"),
  url("https://ec2-54-12-3-4.compute-1.amazonaws.com.example.com/", "a name embedding a public address"),
  url("https://v1-2-3.release.example.com/notes", "version numbers in a label"),
  url("https://example.com/reset?token=expired", "the word token in a query with a harmless value")
]
