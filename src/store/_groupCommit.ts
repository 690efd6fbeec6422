/**
 * Group commit: one worker fiber runs `flush` over every item submitted since its previous flush started, so
 * callers that arrive while an fsync is in flight share the next one. There is no timer: a lone caller is
 * flushed at once, and batches grow only as fast as the disk is slow.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as GroupCommit from "./_groupCommit.ts"
 * const program = Effect.scoped(Effect.gen(function*() {
 *   const log: Array<ReadonlyArray<string>> = []
 *   const commit = yield* GroupCommit.make((items: ReadonlyArray<string>) =>
 *     Effect.sync(() => void log.push(items))
 *   )
 *   yield* Effect.all(["a", "b", "c"].map(commit.submit), { concurrency: "unbounded" })
 *   return log // e.g. [["a"], ["b", "c"]]
 * }))
 * ```
 * @module
 */
import { Deferred, Effect, Exit, Fiber, Queue } from "effect"
import type { Scope } from "effect"

/** A running group committer. */
export interface GroupCommit<A, B, E> {
  /** Queues an item and waits until the flush that took it has finished, with that flush's result. */
  readonly submit: (item: A) => Effect.Effect<B, E>
}

interface Pending<A, B, E> {
  readonly item: A
  readonly done: Deferred.Deferred<B, E>
}

/**
 * Starts the worker. A flush runs uninterruptibly once it has taken its batch; when the scope closes the
 * worker finishes that flush, then stops, and callers still queued are interrupted.
 */
export const make = <A, B, E>(
  flush: (items: ReadonlyArray<A>) => Effect.Effect<B, E>
): Effect.Effect<GroupCommit<A, B, E>, never, Scope.Scope> =>
  // A group commit is a batcher whose flush gives every item of the batch the same result.
  makeBatcher((items: ReadonlyArray<A>) => Effect.map(flush(items), (b) => items.map(() => b)))

/** A running batcher: like a group committer, but each item gets its own result. */
export interface Batcher<A, B, E> {
  /** Queues an item and waits for the flush that took it, with this item's result. */
  readonly submit: (item: A) => Effect.Effect<B, E>
}

/**
 * Starts `workers` workers, each flushing every item queued when it becomes free; `flush` returns one
 * result per item, in order. With several workers, a batch can be prepared while another is in flight.
 */
export const makeBatcher = <A, B, E>(
  flush: (items: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<B>, E>,
  options: { readonly workers?: number } = {}
): Effect.Effect<Batcher<A, B, E>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<Pending<A, B, E>>()
    const worker = Effect.forever(
      Effect.flatMap(Queue.takeAll(queue), (batch) =>
        Effect.uninterruptible(
          Effect.flatMap(Effect.exit(flush(batch.map((p) => p.item))), (exit) =>
            Effect.sync(() => {
              for (let i = 0; i < batch.length; i++) {
                const p = batch[i]!
                if (exit._tag === "Failure") Deferred.doneUnsafe(p.done, Exit.failCause(exit.cause))
                else {
                  const value = exit.value[i]
                  Deferred.doneUnsafe(
                    p.done,
                    value === undefined && i >= exit.value.length ? Exit.die(new RangeError("A batch returned too few results")) : Exit.succeed(value as B)
                  )
                }
              }
            }))
        ))
    )
    yield* Effect.acquireRelease(
      Effect.forEach(Array.from({ length: Math.max(1, options.workers ?? 1) }), () => Effect.forkDetach(worker)),
      (all) =>
        Effect.gen(function*() {
          yield* Effect.forEach(all, Fiber.interrupt, { discard: true })
          const left = yield* Queue.clear(queue)
          for (const p of left) yield* Deferred.interrupt(p.done)
        })
    )
    return {
      submit: (item) =>
        Effect.flatMap(Deferred.make<B, E>(), (done) =>
          Effect.andThen(Queue.offer(queue, { item, done }), Deferred.await(done)))
    }
  })
