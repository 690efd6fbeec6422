/**
 * The cryptography Enact runs on: Effect's `Mac` (HMAC-SHA256), `Signature` (Ed25519) and `Digest`
 * (SHA-256) services from `effect/crypto`. `layerWebCrypto` is the portable default (Node, Deno,
 * browsers, edge functions); `node.ts` offers the same services on `node:crypto` for native speed.
 * Whichever layer is provided, receipts and signatures are byte-identical.
 *
 * @example
 * ```ts
 * import { Effect, Layer } from "effect"
 * import { Crypto, Signer } from "../mod.ts"
 * const SignerLive = Signer.layerHmac({ secret: "a-secret-of-at-least-32-characters!!" }).pipe(
 *   Layer.provide(Crypto.layerWebCrypto)
 * )
 * ```
 * @module
 */
import { Layer } from "effect"
import * as Digest from "effect/crypto/Digest"
import * as Mac from "effect/crypto/Mac"
import * as SecureRandom from "effect/crypto/SecureRandom"
import * as Signature from "effect/crypto/Signature"

/** Every crypto service Enact uses. */
export type Services = Mac.Mac | Signature.Signature | Digest.Digest

/** The portable crypto layer: WebCrypto for HMAC, Ed25519 and SHA-256. */
export const layerWebCrypto: Layer.Layer<Services> = Layer.mergeAll(
  Mac.layerWebCrypto,
  Signature.layerWebCrypto,
  Digest.layerWebCrypto
).pipe(Layer.provide(SecureRandom.layerWebCrypto))
