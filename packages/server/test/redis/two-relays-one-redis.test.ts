import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix } from "./delete-keys-with-prefix.js";
import { locateRedis } from "./locate-redis.js";
import type { RelayServerProcess } from "./relay-server-process.js";
import { startRelayServerProcess } from "./relay-server-process.js";
import { testKeyPrefix } from "./test-key-prefix.js";

const located = await locateRedis();

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  sentAt: number;
  answeredAt: number;
}

async function post(
  baseUrl: string,
  userId: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const sentAt = performance.now();
  const response = await fetch(`${baseUrl}/intent/execute-wasm`, {
    method: "POST",
    headers: { "content-type": "application/json", user_id: userId, ...headers },
    body: JSON.stringify(body),
  });
  const parsed = (await response.json()) as Record<string, unknown>;
  return {
    status: response.status,
    headers: response.headers,
    body: parsed,
    sentAt,
    answeredAt: performance.now(),
  };
}

const calculator = (a: number, b: number) => ({
  cid: "glyph://calculator@quantum",
  inputs: [a, b],
});
const spin = (maxTime: number) => ({
  cid: "glyph://spin@quantum",
  inputs: [],
  // Gas the loop cannot burn through before max_time: it always ends by timeout.
  policy: { max_time: maxTime, max_gas: 1_000_000_000_000 },
});
/** `relay_store_fallback_total` summed over its labels, from the relay's /metrics. */
async function fallbackCount(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return [...text.matchAll(/^relay_store_fallback_total\{[^}]*\} (\d+)$/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
}

let users = 0;
const newUser = (label: string) => `${label}-${++users}-${Date.now().toString(36)}`;
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

describe.skipIf(!located)("two relay processes sharing one Redis", () => {
  // Pair "limited": 10 requests per 2 s per user. Pair "open": a limit no test reaches.
  const limitedPrefix = testKeyPrefix("e2e-limited");
  const openPrefix = testKeyPrefix("e2e-open");
  const redis = new Redis(located?.url ?? "", { lazyConnect: true });
  const relays: Record<"limited" | "open", RelayServerProcess[]> = { limited: [], open: [] };
  const limitedEnv = {
    REDIS_URL: located?.url ?? "",
    REDIS_KEY_PREFIX: limitedPrefix,
    RELAY_RATE_LIMIT: "10",
    RELAY_RATE_WINDOW: "2000",
  };
  const openEnv = {
    REDIS_URL: located?.url ?? "",
    REDIS_KEY_PREFIX: openPrefix,
    RELAY_RATE_LIMIT: "100000",
    RELAY_LIMIT_MAX_GAS: "1000000000000",
  };

  beforeAll(async () => {
    const started = await Promise.all([
      startRelayServerProcess(limitedEnv),
      startRelayServerProcess(limitedEnv),
      startRelayServerProcess(openEnv),
      startRelayServerProcess(openEnv),
    ]);
    relays.limited = started.slice(0, 2);
    relays.open = started.slice(2);
    // Warm up: the first request of a process loads and compiles the module, starts the worker
    // and JIT-compiles the path. (A slow Redis call never sends a relay to its memory stores:
    // only a lost connection does; none of these tests loses it.)
    for (const relay of started) {
      const answer = await post(relay.url, newUser("warm-up"), calculator(0, 0));
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    }
    expect(await Promise.all(started.map((relay) => fallbackCount(relay.url)))).toEqual([
      0, 0, 0, 0,
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...relays.limited, ...relays.open].map((relay) => relay.stop()));
    await deleteKeysWithPrefix(redis, limitedPrefix);
    await deleteKeysWithPrefix(redis, openPrefix);
    redis.disconnect();
    await located?.release();
  }, 30_000);

  it("a user's limit holds across both: of 30 simultaneous requests exactly 10 pass; headers on every answer; a retry after Retry-After passes", async () => {
    const user = newUser("burst");
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        post(relays.limited[i % 2]!.url, user, calculator(i, 1)),
      ),
    );
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(10);
    const refused = answers.filter((answer) => answer.status === 429);
    expect(refused).toHaveLength(20);
    // Both instances refused some: the limit is the user's, not the process'.
    const refusedBy = new Set(
      answers
        .map((answer, i) => (answer.status === 429 ? i % 2 : -1))
        .filter((instance) => instance >= 0),
    );
    expect(refusedBy.size).toBe(2);
    for (const answer of answers) {
      expect(answer.headers.get("ratelimit-policy")).toBe('"default";q=10;w=2');
      expect(answer.headers.get("ratelimit")).toMatch(/^"default";r=\d+;t=\d+$/);
    }
    let latestRetryAfter = 0;
    for (const answer of refused) {
      const retryAfter = Number(answer.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(2);
      expect(answer.body.retry_after).toBe(retryAfter);
      expect(answer.headers.get("ratelimit")).toMatch(/^"default";r=0;/);
      latestRetryAfter = Math.max(latestRetryAfter, retryAfter);
    }
    // Retry-After is never earlier than the moment a request passes.
    await sleep(latestRetryAfter * 1000);
    expect((await post(relays.limited[0]!.url, user, calculator(99, 1))).status).toBe(200);
  }, 30_000);

  it("under sustained load on both for 3 s, no 2 s window ever holds more than 10 accepted requests", async () => {
    const user = newUser("sustained");
    const accepted: Answer[] = [];
    let statuses = new Map<number, number>();
    let n = 0;
    const until = performance.now() + 3_000;
    const loop = async (instance: number) => {
      while (performance.now() < until) {
        n += 1;
        const answer = await post(relays.limited[instance]!.url, user, calculator(n, 2));
        statuses = statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status === 200) accepted.push(answer);
        // About 80 requests a second in all: far over the limit, light on a busy 2-core machine.
        await sleep(20);
      }
    };
    await Promise.all([0, 1].map(loop));
    const fallbacks = await Promise.all(relays.limited.map((relay) => fallbackCount(relay.url)));
    expect(fallbacks, "a relay answered from memory, although Redis stayed connected").toEqual([
      0, 0,
    ]);
    expect([...statuses.keys()].sort()).toEqual([200, 429]);
    // 3 s of 2 s windows: at least two windows' worth passed, never more than the limit in one.
    expect(accepted.length).toBeGreaterThan(10);
    expect(accepted.length).toBeLessThanOrEqual(20);
    for (const end of accepted) {
      // Acceptances that certainly fell in the 2 s window ending at `end`'s acceptance.
      const inside = accepted.filter(
        (other) => other.sentAt > end.answeredAt - 2_000 && other.answeredAt <= end.sentAt,
      );
      expect(inside.length).toBeLessThan(10);
    }
  }, 30_000);

  it("100 concurrent identical requests split across both run the module once, and all get the same answer", async () => {
    const user = newUser("once");
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        post(relays.open[i % 2]!.url, user, calculator(20, 22)),
      ),
    );
    const fallbacks = await Promise.all(relays.open.map((relay) => fallbackCount(relay.url)));
    expect(fallbacks, "a relay answered from memory, although Redis stayed connected").toEqual([
      0, 0,
    ]);
    const failed = answers.filter((answer) => answer.status !== 200);
    expect(failed.map((answer) => `${answer.status} ${JSON.stringify(answer.body)}`)).toEqual([]);
    const executed = answers.filter((answer) => answer.headers.get("idempotent-replayed") === null);
    expect(executed).toHaveLength(1);
    expect(
      answers.filter((answer) => answer.headers.get("idempotent-replayed") === "true"),
    ).toHaveLength(99);
    expect(executed[0]!.body).toMatchObject({ success: true, output: 42 });
    for (const answer of answers) expect(answer.body).toEqual(executed[0]!.body);
  }, 30_000);

  it("the same Idempotency-Key with another payload is 422 on the other instance, which replays the first payload", async () => {
    const user = newUser("mismatch");
    const key = { "Idempotency-Key": "order-1" };
    const first = await post(relays.open[0]!.url, user, calculator(1, 2), key);
    expect(first.status).toBe(200);
    const other = await post(relays.open[1]!.url, user, calculator(1, 3), key);
    expect(other.status).toBe(422);
    expect(JSON.stringify(other.body)).toMatch(/idempotency/i);
    const again = await post(relays.open[1]!.url, user, calculator(1, 2), key);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    // Another user's same key is theirs alone.
    const stranger = await post(relays.open[1]!.url, newUser("stranger"), calculator(1, 3), key);
    expect(stranger.status).toBe(200);
    expect(stranger.headers.get("idempotent-replayed")).toBeNull();
  }, 30_000);

  // The pipeline's idempotency margin is 10 s: a duplicate waits max_time + 10 s, a lease lasts
  // twice that. This test waits both out (about 23 s).
  it("a relay killed mid-run: a duplicate waits out the bound and gets 409; once the dead holder's lease expires, the request runs", async () => {
    const holder = await startRelayServerProcess(openEnv);
    const user = newUser("killed");
    const key = { "Idempotency-Key": "killed-run" };
    const holderStarted = performance.now();
    const running = post(holder.url, user, spin(1_000), key).catch(() => undefined);
    await sleep(400);
    await holder.kill();
    await running;

    const duplicate = await post(relays.open[0]!.url, user, spin(1_000), key);
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers.get("content-type")).toBe("application/problem+json");
    // Waited max_time + margin (11 s) for the holder before giving up.
    expect(duplicate.answeredAt - duplicate.sentAt).toBeGreaterThan(10_500);

    const next = await post(relays.open[1]!.url, user, spin(1_000), key);
    expect(next.status).toBe(200);
    expect(next.headers.get("idempotent-replayed")).toBeNull();
    expect(next.body).toMatchObject({ success: false, error: { code: "timeout" } });
    // It ran only after the dead holder's lease (2 × 11 s from the holder's start) expired.
    expect(next.answeredAt - holderStarted).toBeGreaterThan(21_000);
  }, 60_000);
});
