import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedService } from "./embedded-service.js";

let service: Awaited<ReturnType<typeof startEmbeddedService>>;

beforeAll(async () => {
  service = await startEmbeddedService({ rateLimit: 5 });
});
afterAll(async () => {
  await service?.close();
});

const get = async (path: string, customer = "c-1") => {
  const response = await fetch(`${service.url}${path}`, { headers: { "x-customer-id": customer } });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
};

describe("core embedded in another node:http service", () => {
  it("answers the service's own route with WebAssembly run in the sandbox", async () => {
    expect(await get("/price/total?base=40&shipping=2")).toMatchObject({
      status: 200,
      body: { total: 42, replayed: false },
    });
    // The same request is deduplicated by core's idempotency store.
    expect((await get("/price/total?base=40&shipping=2")).body).toEqual({
      total: 42,
      replayed: true,
    });
  });

  it("passes core's pipeline through, with its HTTP mapping for refusals", async () => {
    const run = (body: unknown, customer: string) =>
      fetch(`${service.url}/wasm/run`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "x-customer-id": customer },
        body: JSON.stringify(body),
      });
    const ran = await run({ cid: "glyph://pricing-add@v1", inputs: [2, 3] }, "c-2");
    expect(ran.status).toBe(200);
    expect(await ran.json()).toMatchObject({
      success: true,
      output: 5,
      request_id: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const invalid = await run({ cid: "not a module" }, "c-2");
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get("content-type")).toBe("application/problem+json");
    const missing = await run({ cid: "glyph://calculator@quantum", inputs: [1, 1] }, "c-2");
    expect(missing.status).toBe(404);
  });

  it("rate-limits per customer with core's memory store", async () => {
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      statuses.push((await get(`/price/total?base=${index}&shipping=1`, "c-busy")).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it("reads core's metrics and the sandbox pool", async () => {
    const stats = (await get("/stats")).body;
    expect(stats.executions).toBe(service.metrics.count("relay.execute_wasm.success"));
    expect(stats.executions).toBeGreaterThanOrEqual(6);
    expect(stats.replays).toBe(1);
    expect(stats.pool).toMatchObject({ workers: 1, busy: 0, queued: 0 });
    expect((await get("/nothing-here")).status).toBe(404);
  });
});

describe("core's event feed in the embedding service", () => {
  it("streams the customer's own execution, followed by its idempotency key", async () => {
    const controller = new AbortController();
    const stream = await fetch(`${service.url}/events?idempotency_key=order-42`, {
      headers: { "x-customer-id": "c-events" },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    const run = (body: unknown, customer: string) =>
      fetch(`${service.url}/wasm/run`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "x-customer-id": customer },
        body: JSON.stringify(body),
      });
    // Another execution of the same customer, and another customer's with the same key.
    await run({ cid: "glyph://pricing-add@v1", inputs: [1, 1] }, "c-events");
    await run(
      { cid: "glyph://pricing-add@v1", inputs: [2, 2], idempotency_key: "order-42" },
      "c-x",
    );
    const ran = await run(
      { cid: "glyph://pricing-add@v1", inputs: [40, 2], idempotency_key: "order-42" },
      "c-events",
    );
    const answer = (await ran.json()) as { request_id: string; output: number };
    expect(answer.output).toBe(42);
    // The feed ends after the execution's terminal event, so the body ends too.
    const text = await stream.text();
    const events = text
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => JSON.parse(line.slice(6)) as { type: string; request_id: string });
    expect(events.map((event) => event.type)).toEqual([
      "execution_queued",
      "execution_started",
      "execution_complete",
    ]);
    expect(events.every((event) => event.request_id === answer.request_id)).toBe(true);
    expect(text).toMatch(/^id: /m);
    // Reconnecting after the end: 204, nothing more will come.
    const lastId = [...text.matchAll(/^id: (.+)$/gm)].at(-1)?.[1] as string;
    const over = await fetch(`${service.url}/events?idempotency_key=order-42`, {
      headers: { "x-customer-id": "c-events", "last-event-id": lastId },
    });
    expect(over.status).toBe(204);
  });

  it("refuses a malformed Last-Event-ID", async () => {
    const response = await fetch(`${service.url}/events`, {
      headers: { "x-customer-id": "c-events", "last-event-id": "not-an-id" },
    });
    expect(response.status).toBe(400);
  });
});
