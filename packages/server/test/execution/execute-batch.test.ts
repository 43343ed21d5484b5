import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { parseSseStream } from "../openapi/parse-sse.js";

const calculator = (a: number, b: number, key?: string) => ({
  cid: "glyph://calculator@quantum",
  inputs: [a, b],
  ...(key ? { idempotency_key: key } : {}),
});

let relay: { url: string; close(): Promise<void> };
let counter = 0;
const newUser = () => `batch-${++counter}-${Date.now().toString(36)}`;

beforeAll(async () => {
  relay = await startRelayServer({
    env: { RELAY_RATE_LIMIT: "5", RELAY_RATE_WINDOW: "60000", RELAY_BATCH_MAX: "8" },
  });
});
afterAll(() => relay.close());

function batch(userId: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${relay.url}/intent/execute-wasm/batch`, {
    method: "POST",
    headers: { "content-type": "application/json", user_id: userId, ...headers },
    body: JSON.stringify(body),
  });
}

describe("POST /intent/execute-wasm/batch", () => {
  it("answers every request in request order: responses and problems side by side", async () => {
    const response = await batch(newUser(), {
      requests: [
        calculator(1, 2),
        { cid: 42, inputs: [] },
        { cid: "glyph://nothing-here@quantum", inputs: [] },
        calculator(20, 22),
      ],
    });
    expect(response.status).toBe(200);
    const answers = (await response.json()) as Record<string, unknown>[];
    expect(answers).toHaveLength(4);
    expect(answers[0]).toMatchObject({ success: true, output: 3 });
    expect(answers[1]).toMatchObject({
      status: 400,
      type: expect.stringContaining("invalid-request"),
    });
    expect(answers[2]).toMatchObject({ status: 404 });
    expect(answers[3]).toMatchObject({ success: true, output: 42 });
  });

  it("counts each request against the rate limit and still answers the refused ones", async () => {
    const user = newUser();
    const requests = Array.from({ length: 7 }, (_, index) => calculator(index, 1));
    const answers = (await (await batch(user, { requests })).json()) as Record<string, unknown>[];
    expect(answers).toHaveLength(7);
    expect(answers.filter((answer) => answer.success === true)).toHaveLength(5);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused).toHaveLength(2);
    expect(refused[0]).toMatchObject({ retry_after: expect.any(Number) });
    // The limit holds beyond the batch: the window is spent.
    const next = await fetch(`${relay.url}/intent/execute-wasm`, {
      method: "POST",
      headers: { "content-type": "application/json", user_id: user },
      body: JSON.stringify(calculator(9, 9)),
    });
    expect(next.status).toBe(429);
  });

  it("keeps each request's idempotency: the same key twice runs once, another request under it is 422", async () => {
    const user = newUser();
    const first = (await (
      await batch(user, { requests: [calculator(2, 2, "k1"), calculator(2, 2, "k1")] })
    ).json()) as Record<string, unknown>[];
    expect(first[0]).toMatchObject({ success: true, output: 4 });
    expect(first[1]).toEqual(first[0]);
    const mismatch = (await (
      await batch(user, { requests: [calculator(3, 3, "k1")] })
    ).json()) as Record<string, unknown>[];
    expect(mismatch[0]).toMatchObject({ status: 422 });
  });

  it("streams each answer as it finishes with Accept: text/event-stream, then an end message", async () => {
    const response = await batch(
      newUser(),
      { requests: [calculator(1, 1), { cid: 7 }, calculator(5, 5)] },
      { accept: "text/event-stream" },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const messages = parseSseStream(await response.text());
    expect(messages.at(-1)).toMatchObject({ event: "end" });
    expect(JSON.parse(messages.at(-1)!.data)).toEqual({ count: 3 });
    const results = messages
      .filter((message) => message.event === "result")
      .map((message) => JSON.parse(message.data) as Record<string, unknown>);
    expect(results.map((result) => result.index).sort()).toEqual([0, 1, 2]);
    const byIndex = new Map(results.map((result) => [result.index, result]));
    expect(byIndex.get(0)).toMatchObject({ status: 200, replayed: false, body: { output: 2 } });
    expect(byIndex.get(1)).toMatchObject({ status: 400, body: { status: 400 } });
    expect(byIndex.get(2)).toMatchObject({ status: 200, body: { output: 10 } });
  });

  it("refuses more than RELAY_BATCH_MAX requests with a 413 naming the limit", async () => {
    const response = await batch(newUser(), {
      requests: Array.from({ length: 9 }, () => calculator(1, 1)),
    });
    expect(response.status).toBe(413);
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({
      max_requests: 8,
      type: expect.stringContaining("batch-too-large"),
    });
    expect(String(problem.detail)).toContain("RELAY_BATCH_MAX");
  });

  it("refuses a malformed batch, an empty one and an Idempotency-Key header with 400", async () => {
    const user = newUser();
    for (const body of [[calculator(1, 1)], { requests: [] }, { requests: "no" }, null]) {
      expect((await batch(user, body)).status, JSON.stringify(body)).toBe(400);
    }
    const withHeader = await batch(
      user,
      { requests: [calculator(1, 1)] },
      { "idempotency-key": "x" },
    );
    expect(withHeader.status).toBe(400);
  });
});
