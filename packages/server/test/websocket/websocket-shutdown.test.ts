import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { RawSocket } from "./raw-socket.js";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
});

async function startCli(
  env: Record<string, string>,
): Promise<{ url: string; process: ChildProcess }> {
  const started = spawn(process.execPath, [cli], {
    env: { PATH: process.env.PATH ?? "", PORT: "0", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child = started;
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    started.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening on (http:\/\/\S+?)[\s(]/.exec(output);
      if (found?.[1]) resolve(found[1]);
    });
    started.once("exit", (code) =>
      reject(new Error(`relay-server exited with ${code}: ${output}`)),
    );
  });
  return { url, process: started };
}

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
