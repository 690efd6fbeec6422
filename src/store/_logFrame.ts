/**
 * The framing of the receipt store's append-only log segments: a fixed header, then one frame per record,
 * `[payload length: u32 LE][CRC-32 of payload: u32 LE][payload]`. A crash can leave a torn last frame (short,
 * zero-filled or with a bad checksum); `scan` returns the valid frames before it and ignores the rest.
 *
 * @example
 * ```ts
 * import * as LogFrame from "./_logFrame.ts"
 * const bytes = LogFrame.encode([new TextEncoder().encode("{}")], true)
 * LogFrame.scan(bytes).payloads.length // 1
 * ```
 * @module
 */

/** The first bytes of every segment; a file without them holds no records. */
export const HEADER: Uint8Array = new TextEncoder().encode("enact-receipt-log 1\n")

/** Bytes before each payload: length and checksum. */
export const FRAME_OVERHEAD = 8

/** Frames longer than this are treated as garbage (receipts are kilobytes). */
export const MAX_PAYLOAD = 64 * 1024 * 1024

const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC-32 (IEEE 802.3, as in zip and PNG) of `bytes`. */
export const crc32 = (bytes: Uint8Array): number => {
  let crc = 0xffffffff
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** Frames payloads into one buffer for a single write; `withHeader` prepends the segment header. */
export const encode = (payloads: ReadonlyArray<Uint8Array>, withHeader: boolean): Uint8Array => {
  let size = withHeader ? HEADER.length : 0
  for (const p of payloads) size += FRAME_OVERHEAD + p.length
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let at = 0
  if (withHeader) {
    out.set(HEADER, 0)
    at = HEADER.length
  }
  for (const p of payloads) {
    view.setUint32(at, p.length, true)
    view.setUint32(at + 4, crc32(p), true)
    out.set(p, at + FRAME_OVERHEAD)
    at += FRAME_OVERHEAD + p.length
  }
  return out
}

/** What a segment holds: the valid payloads, and whether bytes after them were ignored (a torn tail). */
export interface Scan {
  readonly payloads: ReadonlyArray<Uint8Array>
  readonly tornTail: boolean
}

/**
 * Reads the frames of a segment, stopping at the first that is short, empty, oversized or fails its checksum:
 * only one writer appends to a segment and it stops at its first failed write, so a bad frame is always a torn
 * tail and nothing after it was acknowledged.
 */
export const scan = (bytes: Uint8Array): Scan => {
  if (bytes.length < HEADER.length || HEADER.some((b, i) => bytes[i] !== b)) {
    return { payloads: [], tornTail: bytes.length > 0 }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const payloads: Array<Uint8Array> = []
  let at = HEADER.length
  while (at + FRAME_OVERHEAD <= bytes.length) {
    const length = view.getUint32(at, true)
    const end = at + FRAME_OVERHEAD + length
    if (length === 0 || length > MAX_PAYLOAD || end > bytes.length) break
    const payload = bytes.subarray(at + FRAME_OVERHEAD, end)
    if (crc32(payload) !== view.getUint32(at + 4, true)) break
    payloads.push(payload)
    at = end
  }
  return { payloads, tornTail: at < bytes.length }
}
