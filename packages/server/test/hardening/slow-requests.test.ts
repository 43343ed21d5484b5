import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { rawExchange } from "./raw-http.js";

let relay: Awaited<ReturnType<typeof startRelayServer>>;

beforeAll(async () => {
  relay = await startRelayServer({
    env: { RELAY_WORKERS: "1", RELAY_HEADERS_TIMEOUT: "400", RELAY_REQUEST_TIMEOUT: "600" },
  });
});
afterAll(async () => {
  await relay?.close();
});

const head = (length: number) =>
  `POST /intent/execute-wasm HTTP/1.1\r\nHost: x\r\nuser_id: slow\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe("requests that never end (issue 12, item 17)", () => {
  it("answers a body shorter than its Content-Length with a 408 problem and closes", async () => {
    const exchange = await rawExchange(relay.url, `${head(100)}{"cid":`, 10_000);
    expect(exchange.status).toBe(408);
    expect(exchange.text).toMatch(/content-type: application\/problem\+json/i);
    expect(exchange.text).toContain("RELAY_REQUEST_TIMEOUT");
    expect(exchange.closedByServer).toBe(true);
    // RELAY_REQUEST_TIMEOUT is 600 ms here; Node's default would wait 120 s.
    expect(exchange.elapsedMs).toBeLessThan(5_000);
  });

  it("answers a body that trickles in (slowloris) with a 408 problem", async () => {
    const { hostname, port } = new URL(relay.url);
    const socket = connect(Number(port), hostname);
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString();
    });
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.on("error", () => undefined);
    socket.write(head(1000));
    const trickle = setInterval(() => {
      if (!socket.destroyed) socket.write(" ");
    }, 50);
    await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    clearInterval(trickle);
    socket.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 408/);
    expect(text).toContain("request-timeout");
  });

  it("closes a connection whose headers never end, within RELAY_HEADERS_TIMEOUT's check", async () => {
    const exchange = await rawExchange(
      relay.url,
      "GET /intent/execute-wasm/health HTTP/1.1\r\nHost: x\r\nX-Slow: ",
      10_000,
    );
    expect(exchange.closedByServer).toBe(true);
    expect(exchange.elapsedMs).toBeLessThan(5_000);
  });

  it("still serves a complete request afterwards", async () => {
    const response = await fetch(`${relay.url}/intent/execute-wasm/health`);
    expect(response.status).toBe(200);
  });
});
