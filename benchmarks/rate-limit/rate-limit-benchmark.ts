// Decisions per second and p99 latency of the relay's Redis rate limiter against
// rate-limiter-flexible's RateLimiterRedis: same Redis, same key sequence, same concurrency,
// measured in one run, rounds alternating between the two so neither gets the warmer machine.
import type { RateLimitAlgorithm } from "@wasm-relay/core";
import { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { createRedisRateLimitStore } from "../../packages/server/src/redis/redis-rate-limit-store.js";

const settings = new Map(Object.entries(process.env));
const redisUrl = settings.get("REDIS_URL") ?? "redis://127.0.0.1:6379";
const decisionsPerRound = Number(settings.get("DECISIONS") ?? 20_000);
const concurrency = Number(settings.get("CONCURRENCY") ?? 64);
const keyCount = Number(settings.get("KEYS") ?? 1_000);
const rounds = Number(settings.get("ROUNDS") ?? 5);
const windowMs = 60_000;
/**
 * Two loads over the same keys. `over the limit`: the seed's contract, 10 per 60 s per user;
 * 20 000 decisions over 1 000 users ask 20 times each a round: 10 pass, 10 are refused (clients
 * hammering their limit). `under the limit`: a limit no user reaches, so every decision writes.
 */
const scenarios = [
  { name: "over the limit (10 per 60 s: 1 in 2 passes)", limit: 10 },
  { name: "under the limit (every decision passes and writes)", limit: 1_000_000 },
];

/** Deterministic key sequence (xorshift32), identical for every limiter. */
function keySequence(length: number, seed: number): string[] {
  let state = seed;
  return Array.from({ length }, () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return `user-${(state >>> 0) % keyCount}`;
  });
}

type Decide = (key: string) => Promise<boolean>;

interface RoundResult {
  decisionsPerSecond: number;
  p99Ms: number;
  allowed: number;
  /** CPU time of this Node process per decision (less sensitive to a busy machine). @unit µs */
  nodeCpuMicroseconds: number;
  /** CPU time of the Redis server per decision (includes other clients of a shared Redis). @unit µs */
  redisCpuMicroseconds: number;
}

/** CPU seconds the Redis server has used (user + system), from INFO cpu. */
async function redisCpuSeconds(): Promise<number> {
  const info = await clients.ours.info("cpu");
  const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
  return field("used_cpu_user") + field("used_cpu_sys");
}

async function runRound(decide: Decide, keys: readonly string[]): Promise<RoundResult> {
  const latencies = new Float64Array(keys.length);
  let next = 0;
  let allowed = 0;
  const worker = async () => {
    for (let index = next++; index < keys.length; index = next++) {
      const started = performance.now();
      if (await decide(keys[index]!)) allowed += 1;
      latencies[index] = performance.now() - started;
    }
  };
  const redisCpuBefore = await redisCpuSeconds();
  const nodeCpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  const nodeCpu = process.cpuUsage(nodeCpuBefore);
  const redisCpu = (await redisCpuSeconds()) - redisCpuBefore;
  latencies.sort();
  return {
    decisionsPerSecond: (keys.length / elapsedMs) * 1000,
    p99Ms: latencies[Math.floor(latencies.length * 0.99)]!,
    allowed,
    nodeCpuMicroseconds: (nodeCpu.user + nodeCpu.system) / keys.length,
    redisCpuMicroseconds: (redisCpu * 1e6) / keys.length,
  };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const clients = { ours: new Redis(redisUrl), theirs: new Redis(redisUrl) };
const runId = `${Date.now().toString(36)}`;

function ours(algorithm: RateLimitAlgorithm, round: string, limit: number): Decide {
  const store = createRedisRateLimitStore({
    redis: clients.ours,
    keyPrefix: `bench:${runId}:${algorithm}:${round}:`,
  });
  const rule = { limit, windowMs, algorithm };
  return async (key) => (await store.consume(key, rule, Date.now())).allowed;
}

function theirs(round: string, limit: number): Decide {
  const limiter = new RateLimiterRedis({
    storeClient: clients.theirs,
    keyPrefix: `bench:${runId}:rlflx:${round}`,
    points: limit,
    duration: windowMs / 1000,
  });
  return async (key) => {
    try {
      await limiter.consume(key, 1);
      return true;
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) return false;
      throw refusal;
    }
  };
}

const contenders: { name: string; make: (round: string, limit: number) => Decide }[] = [
  {
    name: "relay sliding-window (exact, default)",
    make: (round, limit) => ours("sliding-window", round, limit),
  },
  { name: "relay fixed-window", make: (round, limit) => ours("fixed-window", round, limit) },
  { name: "relay token-bucket", make: (round, limit) => ours("token-bucket", round, limit) },
  { name: "rate-limiter-flexible RateLimiterRedis", make: theirs },
];

console.log(
  `rate-limit benchmark: ${decisionsPerRound} decisions per round, ${concurrency} in flight, ` +
    `${keyCount} keys, window ${windowMs} ms, median of ${rounds} rounds, Redis ${redisUrl}, Node ${process.version}`,
);
// Warm-up: load the scripts, open the connections, let V8 optimise.
for (const contender of contenders) {
  await runRound(contender.make("warm-up", 10), keySequence(5_000, 7));
}

for (const scenario of scenarios) {
  const results = new Map<string, RoundResult[]>();
  for (let round = 0; round < rounds; round += 1) {
    const keys = keySequence(decisionsPerRound, 2463534242 + round);
    // Rotate the order each round so that no contender always runs first or last.
    const order = contenders.map((_, index) => contenders[(index + round) % contenders.length]!);
    for (const contender of order) {
      const result = await runRound(
        contender.make(`${scenario.limit}:${round}`, scenario.limit),
        keys,
      );
      results.set(contender.name, [...(results.get(contender.name) ?? []), result]);
    }
  }
  const summary = contenders.map(({ name }) => {
    const runs = results.get(name)!;
    return {
      name,
      decisionsPerSecond: median(runs.map((run) => run.decisionsPerSecond)),
      p99Ms: median(runs.map((run) => run.p99Ms)),
      allowed: runs[0]!.allowed,
      nodeCpu: median(runs.map((run) => run.nodeCpuMicroseconds)),
      redisCpu: median(runs.map((run) => run.redisCpuMicroseconds)),
    };
  });
  const peer = summary.at(-1)!;
  console.log(`\n${scenario.name}`);
  console.log(
    "limiter                                   decisions/s    p99 ms   allowed (round 1)   CPU µs per decision: Node, Redis",
  );
  for (const row of summary) {
    console.log(
      `${row.name.padEnd(40)} ${row.decisionsPerSecond.toFixed(0).padStart(12)} ${row.p99Ms.toFixed(2).padStart(9)} ${String(row.allowed).padStart(10)} ${row.nodeCpu.toFixed(1).padStart(22)} ${row.redisCpu.toFixed(1).padStart(7)}`,
    );
  }
  for (const row of summary.slice(0, -1)) {
    console.log(
      `  ${row.name}: ${(row.decisionsPerSecond / peer.decisionsPerSecond).toFixed(2)}× the decisions/s of rate-limiter-flexible, ` +
        `p99 ${(row.p99Ms / peer.p99Ms).toFixed(2)}× theirs (lower is better)`,
    );
  }
}

// Remove what the benchmark wrote (its own prefix only; the shared Redis is never flushed).
let cursor = "0";
do {
  const [nextCursor, found] = await clients.ours.scan(
    cursor,
    "MATCH",
    `bench:${runId}:*`,
    "COUNT",
    1000,
  );
  cursor = nextCursor;
  if (found.length > 0) await clients.ours.unlink(...found);
} while (cursor !== "0");
clients.ours.disconnect();
clients.theirs.disconnect();
