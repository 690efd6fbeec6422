/**
 * Real temporary directories for tests that touch the disk, removed when the test's scope closes.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { tempDir, writeText } from "./support/tempDir.ts"
 * const program = Effect.gen(function*() {
 *   const dir = yield* tempDir("enact-fs-")
 *   yield* writeText(dir, "notes/a.md", "hello")
 * })
 * ```
 * @module
 */
import { Effect } from "effect"
import type { Scope } from "effect"
import * as fsp from "node:fs/promises"
import * as os from "node:os"
import * as nodePath from "node:path"

/** Creates a fresh directory under the OS temp dir (its real path), deleted with everything in it afterwards. */
export const tempDir = (prefix: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(async () => fsp.realpath(await fsp.mkdtemp(nodePath.join(os.tmpdir(), prefix)))),
    (dir) => Effect.promise(() => fsp.rm(dir, { recursive: true, force: true }))
  )

/** Writes a file (bytes or UTF-8 text) under `dir`, creating parent directories. */
export const writeText = (dir: string, relative: string, content: string | Uint8Array): Effect.Effect<void> =>
  Effect.promise(async () => {
    const file = nodePath.join(dir, relative)
    await fsp.mkdir(nodePath.dirname(file), { recursive: true })
    await fsp.writeFile(file, content)
  })

/** The exact bytes of a file under `dir`, or `null` if it does not exist. */
export const readBytes = (dir: string, relative: string): Effect.Effect<Uint8Array | null> =>
  Effect.promise(() =>
    fsp.readFile(nodePath.join(dir, relative)).then(
      (buffer) => new Uint8Array(buffer),
      () => null
    )
  )

/** A snapshot of a directory tree: every entry's relative path, with file contents, for "nothing changed" checks. */
export const snapshot = (dir: string): Effect.Effect<Record<string, string>> =>
  Effect.promise(async () => {
    const out: Record<string, string> = {}
    const walk = async (current: string): Promise<void> => {
      for (const entry of await fsp.readdir(current, { withFileTypes: true })) {
        const full = nodePath.join(current, entry.name)
        const key = nodePath.relative(dir, full)
        if (entry.isDirectory()) {
          out[key + "/"] = "<dir>"
          await walk(full)
        } else if (entry.isSymbolicLink()) {
          out[key] = `-> ${await fsp.readlink(full)}`
        } else {
          out[key] = (await fsp.readFile(full)).toString("base64")
        }
      }
    }
    await walk(dir)
    return out
  })
