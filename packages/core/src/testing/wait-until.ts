/**
 * Polls `condition` every 5 ms until it holds.
 * @param timeoutMs how long to wait. @unit milliseconds @default 2000
 * @throws Error "condition not met in time" when it still does not hold after `timeoutMs`.
 */
export async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
