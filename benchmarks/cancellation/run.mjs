// Cancellation latency benchmark:
//   npx turbo run build --filter=@wasm-relay/server... && node benchmarks/cancellation/run.mjs [rounds] [redis-url]
// How long after a DELETE /intent/execute-wasm/{key} is sent the cancelled caller has its answer,
// (a) on one relay (in-process registry), (b) across two relay processes sharing Redis (the
// DELETE goes to the relay that does not run the execution). The peer, measured interleaved in the
// same run against the same relay, is one trivial execute round trip (the HTTP floor).
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { startRelayServer } from "@wasm-relay/server";
import { Redis } from "ioredis";

const ROUNDS = Number(process.argv[2] ?? 30);
const REDIS_URL = process.argv[3] ?? "redis://127.0.0.1:6379";
const cli = fileURLToPath(new URL("../../packages/server/dist/cli.js", import.meta.url));
const prefix = `bench:cancellation:${Date.now().toString(36)}:`;
const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

const spin = {
  cid: "glyph://spin@quantum",
  inputs: [],
  policy: { max_time: 30_000, max_gas: 1e12 },
};
const env = {
  RELAY_RATE_LIMIT: "1000000",
  RELAY_LIMIT_MAX_GAS: "1000000000000",
  RELAY_WORKERS: "1",
  LOG_LEVEL: "silent",
};

function post(url, body, key) {
  return fetch(`${url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "content-type": "application/json", user_id: "bench", "idempotency-key": key },
    body: JSON.stringify(body),
  }).then((response) => response.json());
}

async function startProcess(extra) {
  const child = spawn(process.execPath, [cli], {
    env: { ...process.env, ...env, PORT: "0", ...extra },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const url = await new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const found = /listening on (http:\/\/\S+)/.exec(stderr);
      if (found) resolve(found[1]);
    });
    child.once("exit", () => reject(new Error(`relay exited: ${stderr}`)));
  });
  const stop = () => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    return exited;
  };
  return { url, stop };
}

let keys = 0;
/** One cancel: the run is started and tracked, then DELETE at `cancelUrl`; ms until the answer. */
async function cancelLatency(runUrl, cancelUrl) {
  const key = `bench-${++keys}`;
  const waiting = post(runUrl, spin, key);
  await sleep(150);
  const sent = performance.now();
  const response = await fetch(`${cancelUrl}/intent/execute-wasm/${key}`, {
    method: "DELETE",
    headers: { user_id: "bench" },
  });
  if (response.status !== 202) throw new Error(`DELETE answered ${response.status}`);
  const answer = await waiting;
  if (answer.error?.code !== "cancelled")
    throw new Error(`not cancelled: ${JSON.stringify(answer)}`);
  return performance.now() - sent;
}

let inputs = 0;
/** The peer: one trivial execute round trip (new inputs each time: never replayed). */
async function roundTrip(url) {
  const sent = performance.now();
  const answer = await post(
    url,
    { cid: "glyph://calculator@quantum", inputs: [++inputs, 1] },
    `rt-${inputs}`,
  );
  if (answer.success !== true) throw new Error(JSON.stringify(answer));
  return performance.now() - sent;
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

async function measure(label, runUrl, cancelUrl) {
  await roundTrip(cancelUrl);
  await cancelLatency(runUrl, cancelUrl); // warm-up: module compiled, worker replaced once
  const cancels = [];
  const trips = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    cancels.push(await cancelLatency(runUrl, cancelUrl));
    trips.push(await roundTrip(cancelUrl));
  }
  const p50 = quantile(cancels, 0.5);
  const floor = quantile(trips, 0.5);
  console.log(
    `${label.padEnd(34)} cancel→answer p50 ${p50.toFixed(1).padStart(6)} ms  p90 ${quantile(cancels, 0.9).toFixed(1).padStart(6)} ms  | 404 DELETE round trip p50 ${floor.toFixed(1).padStart(5)} ms  | ratio ${(p50 / floor).toFixed(2)}×`,
  );
}

console.log(
  `load average before: ${loadavg()
    .map((value) => value.toFixed(2))
    .join(" ")}`,
);
const local = await startRelayServer({ env });
try {
  await measure("(a) one relay, in-process", local.url, local.url);
} finally {
  await local.close();
}

const redisEnv = { REDIS_URL, REDIS_KEY_PREFIX: prefix };
const [owner, other] = await Promise.all([startProcess(redisEnv), startProcess(redisEnv)]);
try {
  await measure("(b) two relay processes on Redis", owner.url, other.url);
} finally {
  await Promise.all([owner.stop(), other.stop()]);
  const redis = new Redis(REDIS_URL);
  let cursor = "0";
  do {
    const [next, found] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    if (found.length > 0) await redis.del(...found);
    cursor = next;
  } while (cursor !== "0");
  redis.disconnect();
}
console.log(
  `load average after:  ${loadavg()
    .map((value) => value.toFixed(2))
    .join(" ")}`,
);
