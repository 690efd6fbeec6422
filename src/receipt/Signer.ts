/**
 * Receipt signers, on Effect's crypto services (`Mac`, `Signature`, `Digest`), so the same code signs in
 * Node, Deno and edge runtimes and runs at native speed where a native crypto layer is provided.
 * - `layerHmac`: HMAC-SHA256 with a shared secret (option or `ENACT_SECRET`, at least 32 characters, no
 *   default; `allowInsecureSecret: true` is the explicit escape for local development).
 * - `layerEd25519`: Ed25519 with a private key; `layerEd25519Verifier` verifies with the public key alone.
 *
 * @example
 * ```ts
 * import { Layer } from "effect"
 * import { Crypto, Signer } from "../../mod.ts"
 * const SignerLive = Signer.layerHmac({ secret: "a-secret-of-at-least-32-characters!!" }).pipe(
 *   Layer.provide(Crypto.layerWebCrypto)
 * )
 * ```
 * @module
 */
import { Config, Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import type { Cause } from "effect"
import * as Digest from "effect/crypto/Digest"
import * as Mac from "effect/crypto/Mac"
import * as Signature from "effect/crypto/Signature"

export type Algorithm = "hmac-sha256" | "ed25519"

/** Why a signer could not be built or used. */
const signerErrorFields: {
  readonly reason: Schema.Literals<readonly ["MissingSecret", "WeakSecret", "InvalidKey", "CannotSign", "Crypto"]>
  readonly message: typeof Schema.String
} = {
  reason: Schema.Literals(["MissingSecret", "WeakSecret", "InvalidKey", "CannotSign", "Crypto"] as const),
  message: Schema.String
}
const SignerErrorBase: Schema.Class<SignerError, Schema.TaggedStruct<"SignerError", typeof signerErrorFields>, Cause.YieldableError> =
  Schema.TaggedError<SignerError>()("SignerError", signerErrorFields)
export class SignerError extends SignerErrorBase {}

export interface SignerService {
  readonly algorithm: Algorithm
  /** Identifies the key in receipts (never derived reversibly from the secret). */
  readonly keyId: string
  /** Signs bytes. Fails with `CannotSign` on a verify-only signer. */
  readonly sign: (message: Uint8Array) => Effect.Effect<Uint8Array, SignerError>
  /** Verifies a signature in constant time. Never fails: anything wrong is `false`. */
  readonly verify: (message: Uint8Array, signature: Uint8Array) => Effect.Effect<boolean>
}

const SignerBase: Context.ServiceClass<Signer, "enact/Signer", SignerService> = Context.Service<Signer, SignerService>()("enact/Signer")
/** The signer service. */
export class Signer extends SignerBase {}

/** Minimum HMAC secret length. */
export const MIN_SECRET_LENGTH = 32

export interface HmacOptions {
  /** The secret; when absent, `ENACT_SECRET` is read from the environment. */
  readonly secret?: string | Redacted.Redacted<string> | undefined
  /** Allow a secret shorter than 32 characters. For local development only. */
  readonly allowInsecureSecret?: boolean | undefined
  /** Key id written into receipts; defaults to an HMAC-derived fingerprint of the secret. */
  readonly keyId?: string | undefined
}

const utf8 = new TextEncoder()
const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")

const cryptoFailure = (what: string) => (cause: { readonly message: string }) =>
  new SignerError({ reason: "Crypto", message: `${what}: ${cause.message}` })

const neverFails = (effect: Effect.Effect<boolean, unknown>): Effect.Effect<boolean> =>
  Effect.catchCause(effect, () => Effect.succeed(false))

/** The secret, from the option or `ENACT_SECRET`, checked against the rules (without building a key). */
export const secretOf: (options: HmacOptions) => Effect.Effect<string, SignerError> = Effect.fnUntraced(function*(options: HmacOptions) {
  let secret: string | undefined
  if (options.secret !== undefined) {
    secret = Redacted.isRedacted(options.secret) ? Redacted.value(options.secret) : options.secret
  } else {
    const fromEnv = yield* Config.option(Config.Redacted("ENACT_SECRET")).pipe(
      Effect.mapError(() => new SignerError({ reason: "MissingSecret", message: "ENACT_SECRET could not be read" }))
    )
    secret = Option.isSome(fromEnv) ? Redacted.value(fromEnv.value) : undefined
  }
  if (secret === undefined || secret.length === 0) {
    return yield* new SignerError({
      reason: "MissingSecret",
      message: "No signing secret: pass `secret` or set ENACT_SECRET (at least 32 characters)"
    })
  }
  if (secret.length < MIN_SECRET_LENGTH && options.allowInsecureSecret !== true) {
    return yield* new SignerError({
      reason: "WeakSecret",
      message: `Signing secret is ${secret.length} characters; at least ${MIN_SECRET_LENGTH} are required ` +
        "(allowInsecureSecret: true for local development only)"
    })
  }
  return secret
})

/** Builds an HMAC-SHA256 signer from a secret, enforcing the secret rules. The key is built once. */
export const makeHmac: (options?: HmacOptions) => Effect.Effect<SignerService, SignerError, Mac.Mac> = Effect.fnUntraced(
  function*(options: HmacOptions = {}) {
    const mac = yield* Mac.Mac
    const secret = yield* secretOf(options)
    const key = yield* Mac.key(Mac.hmacSha256, utf8.encode(secret)).pipe(Effect.mapError(cryptoFailure("Cannot import HMAC key")))
    const keyId = options.keyId ??
      `hmac:${hex((yield* mac.sign(key, utf8.encode("enact/key-id/v1")).pipe(Effect.mapError(cryptoFailure("Cannot derive key id")))).subarray(0, 8))}`
    return Signer.of({
      algorithm: "hmac-sha256",
      keyId,
      sign: (message) => Effect.mapError(mac.sign(key, message), cryptoFailure("Signing failed")),
      verify: (message, signature) => neverFails(mac.verify(key, signature, message))
    })
  }
)

/** HMAC-SHA256 signer layer. Fails with `MissingSecret` or `WeakSecret`. */
export const layerHmac = (options: HmacOptions = {}): Layer.Layer<Signer, SignerError, Mac.Mac> =>
  Layer.effect(Signer, makeHmac(options))

/** An Ed25519 key pair as portable bytes: the 32-byte private seed and the raw 32-byte public key. */
export interface Ed25519KeyPair {
  readonly privateKey: Uint8Array
  readonly publicKey: Uint8Array
}

/** PKCS#8 wrapping of an Ed25519 seed (RFC 8410): these 16 bytes, then the 32-byte seed. */
const PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]

/** The 32-byte seed of a private key given raw or as PKCS#8. */
const seedOf = (key: Uint8Array): Uint8Array | undefined => {
  if (key.length === 32) return key
  if (key.length === 48 && PKCS8_PREFIX.every((b, i) => key[i] === b)) return key.subarray(16)
  return undefined
}

/** Generates an Ed25519 key pair. */
export const generateEd25519: () => Effect.Effect<Ed25519KeyPair, SignerError, Signature.Signature> = Effect.fnUntraced(
  function*() {
    const signature = yield* Signature.Signature
    const pair = yield* signature.generateKeyPair(Signature.ed25519).pipe(Effect.mapError(cryptoFailure("Cannot generate an Ed25519 key")))
    const privateKey = yield* Signature.toBytes(pair.privateKey).pipe(Effect.mapError(cryptoFailure("Cannot export the private key")))
    const publicKey = yield* Signature.toBytes(pair.publicKey).pipe(Effect.mapError(cryptoFailure("Cannot export the public key")))
    return { privateKey: seedOf(privateKey) ?? privateKey, publicKey }
  }
)

const ed25519KeyId = (publicKey: Uint8Array): Effect.Effect<string, never, Digest.Digest> =>
  Effect.flatMap(Effect.service(Digest.Digest), (digest) =>
    Effect.map(digest.digestHex(Digest.sha256, publicKey), (h) => `ed25519:${h.slice(0, 16)}`))

const importPublic = (publicKey: Uint8Array) =>
  Signature.publicKey(Signature.ed25519, publicKey).pipe(
    Effect.mapError(() => new SignerError({ reason: "InvalidKey", message: "Cannot import Ed25519 public key (expected 32 raw bytes)" }))
  )

/** Builds an Ed25519 signer from a key pair (32-byte seed or PKCS#8 private key, raw public key). */
export const makeEd25519: (keys: Ed25519KeyPair) => Effect.Effect<SignerService, SignerError, Signature.Signature | Digest.Digest> =
  Effect.fnUntraced(function*(keys: Ed25519KeyPair) {
    const signature = yield* Signature.Signature
    const seed = seedOf(keys.privateKey)
    const invalid = new SignerError({ reason: "InvalidKey", message: "Cannot import Ed25519 private key (expected a 32-byte seed or PKCS#8)" })
    if (seed === undefined) return yield* invalid
    const privateKey = yield* Signature.privateKey(Signature.ed25519, seed).pipe(Effect.mapError(() => invalid))
    const publicKey = yield* importPublic(keys.publicKey)
    const derived = yield* signature.publicKeyOf(privateKey).pipe(Effect.flatMap(Signature.toBytes), Effect.mapError(() => invalid))
    if (derived.length !== keys.publicKey.length || derived.some((b, i) => b !== keys.publicKey[i])) {
      return yield* new SignerError({ reason: "InvalidKey", message: "The Ed25519 public key does not belong to the private key" })
    }
    return Signer.of({
      algorithm: "ed25519",
      keyId: yield* ed25519KeyId(keys.publicKey),
      sign: (message) => Effect.mapError(signature.sign(privateKey, message), cryptoFailure("Signing failed")),
      verify: (message, sig) => neverFails(signature.verify(publicKey, sig, message))
    })
  })

/** Ed25519 signer layer. */
export const layerEd25519 = (keys: Ed25519KeyPair): Layer.Layer<Signer, SignerError, Signature.Signature | Digest.Digest> =>
  Layer.effect(Signer, makeEd25519(keys))

/** Builds a verify-only Ed25519 signer from the raw public key: auditors need no secret. */
export const makeEd25519Verifier: (publicKey: Uint8Array) => Effect.Effect<SignerService, SignerError, Signature.Signature | Digest.Digest> =
  Effect.fnUntraced(function*(publicKey: Uint8Array) {
    const signature = yield* Signature.Signature
    const key = yield* importPublic(publicKey)
    return Signer.of({
      algorithm: "ed25519",
      keyId: yield* ed25519KeyId(publicKey),
      sign: () => Effect.fail(new SignerError({ reason: "CannotSign", message: "This Ed25519 signer only verifies" })),
      verify: (message, sig) => neverFails(signature.verify(key, sig, message))
    })
  })

/** Verify-only Ed25519 layer. */
export const layerEd25519Verifier = (publicKey: Uint8Array): Layer.Layer<Signer, SignerError, Signature.Signature | Digest.Digest> =>
  Layer.effect(Signer, makeEd25519Verifier(publicKey))
