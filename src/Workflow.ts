/**
 * Workflows: the deterministic code Enact runs once every policy passed. A workflow declares a payload
 * Schema; a payload that does not decode (an agent's hallucinated argument names or types, or extra
 * fields) never reaches the workflow: the run is BLOCKed with a receipt naming the bad fields.
 *
 * @example
 * ```ts
 * import { Effect, Schema } from "effect"
 * import { Workflow } from "../mod.ts"
 * import * as FileSystem from "../connectors/FileSystem.ts"
 * const writeNote = Workflow.make({
 *   name: "write_note",
 *   payload: Schema.Struct({ path: Schema.String, content: Schema.String }),
 *   run: (ctx) => ctx.act("files", FileSystem.writeFile(ctx.payload))
 * })
 * ```
 * @module
 */
import { Effect, Exit, Schema, SchemaIssue } from "effect"
import type { ActionCall } from "./Connector.ts"
import type { ActionResult, Json } from "./Model.ts"
import type { RunData, WorkflowContext } from "./WorkflowContext.ts"

/** A registered workflow. The payload type is erased at registration. */
export interface Workflow<P = unknown> {
  readonly name: string
  readonly payload: Schema.Decoder<P>
  // Method syntax on purpose: it lets any `Workflow<P>` be registered as a `Workflow<unknown>`.
  run(ctx: WorkflowContext<P>): Effect.Effect<unknown, unknown>
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/

/** Defines a workflow. Names are 1–128 characters of letters, digits, `_ . : -`. */
export const make = <P>(options: {
  readonly name: string
  readonly payload: Schema.Decoder<P>
  readonly run: (ctx: WorkflowContext<P>) => Effect.Effect<unknown, unknown>
}): Workflow<P> => {
  if (!NAME.test(options.name)) {
    throw new TypeError(`Cannot register workflow ${JSON.stringify(options.name)}: expected 1-128 of [A-Za-z0-9_.:-]`)
  }
  return { name: options.name, payload: options.payload, run: options.run }
}

/**
 * What an async workflow sees: the run's data and an `act` that returns a Promise (it rejects with the
 * `ConnectorError` or `StoreError` the action failed with). Every call is receipted; once the workflow's
 * Promise has settled, the engine waits for calls still in flight, and refuses any made later.
 */
export interface AsyncWorkflowContext<P = unknown> extends RunData<P> {
  readonly act: (system: string, call: ActionCall) => Promise<ActionResult>
}

/**
 * Defines a workflow as an `async` function, for code that does not use Effect. Same rules as `make`:
 * the payload is decoded strictly, every policy runs first, and every `ctx.act` is journaled and
 * receipted.
 *
 * @example
 * ```ts
 * import { Schema } from "effect"
 * import { Workflow } from "../mod.ts"
 * import * as FileSystem from "../connectors/FileSystem.ts"
 * const writeNote = Workflow.makeAsync({
 *   name: "write_note",
 *   payload: Schema.Struct({ path: Schema.String, content: Schema.String }),
 *   run: async (ctx) => {
 *     const written = await ctx.act("files", FileSystem.writeFile(ctx.payload))
 *     return written.output
 *   }
 * })
 * ```
 */
export const makeAsync = <P>(options: {
  readonly name: string
  readonly payload: Schema.Decoder<P>
  readonly run: (ctx: AsyncWorkflowContext<P>) => Promise<unknown>
}): Workflow<P> => {
  const run = options.run
  return make({
    name: options.name,
    payload: options.payload,
    run: (ctx) =>
      Effect.flatMap(Effect.context<never>(), (services) => {
        const runPromise = Effect.runPromiseWith(services)
        const actx: AsyncWorkflowContext<P> = Object.freeze({
          runId: ctx.runId,
          workflow: ctx.workflow,
          user: ctx.user,
          userAttributes: ctx.userAttributes,
          payload: ctx.payload,
          get now() {
            return ctx.now
          },
          act: (system: string, call: ActionCall) => {
            const pending = runPromise(ctx.act(system, call))
            pending.then(undefined, () => undefined) // a call the workflow forgot to await never crashes the host
            return pending
          }
        })
        return Effect.tryPromise({ try: () => Promise.resolve(run(actx)), catch: (e) => e })
      })
  })
}

/** One problem with a payload, by field path. */
export interface PayloadIssue {
  readonly path: string
  readonly message: string
}

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

const pathOf = (path: ReadonlyArray<unknown>): string =>
  path.length === 0 ? "(payload)" : path.map((s) => {
    const k = typeof s === "object" && s !== null && "key" in s ? (s as { key: unknown }).key : s
    return typeof k === "number" ? `[${k}]` : String(k)
  }).join(".")

const decoders = new WeakMap<Schema.Decoder<unknown>, (input: unknown) => Exit.Exit<unknown, Schema.SchemaError>>()

/**
 * Decodes a payload strictly (unknown fields are errors, all issues are reported).
 * Returns the value, or the list of issues by field.
 */
export const decodePayload = <P>(
  schema: Schema.Decoder<P>,
  input: unknown
): { readonly ok: true; readonly value: P } | { readonly ok: false; readonly issues: ReadonlyArray<PayloadIssue> } => {
  let decode = decoders.get(schema)
  if (decode === undefined) {
    decode = Schema.decodeUnknownExit(schema, { onExcessProperty: "error", errors: "all" })
    decoders.set(schema, decode)
  }
  const exit = decode(input) as Exit.Exit<P, Schema.SchemaError>
  if (Exit.isSuccess(exit)) return { ok: true, value: exit.value }
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || !Schema.isSchemaError(error.error)) {
    return { ok: false, issues: [{ path: "(payload)", message: "Payload could not be decoded" }] }
  }
  return {
    ok: false,
    issues: formatter(error.error.issue).issues.map((i) => ({
      path: pathOf(i.path ?? []),
      message: i.message === "Expected no excess property" ? "Unknown field" : i.message
    }))
  }
}
