/** Runs `callback` after the I/O phase of this event-loop turn where the platform can, else next. */
const afterIo: (callback: () => void) => void =
  typeof setImmediate === "function"
    ? (callback) => {
        setImmediate(callback);
      }
    : (callback) => {
        setTimeout(callback, 0);
      };

/**
 * Settles like `operation`, or rejects with `timeoutError()` once `milliseconds` have passed,
 * whichever comes first. The operation itself is not cancelled; its late result is dropped.
 *
 * When the event loop was busy, the timer and the answer can both be due at once, and Node runs
 * timers before it reads sockets: an answer that arrived in time would lose. So when the timer
 * fires, the rejection waits for the I/O phase of that loop turn (`setImmediate`), and an answer
 * read there still wins.
 * @param milliseconds the bound. @unit milliseconds
 * @param timeoutError the error to reject with when the bound passes.
 */
export function withTimeBound<T>(
  operation: Promise<T>,
  milliseconds: number,
  timeoutError: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      afterIo(() => {
        if (settled) return;
        settled = true;
        reject(timeoutError());
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
