import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { canStartRedisServer, locateRedis } from "../redis/locate-redis.js";
import { type RedisServerProcess, startRedisServer } from "../redis/redis-server-process.js";
import { testKeyPrefix } from "../redis/test-key-prefix.js";

type Relay = Awaited<ReturnType<typeof startRelayServer>>;
const BUSY_CID = "bafkreiack4ucqm3axeqmyaqzdycrpicw2rcahuwzln5i6iq4zz5swb34om";

let users = 0;
const newUser = (label: string) => `${label}-${++users}-${Date.now().toString(36)}`;

async function execute(relay: Relay, userId: string, body: unknown) {
  const response = await fetch(`${relay.url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "Content-Type": "application/json", user_id: userId },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    cache: response.headers.get("relay-cache"),
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** A sample of the relay's /metrics (0 when absent). */
async function sample(relay: Relay, name: string): Promise<number> {
  const text = await (await fetch(`${relay.url}/metrics`)).text();
  const match = text.match(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m"));
  return match ? Number(match[1]) : 0;
}

describe("the result cache over HTTP (memory, the default)", () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await startRelayServer({ env: { RELAY_WORKERS: "1", RELAY_RATE_LIMIT: "1000" } });
  });
  afterAll(() => relay?.close());

  it("answers user B with cached: true, A's output and gas, and no execution", async () => {
    const body = { cid: "glyph://busy@quantum", inputs: [20_000] };
    const a = await execute(relay, newUser("a"), body);
    const b = await execute(relay, newUser("b"), body);
    expect(a).toMatchObject({ status: 200, cache: "miss", body: { success: true } });
    expect(a.body).not.toHaveProperty("cached");
    expect(b).toMatchObject({ status: 200, cache: "hit", body: { success: true, cached: true } });
    expect(b.body.output).toEqual(a.body.output);
    expect(b.body.gas_used).toBe(a.body.gas_used);
    expect(b.body.request_id).not.toBe(a.body.request_id);
    expect(b.body.resolved_cid).toBe(BUSY_CID);
    expect(await sample(relay, "relay_execute_wasm_cache_hit_total")).toBe(1);
    // One execution only: the duration histogram counted A's run, not B's answer.
    expect(await sample(relay, "relay_execute_wasm_duration_seconds_count")).toBe(1);
  });

  it("runs a request with cache: false", async () => {
    const body = { cid: "glyph://busy@quantum", inputs: [30_000] };
    await execute(relay, newUser("a"), body);
    const before = await sample(relay, "relay_execute_wasm_duration_seconds_count");
    const optedOut = await execute(relay, newUser("b"), { ...body, cache: false });
    expect(optedOut).toMatchObject({ status: 200, cache: "miss", body: { success: true } });
    expect(optedOut.body).not.toHaveProperty("cached");
    expect(await sample(relay, "relay_execute_wasm_duration_seconds_count")).toBe(before + 1);
  });

  it("never answers or keeps a deterministic: false run", async () => {
    const body = { cid: "glyph://busy@quantum", inputs: [40_000], deterministic: false };
    const a = await execute(relay, newUser("a"), body);
    const b = await execute(relay, newUser("b"), body);
    const c = await execute(relay, newUser("c"), { ...body, deterministic: true });
    for (const answer of [a, b, c]) {
      expect(answer).toMatchObject({ status: 200, cache: "miss", body: { success: true } });
    }
  });

  it("reports the module's fingerprint on GET /modules/{cid}", async () => {
    const response = await fetch(`${relay.url}/modules/${BUSY_CID}`, {
      headers: { user_id: "reader" },
    });
    expect(response.status).toBe(200);
    const fingerprint = response.headers.get("relay-module-fingerprint");
    expect(fingerprint).toMatch(/^bafkrei[a-z2-7]{52}$/);
    await response.arrayBuffer();
  });

  it("refuses an unknown request member and a non-boolean cache", async () => {
    const wrong = await execute(relay, newUser("a"), { cid: "glyph://busy@quantum", cache: "no" });
    expect(wrong.status).toBe(400);
  });
});

const located = await locateRedis();

describe.skipIf(!located)("two relays sharing one Redis result cache", () => {
  const prefix = testKeyPrefix("result-cache-e2e");
  const relays: Relay[] = [];
  beforeAll(async () => {
    const env = {
      RELAY_WORKERS: "1",
      REDIS_URL: located?.url ?? "",
      REDIS_KEY_PREFIX: prefix,
      RELAY_RESULT_CACHE: "redis",
      RELAY_RATE_LIMIT: "1000",
    };
    relays.push(await startRelayServer({ env }), await startRelayServer({ env }));
  }, 30_000);
  afterAll(async () => {
    await Promise.all(relays.map((relay) => relay.close()));
    await located?.release();
  });

  it("answers on one relay what the other ran", async () => {
    const [first, second] = relays as [Relay, Relay];
    const body = { cid: BUSY_CID, inputs: [12_345] };
    const a = await execute(first, newUser("a"), body);
    const b = await execute(second, newUser("b"), body);
    expect(a).toMatchObject({ cache: "miss", body: { success: true } });
    expect(b).toMatchObject({ cache: "hit", body: { success: true, cached: true } });
    expect(b.body.gas_used).toBe(a.body.gas_used);
    expect(await sample(second, "relay_execute_wasm_duration_seconds_count")).toBe(0);
  });

  it("runs concurrent identical questions on two relays once", async () => {
    const body = { cid: BUSY_CID, inputs: [400_000] };
    const answers = await Promise.all(
      [0, 1, 0, 1].map((index) => execute(relays[index] as Relay, newUser("c"), body)),
    );
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(answers.filter((answer) => answer.cache === "miss")).toHaveLength(1);
    expect(new Set(answers.map((answer) => answer.body.gas_used)).size).toBe(1);
  });
});

describe.skipIf(!canStartRedisServer())("a Redis result cache whose Redis goes away", () => {
  let redis: RedisServerProcess;
  let relay: Relay;
  beforeAll(async () => {
    redis = await startRedisServer();
    relay = await startRelayServer({
      env: {
        RELAY_WORKERS: "1",
        REDIS_URL: redis.url,
        RELAY_RESULT_CACHE: "redis",
        RELAY_RATE_LIMIT: "1000",
      },
    });
  }, 30_000);
  afterAll(async () => {
    await relay?.close();
    await redis?.stop();
  });

  it("skips the cache: every request runs and succeeds, none is an error", async () => {
    const body = { cid: BUSY_CID, inputs: [777] };
    expect((await execute(relay, newUser("a"), body)).cache).toBe("miss");
    expect((await execute(relay, newUser("b"), body)).cache).toBe("hit");
    await redis.stop();
    const during = await Promise.all([1, 2, 3].map(() => execute(relay, newUser("c"), body)));
    for (const answer of during) {
      expect(answer).toMatchObject({ status: 200, cache: "miss", body: { success: true } });
    }
    expect(await sample(relay, "relay_result_cache_unavailable_total")).toBeGreaterThan(0);
  }, 30_000);
});
