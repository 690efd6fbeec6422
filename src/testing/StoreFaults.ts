/**
 * Failures on demand for receipt stores and journals: the disk that fills up, the database that drops
 * the connection, the write that reached storage but whose acknowledgement was lost. Wrap any store or
 * journal (the memory ones, your own) and arm a fault; the next matching call fails with a `StoreError`.
 * `Testing.layer` wraps its memory stores this way and provides the controller as `StoreFaults`.
 *
 * @example
 * ```ts
 * import { Journal } from "../../mod.ts"
 * import { StoreFaults } from "../../testing.ts"
 * const faults = StoreFaults.make()
 * const journal = StoreFaults.journal(Journal.makeMemory(), faults)
 * // the journal write of the next intent is lost: the run must not apply the action
 * faults.failNext({ operation: "append", reason: "Io" })
 * ```
 * @module
 */
import { Context, Effect } from "effect"
import type { JournalService } from "../store/Journal.ts"
import type { ReceiptStoreService } from "../store/ReceiptStore.ts"
import * as StoreError from "../store/StoreError.ts"

/** The calls a fault can target. */
export type Operation = "put" | "get" | "list" | "ids" | "append" | "read" | "runs" | "remove" | "acquire" | "leaseState"

/** An armed failure. */
export interface Fault {
  readonly operation: Operation
  /** Only calls for this run id (every call of `list`, `ids` and `runs` matches). */
  readonly runId?: string
  /** The `StoreError` reason (default `Io`). */
  readonly reason?: "Io" | "Corrupt" | "Leased" | "AlreadyExists" | "NotFound"
  readonly message?: string
  /** How many matching calls fail (default 1). */
  readonly times?: number
  /**
   * The call takes effect, then reports the failure: a write that reached storage but whose
   * acknowledgement was lost (default false: nothing happens).
   */
  readonly applied?: boolean
}

/** Arms faults and reports the ones not triggered yet. */
export interface Controller {
  readonly failNext: (fault: Fault) => void
  /** Faults armed and not yet triggered. */
  readonly pending: () => number
  /** Disarms every fault. */
  readonly clear: () => void
  /** Every fault triggered so far, in order, with the run id of the call. */
  readonly triggered: () => ReadonlyArray<{ readonly operation: Operation; readonly runId: string | undefined }>
}

/** The controller of the stores `Testing.layer` provides. */
const StoreFaultsBase: Context.ServiceClass<StoreFaults, "enact/testing/StoreFaults", Controller> =
  Context.Service<StoreFaults, Controller>()("enact/testing/StoreFaults")
export class StoreFaults extends StoreFaultsBase {}

const build: Record<NonNullable<Fault["reason"]>, (message: string) => StoreError.StoreError> = {
  Io: StoreError.io,
  Corrupt: StoreError.corrupt,
  Leased: StoreError.leased,
  AlreadyExists: StoreError.alreadyExists,
  NotFound: StoreError.notFound
}

/**
 * A fresh controller with nothing armed.
 *
 * @example
 * ```ts
 * import { StoreFaults } from "../../testing.ts"
 * const faults = StoreFaults.make()
 * faults.failNext({ operation: "put", reason: "Io", message: "disk full" })
 * ```
 */
export const make = (): Controller => {
  const armed: Array<{ fault: Fault; left: number }> = []
  const fired: Array<{ readonly operation: Operation; readonly runId: string | undefined }> = []
  const controller: Controller = {
    failNext: (fault) => void armed.push({ fault, left: Math.max(1, Math.floor(fault.times ?? 1)) }),
    pending: () => armed.reduce((n, a) => n + a.left, 0),
    clear: () => void armed.splice(0),
    triggered: () => fired.slice()
  }
  takers.set(controller, (operation, runId) => {
    const hit = armed.find((a) => a.fault.operation === operation && (a.fault.runId === undefined || a.fault.runId === runId))
    if (hit === undefined) return undefined
    if (--hit.left === 0) armed.splice(armed.indexOf(hit), 1)
    fired.push({ operation, runId })
    return hit.fault
  })
  return controller
}

/** How each controller built by `make` hands out its armed faults (kept off the controller itself). */
const takers = new WeakMap<Controller, (operation: Operation, runId: string | undefined) => Fault | undefined>()

/** Refuses a controller not built by `make`: its faults could never trigger, and a test would pass unharmed. */
const known = (controller: Controller): void => {
  if (!takers.has(controller)) throw new TypeError("StoreFaults: use a controller built by StoreFaults.make()")
}

/** Runs `call` unless a fault is armed for it; an `applied` fault runs it, then fails. */
const guarded = <A, E, R>(
  controller: Controller,
  operation: Operation,
  runId: string | undefined,
  call: () => Effect.Effect<A, E, R>
): Effect.Effect<A, E | StoreError.StoreError, R> =>
  Effect.suspend(() => {
    const fault = takers.get(controller)?.(operation, runId)
    if (fault === undefined) return call()
    const error = build[fault.reason ?? "Io"](fault.message ?? `Injected failure of ${operation}${runId === undefined ? "" : ` for run ${runId}`}`)
    return fault.applied === true ? Effect.andThen(call(), Effect.fail(error)) : Effect.fail(error)
  })

/**
 * `store` with the faults of `controller` applied to its calls.
 *
 * @example
 * ```ts
 * import { ReceiptStore } from "../../mod.ts"
 * import { StoreFaults } from "../../testing.ts"
 * const faults = StoreFaults.make()
 * const store = StoreFaults.receiptStore(ReceiptStore.makeMemory(), faults)
 * ```
 */
export const receiptStore = (store: ReceiptStoreService, controller: Controller): ReceiptStoreService => {
  known(controller)
  return {
    put: (receipt) => guarded(controller, "put", receipt.run_id, () => store.put(receipt)),
    get: (runId) => guarded(controller, "get", runId, () => store.get(runId)),
    list: (filter) => guarded(controller, "list", undefined, () => store.list(filter)),
    ids: () => guarded(controller, "ids", undefined, () => store.ids())
  }
}

/**
 * `journal` with the faults of `controller` applied to its calls.
 *
 * @example
 * ```ts
 * import { Journal } from "../../mod.ts"
 * import { StoreFaults } from "../../testing.ts"
 * const faults = StoreFaults.make()
 * const journal = StoreFaults.journal(Journal.makeMemory(), faults)
 * ```
 */
export const journal = (journal: JournalService, controller: Controller): JournalService => {
  known(controller)
  return {
    append: (runId, entries) => guarded(controller, "append", runId, () => journal.append(runId, entries)),
    read: (runId) => guarded(controller, "read", runId, () => journal.read(runId)),
    runs: () => guarded(controller, "runs", undefined, () => journal.runs()),
    remove: (runId) => guarded(controller, "remove", runId, () => journal.remove(runId)),
    acquire: (runId, options) => guarded(controller, "acquire", runId, () => journal.acquire(runId, options)),
    leaseState: (runId) => guarded(controller, "leaseState", runId, () => journal.leaseState(runId))
  }
}
