/**
 * The connector conformance suite of `testing.ts`, run against the connectors this project ships: the
 * fake key-value connector of the kit, and the real filesystem connector on the real disk (Node layer)
 * and on the in-memory platform.
 */
import { Effect, Schema } from "effect"
import type { FilePlatform } from "../../connectors/FilePlatform.ts"
import * as FileSystem from "../../connectors/FileSystem.ts"
import type { Json } from "../../src/Model.ts"
import { Conformance, FakeKv, type FilePlatformMemory } from "../../testing.ts"
import { Disk, worlds } from "../support/fsWorld.ts"
import { register } from "./suite.ts"

const keyOf = (sample: Conformance.Sample): string => Schema.decodeUnknownSync(Schema.Struct({ key: Schema.String }))(sample.args, { onExcessProperty: "ignore" }).key
const pathOf = (sample: Conformance.Sample): string => Schema.decodeUnknownSync(Schema.Struct({ path: Schema.String }))(sample.args, { onExcessProperty: "ignore" }).path

const kv: Conformance.Scenario<FakeKv.FakeKv> = {
  make: (allowedActions) =>
    Effect.sync(() => {
      const target = FakeKv.make({ allowedActions })
      target.data.set("a", "0")
      target.data.set("untouched", "same")
      return { connector: target.connector, target }
    }),
  observe: (target) => Effect.sync(() => Object.fromEntries([...target.data].sort(([x], [y]) => (x < y ? -1 : 1)))),
  interfere: (target, sample) => Effect.sync(() => void target.data.set(keyOf(sample), "someone else")),
  samples: [
    { action: "get", args: { key: "a" }, kind: "read" },
    { action: "set", args: { key: "a", value: "1" }, label: "set (replace)" },
    { action: "set", args: { key: "n", value: "1" }, label: "set (new key)" },
    { action: "create", args: { key: "c", value: "new" } },
    { action: "update", args: { key: "a", value: "2" } },
    { action: "delete", args: { key: "a" } },
    { action: "publish", args: { key: "a" }, kind: "irreversible", repeatable: true }
  ]
}

register("FakeKv conforms to the connector contract", Conformance.connector(kv), (e) => e)

/** Every entry under `root`: its type and permission bits, and a file's text. */
const describeTree = (files: FilePlatformMemory.FileOps, root: string): Json => {
  const out: Record<string, Json> = {}
  const walk = (dir: string, prefix: string) => {
    for (const name of files.readdir(dir)) {
      const path = `${dir}/${name}`
      const stat = files.lstat(path)!
      out[prefix + name] = stat.type === "File"
        ? { mode: stat.mode, text: new TextDecoder().decode(files.readFile(path)) }
        : stat.type === "SymbolicLink" ? { link: files.readlink(path) } : { type: stat.type, mode: stat.mode }
      if (stat.type === "Directory") walk(path, `${prefix}${name}/`)
    }
  }
  walk(root, "")
  return out
}

interface Box {
  readonly root: string
  readonly files: FilePlatformMemory.FileOps
}

const filesystem: Conformance.Scenario<Box, never, Disk | FilePlatform> = {
  make: (allowedActions) =>
    Effect.gen(function*() {
      const { base, files } = yield* Disk
      const root = `${yield* base}/root`
      files.mkdir(`${root}/notes`, { recursive: true })
      files.writeFile(`${root}/notes/a.md`, "original\n")
      files.chmod(`${root}/notes/a.md`, 0o640)
      files.writeFile(`${root}/old.txt`, "old\n")
      const connector = yield* Effect.orDie(FileSystem.make({ root, allowedActions }))
      return { connector, target: { root, files } }
    }),
  observe: ({ files, root }) => Effect.sync(() => describeTree(files, root)),
  interfere: ({ files, root }, sample) => Effect.sync(() => files.writeFile(`${root}/${pathOf(sample)}`, "someone else's edit\n")),
  samples: [
    { action: "read_file", args: { path: "notes/a.md" }, kind: "read" },
    { action: "list_dir", args: { path: "notes" }, kind: "read" },
    { action: "write_file", args: { path: "notes/a.md", content: "agent\n" }, label: "write_file (replace)" },
    { action: "write_file", args: { path: "notes/new.md", content: "agent\n" }, label: "write_file (create)" },
    { action: "delete_file", args: { path: "old.txt" } }
  ]
}

for (const world of worlds) {
  register(`FileSystem on the ${world.name} platform conforms to the connector contract`, Conformance.connector(filesystem), Effect.provide(world.layer), { live: true })
}
