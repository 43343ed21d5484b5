import { withTimeBound as withCoreTimeBound } from "@wasm-relay/core";

/** A store call that got no answer within its time bound. */
export class StoreTimeoutError extends Error {
  /** @param milliseconds the bound that passed. */
  constructor(readonly milliseconds: number) {
    super(`no answer within ${milliseconds} ms`);
    this.name = "StoreTimeoutError";
  }
}

/**
 * Settles like `operation`, or rejects with {@link StoreTimeoutError} once `milliseconds` have
 * passed, whichever comes first (core's `withTimeBound`: an answer read in the loop turn the
 * timer fired in still wins). The operation itself is not cancelled; its late result is dropped.
 * @param milliseconds the bound. @unit milliseconds
 */
export function withTimeBound<T>(operation: Promise<T>, milliseconds: number): Promise<T> {
  return withCoreTimeBound(operation, milliseconds, () => new StoreTimeoutError(milliseconds));
}
