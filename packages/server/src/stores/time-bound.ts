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
 *
 * When the event loop was busy, the timer and the answer can both be due at once, and Node runs
 * timers before it reads sockets: an answer that arrived in time would lose. So when the timer
 * fires, the rejection waits for the I/O phase of that loop turn (`setImmediate`), and an answer
 * read there still wins.
 * @param milliseconds the bound. @unit milliseconds
 */
export function withTimeBound<T>(operation: Promise<T>, milliseconds: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (settled) return;
        settled = true;
        reject(new StoreTimeoutError(milliseconds));
      });
    }, milliseconds);
    operation.then(
      (value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
