// Scale-out benchmark: RELAY_EXECUTOR=queue against the in-process sandbox, in one interleaved
// run on this machine. Usage (after `npx turbo run build --filter=@wasm-relay/server...`):
//   node benchmarks/scale-out/run.mjs [rounds=3]
// Starts its own redis-server on a free port (needs `redis-server` on the PATH), so the shared
// Redis is never touched. Measures, round by round, A B A B:
//   latency  trivial module (calculator), sequential requests: in-process relay vs queue relay
//            with one worker process; p50 and p99, and the queue's added latency.
//   scale    CPU-bound module (busy, ~40-90 ms each), CONCURRENCY requests at once, spread
//            round-robin over the relays of each topology: 1 relay x 1 worker, 1 x 2, 2 x 2
//            (each worker RELAY_WORKERS=1), interleaved; executions/s and ratios to 1 x 1.
//   N x M    the same load on a simulated larger deployment (3 relays x 3 workers, beside 2 x 2),
//            with the Redis commands per execution of each topology (idle traffic subtracted).
//   redis    Redis commands per execution of each (INFO commandstats deltas over the latency
//            runs, idle traffic of heartbeats and snapshots subtracted), and the queue's share
//            by command. Both relays use the same Redis for their stores and events, so the
//            difference is the queue's own cost.
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import Redis from "ioredis";

const environment = process.env;
const ROUNDS = Number(process.argv[2] ?? 3);
const LATENCY_REQUESTS = Number(environment.LATENCY_REQUESTS ?? 200);
const SCALE_REQUESTS = Number(environment.SCALE_REQUESTS ?? 60);
const CONCURRENCY = Number(environment.CONCURRENCY ?? 8);
/** SIMULATE=0 leaves out the 3 relays x 3 workers topology. */
const SIMULATE = environment.SIMULATE !== "0";
const cli = fileURLToPath(new URL("../../packages/server/dist/cli.js", import.meta.url));
const children = [];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function start(command, args, env, ready) {
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH, LOG_LEVEL: "silent", RELAY_WORKERS: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`not ready: ${seen}`)), 60_000);
    const onData = (chunk) => {
      seen += chunk.toString();
      const match = seen.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`exited (${code}): ${seen}`)));
  });
}

const relay = async (env) =>
  (await start(process.execPath, [cli], { ...env, PORT: "0" }, /listening on (http:\/\/[^\s]+) /))
    .match[1];
const worker = async (env, name) =>
  (
    await start(
      process.execPath,
      [cli, "worker"],
      { ...env, RELAY_NODE_NAME: name },
      /consuming the execution queue/,
    )
  ).child;

let counter = 0;
async function post(url, body) {
  const response = await fetch(`${url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "content-type": "application/json", user_id: "bench" },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (response.status !== 200 || answer.success !== true)
    throw new Error(`${response.status} ${JSON.stringify(answer)}`);
}

const trivial = () => ({ cid: "glyph://calculator@quantum", inputs: [counter++, 1] });
const cpuBound = () => ({
  cid: "glyph://busy@quantum",
  inputs: [50_000_000 + counter++],
  policy: { max_gas: 1_000_000_000 },
});

async function latencies(url) {
  const times = [];
  for (let i = 0; i < LATENCY_REQUESTS; i++) {
    const began = performance.now();
    await post(url, trivial());
    times.push(performance.now() - began);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

/** Executions per second of SCALE_REQUESTS CPU-bound runs, client i sending to urls[i % n]. */
async function throughput(urls) {
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, client) => {
      const url = urls[client % urls.length];
      while (next++ < SCALE_REQUESTS) await post(url, cpuBound());
    }),
  );
  return SCALE_REQUESTS / ((performance.now() - began) / 1000);
}

/** Calls per Redis command so far (INFO commandstats). */
async function commandCounts(redis) {
  const counts = new Map();
  for (const match of (await redis.info("commandstats")).matchAll(/cmdstat_([^:]+):calls=(\d+)/g))
    counts.set(match[1], Number(match[2]));
  return counts;
}

/** Commands per execution while `run` ran, with the idle rate (per second) subtracted. */
async function measureCommands(redis, run, executions) {
  const idleFrom = await commandCounts(redis);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idleTo = await commandCounts(redis);
  const from = await commandCounts(redis);
  const began = performance.now();
  const result = await run();
  const seconds = (performance.now() - began) / 1000;
  const to = await commandCounts(redis);
  const byCommand = {};
  let total = 0;
  for (const [name, calls] of to) {
    const idle = (((idleTo.get(name) ?? 0) - (idleFrom.get(name) ?? 0)) / 2) * seconds;
    const perExecution = Math.max(0, (calls - (from.get(name) ?? 0) - idle) / executions);
    if (perExecution >= 0.05) byCommand[name] = Number(perExecution.toFixed(2));
    total += perExecution;
  }
  return { result, total, byCommand };
}

async function main() {
  const port = await freePort();
  await start(
    "redis-server",
    ["--port", String(port), "--save", "", "--appendonly", "no"],
    {},
    /Ready to accept connections/,
  );
  const redisUrl = `redis://127.0.0.1:${port}`;
  const redis = new Redis(redisUrl);
  const base = {
    REDIS_URL: redisUrl,
    RELAY_RATE_LIMIT: "1000000000",
    REDIS_KEY_PREFIX: `bench:${randomUUID().slice(0, 8)}:`,
  };
  // The peer keeps its stores and events on the same Redis: only the executor differs.
  const local = await relay({ ...base, REDIS_KEY_PREFIX: `${base.REDIS_KEY_PREFIX}local:` });
  // One queue (RELAY_QUEUE_NAME) per topology of relays x workers, all on the same Redis.
  const topology = async (relays, workers) => {
    const env = { ...base, RELAY_EXECUTOR: "queue", RELAY_QUEUE_NAME: `q${relays}x${workers}` };
    for (let w = 1; w <= workers; w++) await worker(env, `w${relays}x${workers}-${w}`);
    const urls = [];
    for (let r = 1; r <= relays; r++) urls.push(await relay(env));
    return { name: `${relays}x${workers}`, urls };
  };
  const topologies = [
    await topology(1, 1),
    await topology(1, 2),
    await topology(2, 2),
    ...(SIMULATE ? [await topology(3, 3)] : []),
  ];
  const queueOne = topologies[0].urls[0];
  // Warm-up: modules compiled, connections open.
  for (const url of [local, ...topologies.flatMap((each) => each.urls)])
    for (let i = 0; i < 10; i++) await post(url, trivial());

  const rows = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const local_ = await measureCommands(redis, () => latencies(local), LATENCY_REQUESTS);
    const queue_ = await measureCommands(redis, () => latencies(queueOne), LATENCY_REQUESTS);
    const inProcess = local_.result;
    const queued = queue_.result;
    const perExecution = queue_.total - local_.total;
    const scale = {};
    const commands = {};
    for (const each of topologies) {
      const measured = await measureCommands(redis, () => throughput(each.urls), SCALE_REQUESTS);
      scale[each.name] = measured.result;
      commands[each.name] = measured.total;
    }
    const oneWorker = scale["1x1"];
    const twoWorkers = scale["1x2"];
    rows.push({ inProcess, queued, perExecution, oneWorker, twoWorkers, scale, commands });
    console.log(
      `  CPU-bound executions/s by relays x workers (ratio to 1x1; Redis commands/execution, all of the relay's and the queue's): ${topologies
        .map(
          ({ name }) =>
            `${name} ${scale[name].toFixed(1)} (x${(scale[name] / oneWorker).toFixed(2)}; ${commands[name].toFixed(0)})`,
        )
        .join(", ")}`,
    );
    console.log(
      `  Redis commands/execution: in-process ${local_.total.toFixed(1)} ${JSON.stringify(local_.byCommand)}`,
    );
    console.log(
      `  Redis commands/execution: queue ${queue_.total.toFixed(1)} ${JSON.stringify(queue_.byCommand)}`,
    );
    console.log(
      `round ${round}: trivial p50 ${inProcess.p50.toFixed(2)} → ${queued.p50.toFixed(2)} ms, p99 ${inProcess.p99.toFixed(2)} → ${queued.p99.toFixed(2)} ms; ` +
        `queue's own Redis commands/execution ${perExecution.toFixed(1)}; CPU-bound ${oneWorker.toFixed(1)} → ${twoWorkers.toFixed(1)} executions/s (x${(twoWorkers / oneWorker).toFixed(2)}); load ${loadavg()
          .map((value) => value.toFixed(2))
          .join(" ")}`,
    );
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const summary = {
    p50_added_ms: median(rows.map((row) => row.queued.p50 - row.inProcess.p50)),
    p99_added_ms: median(rows.map((row) => row.queued.p99 - row.inProcess.p99)),
    p50_ratio: median(rows.map((row) => row.queued.p50 / row.inProcess.p50)),
    two_workers_over_one: median(rows.map((row) => row.twoWorkers / row.oneWorker)),
    over_1x1: Object.fromEntries(
      topologies.map(({ name }) => [
        name,
        Number(median(rows.map((row) => row.scale[name] / row.oneWorker)).toFixed(2)),
      ]),
    ),
    redis_commands_per_cpu_bound_execution: Object.fromEntries(
      topologies.map(({ name }) => [
        name,
        Number(median(rows.map((row) => row.commands[name])).toFixed(1)),
      ]),
    ),
    queue_redis_commands_per_execution: median(rows.map((row) => row.perExecution)),
    load_average: loadavg(),
  };
  console.log(JSON.stringify(summary, null, 2));
  redis.disconnect();
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const child of children) child.kill("SIGKILL");
  });
