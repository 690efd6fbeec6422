/**
 * The `Dns` layer on `node:dns` (Node, and Deno's Node compatibility): resolves the way `fetch` would —
 * the system resolver, `/etc/hosts` included — and returns every address, so `block_ssrf` judges each
 * one. Kept in a file of its own so the portable policies never import `node:`.
 *
 * @example
 * ```ts
 * import { EnactClient } from "../mod.ts"
 * import * as DnsNode from "./dnsNode.ts"
 * import * as Url from "./url.ts"
 * // block_ssrf now resolves every name through node:dns (signing with ENACT_SECRET)
 * const enact = new EnactClient({ policies: [Url.blockSsrf], services: DnsNode.layer })
 * ```
 * @module
 */
import { Effect, type Layer } from "effect"
import { lookup } from "node:dns/promises"
import * as Dns from "./dns.ts"

const NOT_FOUND = new Set(["ENOTFOUND", "ENODATA", "EAI_NONAME", "EAI_NODATA"])

/** How long one name may take to resolve before the policy blocks on it. */
export const TIMEOUT = "5 seconds"

/** Resolves with `dns.lookup(host, { all: true })`; fails with `DnsError` (not found, timeout, other). */
export const resolver: Dns.Resolver = {
  resolve: (host) =>
    Effect.tryPromise({
      try: () => lookup(host, { all: true, verbatim: true }),
      catch: (e) => {
        const code = typeof e === "object" && e !== null ? String((e as { code?: unknown }).code ?? "") : ""
        return new Dns.DnsError({
          host,
          reason: NOT_FOUND.has(code) ? "NotFound" : "Failed",
          message: `${host} could not be resolved${code === "" ? "" : ` (${code})`}`
        })
      }
    }).pipe(
      Effect.map((answers) => answers.map((a) => a.address)),
      Effect.timeoutOrElse({
        duration: TIMEOUT,
        orElse: () => Effect.fail(new Dns.DnsError({ host, reason: "Timeout", message: `${host} did not resolve within ${TIMEOUT}` }))
      })
    )
}

/** The node:dns service. */
export const service: Dns.DnsService = { name: "node:dns", resolver }

/** Provides the node:dns resolver to the URL policies. */
export const layer: Layer.Layer<never> = Dns.layer(resolver, "node:dns")
