import { Agent, request as httpRequest } from "node:http";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canStartRedisServer } from "./locate-redis.js";
import type { RedisServerProcess } from "./redis-server-process.js";
import { startRedisServer } from "./redis-server-process.js";
import type { RelayServerProcess } from "./relay-server-process.js";
import { startRelayServerProcess } from "./relay-server-process.js";

// The calculator by CID: no glyph lookup, only the rate-limit and idempotency stores use Redis.
const CALCULATOR_CID = "bafkreig2puuzpq7lbujb5bzuqumynufgzmthphchjc2zu4tnoqokejykva";

interface Answer {
  status: number;
  replayed: boolean;
  body: string;
}

// At most 100 connections per relay: a burst of 1,000 opened as 1,000 sockets at once overflowed
// the listen backlog of a loaded machine ("other side closed"), which says nothing of the limits.
const agent = new Agent({ keepAlive: true, maxSockets: 100 });

function post(baseUrl: string, userId: string, inputs: number[]): Promise<Answer> {
  const body = JSON.stringify({ cid: CALCULATOR_CID, inputs });
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${baseUrl}/intent/execute-wasm`,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          user_id: userId,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            replayed: response.headers["idempotent-replayed"] === "true",
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

/** Sum of one counter over its labels, from a relay's /metrics. */
async function counter(baseUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const pattern = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)$`, "gm");
  return [...text.matchAll(pattern)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/** Modules run by the relays (succeeded or failed), summed. */
async function executions(relays: RelayServerProcess[]): Promise<number> {
  let total = 0;
  for (const relay of relays) {
    total += await counter(relay.url, "relay_execute_wasm_success_total");
    total += await counter(relay.url, "relay_execute_wasm_error_total");
  }
  return total;
}

async function fallbacks(relays: RelayServerProcess[]): Promise<number[]> {
  return Promise.all(relays.map((relay) => counter(relay.url, "relay_store_fallback_total")));
}

const tally = (answers: Answer[]) => {
  const statuses: Record<string, number> = {};
  for (const answer of answers) {
    const label = answer.replayed ? `${answer.status} replayed` : String(answer.status);
    statuses[label] = (statuses[label] ?? 0) + 1;
  }
  return statuses;
};

let users = 0;
const newUser = (label: string) => `${label}-${++users}-${Date.now().toString(36)}`;

// CLIENT PAUSE stalls every client of a Redis: this file starts its own, never the shared one.
describe.skipIf(!canStartRedisServer())(
  "two relays on a slow but connected Redis (own redis-server on a free port)",
  () => {
    let redis: RedisServerProcess;
    let control: Redis;
    const relays: Record<"open" | "limited", RelayServerProcess[]> = { open: [], limited: [] };

    beforeAll(async () => {
      redis = await startRedisServer();
      control = new Redis(redis.url);
      const open = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: "open:", RELAY_RATE_LIMIT: "100000" };
      // 10 per minute: a round of 1,000 simultaneous requests fits in one window.
      const limited = {
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: "limited:",
        RELAY_RATE_LIMIT: "10",
        RELAY_RATE_WINDOW: "60000",
      };
      const started = await Promise.all([
        startRelayServerProcess(open),
        startRelayServerProcess(open),
        startRelayServerProcess(limited),
        startRelayServerProcess(limited),
      ]);
      relays.open = started.slice(0, 2);
      relays.limited = started.slice(2);
      // The first request of a process compiles the module and starts the worker.
      for (const relay of started) {
        expect((await post(relay.url, newUser("warm-up"), [0, 0])).status).toBe(200);
      }
    }, 60_000);

    afterAll(async () => {
      await Promise.all([...relays.open, ...relays.limited].map((relay) => relay.stop()));
      control?.disconnect();
      agent.destroy();
      await redis?.stop();
    }, 30_000);

    it("Redis stalled for 600 ms (CLIENT PAUSE) while 100 identical requests arrive over both: the module runs once", async () => {
      for (let round = 0; round < 2; round += 1) {
        const user = newUser("stalled");
        const before = await executions(relays.open);
        const fallbacksBefore = await fallbacks(relays.open);
        expect(await control.call("CLIENT", "PAUSE", "600", "ALL")).toBe("OK");
        const answers = await Promise.all(
          Array.from({ length: 100 }, (_, index) =>
            post(relays.open[index % 2]!.url, user, [20, 22]),
          ),
        );
        const ran = (await executions(relays.open)) - before;
        const statuses = tally(answers);
        expect(ran, JSON.stringify(statuses)).toBe(1);
        const executed = answers.filter((answer) => answer.status === 200 && !answer.replayed);
        expect(executed, JSON.stringify(statuses)).toHaveLength(1);
        // Everything else is a replay of that one run, or a 503 to retry (which replays then).
        for (const answer of answers) {
          if (answer.status === 200) {
            expect(JSON.parse(answer.body)).toEqual(JSON.parse(executed[0]!.body));
          } else {
            expect(answer.status, answer.body).toBe(503);
            expect(JSON.parse(answer.body)).toMatchObject({
              type: expect.stringMatching(/store-unavailable$/),
            });
          }
        }
        // Nothing was decided from memory: Redis was slow, not down.
        expect(await fallbacks(relays.open)).toEqual(fallbacksBefore);
        const retried = await post(relays.open[1]!.url, user, [20, 22]);
        expect(retried.status).toBe(200);
        expect(retried.replayed).toBe(true);
        expect((await executions(relays.open)) - before).toBe(1);
      }
    }, 60_000);

    it("Redis stalled past RELAY_REDIS_TIMEOUT (2 s): 503 store-unavailable with Retry-After, nothing run, nothing decided from memory; the retry runs once", async () => {
      const user = newUser("too-slow");
      const before = await executions(relays.open);
      const fallbacksBefore = await fallbacks(relays.open);
      expect(await control.call("CLIENT", "PAUSE", "2600", "ALL")).toBe("OK");
      const responses = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          fetch(`${relays.open[index % 2]!.url}/intent/execute-wasm`, {
            method: "POST",
            headers: { "content-type": "application/json", user_id: user },
            body: JSON.stringify({ cid: CALCULATOR_CID, inputs: [1, 2] }),
          }),
        ),
      );
      for (const response of responses) {
        expect(response.status).toBe(503);
        expect(response.headers.get("content-type")).toBe("application/problem+json");
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        const body = (await response.json()) as { type: string; detail: string };
        expect(body.type).toMatch(/\/store-unavailable$/);
        expect(body.detail).toMatch(/Redis/);
      }
      expect((await executions(relays.open)) - before).toBe(0);
      expect(await fallbacks(relays.open)).toEqual(fallbacksBefore);
      await new Promise((resolve) => setTimeout(resolve, 700));
      const retried = await Promise.all([
        post(relays.open[0]!.url, user, [1, 2]),
        post(relays.open[1]!.url, user, [1, 2]),
      ]);
      expect(retried.map((answer) => answer.status)).toEqual([200, 200]);
      expect((await executions(relays.open)) - before).toBe(1);
    }, 30_000);

    it("1,000 simultaneous requests of one user over both, several rounds (healthy, then stalled 300 ms): never more than the limit (10) accepted, the rest 429 or 503", async () => {
      const rounds: Record<string, number>[] = [];
      for (let round = 0; round < 6; round += 1) {
        const user = newUser(`burst-${round}`);
        // The last two rounds arrive while Redis is stalled: every decision is slow.
        if (round >= 4) expect(await control.call("CLIENT", "PAUSE", "300", "ALL")).toBe("OK");
        const answers = await Promise.all(
          Array.from({ length: 1_000 }, (_, index) =>
            post(relays.limited[index % 2]!.url, user, [index, round]),
          ),
        );
        const statuses = tally(answers);
        rounds.push(statuses);
        const accepted = answers.filter((answer) => answer.status === 200).length;
        expect(accepted, JSON.stringify(rounds)).toBeLessThanOrEqual(10);
        const others = answers.filter((answer) => answer.status !== 200);
        expect(
          others.every((answer) => answer.status === 429 || answer.status === 503),
          JSON.stringify(statuses),
        ).toBe(true);
        // Only a 503 (a decision Redis did not make in time) may leave a slot unused.
        if (!others.some((answer) => answer.status === 503)) {
          expect(accepted, JSON.stringify(statuses)).toBe(10);
        }
      }
      expect(await fallbacks(relays.limited)).toEqual([0, 0]);
    }, 120_000);
  },
);
