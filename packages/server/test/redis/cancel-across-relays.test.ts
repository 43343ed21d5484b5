import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSseStream } from "../openapi/parse-sse.js";
import { deleteKeysWithPrefix } from "./delete-keys-with-prefix.js";
import { locateRedis } from "./locate-redis.js";
import { type RelayServerProcess, startRelayServerProcess } from "./relay-server-process.js";
import { testKeyPrefix } from "./test-key-prefix.js";

const located = await locateRedis();

const spin = (maxTime: number) => ({
  cid: "glyph://spin@quantum",
  inputs: [],
  policy: { max_time: maxTime, max_gas: 1_000_000_000_000 },
});

function post(baseUrl: string, userId: string, body: unknown, key: string) {
  return fetch(`${baseUrl}/intent/execute-wasm`, {
    method: "POST",
    headers: { "content-type": "application/json", user_id: userId, "idempotency-key": key },
    body: JSON.stringify(body),
  }).then(async (response) => ({
    status: response.status,
    replayed: response.headers.get("idempotent-replayed"),
    body: (await response.json()) as Record<string, unknown>,
    at: performance.now(),
  }));
}

async function cancel(baseUrl: string, userId: string, id: string) {
  const response = await fetch(`${baseUrl}/intent/execute-wasm/${encodeURIComponent(id)}`, {
    method: "DELETE",
    headers: { user_id: userId },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Cancels at `baseUrl` as soon as some relay tracks the execution (404 until then). */
async function cancelWhenTracked(baseUrl: string, userId: string, id: string, rerun = false) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await cancel(baseUrl, userId, id);
    const early = answer.status === 404 || (rerun && answer.status === 409);
    if (!early || Date.now() > deadline) return { ...answer, at: performance.now() };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

let users = 0;
const newUser = () => `cancel-x-${++users}-${Date.now().toString(36)}`;

describe.skipIf(!located)("cancellation across two relay processes sharing one Redis", () => {
  const prefix = testKeyPrefix("e2e-cancel");
  const redis = new Redis(located?.url ?? "", { lazyConnect: true });
  let owner: RelayServerProcess;
  let other: RelayServerProcess;

  beforeAll(async () => {
    const env = {
      REDIS_URL: located?.url ?? "",
      REDIS_KEY_PREFIX: prefix,
      RELAY_RATE_LIMIT: "100000",
      RELAY_LIMIT_MAX_GAS: "1000000000000",
      RELAY_WORKERS: "1",
    };
    [owner, other] = await Promise.all([
      startRelayServerProcess(env),
      startRelayServerProcess(env),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([owner?.stop(), other?.stop()]);
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
    await located?.release();
  }, 30_000);

  it("a DELETE at the other relay stops a run on the owning relay; its stream (read at the other) ends cancelled; a retry runs afresh", async () => {
    const user = newUser();
    const key = `run-${user}`;
    const stream = fetch(
      `${other.url}/intent/execute-wasm/events?idempotency_key=${encodeURIComponent(key)}`,
      { headers: { user_id: user } },
    ).then((response) => response.text());
    await new Promise((resolve) => setTimeout(resolve, 200));
    const waiting = post(owner.url, user, spin(20_000), key);
    const accepted = await cancelWhenTracked(other.url, user, key);
    expect(accepted.status).toBe(202);
    const answer = await waiting;
    expect(answer.body).toMatchObject({ success: false, error: { code: "cancelled" } });
    // Bound: Redis pub/sub, the sandbox stopping its thread, and two HTTP answers.
    expect(answer.at - accepted.at).toBeLessThan(1_000);
    const events = parseSseStream(await stream).map(
      (event) => JSON.parse(event.data) as Record<string, unknown>,
    );
    expect(events.at(-1)).toMatchObject({
      type: "execution_complete",
      error: { code: "cancelled" },
    });

    // The finished run is a conflict at either relay.
    expect((await cancel(owner.url, user, key)).status).toBe(409);
    // Nothing was recorded: the same request at the other relay runs (it can be cancelled again).
    const rerun = post(other.url, user, spin(20_000), key);
    expect((await cancelWhenTracked(owner.url, user, key, true)).status).toBe(202);
    const rerunAnswer = await rerun;
    expect(rerunAnswer.replayed).toBeNull();
    expect(rerunAnswer.body).toMatchObject({ error: { code: "cancelled" } });
  });

  it("a DELETE at the other relay stops a run still queued behind another on the owning relay", async () => {
    const busy = newUser();
    const user = newUser();
    const blocker = post(owner.url, busy, spin(20_000), `block-${busy}`);
    // The owner's one worker thread runs the blocker; the next run waits in its queue.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const queued = post(owner.url, user, spin(20_000), `queued-${user}`);
    const accepted = await cancelWhenTracked(other.url, user, `queued-${user}`);
    expect(accepted.status).toBe(202);
    const answer = await queued;
    expect(answer.body).toMatchObject({ error: { code: "cancelled" } });
    expect(answer.at - accepted.at).toBeLessThan(1_000);
    // The run ahead of it was not touched; stop it too.
    expect((await cancel(other.url, busy, `block-${busy}`)).status).toBe(202);
    expect((await blocker).body).toMatchObject({ error: { code: "cancelled" } });
  });
});
