import { createInMemoryMetrics, METRIC_NAMES } from "@wasm-relay/core";
import { startRelayServer } from "@wasm-relay/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, FunctionExecutionError } from "../src/index.js";

let userCount = 0;
const identity = () => ({ user_id: `client-fn-${process.pid}-${++userCount}` });

describe("client.fn against the real server", () => {
  const metrics = createInMemoryMetrics();
  let relay: Awaited<ReturnType<typeof startRelayServer>>;

  beforeAll(async () => {
    relay = await startRelayServer({ metrics, env: { RELAY_WORKERS: "1" } });
  });
  afterAll(async () => {
    await relay?.close();
  });

  it('client.fn("calculator@quantum").call("main", [5, 3]) resolves with 8', async () => {
    const client = createClient({ baseUrl: relay.url, headers: identity() });
    const before = metrics.count(METRIC_NAMES.success);
    const result = await client.fn("calculator@quantum").call<number>("main", [5, 3]);
    expect(result.output).toBe(8);
    expect(result.requestId).toMatch(/^[0-9a-f]{64}$/);
    expect(result.gasUsed).toBeGreaterThan(0);
    expect(result.meta.replayed).toBe(false);
    expect(metrics.count(METRIC_NAMES.success)).toBe(before + 1);
    // The same logical call again (same key) is a replay of the first, not a second run.
    const again = await client
      .fn("calculator@quantum")
      .call("main", [5, 3], { idempotencyKey: result.meta.idempotencyKey });
    expect(again.meta.replayed).toBe(true);
    expect(metrics.count(METRIC_NAMES.success)).toBe(before + 1);
  });

  it("a failed run is a FunctionExecutionError with the execute route's code; bad arguments a 400", async () => {
    const client = createClient({ baseUrl: relay.url, headers: identity() });
    const gas = await client
      .fn("spin@quantum")
      .call("main", [], { policy: { max_gas: 10_000 } })
      .catch((error: unknown) => error);
    expect(FunctionExecutionError.isInstance(gas)).toBe(true);
    expect(gas).toMatchObject({ code: "gas_exhausted", gasUsed: 10_000, status: 422 });
    const wrong = await client
      .fn("calculator@quantum")
      .call("main", ["five", 3])
      .catch((error: unknown) => error);
    expect(FunctionExecutionError.isInstance(wrong)).toBe(true);
    expect(wrong).toMatchObject({ code: "invalid_input", status: 400 });
  });
});
