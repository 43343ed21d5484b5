import { connect } from "node:net";

/** What came back on a raw connection, and when the server closed it. */
export interface RawExchange {
  /** Everything the server sent. */
  text: string;
  /** Status code of the first response, when one came. */
  status: number | undefined;
  /** Whether the server closed the connection (rather than the wait ending). */
  closedByServer: boolean;
  /** Time from connecting to the close or to the end of the wait. @unit milliseconds */
  elapsedMs: number;
}

/**
 * Sends `request` (raw bytes, possibly incomplete) on a new TCP connection to `url`, then
 * waits until the server closes it or `waitMs` passes.
 */
export async function rawExchange(
  url: string,
  request: string | Buffer,
  waitMs: number,
  options: { destroyAfterMs?: number } = {},
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  const started = performance.now();
  return new Promise<RawExchange>((resolve) => {
    const socket = connect(Number(port), hostname);
    let text = "";
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
      resolve({
        text,
        status: status ? Number(status) : undefined,
        closedByServer,
        elapsedMs: performance.now() - started,
      });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    socket.on("error", () => finish(true));
    socket.write(request);
    if (options.destroyAfterMs !== undefined) {
      setTimeout(() => finish(false), options.destroyAfterMs);
    }
  });
}
