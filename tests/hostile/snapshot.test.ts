/**
 * One snapshot of the request (issue 6, item 2), attacked with hand-written hostile inputs: the value the
 * policies checked must be the value the workflow saw, the connector received and the receipt records.
 * What cannot be JSON is a BLOCK receipt naming the field. (Generated inputs: `snapshot.prop.test.ts`.)
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import type { Json } from "../../src/Model.ts"
import * as Policy from "../../src/Policy.ts"
import * as Workflow from "../../src/Workflow.ts"
import { setup, toJson } from "../support/enact.ts"
import { flipping, lyingProxy, revoked } from "./support/hostile.ts"
import { assertOneSnapshot, observe } from "./support/observe.ts"
import { canonical } from "./support/recipes.ts"
import { makeEcho } from "./support/systems.ts"

/** Asserts the request is refused with a reason naming `field`. */
const refuses = (request: { readonly payload: unknown; readonly userAttributes?: unknown }, field: string) =>
  Effect.gen(function*() {
    const o = yield* observe(request)
    assert.strictEqual(assertOneSnapshot(o, field), "refused", `${field} should be refused`)
    assert.include(o.outcome.receipt.reason ?? "", field)
  })

/** Asserts the request is accepted and everybody saw `want`. */
const accepts = (request: { readonly payload: unknown; readonly userAttributes?: unknown }, want: { readonly payload: Json; readonly attributes?: Json }) =>
  Effect.gen(function*() {
    const o = yield* observe(request)
    assert.strictEqual(assertOneSnapshot(o), "accepted", o.outcome.receipt.reason ?? "")
    assert.strictEqual(canonical(o.outcome.receipt.payload), canonical(want.payload))
    if (want.attributes !== undefined) assert.strictEqual(canonical(o.outcome.receipt.user_attributes), canonical(want.attributes))
    return o
  })

describe("payloads that answer differently each time", () => {
  it.effect("a getter that changes between reads is refused, naming the field", () =>
    refuses({ payload: { nested: flipping("path", "notes/a.md", "/etc/passwd") } }, "payload.nested.path"))

  it.effect("a Proxy whose get and descriptor traps lie after the first read is read once", () =>
    accepts({ payload: lyingProxy("path", "notes/a.md", "/etc/passwd") }, { payload: { path: "notes/a.md" } }))

  it.effect("a Proxy whose key list changes between calls is read once", () => {
    let calls = 0
    const payload = new Proxy({ a: 1, b: 2 }, { ownKeys: (t) => (calls++ === 0 ? Reflect.ownKeys(t) : ["a"]) })
    return accepts({ payload }, { payload: { a: 1, b: 2 } })
  })

  it.effect("a revoked Proxy, at the root or nested, is refused naming the field", () =>
    Effect.gen(function*() {
      yield* refuses({ payload: revoked() }, "payload")
      yield* refuses({ payload: { inner: [1, revoked()] } }, "payload.inner[1]")
    }))

  it.effect("a Proxy whose traps throw is refused naming the field", () =>
    refuses({
      payload: {
        boom: new Proxy({}, {
          ownKeys: () => {
            throw new Error("trap")
          }
        })
      }
    }, "payload.boom"))
})

describe("values that are not JSON", () => {
  it.effect("class instances, Dates, Maps, typed arrays, boxed strings and RegExps are refused naming the field", () =>
    Effect.gen(function*() {
      class Order {
        id = 1
      }
      const cases: Record<string, unknown> = {
        order: new Order(),
        when: new Date(0),
        map: new Map([["a", 1]]),
        bytes: new Uint8Array([1]),
        boxed: new String("x"),
        pattern: /x/
      }
      for (const [field, value] of Object.entries(cases)) yield* refuses({ payload: { [field]: value } }, `payload.${field}`)
    }))

  it.effect("toJSON (own or inherited) is refused, never called", () =>
    Effect.gen(function*() {
      let called = 0
      yield* refuses({ payload: { x: { toJSON: () => ++called } } }, "payload.x.toJSON")
      class Hidden {
        toJSON() {
          return ++called
        }
      }
      yield* refuses({ payload: { x: new Hidden() } }, "payload.x")
      assert.strictEqual(called, 0)
    }))

  it.effect("BigInt, functions, symbols, NaN and Infinity are refused naming the field", () =>
    Effect.gen(function*() {
      const cases: Record<string, unknown> = { big: 1n, fn: () => 1, sym: Symbol("s"), nan: Number.NaN, inf: Number.POSITIVE_INFINITY }
      for (const [field, value] of Object.entries(cases)) yield* refuses({ payload: { list: [{ [field]: value }] } }, `payload.list[0].${field}`)
    }))

  it.effect("cycles are refused; shared (acyclic) references are copied", () =>
    Effect.gen(function*() {
      const loop: Record<string, unknown> = { a: 1 }
      loop.self = loop
      yield* refuses({ payload: { loop } }, "payload.loop.self")
      const shared = { v: 1 }
      yield* accepts({ payload: { x: shared, y: [shared] } }, { payload: { x: { v: 1 }, y: [{ v: 1 }] } })
    }))

  it.effect("sparse arrays and undefined array items are refused; undefined fields are dropped", () =>
    Effect.gen(function*() {
      // deno-lint-ignore no-sparse-arrays
      yield* refuses({ payload: { list: [1, , 3] } }, "payload.list[1]")
      yield* refuses({ payload: { list: [1, undefined] } }, "payload.list[1]")
      yield* accepts({ payload: { a: 1, b: undefined } }, { payload: { a: 1 } })
    }))

  it.effect("non-enumerable, symbol-keyed and array side fields are dropped for everyone alike", () => {
    const payload: Record<string | symbol, unknown> = { a: 1 }
    Object.defineProperty(payload, "hidden", { value: "/etc/passwd", enumerable: false })
    payload[Symbol("s")] = "/etc/shadow"
    const list = Object.assign([1, 2], { extra: "x" })
    return accepts({ payload: { ...payload, list, inner: payload } }, { payload: { a: 1, list: [1, 2], inner: { a: 1 } } })
  })

  it.effect("-0 becomes 0 for everyone, in the payload and the user attributes", () =>
    accepts({ payload: { n: -0, list: [-0] }, userAttributes: { level: -0 } }, { payload: { n: 0, list: [0] }, attributes: { level: 0 } }))

  it.effect("lone surrogates and unusual strings are kept and the receipt verifies after a JSON round trip", () =>
    accepts({ payload: { s: "\ud800x\udfff", nul: "\u0000", bom: "\ufeff", rtl: "\u202e" } }, {
      payload: { s: "\ud800x\udfff", nul: "\u0000", bom: "\ufeff", rtl: "\u202e" }
    }))
})

describe("__proto__, constructor and prototype keys", () => {
  it.effect("a __proto__ key from JSON.parse is kept as data; nobody inherits from it; the receipt verifies", () =>
    Effect.gen(function*() {
      const text = '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}},"prototype":1,"user":{"__proto__":[1]}}'
      const o = yield* accepts({ payload: JSON.parse(text), userAttributes: JSON.parse('{"__proto__":{"role":"admin"}}') }, {
        payload: JSON.parse(text) as Json,
        attributes: JSON.parse('{"__proto__":{"role":"admin"}}') as Json
      })
      const { receipt } = o.outcome
      assert.isTrue(Object.hasOwn(receipt.payload as object, "__proto__"))
      assert.isUndefined((receipt.payload as { admin?: unknown }).admin)
      assert.isTrue(Object.hasOwn(receipt.user_attributes, "__proto__"))
      assert.strictEqual(canonical(JSON.parse(JSON.stringify(receipt.payload))), canonical(JSON.parse(text)))
    }))

  it.effect("an object literal's __proto__ (a prototype, not data) is refused rather than read through", () =>
    Effect.gen(function*() {
      yield* refuses({ payload: {}, userAttributes: { __proto__: { role: "admin" } } }, "userAttributes")
      yield* refuses({ payload: { user: { __proto__: { admin: true }, name: "x" } } }, "payload.user")
    }))

  it.effect("the workflow sees __proto__ as an own field and inherits nothing from it", () =>
    Effect.gen(function*() {
      const echo = makeEcho()
      const got: { own?: boolean; admin?: unknown; proto?: boolean } = {}
      const wf = Workflow.make({
        name: "inspect",
        payload: Schema.Json,
        run: (ctx) =>
          Effect.sync(() => {
            const p = ctx.payload as Record<string, unknown>
            got.own = Object.hasOwn(p, "__proto__")
            got.admin = p.admin
            got.proto = Object.getPrototypeOf(p) === Object.prototype || Object.getPrototypeOf(p) === null
          })
      })
      const { enact } = yield* setup({ systems: { echo: echo.connector }, workflows: [wf] })
      yield* enact.run({ workflow: "inspect", user: "u", payload: JSON.parse('{"__proto__":{"admin":true}}') })
      assert.deepStrictEqual(got, { own: true, admin: undefined, proto: true })
    }))
})

describe("user attributes", () => {
  it.effect("a getter in the user attributes is refused naming the field", () =>
    refuses({ payload: {}, userAttributes: { role: flipping("name", "viewer", "admin") } }, "userAttributes.role.name"))

  it.effect("user attributes that are not an object are refused", () =>
    Effect.gen(function*() {
      for (const bad of [[], "admin", 1]) yield* refuses({ payload: {}, userAttributes: bad }, "userAttributes")
    }))
})

describe("action arguments and connector outputs", () => {
  const run = (args: () => unknown, output?: (args: Json) => unknown) =>
    Effect.gen(function*() {
      const echo = makeEcho(output === undefined ? {} : { output })
      const got: { output?: string; error?: string } = {}
      const wf = Workflow.make({
        name: "send",
        payload: Schema.Json,
        run: (ctx) =>
          ctx.act("echo", { action: "echo", args: args() as Json }).pipe(
            Effect.tap((r) => Effect.sync(() => (got.output = canonical(r.output)))),
            Effect.tapError((e) => Effect.sync(() => (got.error = e.message)))
          )
      })
      const { enact } = yield* setup({ systems: { echo: echo.connector }, workflows: [wf] })
      const { receipt } = yield* enact.run({ workflow: "send", user: "u", payload: {} })
      assert.isTrue((yield* enact.verify(toJson(receipt))).valid)
      return { receipt, echo, got }
    })

  it.effect("args with a getter are refused before the connector, naming the field, and the attempt is recorded", () =>
    Effect.gen(function*() {
      const { echo, got, receipt } = yield* run(() => ({ target: flipping("path", "a.md", "/etc/passwd") }))
      assert.deepStrictEqual(echo.received, [])
      assert.strictEqual(receipt.decision, "PARTIAL")
      assert.isFalse(receipt.actions_taken[0]?.success)
      assert.include(got.error ?? "", "args.target.path")
      assert.include(receipt.actions_taken[0]?.error ?? "", "args.target.path")
    }))

  it.effect("args behind a lying Proxy reach the connector exactly as recorded", () =>
    Effect.gen(function*() {
      const { echo, receipt } = yield* run(() => lyingProxy("path", "a.md", "/etc/passwd"))
      assert.deepStrictEqual(echo.received, [canonical({ path: "a.md" })])
      assert.strictEqual(canonical(receipt.actions_taken[0]?.args), echo.received[0])
    }))

  it.effect("a connector output with getters, lies or class instances is what the workflow saw and the receipt records", () =>
    Effect.gen(function*() {
      const outputs: ReadonlyArray<() => unknown> = [
        () => ({ ok: true, rows: [flipping("id", 1, 2)] }),
        () => lyingProxy("status", "done", "failed"),
        () => ({ when: new Date(0) }),
        () => revoked()
      ]
      for (const make of outputs) {
        const { got, receipt } = yield* run(() => ({ n: 1 }), () => make())
        assert.isTrue(receipt.actions_taken[0]?.success)
        assert.strictEqual(got.output, canonical(receipt.actions_taken[0]?.output))
      }
    }))
})

describe("decoded payloads that are live objects", () => {
  it.effect("a policy cannot change a class-decoded payload that later checks, the workflow and the receipt see", () =>
    Effect.gen(function*() {
      class Target extends Schema.Class<Target>("Target")({ path: Schema.String }) {}
      const echo = makeEcho()
      const checked: Array<string> = []
      const normalise = Policy.make("normalise", (ctx) => {
        try {
          ;(ctx.payload as { path: string }).path = "/etc/passwd"
        } catch {
          // a frozen payload is the fix
        }
        return Policy.pass("normalised")
      })
      const noEtc = Policy.make("no_etc", (ctx) => {
        const path = (ctx.payload as Target).path
        checked.push(path)
        return Policy.check(!path.startsWith("/etc"), "allowed", `${path} is under /etc`)
      })
      const wf = Workflow.make({ name: "send", payload: Target, run: (ctx) => ctx.act("echo", { action: "echo", args: { path: ctx.payload.path } }) })
      const { enact } = yield* setup({ systems: { echo: echo.connector }, policies: [normalise, noEtc], workflows: [wf] })
      const { receipt } = yield* enact.run({ workflow: "send", user: "u", payload: { path: "notes/a.md" } })
      assert.deepStrictEqual(checked, ["notes/a.md"], "the second policy checked what the agent sent")
      assert.deepStrictEqual(echo.received, [canonical({ path: "notes/a.md" })], "the connector received what was checked and recorded")
      assert.deepStrictEqual(receipt.payload, { path: "notes/a.md" })
    }))

  it.effect("a policy cannot retarget a URL-decoded payload after another policy approved its host", () =>
    Effect.gen(function*() {
      const echo = makeEcho()
      const Fetch = Schema.Struct({ target: Schema.URLFromString })
      const allowHost = Policy.make("allow_host", (ctx) => {
        const host = (ctx.payload as typeof Fetch.Type).target.host
        return Policy.check(host === "docs.example", "host allowed", `${host} is not allowed`)
      })
      const tidy = Policy.make("tidy", (ctx) => {
        try {
          ;(ctx.payload as typeof Fetch.Type).target.host = "evil.example"
        } catch {
          // refusing is the fix
        }
        return Policy.pass("tidied")
      })
      const wf = Workflow.make({ name: "fetch", payload: Fetch, run: (ctx) => ctx.act("echo", { action: "echo", args: { url: ctx.payload.target.href } }) })
      const { enact } = yield* setup({ systems: { echo: echo.connector }, policies: [allowHost, tidy], workflows: [wf] })
      const { receipt } = yield* enact.run({ workflow: "fetch", user: "u", payload: { target: "https://docs.example/a" } })
      assert.strictEqual(receipt.decision, "PASS")
      assert.deepStrictEqual(echo.received, [canonical({ url: "https://docs.example/a" })], "the connector got the URL the policy approved")
    }))
})
