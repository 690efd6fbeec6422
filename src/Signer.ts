/**
 * Receipt signers, on WebCrypto so the same code signs in Node, Deno and edge runtimes.
 * - `layerHmac`: HMAC-SHA256 with a shared secret (option or `ENACT_SECRET`, at least 32 characters, no
 *   default; `allowInsecureSecret: true` is the explicit escape for local development).
 * - `layerEd25519`: Ed25519 with a private key; `layerEd25519Verifier` verifies with the public key alone.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { Signer } from "./mod.ts"
 * const SignerLive = Signer.layerHmac({ secret: "a-secret-of-at-least-32-characters!!" })
 * ```
 * @module
 */
import { Config, Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { sha256 } from "@noble/hashes/sha2.js"
import { bytesToHex } from "@noble/hashes/utils.js"

export type Algorithm = "hmac-sha256" | "ed25519"

/** Why a signer could not be built or used. */
export class SignerError extends Schema.TaggedError<SignerError>()("SignerError", {
  reason: Schema.Literals(["MissingSecret", "WeakSecret", "InvalidKey", "CannotSign", "Crypto"]),
  message: Schema.String
}) {}

export interface SignerService {
  readonly algorithm: Algorithm
  /** Identifies the key in receipts (never derived reversibly from the secret). */
  readonly keyId: string
  /** Signs bytes. Fails with `CannotSign` on a verify-only signer. */
  readonly sign: (message: Uint8Array) => Promise<Uint8Array>
  /** Verifies a signature in constant time (WebCrypto's verify). Never throws. */
  readonly verify: (message: Uint8Array, signature: Uint8Array) => Promise<boolean>
}

export class Signer extends Context.Service<Signer, SignerService>()("enact/Signer") {}

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
const toBuffer = (u: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(u)

const crypto = (what: string) => (cause: unknown) =>
  new SignerError({ reason: "Crypto", message: `${what}: ${cause instanceof Error ? cause.message : String(cause)}` })

const safeVerify = (f: () => Promise<boolean>): Promise<boolean> => f().catch(() => false)

/** Builds an HMAC-SHA256 signer from a secret, enforcing the secret rules. */
export const makeHmac = Effect.fnUntraced(function*(options: HmacOptions = {}) {
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
  const raw = utf8.encode(secret)
  const key = yield* Effect.tryPromise({
    try: () =>
      globalThis.crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
    catch: crypto("Cannot import HMAC key")
  })
  const keyId = options.keyId ?? (yield* Effect.tryPromise({
    try: async () => {
      const fp = await globalThis.crypto.subtle.sign("HMAC", key, utf8.encode("enact/key-id/v1"))
      return `hmac:${bytesToHex(new Uint8Array(fp).subarray(0, 8))}`
    },
    catch: crypto("Cannot derive key id")
  }))
  return Signer.of({
    algorithm: "hmac-sha256",
    keyId,
    sign: async (message) => new Uint8Array(await globalThis.crypto.subtle.sign("HMAC", key, toBuffer(message))),
    verify: (message, signature) =>
      safeVerify(() => globalThis.crypto.subtle.verify("HMAC", key, toBuffer(signature), toBuffer(message)))
  })
})

/** HMAC-SHA256 signer layer. Fails with `MissingSecret` or `WeakSecret`. */
export const layerHmac = (options: HmacOptions = {}): Layer.Layer<Signer, SignerError> =>
  Layer.effect(Signer, makeHmac(options))

/** An Ed25519 key pair as portable bytes: PKCS#8 private key, raw 32-byte public key. */
export interface Ed25519KeyPair {
  readonly privateKey: Uint8Array
  readonly publicKey: Uint8Array
}

/** Generates an Ed25519 key pair with WebCrypto. */
export const generateEd25519 = (): Promise<Ed25519KeyPair> =>
  (globalThis.crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]) as Promise<CryptoKeyPair>)
    .then(async (kp) => ({
      privateKey: new Uint8Array(await globalThis.crypto.subtle.exportKey("pkcs8", kp.privateKey)),
      publicKey: new Uint8Array(await globalThis.crypto.subtle.exportKey("raw", kp.publicKey))
    }))

const ed25519KeyId = (publicKey: Uint8Array): string => `ed25519:${bytesToHex(sha256(publicKey).subarray(0, 8))}`

const importPublic = (publicKey: Uint8Array) =>
  Effect.tryPromise({
    try: () => globalThis.crypto.subtle.importKey("raw", toBuffer(publicKey), { name: "Ed25519" }, true, ["verify"]),
    catch: () => new SignerError({ reason: "InvalidKey", message: "Cannot import Ed25519 public key (expected 32 raw bytes)" })
  })

const ed25519Verify = (key: CryptoKey) => (message: Uint8Array, signature: Uint8Array) =>
  safeVerify(() => globalThis.crypto.subtle.verify({ name: "Ed25519" }, key, toBuffer(signature), toBuffer(message)))

/** Builds an Ed25519 signer from a key pair (PKCS#8 private key, raw public key). */
export const makeEd25519 = Effect.fnUntraced(function*(keys: Ed25519KeyPair) {
  const privateKey = yield* Effect.tryPromise({
    try: () => globalThis.crypto.subtle.importKey("pkcs8", toBuffer(keys.privateKey), { name: "Ed25519" }, false, ["sign"]),
    catch: () => new SignerError({ reason: "InvalidKey", message: "Cannot import Ed25519 private key (expected PKCS#8)" })
  })
  const publicKey = yield* importPublic(keys.publicKey)
  return Signer.of({
    algorithm: "ed25519",
    keyId: ed25519KeyId(keys.publicKey),
    sign: async (message) =>
      new Uint8Array(await globalThis.crypto.subtle.sign({ name: "Ed25519" }, privateKey, toBuffer(message))),
    verify: ed25519Verify(publicKey)
  })
})

/** Ed25519 signer layer. */
export const layerEd25519 = (keys: Ed25519KeyPair): Layer.Layer<Signer, SignerError> =>
  Layer.effect(Signer, makeEd25519(keys))

/** Builds a verify-only Ed25519 signer from the raw public key: auditors need no secret. */
export const makeEd25519Verifier = Effect.fnUntraced(function*(publicKey: Uint8Array) {
  const key = yield* importPublic(publicKey)
  return Signer.of({
    algorithm: "ed25519",
    keyId: ed25519KeyId(publicKey),
    sign: () => Promise.reject(new SignerError({ reason: "CannotSign", message: "This Ed25519 signer only verifies" })),
    verify: ed25519Verify(key)
  })
})

/** Verify-only Ed25519 layer. */
export const layerEd25519Verifier = (publicKey: Uint8Array): Layer.Layer<Signer, SignerError> =>
  Layer.effect(Signer, makeEd25519Verifier(publicKey))
