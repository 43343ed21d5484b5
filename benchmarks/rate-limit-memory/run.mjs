// Micro-benchmark of the memory sliding-window limiter: µs per decision with SMALL (1 000) and
// LARGE (100 000) requests recorded in the window of one key. Imports the built core
// (packages/core/dist): build it first with `npx turbo run build --filter=@wasm-relay/core`.
// Usage: node benchmarks/rate-limit-memory/run.mjs
// Options: --rounds=8, --decisions=20000 (per contender per round), --small=1000, --large=100000.
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { createMemoryRateLimitStore } from "../../packages/core/dist/index.js";

const option = (name, fallback) => {
  const flag = process.argv.find((argument) => argument.startsWith(`--${name}=`));
  return flag === undefined ? fallback : Number(flag.slice(name.length + 3));
};
const rounds = option("rounds", 8);
const decisions = option("decisions", 20_000);
const sizes = [option("small", 1_000), option("large", 100_000)];

/**
 * One key whose window holds exactly `recorded` accepted requests in the steady state: limit
 * `recorded`, window `recorded` ms, one request per ms, so every decision drops the oldest
 * request and records the new one (allowed), and the count stays at `recorded`.
 */
async function createContender(recorded) {
  const store = createMemoryRateLimitStore();
  const rule = { limit: recorded, windowMs: recorded, algorithm: "sliding-window" };
  let now = 1_000_000;
  for (let i = 0; i < recorded; i += 1) await store.consume("user", rule, now++);
  return {
    recorded,
    async run(count) {
      let refused = 0;
      let remaining = -1;
      const start = performance.now();
      for (let i = 0; i < count; i += 1) {
        const decision = await store.consume("user", rule, now++);
        if (!decision.allowed) refused += 1;
        remaining = decision.remaining;
      }
      const elapsedMs = performance.now() - start;
      // Steady state check: nothing refused, the window stays full.
      if (refused !== 0 || remaining !== 0) {
        throw new Error(`unexpected: ${refused} refused, remaining ${remaining}`);
      }
      return (elapsedMs * 1000) / count;
    },
  };
}

const contenders = [];
for (const size of sizes) contenders.push(await createContender(size));
// Warm-up (JIT) before the measured rounds.
for (const contender of contenders) await contender.run(Math.min(decisions, 2_000));

const samples = new Map(sizes.map((size) => [size, []]));
for (let round = 0; round < rounds; round += 1) {
  // A/B interleaving: the order flips every round.
  const order = round % 2 === 0 ? contenders : [...contenders].reverse();
  for (const contender of order)
    samples.get(contender.recorded).push(await contender.run(decisions));
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
console.log(
  `node ${process.version}, ${cpus()[0]?.model ?? "unknown cpu"} x${cpus().length}, ` +
    `load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")}`,
);
console.log(`${rounds} interleaved rounds of ${decisions} decisions per contender`);
for (const size of sizes) {
  const values = samples.get(size);
  console.log(
    `${String(size).padStart(7)} recorded: median ${median(values).toFixed(3)} µs/decision ` +
      `(min ${Math.min(...values).toFixed(3)}, max ${Math.max(...values).toFixed(3)})`,
  );
}
const ratio = median(samples.get(sizes[1])) / median(samples.get(sizes[0]));
console.log(`ratio ${sizes[1]}/${sizes[0]}: ${ratio.toFixed(2)}x (target ≈ 1: cost does not grow)`);
