/**
 * Enact for Node.js (and Deno through its Node compatibility): native crypto, the durable file stores, the
 * race-free filesystem platform, and an `EnactClient` whose defaults are durable receipts in `receipts/`
 * and native crypto. Everything in `mod.ts` works without this module; import it where Node's APIs exist.
 *
 * @example
 * ```ts
 * import { EnactClient } from "./node.ts"
 * const enact = new EnactClient({ secret: "a-secret-of-at-least-32-characters!!", systems: {}, policies: [], workflows: [] })
 * await enact.close()
 * ```
 * @module
 */
import * as NodeCrypto from "@effect/platform-node/NodeCrypto"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Layer } from "effect"
import * as FilePlatformNode from "./connectors/FilePlatformNode.ts"
import * as Client from "./src/Client.ts"
import type * as Crypto from "./src/Crypto.ts"
import * as FileJournal from "./src/store/FileJournal.ts"
import * as FileReceiptStore from "./src/store/FileReceiptStore.ts"

export * as FileJournal from "./src/store/FileJournal.ts"
export * as FilePlatformNode from "./connectors/FilePlatformNode.ts"
export * as FileReceiptStore from "./src/store/FileReceiptStore.ts"
export { makeNode as makeFileSystem } from "./connectors/FileSystemNode.ts"

/** Enact's crypto services on `node:crypto` (HMAC and SHA-256 native; Ed25519 through WebCrypto). */
export const layerCrypto: Layer.Layer<Crypto.Services> = Layer.mergeAll(NodeCrypto.layerMac, NodeCrypto.layerDigest, NodeCrypto.layerSignature)

/** Node's file system and path services, for the file stores and connectors built on Effect's `FileSystem`. */
export const layerFileSystem: Layer.Layer<import("effect").FileSystem.FileSystem | import("effect").Path.Path> = Layer.mergeAll(
  NodeFileSystem.layer,
  NodePath.layer
)

/** The durable file store and journal in `directory` (receipts in it, the journal in `<directory>/.journal`). */
export const layerFiles = (directory = "receipts"): Client.Storage =>
  Layer.mergeAll(
    FileReceiptStore.layer({ directory }),
    FileJournal.layer({ directory: `${directory}/.journal` })
  ).pipe(Layer.provide(layerFileSystem))

/** The Node platform of `EnactClient`: native crypto; a folder (default `receipts/`), memory or layers. */
export const platform: Client.Platform = {
  crypto: layerCrypto,
  storage: (store) => {
    if (store === "memory" || (store !== undefined && Layer.isLayer(store))) return Client.portable.storage(store)
    return layerFiles(store === undefined ? "receipts" : (store as { readonly directory?: string }).directory ?? "receipts")
  }
}

/** `EnactClient` with Node defaults: durable receipts in `receipts/` and native crypto. */
export class EnactClient extends Client.EnactClient {
  constructor(options: Client.ClientOptions = {}) {
    super(options, platform)
  }
}

/** The race-free filesystem platform layer for `connectors/FileSystem.ts`. */
export const layerFilePlatform = FilePlatformNode.layer
