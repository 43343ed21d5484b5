import { afterAll, describe, expect, it } from "vitest";
import { leb128 } from "../modules/wasm-fixtures.js";
import { type RelayServerProcess, startRelayServerProcess } from "../redis/relay-server-process.js";

const started: RelayServerProcess[] = [];
afterAll(async () => {
  for (const server of started) await server.kill();
});

function section(id: number, payload: number[] | Uint8Array): number[] {
  return [id, ...leb128(payload.length), ...payload];
}

/**
 * About 3.6 MB, written byte by byte: `$big` is one straight-line function of `calls` calls to a
 * small leaf, and `main` calls it forever. The shape of issue 12's item 18: after its timeout the
 * worker kept a core busy and SIGTERM no longer stopped the server within 8 s.
 */
function leafCallModule(calls = 600_000, leafOperations = 400): Uint8Array<ArrayBuffer> {
  const leaf = [0x00, 0x20, 0x00];
  for (let index = 0; index < leafOperations; index++) leaf.push(0x41, 7, 0x6c, 0x41, 3, 0x73);
  leaf.push(0x0b);
  const big = new Uint8Array(1 + calls * 6 + 3);
  big[0] = 0x00;
  for (let index = 0; index < calls; index++)
    big.set([0x20, 0x00, 0x10, 0x00, 0x21, 0x00], 1 + index * 6);
  big.set([0x20, 0x00, 0x0b], 1 + calls * 6);
  const main = [0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x00, 0x10, 0x01, 0x21, 0x00, 0x0c, 0x00, 0x0b];
  main.push(0x20, 0x00, 0x0b);
  const bodies = [leaf, big, main];
  const code: number[] = [...leb128(bodies.length)];
  const parts: (number[] | Uint8Array)[] = [];
  for (const body of bodies) parts.push(leb128(body.length), body);
  const codeLength = code.length + parts.reduce((sum, part) => sum + part.length, 0);
  const head = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f]),
    ...section(3, [0x03, 0x00, 0x00, 0x01]),
    ...section(7, [0x01, 0x04, ...new TextEncoder().encode("main"), 0x00, 0x02]),
    0x0a,
    ...leb128(codeLength),
    ...code,
  ];
  const total = head.length + codeLength - code.length;
  const bytes = new Uint8Array(total);
  bytes.set(head, 0);
  let offset = head.length;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

describe("a run answered as timed out does not hold the server (issue 12, item 18)", () => {
  it("answers timeout, keeps serving, and SIGTERM then stops the process within 5 s", async () => {
    const server = await startRelayServerProcess({
      RELAY_LIMIT_MAX_GAS: "1000000000000000",
      RELAY_MAX_BODY_BYTES: "8000000",
      RELAY_SHUTDOWN_TIMEOUT: "1000",
    });
    started.push(server);
    const headers = { user_id: "stopped-run" };
    const module = leafCallModule();
    expect(WebAssembly.validate(module)).toBe(true);
    const upload = await fetch(`${server.url}/modules`, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/wasm" },
      body: module,
    });
    expect(upload.status).toBe(201);
    const { cid } = (await upload.json()) as { cid: string };
    const answer = await fetch(`${server.url}/intent/execute-wasm`, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({ cid, inputs: [], policy: { max_gas: 1e15, max_time: 2000 } }),
    });
    expect(await answer.json()).toMatchObject({ success: false, error: { code: "timeout" } });
    const next = await fetch(`${server.url}/intent/execute-wasm`, {
      method: "POST",
      headers: { ...headers, "Content-Type": "application/json" },
      body: JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [2, 3] }),
    });
    expect(await next.json()).toMatchObject({ success: true, output: 5 });
    const stopping = performance.now();
    await server.stop();
    expect(performance.now() - stopping).toBeLessThan(5000);
  }, 60_000);
});
