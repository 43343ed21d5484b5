import type { Server } from "node:http";

/**
 * Shuts an HTTP server down in order: stop accepting, end the event streams, let in-flight
 * requests finish (closing each keep-alive connection as soon as it falls idle), and past
 * `timeoutMs` call `onTimeout` and cut every connection that is left.
 * @param timeoutMs bound on the wait for in-flight requests. @unit milliseconds
 */
export async function closeGracefully(
  server: Server,
  openStreams: Set<() => void>,
  timeoutMs: number,
  onTimeout: () => void,
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const end of [...openStreams]) end();
  // Connections of finished requests become idle one by one; close them as they do.
  const sweep = setInterval(() => server.closeIdleConnections(), 25);
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      server.closeAllConnections();
      resolve();
    }, timeoutMs);
  });
  try {
    await Promise.race([closed, expired]);
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(timer);
  }
}
