import { createInMemoryMetrics, METRIC_NAMES } from "@wasm-relay/core";
import { startRelayServer } from "@wasm-relay/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AbortError,
  type BatchItem,
  createClient,
  ExecutionFinishedError,
  NotFoundError,
  RateLimitError,
} from "../src/index.js";

const spin = {
  cid: "glyph://spin@quantum",
  inputs: [],
  policy: { max_time: 20_000, max_gas: 1e12 },
};
const calculator = (a: number, b: number) => ({
  cid: "glyph://calculator@quantum",
  inputs: [a, b],
});

let userCount = 0;
const identity = () => ({ user_id: `client-cancel-${process.pid}-${++userCount}` });

describe("cancel and batches against the real server", () => {
  const metrics = createInMemoryMetrics();
  let relay: Awaited<ReturnType<typeof startRelayServer>>;
  const cancelled = () => metrics.count(METRIC_NAMES.error, { code: "cancelled" });

  beforeAll(async () => {
    relay = await startRelayServer({
      metrics,
      env: { RELAY_RATE_LIMIT: "6", RELAY_LIMIT_MAX_GAS: "1000000000000", RELAY_WORKERS: "2" },
    });
  });
  afterAll(async () => {
    await relay?.close();
  });

  it("cancel(key) ends a running execute with success: false and error.code cancelled; then it is finished", async () => {
    const client = createClient({ baseUrl: relay.url, headers: identity() });
    const running = client.execute(spin, { idempotencyKey: "spin-1" });
    await expect
      .poll(
        () =>
          client.cancel("spin-1").then(
            () => true,
            (error: unknown) => !(error instanceof NotFoundError) && Promise.reject(error),
          ),
        {
          timeout: 5_000,
          interval: 20,
        },
      )
      .toBe(true);
    const result = await running;
    expect(result).toMatchObject({ success: false, error: { code: "cancelled" } });
    await expect(client.cancel("spin-1")).rejects.toBeInstanceOf(ExecutionFinishedError);
    await expect(client.cancel("0".repeat(64))).rejects.toBeInstanceOf(NotFoundError);
  });

  it("aborting execute's signal rejects with AbortError and stops the run on the relay", async () => {
    const client = createClient({ baseUrl: relay.url, headers: identity() });
    const before = cancelled();
    const controller = new AbortController();
    const running = client.execute(spin, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(running).rejects.toBeInstanceOf(AbortError);
    // Stopped by the DELETE, long before the module's 20 s.
    await expect.poll(cancelled, { timeout: 3_000, interval: 20 }).toBe(before + 1);
  });

  it("executeMany answers every request in order, refused ones as typed errors; streamed the same", async () => {
    const client = createClient({ baseUrl: relay.url, headers: identity() });
    const requests = Array.from({ length: 4 }, (_, index) => calculator(index, 10));
    const items = await client.executeMany<number>([...requests, { cid: 7 } as never]);
    expect(items.map((item) => item.ok)).toEqual([true, true, true, true, false]);
    expect(
      items.map((item) => (item.ok && item.response.success ? item.response.output : null)),
    ).toEqual([10, 11, 12, 13, null]);

    const streamed: BatchItem[] = [];
    const again = await client.executeMany(
      [calculator(0, 10), calculator(1, 1), calculator(2, 2)],
      {
        onResult: (item) => streamed.push(item),
      },
    );
    expect(streamed).toHaveLength(3);
    // Each request counts against the limit (6): one slot was left, so two are refused (429).
    const refused = again.filter((item) => !item.ok);
    expect(refused).toHaveLength(2);
    expect((refused[0] as Extract<BatchItem, { ok: false }>).error).toBeInstanceOf(RateLimitError);
  });
});
