import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix } from "../redis/delete-keys-with-prefix.js";
import { type RelayServerProcess, startRelayServerProcess } from "../redis/relay-server-process.js";
import { testKeyPrefix } from "../redis/test-key-prefix.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = testKeyPrefix("shutdown-answers");
const started: RelayServerProcess[] = [];

afterAll(async () => {
  for (const server of started) await server.kill();
  const redis = new Redis(REDIS_URL);
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

async function start(): Promise<RelayServerProcess> {
  const server = await startRelayServerProcess({
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    RELAY_RATE_LIMIT: "1000",
    RELAY_WORKERS: "2",
    RELAY_LIMIT_MAX_GAS: "1000000000000000",
    RELAY_SHUTDOWN_TIMEOUT: "1000",
  });
  started.push(server);
  return server;
}

/** `spin` (never returns) until its max_time: unfinished for the whole drain. */
const slowRequest = JSON.stringify({
  cid: "glyph://spin@quantum",
  policy: { max_gas: 1_000_000_000_000_000, max_time: 3000 },
});

function execute(url: string, key: string) {
  return fetch(`${url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "Content-Type": "application/json", user_id: "shutdown", "Idempotency-Key": key },
    body: slowRequest,
  }).then(
    async (response) => ({
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      type: response.headers.get("content-type"),
      body: (await response.json()) as Record<string, unknown>,
    }),
    (error: unknown) => ({ error: String((error as { cause?: unknown }).cause ?? error) }),
  );
}

describe("shutdown past RELAY_SHUTDOWN_TIMEOUT (issue 12, item 14)", () => {
  it("answers each unfinished request 503 with Retry-After, releases its lease, and warns of no listener leak", async () => {
    const first = await start();
    const answers = Promise.all(
      Array.from({ length: 20 }, (_, index) => execute(first.url, `drain-${index}`)),
    );
    // Let every request reach the server (and two of them a worker) before the signal.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await first.stop();
    const settled = await answers;
    for (const answer of settled) {
      expect(answer).toMatchObject({
        status: 503,
        type: "application/problem+json",
        body: { status: 503 },
      });
      expect(Number((answer as { retryAfter: string }).retryAfter)).toBeGreaterThan(0);
    }
    expect(first.stderr()).not.toContain("MaxListenersExceededWarning");

    // The same request, retried on another instance of the same Redis, runs at once.
    const second = await start();
    for (const key of ["drain-0", "drain-19"]) {
      const retried = await execute(second.url, key);
      expect(retried).toMatchObject({
        status: 200,
        body: { success: false, error: { code: "timeout" } },
      });
    }
    await second.stop();
  }, 60_000);
});
