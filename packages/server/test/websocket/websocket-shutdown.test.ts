import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { killStartedCli, startCli } from "../lifecycle/start-cli.js";
import { RawSocket } from "./raw-socket.js";

afterEach(killStartedCli);

describe("SIGTERM with executions in flight over WebSocket", () => {
  it("answers each execution with its result, then closes every connection with 1001, then exits 0", async () => {
    const { url, process: server } = await startCli({
      RELAY_RATE_LIMIT: "1000",
      RELAY_WORKERS: "2",
      RELAY_SHUTDOWN_TIMEOUT: "20000",
      LOG_LEVEL: "silent",
    });
    const sockets = await Promise.all(
      Array.from({ length: 10 }, (_, index) => RawSocket.connect(url, `sigterm-${index}`)),
    );
    sockets.forEach((socket, index) => {
      for (const op of [0, 1]) {
        socket.send({
          type: "execute",
          id: `op-${op}`,
          request: {
            cid: "glyph://busy@quantum",
            inputs: [1_000_000 + index * 10 + op],
            policy: { max_gas: 1_000_000_000, max_time: 20_000 },
          },
        });
      }
    });
    // Let every execution reach the server before the signal.
    await Promise.all(sockets.map((socket) => socket.next((message) => message.type === "event")));
    server.kill("SIGTERM");
    const closes = await Promise.all(sockets.map((socket) => socket.closed));
    const [code] = (await once(server, "exit")) as [number | null];

    expect(closes.map((close) => close.code)).toEqual(Array(10).fill(1001));
    sockets.forEach((socket, index) => {
      for (const op of [0, 1]) {
        const result = socket.received.find(
          (message) => message.id === `op-${op}` && message.type === "result",
        );
        expect(result, `socket ${index} op ${op}`).toMatchObject({
          response: { success: true, output: 1_000_000 + index * 10 + op },
        });
        // The result came before the close: nothing after it but the close frame.
        expect(socket.received.at(-1)?.type).toBe("result");
      }
    });
    expect(code).toBe(0);
  }, 60_000);
});
