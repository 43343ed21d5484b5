import { createSandboxExecutor } from "@wasm-relay/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";

const executor = createSandboxExecutor({ workers: 1, maxQueue: 1 });
let relay: Awaited<ReturnType<typeof startRelayServer>>;

beforeAll(async () => {
  relay = await startRelayServer({
    env: { RELAY_RATE_LIMIT: "7", RELAY_RATE_WINDOW: "30000", RELAY_IDEMPOTENCY_TTL: "90000" },
    executor,
  });
});
afterAll(async () => {
  await relay?.close();
});

const health = async () => {
  const response = await fetch(`${relay.url}/intent/execute-wasm/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const spin = (user: string) =>
  fetch(`${relay.url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "Content-Type": "application/json", user_id: user },
    body: JSON.stringify({
      cid: "glyph://spin@quantum",
      inputs: [],
      policy: { max_time: 3000, max_gas: 1_000_000_000 },
      // Each request must reach the executor: the result cache's single flight would make the
      // second caller wait for the first instead of queueing.
      cache: false,
    }),
  });

describe("the health document tells the truth", () => {
  it("reports the effective limits", async () => {
    expect(await health()).toMatchObject({
      status: 200,
      body: {
        status: "healthy",
        limits: { rate_limit: 7, rate_window: 30_000, idempotency_ttl: 90_000 },
        features: { idempotency: true, rate_limiting: true, antigone_integration: false },
      },
    });
  });

  it("is degraded while the executor's queue is full, and healthy again once it drains", async () => {
    const running = spin(`health-a-${Date.now()}`);
    await expect.poll(() => executor.stats().busy, { timeout: 2500 }).toBe(1);
    const waiting = spin(`health-b-${Date.now()}`);
    await expect.poll(() => executor.stats().queued, { timeout: 2500 }).toBe(1);
    const full = await health();
    expect(full.status).toBe(200);
    expect(full.body.status).toBe("degraded");
    expect(full.body.reasons).toEqual([expect.stringMatching(/queue full/)]);
    // What the document announces is what a request meets: refused with 503.
    const refused = await spin(`health-c-${Date.now()}`);
    expect(refused.status).toBe(503);
    await refused.body?.cancel();
    for (const answer of await Promise.all([running, waiting])) {
      // Out of time or out of gas, whichever comes first on this machine: a result either way.
      expect(await answer.json()).toMatchObject({
        success: false,
        error: { code: expect.stringMatching(/^(timeout|gas_exhausted)$/) },
      });
    }
    expect((await health()).body).toMatchObject({ status: "healthy" });
    expect((await health()).body).not.toHaveProperty("reasons");
  });
});
