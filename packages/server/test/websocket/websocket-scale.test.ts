import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { calculator } from "../events/relay-requests.js";
import { RawSocket } from "./raw-socket.js";

/** Connections opened at once (`WS_SCALE_CONNECTIONS` to change). */
const CONNECTIONS = Number(process.env.WS_SCALE_CONNECTIONS ?? 1000);

let relay: Awaited<ReturnType<typeof startRelayServer>>;

beforeAll(async () => {
  relay = await startRelayServer({
    env: { RELAY_WORKERS: "2", RELAY_RATE_LIMIT: "100000", RELAY_WS_INIT_TIMEOUT: "60000" },
  });
});
afterAll(async () => {
  await relay?.close();
});

const openFiles = () => readdirSync("/proc/self/fd").length;
/** Lets closes finish, then collects garbage when the runtime allows (`--expose-gc`). */
const settle = async () => {
  await new Promise((resolve) => setTimeout(resolve, 500));
  const collect = (globalThis as { gc?: () => void }).gc;
  for (let pass = 0; pass < 3; pass += 1) collect?.();
};

/** Opens `count` connections, runs one execution on each, closes them all. */
async function round(count: number, salt: number): Promise<void> {
  const sockets: RawSocket[] = [];
  for (let start = 0; start < count; start += 100) {
    sockets.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(100, count - start) }, (_, index) =>
          RawSocket.connect(relay.url, `scale-${(start + index) % 50}`),
        ),
      )),
    );
  }
  // Executions in waves of 100: the sandbox admits RELAY_WORKERS × 64 waiting tasks (503 beyond).
  for (let start = 0; start < count; start += 100) {
    const wave = sockets.slice(start, start + 100);
    wave.forEach((socket, index) => {
      socket.send({ type: "execute", id: "x", request: calculator(start + index, salt) });
    });
    const results = await Promise.all(wave.map((socket) => socket.terminal("x", 60_000)));
    expect(results.filter((result) => result.type !== "result")).toEqual([]);
  }
  await Promise.all(sockets.map((socket) => socket.close()));
}

describe(`${CONNECTIONS} concurrent WebSocket connections`, () => {
  it("each runs an execution; file descriptors and RSS come back after they close", async () => {
    await round(100, 0); // warm-up: compiled module, JIT, pools
    await settle();
    const fdsBefore = openFiles();
    const rssBefore = process.memoryUsage().rss;
    const heapBefore = process.memoryUsage().heapUsed;
    const startedAt = performance.now();
    await round(CONNECTIONS, 1);
    const elapsed = performance.now() - startedAt;
    await settle();
    await round(CONNECTIONS, 2);
    await settle();
    const fdsAfter = openFiles();
    const rssAfter = process.memoryUsage().rss;
    console.info(
      `${CONNECTIONS} connections: first round ${elapsed.toFixed(0)} ms; fds ${fdsBefore} → ${fdsAfter}; RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssAfter / 2 ** 20).toFixed(0)} MiB; heap ${(heapBefore / 2 ** 20).toFixed(0)} → ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB${"gc" in globalThis ? " (after gc)" : ""}`,
    );
    expect(fdsAfter - fdsBefore).toBeLessThanOrEqual(5);
    expect(rssAfter - rssBefore).toBeLessThan(96 * 2 ** 20);
    expect(relay.server.relay).toBeDefined();
  }, 240_000);
});
