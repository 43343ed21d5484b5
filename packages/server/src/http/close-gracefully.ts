import type { Server } from "node:http";

/** Options of {@link closeGracefully}. */
export interface GracefulCloseOptions {
  /** Ends each open event stream (shutdown ends them first). */
  openStreams: Set<() => void>;
  /** Bound on the wait for in-flight requests to finish on their own. @unit milliseconds */
  timeoutMs: number;
  /**
   * Called once `timeoutMs` passed with requests still in flight: it aborts them, and each
   * answers (503 with `Retry-After`) and releases what it holds.
   */
  onTimeout: () => void;
  /**
   * After `onTimeout`, how long the aborted requests may take to write their answers before
   * every connection left is cut. @unit milliseconds @default 5000
   */
  answerGraceMs?: number;
}

/**
 * Shuts an HTTP server down in order: stop accepting, end the event streams, let in-flight
 * requests finish (closing each keep-alive connection as soon as it falls idle). Past
 * `timeoutMs`, `onTimeout` aborts what is left, so that every unfinished request still gets an
 * answer; only connections that have not answered within `answerGraceMs` after that are cut.
 */
export async function closeGracefully(
  server: Server,
  options: GracefulCloseOptions,
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const end of [...options.openStreams]) end();
  // Connections of finished requests become idle one by one; close them as they do.
  const sweep = setInterval(() => server.closeIdleConnections(), 25);
  server.closeIdleConnections();
  const timers: NodeJS.Timeout[] = [];
  const after = (milliseconds: number) =>
    new Promise<"expired">((resolve) => {
      timers.push(setTimeout(() => resolve("expired"), milliseconds));
    });
  try {
    if ((await Promise.race([closed, after(options.timeoutMs)])) === "expired") {
      options.onTimeout();
      if ((await Promise.race([closed, after(options.answerGraceMs ?? 5000)])) === "expired") {
        server.closeAllConnections();
      }
    }
    await closed;
  } finally {
    clearInterval(sweep);
    for (const timer of timers) clearTimeout(timer);
  }
}
