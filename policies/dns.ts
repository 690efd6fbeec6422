/**
 * DNS for the URL policies: `Dns` is the service `block_ssrf` asks for every address a host resolves to,
 * so a name that points at loopback, the private network or a metadata service is judged by where it
 * leads, not by how it is spelt. It is a `Context.Reference`, so policies can use it without a
 * requirement in their type; its default is the literal layer. Layers:
 *
 * - `layerLiteral` (the default): no resolver. Names are judged as written, against the built-in list of
 *   loopback wildcard domains, IP-echo and rebinding services, private-use suffixes and embedded private
 *   addresses; other names pass. Use it where no resolver is available (edge runtimes), or provide
 *   `layer(resolver)` with your own (DNS over HTTPS, say).
 * - `layerMemory(records)`: a fixed map of names to addresses, for tests and pinned environments; a name
 *   not in the map does not resolve (`NotFound`), as a real resolver would answer.
 * - `DnsNode.layer` (`policies/dnsNode.ts`, a file the portable code never imports): `node:dns` for Node
 *   and Deno, answering what the system resolver (and `/etc/hosts`) would give `fetch`.
 *
 * A resolver error blocks. Resolving at policy time cannot stop DNS rebinding between the check and the
 * request (a name may answer differently a second later): pin the checked address in the fetcher when
 * that matters.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as Dns from "./dns.ts"
 * const program = Effect.gen(function*() {
 *   const dns = yield* Dns.Dns
 *   return dns.resolver === undefined ? [] : yield* dns.resolver.resolve("intranet.example")
 * }).pipe(Effect.provide(Dns.layerMemory({ "intranet.example": ["10.0.0.5"] }))) // succeeds with ["10.0.0.5"]
 * ```
 * @module
 */
import { Context, Effect, Layer, Schema } from "effect"
import type { Cause } from "effect"
import * as Policy from "../src/Policy.ts"

const dnsErrorFields: {
  readonly host: typeof Schema.String
  readonly reason: Schema.Literals<readonly ["NotFound", "Timeout", "Failed"]>
  readonly message: typeof Schema.String
} = { host: Schema.String, reason: Schema.Literals(["NotFound", "Timeout", "Failed"] as const), message: Schema.String }
const DnsErrorBase: Schema.Class<DnsError, Schema.TaggedStruct<"DnsError", typeof dnsErrorFields>, Cause.YieldableError> =
  Schema.TaggedError<DnsError>()("DnsError", dnsErrorFields)
/** Why a name could not be resolved. */
export class DnsError extends DnsErrorBase {}

/** Resolves a host name to every address it has (A and AAAA), as text. */
export interface Resolver {
  readonly resolve: (host: string) => Effect.Effect<ReadonlyArray<string>, DnsError>
}

/** The DNS service: a named resolver, or none (names are judged as written). */
export interface DnsService {
  /** For reasons: "literal", "memory", "node:dns"… */
  readonly name: string
  readonly resolver: Resolver | undefined
}

/** No resolver: names are judged as written (the default). */
export const literal: DnsService = { name: "literal", resolver: undefined }

/** The DNS service key; without a layer it is `literal`. */
export const Dns: Context.Reference<DnsService> = Context.Reference<DnsService>("enact/policies/Dns", {
  defaultValue: () => literal
})
// Read-only: policies may resolve names through whatever resolver the application provides.
Policy.shareService(Dns)

/** Provides a resolver: `Effect.provide(program, Dns.layer(myDohResolver, "doh"))`. */
export const layer = (resolver: Resolver, name = "custom"): Layer.Layer<never> => Layer.succeed(Dns, { name, resolver })

/** Provides "no resolver" explicitly (the same as providing nothing). */
export const layerLiteral: Layer.Layer<never> = Layer.succeed(Dns, literal)

const key = (host: string): string => host.toLowerCase().replace(/\.+$/, "")

/** A resolver over a fixed map of names (case-insensitive, trailing dot ignored) to addresses. */
export const memory = (records: Readonly<Record<string, ReadonlyArray<string>>>): DnsService => {
  const map = new Map(Object.entries(records).map(([k, v]) => [key(k), [...v]] as const))
  return {
    name: "memory",
    resolver: {
      resolve: (host) => {
        const found = map.get(key(host))
        return found === undefined
          ? Effect.fail(new DnsError({ host, reason: "NotFound", message: `${host} does not resolve` }))
          : Effect.succeed(found)
      }
    }
  }
}

/** Provides `memory(records)`: `Effect.provide(program, Dns.layerMemory({ "db.example": ["10.1.2.3"] }))`. */
export const layerMemory = (records: Readonly<Record<string, ReadonlyArray<string>>>): Layer.Layer<never> =>
  Layer.succeed(Dns, memory(records))
