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
 * passed, whichever comes first. The operation itself is not cancelled; its late result is dropped.
 * @param milliseconds the bound. @unit milliseconds
 */
export function withTimeBound<T>(operation: Promise<T>, milliseconds: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreTimeoutError(milliseconds)), milliseconds);
    operation.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
