import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canStartRedisServer } from "./locate-redis.js";
import type { RedisServerProcess } from "./redis-server-process.js";
import { startRedisServer } from "./redis-server-process.js";
import type { RelayServerProcess } from "./relay-server-process.js";
import { startRelayServerProcess } from "./relay-server-process.js";

// The calculator by CID: this test is about the stores. (A glyph:// name is looked up in the
// Redis glyph registry, which has no fallback of its own.)
const CALCULATOR_CID = "bafkreig2puuzpq7lbujb5bzuqumynufgzmthphchjc2zu4tnoqokejykva";

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

async function health(baseUrl: string): Promise<{ status: string; reasons?: string[] }> {
  const response = await fetch(`${baseUrl}/intent/execute-wasm/health`);
  return (await response.json()) as { status: string; reasons?: string[] };
}

describe.skipIf(!canStartRedisServer())(
  "two relays when their Redis goes away mid-load (own redis-server on a free port)",
  () => {
    let redis: RedisServerProcess;
    let relays: RelayServerProcess[] = [];

    beforeAll(async () => {
      redis = await startRedisServer();
      const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: "relay:", RELAY_RATE_LIMIT: "100000" };
      relays = await Promise.all([startRelayServerProcess(env), startRelayServerProcess(env)]);
    }, 60_000);

    afterAll(async () => {
      await Promise.all(relays.map((relay) => relay.stop()));
      await redis?.stop();
    }, 30_000);

    it("answers every request without a 5xx and in bounded time, reports degraded health, and is back on Redis within 5 s of its return", async () => {
      for (const relay of relays) expect((await health(relay.url)).status).toBe("healthy");
      const statuses = new Map<number, number>();
      const failures: string[] = [];
      const slowest = { before: 0, during: 0 };
      let phase: keyof typeof slowest = "before";
      let running = true;
      let n = 0;
      const loop = async (instance: number) => {
        while (running) {
          n += 1;
          const started = performance.now();
          const response = await fetch(`${relays[instance]!.url}/intent/execute-wasm`, {
            method: "POST",
            headers: { "content-type": "application/json", user_id: `outage-user-${n % 7}` },
            body: JSON.stringify({ cid: CALCULATOR_CID, inputs: [n, 1] }),
          });
          const text = await response.text();
          if (response.status >= 500 && failures.length < 3)
            failures.push(`${response.status} ${text}`);
          slowest[phase] = Math.max(slowest[phase], performance.now() - started);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          await sleep(5);
        }
      };
      const load = Promise.all([0, 1, 0, 1].map(loop));

      await sleep(500);
      phase = "during";
      await redis.stop();
      await sleep(1_500);
      const degraded = await Promise.all(relays.map((relay) => health(relay.url)));
      for (const document of degraded) {
        expect(document.status).toBe("degraded");
        expect(document.reasons?.join(" ")).toMatch(/redis unreachable/);
      }

      await redis.restart();
      const restarted = performance.now();
      const healthyAfterMs: number[] = [];
      for (const relay of relays) {
        while ((await health(relay.url)).status !== "healthy") {
          if (performance.now() - restarted > 10_000) break;
          await sleep(50);
        }
        healthyAfterMs.push(performance.now() - restarted);
      }
      running = false;
      await load;

      expect(failures).toEqual([]);
      expect([...statuses.keys()].filter((status) => status >= 500)).toEqual([]);
      expect(statuses.get(200) ?? 0).toBeGreaterThan(50);
      for (const milliseconds of healthyAfterMs) expect(milliseconds).toBeLessThan(5_000);
      // Redis is down, not slow: store calls fail at once and are answered from memory.
      expect(slowest.during).toBeLessThan(1_500);
    }, 60_000);
  },
);
