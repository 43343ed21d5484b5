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
 * One key whose window holds exactly `recorded` accepted requests. Scenario "sliding": limit
 * `recorded`, window `recorded` ms, one request per ms, so every decision drops the oldest request
 * and records the new one (allowed) and the count stays at `recorded`. Scenario "refusing": the
 * same full window with a one-hour window, so nothing expires and every decision is refused.
 */
async function createContender(scenario, recorded) {
  const store = createMemoryRateLimitStore();
  const windowMs = scenario === "sliding" ? recorded : 3_600_000;
  const rule = { limit: recorded, windowMs, algorithm: "sliding-window" };
  let now = 1_000_000;
  for (let i = 0; i < recorded; i += 1) await store.consume("user", rule, now++);
  const step = scenario === "sliding" ? 1 : 0;
  return {
    scenario,
    recorded,
    async run(count) {
      let allowed = 0;
      let remaining = -1;
      const start = performance.now();
      for (let i = 0; i < count; i += 1) {
        const decision = await store.consume("user", rule, now);
        now += step;
        if (decision.allowed) allowed += 1;
        remaining = decision.remaining;
      }
      const elapsedMs = performance.now() - start;
      // Steady state check: the window stays full; all allowed (sliding) or all refused.
      const expected = scenario === "sliding" ? count : 0;
      if (allowed !== expected || remaining !== 0) {
        throw new Error(`${scenario}: ${allowed} allowed of ${count}, remaining ${remaining}`);
      }
      return (elapsedMs * 1000) / count;
    },
  };
}

const scenarios = ["sliding", "refusing"];
const contenders = [];
for (const scenario of scenarios) {
  for (const size of sizes) contenders.push(await createContender(scenario, size));
}
// Warm-up (JIT) before the measured rounds.
for (const contender of contenders) await contender.run(Math.min(decisions, 2_000));

const label = (contender) => `${contender.scenario}/${contender.recorded}`;
const samples = new Map(contenders.map((contender) => [label(contender), []]));
for (let round = 0; round < rounds; round += 1) {
  // A/B interleaving: the order flips every round.
  const order = round % 2 === 0 ? contenders : [...contenders].reverse();
  for (const contender of order) samples.get(label(contender)).push(await contender.run(decisions));
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
const ratios = [];
for (const scenario of scenarios) {
  for (const size of sizes) {
    const values = samples.get(`${scenario}/${size}`);
    console.log(
      `${scenario.padEnd(8)} ${String(size).padStart(7)} recorded: median ` +
        `${median(values).toFixed(3)} µs/decision ` +
        `(min ${Math.min(...values).toFixed(3)}, max ${Math.max(...values).toFixed(3)})`,
    );
  }
  const ratio =
    median(samples.get(`${scenario}/${sizes[1]}`)) / median(samples.get(`${scenario}/${sizes[0]}`));
  ratios.push(`${scenario} ${ratio.toFixed(2)}x`);
}
console.log(
  `ratio ${sizes[1]}/${sizes[0]} recorded: ${ratios.join(", ")} (target ≈ 1: cost does not grow)`,
);
