import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Authenticator } from "../../src/identity/authenticator.js";
import { startRelayServer } from "../../src/relay-server.js";
import { parseSseStream } from "../openapi/parse-sse.js";

/** `user_id` header as the user; `root` holds the admin role. */
const testAuthenticator: Authenticator = {
  name: "test",
  async authenticate(headers) {
    const userId = String(headers.user_id ?? "anonymous");
    return { userId, roles: userId === "root" ? ["admin"] : [] };
  },
};

const spin = (maxTime = 20_000) => ({
  cid: "glyph://spin@quantum",
  inputs: [],
  policy: { max_time: maxTime, max_gas: 1_000_000_000_000 },
});

let relay: { url: string; close(): Promise<void> };
let counter = 0;
const newUser = () => `cancel-${++counter}-${Date.now().toString(36)}`;

beforeAll(async () => {
  relay = await startRelayServer({
    env: {
      RELAY_RATE_LIMIT: "1000",
      RELAY_WORKERS: "2",
      RELAY_LIMIT_MAX_GAS: "1000000000000",
    },
    authenticator: testAuthenticator,
  });
});
afterAll(() => relay.close());

function post(userId: string, body: unknown, key?: string) {
  return fetch(`${relay.url}/intent/execute-wasm`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      user_id: userId,
      ...(key ? { "idempotency-key": key } : {}),
    },
    body: JSON.stringify(body),
  }).then(async (response) => ({
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
    at: performance.now(),
  }));
}

function cancel(userId: string, id: string) {
  return fetch(`${relay.url}/intent/execute-wasm/${encodeURIComponent(id)}`, {
    method: "DELETE",
    headers: { user_id: userId },
  }).then(async (response) => ({
    status: response.status,
    contentType: response.headers.get("content-type"),
    body: (await response.json()) as Record<string, unknown>,
    at: performance.now(),
  }));
}

/**
 * Cancels `id` as soon as the relay tracks it: 404 until then (409 too, with `rerun`: an earlier
 * run under the key finished).
 */
async function cancelWhenRunning(userId: string, id: string, rerun = false) {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const answer = await cancel(userId, id);
    const early = answer.status === 404 || (rerun && answer.status === 409);
    if (!early || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("DELETE /intent/execute-wasm/{request_id} on one relay", () => {
  it("cancels a running execution: the caller gets cancelled, the stream ends with it, nothing is recorded", async () => {
    const user = newUser();
    const key = `job-${user}`;
    const stream = fetch(
      `${relay.url}/intent/execute-wasm/events?idempotency_key=${encodeURIComponent(key)}`,
      { headers: { user_id: user } },
    ).then((response) => response.text());
    await new Promise((resolve) => setTimeout(resolve, 100));
    const waiting = post(user, spin(), key);

    const accepted = await cancelWhenRunning(user, key);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ state: "cancelling" });
    const requestIds = accepted.body.request_ids as string[];
    expect(requestIds).toHaveLength(1);

    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      success: false,
      request_id: requestIds[0],
      error: { code: "cancelled" },
    });
    // Far sooner than the 20 s the module would run.
    expect(answer.at - accepted.at).toBeLessThan(2_000);

    const events = parseSseStream(await stream).map(
      (event) => JSON.parse(event.data) as Record<string, unknown>,
    );
    expect(events.at(-1)).toMatchObject({
      type: "execution_complete",
      success: false,
      error: { code: "cancelled" },
    });

    // Finished now: a second cancel is a conflict, by key or by request id.
    const again = await cancel(user, requestIds[0]!);
    expect(again.status).toBe(409);
    expect(again.contentType).toContain("application/problem+json");
    expect(again.body.type).toContain("execution-finished");

    // Nothing was recorded: the same request runs afresh (it is running again, not replayed).
    const rerun = post(user, spin(), key);
    expect((await cancelWhenRunning(user, key, true)).status).toBe(202);
    const rerunAnswer = await rerun;
    expect(rerunAnswer.headers.get("idempotent-replayed")).toBeNull();
    expect(rerunAnswer.body).toMatchObject({ error: { code: "cancelled" } });
  });

  it("cancels by request id a run the caller started without a key", async () => {
    const user = newUser();
    const waiting = post(user, spin(19_000));
    // The request id is the content hash: learn it from the event stream.
    const events = await fetch(`${relay.url}/intent/execute-wasm/events`, {
      headers: { user_id: user },
    });
    const reader = events.body!.getReader();
    let text = "";
    while (!/"request_id":"([0-9a-f]{64})"/.test(text)) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    const requestId = /"request_id":"([0-9a-f]{64})"/.exec(text)![1]!;
    expect((await cancelWhenRunning(user, requestId)).status).toBe(202);
    expect((await waiting).body).toMatchObject({
      request_id: requestId,
      error: { code: "cancelled" },
    });
  });

  it("keeps a caller's execution from other users (404) but not from an admin", async () => {
    const user = newUser();
    const key = `mine-${user}`;
    const waiting = post(user, spin(18_000), key);
    const byOwner = await fetch(
      `${relay.url}/intent/execute-wasm/events?idempotency_key=${encodeURIComponent(key)}`,
      { headers: { user_id: user } },
    );
    const reader = byOwner.body!.getReader();
    let text = "";
    while (!/"request_id":"([0-9a-f]{64})"/.test(text)) {
      const { value } = await reader.read();
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    const requestId = /"request_id":"([0-9a-f]{64})"/.exec(text)![1]!;
    // Running and tracked now; keys belong to their caller, even for an admin.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await cancel("root", key)).status).toBe(404);
    const stranger = await cancel(newUser(), requestId);
    expect(stranger.status).toBe(404);
    expect(stranger.body.type).toContain("execution-not-found");
    expect((await cancelWhenRunning("root", requestId)).status).toBe(202);
    expect((await waiting).body).toMatchObject({ error: { code: "cancelled" } });
  });

  it("answers 404 for an unknown id, 400 for an over-long one, 409 for a finished one", async () => {
    const user = newUser();
    expect((await cancel(user, "0".repeat(64))).status).toBe(404);
    const tooLong = await cancel(user, "k".repeat(256));
    expect(tooLong.status).toBe(400);
    const done = await post(user, { cid: "glyph://calculator@quantum", inputs: [2, 3] }, "quick");
    expect(done.body).toMatchObject({ success: true, output: 5 });
    expect((await cancel(user, "quick")).status).toBe(409);
    expect((await cancel(user, done.body.request_id as string)).status).toBe(409);
  });

  it("answers 401 without credentials", async () => {
    const plain = await startRelayServer({ env: {} });
    try {
      const response = await fetch(`${plain.url}/intent/execute-wasm/${"0".repeat(64)}`, {
        method: "DELETE",
      });
      expect(response.status).toBe(401);
    } finally {
      await plain.close();
    }
  });
});
