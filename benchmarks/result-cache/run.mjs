// Result cache benchmark: `npx turbo run build --filter=@wasm-relay/server... && node benchmarks/result-cache/run.mjs [pairs] [zipfRequests] [rounds]`.
// (a) One CPU-heavy question (busy@quantum counting down from 20,000,000): a fresh execution
//     (`cache: false`) against a result-cache hit, interleaved A B A B, each from a new user (so
//     idempotency never replays). Ratio of medians.
// (b) A Zipf-distributed workload (s = 1.1 over 200 distinct questions, 8 concurrent clients,
//     each request from a new user) on a relay with RELAY_RESULT_CACHE=memory against one with
//     RELAY_RESULT_CACHE=off, rounds alternating: hit rate and throughput, ratio of throughputs.
import { availableParallelism, cpus, loadavg } from "node:os";
import { startRelayServer } from "@wasm-relay/server";

const PAIRS = Number(process.argv[2] ?? 20);
const ZIPF_REQUESTS = Number(process.argv[3] ?? 600);
const ROUNDS = Number(process.argv[4] ?? 3);
const HEAVY = 20_000_000;
const QUESTIONS = 200;
const CONCURRENCY = 8;
const ZIPF_S = 1.1;

let users = 0;
const env = {
  RELAY_RATE_LIMIT: "100000000",
  RELAY_WORKERS: "1",
  RELAY_LIMIT_MAX_GAS: "100000000000",
};

async function execute(relay, body) {
  users += 1;
  const sent = performance.now();
  const response = await fetch(`${relay.url}/intent/execute-wasm`, {
    method: "POST",
    headers: { user_id: `bench-${users}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!answer.success) throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
  return { ms: performance.now() - sent, cache: response.headers.get("relay-cache") };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(
  `machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, Node ${process.version}`,
);
console.log(
  `load average at start: ${loadavg()
    .map((value) => value.toFixed(2))
    .join(" ")}\n`,
);

// (a) hit against fresh execution
{
  const relay = await startRelayServer({ env });
  const heavy = {
    cid: "glyph://busy@quantum",
    inputs: [HEAVY],
    policy: { max_gas: 10_000_000_000 },
  };
  await execute(relay, heavy); // fills the cache and warms the worker
  const fresh = [];
  const hit = [];
  for (let pair = 0; pair < PAIRS; pair += 1) {
    fresh.push((await execute(relay, { ...heavy, cache: false })).ms);
    const cached = await execute(relay, heavy);
    if (cached.cache !== "hit") throw new Error("expected a cache hit");
    hit.push(cached.ms);
  }
  await relay.close();
  console.log(`(a) busy(${HEAVY}), ${PAIRS} interleaved pairs, median latency over HTTP:`);
  console.log(`    fresh execution  ${median(fresh).toFixed(2)} ms`);
  console.log(`    cache hit        ${median(hit).toFixed(2)} ms`);
  console.log(`    fresh / hit      ${(median(fresh) / median(hit)).toFixed(1)}×\n`);
}

// (b) Zipf workload
const weights = Array.from({ length: QUESTIONS }, (_, rank) => 1 / (rank + 1) ** ZIPF_S);
const total = weights.reduce((sum, weight) => sum + weight, 0);
let seed = 12345;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
function zipfRank() {
  let point = random() * total;
  for (let rank = 0; rank < QUESTIONS; rank += 1) {
    point -= weights[rank];
    if (point <= 0) return rank;
  }
  return QUESTIONS - 1;
}
/** Question `rank`: busy counting of about 30 ms (an idle 2-core machine), each with its own inputs. */
const question = (rank) => ({
  cid: "glyph://busy@quantum",
  inputs: [10_000_000 + rank],
  policy: { max_gas: 1_000_000_000 },
});

async function zipfRound(kind) {
  const relay = await startRelayServer({ env: { ...env, RELAY_RESULT_CACHE: kind } });
  await execute(relay, { ...question(QUESTIONS), cache: false }); // warm the worker
  const plan = Array.from({ length: ZIPF_REQUESTS }, zipfRank);
  let next = 0;
  let hits = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < plan.length) {
        const rank = plan[next++];
        const answer = await execute(relay, question(rank));
        if (answer.cache === "hit") hits += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await relay.close();
  return { throughput: ZIPF_REQUESTS / seconds, hitRate: hits / ZIPF_REQUESTS };
}

const runs = { memory: [], off: [] };
for (let round = 0; round < ROUNDS; round += 1) {
  seed = 12345 + round;
  const order = round % 2 === 0 ? ["memory", "off"] : ["off", "memory"];
  for (const kind of order) {
    seed = 12345 + round; // both contenders get the same request sequence
    runs[kind].push(await zipfRound(kind));
  }
}
const on = {
  throughput: median(runs.memory.map((run) => run.throughput)),
  hitRate: median(runs.memory.map((run) => run.hitRate)),
};
const off = { throughput: median(runs.off.map((run) => run.throughput)) };
console.log(
  `(b) Zipf s=${ZIPF_S} over ${QUESTIONS} questions, ${ZIPF_REQUESTS} requests, ${CONCURRENCY} clients, medians over ${ROUNDS} rounds:`,
);
console.log(
  `    RELAY_RESULT_CACHE=memory  ${on.throughput.toFixed(0)} req/s, hit rate ${(on.hitRate * 100).toFixed(1)}%`,
);
console.log(`    RELAY_RESULT_CACHE=off     ${off.throughput.toFixed(0)} req/s`);
console.log(`    throughput cache / off     ${(on.throughput / off.throughput).toFixed(2)}×`);
console.log(
  `\nload average at end: ${loadavg()
    .map((value) => value.toFixed(2))
    .join(" ")}`,
);
