import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { calculator, execute, newUserId } from "./relay-requests.js";
import { collectSse, executionEvents } from "./sse-collector.js";

let relay: Awaited<ReturnType<typeof startRelayServer>>;
let eventsUrl: string;

beforeAll(async () => {
  relay = await startRelayServer({ env: { RELAY_WORKERS: "1", RELAY_RATE_LIMIT: "1000" } });
  eventsUrl = `${relay.url}/intent/execute-wasm/events`;
});
afterAll(async () => {
  await relay?.close();
});

/** Posts `body` as `userId` with an `Idempotency-Key`. */
async function executeWithKey(userId: string, key: string, body: Record<string, unknown>) {
  const response = await fetch(`${relay.url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "content-type": "application/json", user_id: userId, "idempotency-key": key },
    body: JSON.stringify(body),
  });
  return (await response.json()) as { request_id: string; output?: unknown };
}

describe("GET /intent/execute-wasm/events?idempotency_key=", () => {
  it("follows exactly the caller's execution sent with that key, subscribed before it was sent", async () => {
    const user = newUserId("keyed");
    const key = `order-${user}`;
    const stream = await collectSse(`${eventsUrl}?idempotency_key=${key}`, { user_id: user });
    expect(stream.response.status).toBe(200);
    // The same user's other executions, and another user's with the same key, do not show.
    await execute(relay.url, user, calculator(1, 1));
    await executeWithKey(newUserId("other"), key, calculator(2, 2));
    const answer = await executeWithKey(user, key, calculator(5, 3));
    expect(answer.output).toBe(8);
    await stream.ended;
    const events = executionEvents(stream.messages);
    expect(events.map((event) => event.type)).toEqual([
      "execution_queued",
      "execution_started",
      "execution_complete",
    ]);
    expect(events.every((event) => event.request_id === answer.request_id)).toBe(true);

    // After the run: its retained events, start to end; after its end, 204.
    const late = await collectSse(`${eventsUrl}?idempotency_key=${key}`, { user_id: user });
    await late.ended;
    expect(late.messages.map((message) => message.id)).toEqual(
      stream.messages.map((message) => message.id),
    );
    const over = await fetch(`${eventsUrl}?idempotency_key=${key}`, {
      headers: { user_id: user, "last-event-id": stream.messages.at(-1)?.id as string },
    });
    expect(over.status).toBe(204);
  });

  it("refuses an over-long key with a problem document", async () => {
    const response = await fetch(`${eventsUrl}?idempotency_key=${"k".repeat(201)}`, {
      headers: { user_id: newUserId("long") },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(((await response.json()) as { detail: string }).detail).toMatch(/idempotency_key/);
  });
});
