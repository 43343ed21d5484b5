import { connect, createServer, type Socket } from "node:net";

/** A loopback TCP proxy that cuts the answers of its first connections. */
export interface CuttingProxy {
  /** Base URL to give the client instead of the server's. */
  url: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections whose answer was cut. */
  readonly cuts: number;
  close(): Promise<void>;
}

/** What to cut. */
export interface CutOptions {
  /** How many connections, from the first, get their answer cut. */
  cutConnections: number;
  /**
   * Bytes of the answer relayed before the cut (0: none: the client sees the connection close
   * without an answer; more: the client sees a truncated answer); or, for streams, a function of
   * the answer's text so far that returns where to cut it (a character index), or `undefined`.
   */
  bytesBeforeCut: number | ((relayed: string) => number | undefined);
}

/**
 * Forwards TCP from a loopback port to `target`. On the first `cutConnections` connections the
 * request reaches the server whole, and the server's answer, once it starts (the server has then
 * finished the work), is relayed only up to `bytesBeforeCut` bytes before the connection closes.
 */
export async function startCuttingProxy(
  target: string,
  options: CutOptions,
): Promise<CuttingProxy> {
  const { hostname, port } = new URL(target);
  let connections = 0;
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const index = connections++;
    const upstream = connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    }
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream);
    if (index >= options.cutConnections) {
      upstream.pipe(client);
      return;
    }
    const cutWhen = options.bytesBeforeCut;
    if (typeof cutWhen === "function") {
      let text = "";
      let sentBytes = 0;
      upstream.on("data", (chunk: Buffer) => {
        if (client.destroyed) return;
        text += chunk.toString("utf8");
        const cutAt = cutWhen(text);
        if (cutAt === undefined) {
          client.write(chunk);
          sentBytes += chunk.length;
          return;
        }
        // Relay exactly up to the cut, then close.
        const upTo = Buffer.byteLength(text.slice(0, cutAt));
        const start = sentBytes;
        const total = Buffer.byteLength(text);
        const chunkStart = total - chunk.length;
        cuts += 1;
        client.end(chunk.subarray(Math.max(0, start - chunkStart), Math.max(0, upTo - chunkStart)));
        upstream.destroy();
      });
      return;
    }
    let relayed = 0;
    upstream.on("data", (chunk: Buffer) => {
      if (relayed >= cutWhen) {
        if (!client.destroyed) {
          cuts += relayed === 0 ? 1 : 0;
          client.destroy();
        }
        return;
      }
      const part = chunk.subarray(0, cutWhen - relayed);
      relayed += part.length;
      if (relayed >= cutWhen) {
        cuts += 1;
        // Flush what was relayed, then close: the client reads a truncated answer.
        client.end(part);
        upstream.destroy();
      } else {
        client.write(part);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    get connections() {
      return connections;
    },
    get cuts() {
      return cuts;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
