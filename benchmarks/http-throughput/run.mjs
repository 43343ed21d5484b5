// HTTP throughput benchmark: the relay against bare node:http peers, in one interleaved run on
// loopback. Usage (after `npx turbo run build --filter=@wasm-relay/server...`):
//   node benchmarks/http-throughput/run.mjs [rounds] [seconds]
// Environment: CONNECTIONS (32), REDIS_URL (redis://127.0.0.1:6379), PIN (1: server on core 0,
// wrk on core 1, when taskset exists and there are at least two cores). Needs `wrk` on the PATH.
// Variants: (a) node:http JSON echo, (b) node:http + plain WebAssembly, (d) the relay with memory
// stores, (e) the relay on Redis, (f) the replay path (one Idempotency-Key repeated). Every request
// is distinct except in (f). (c), the Extism peer, is left out: see the README.
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import Redis from "ioredis";

const environment = process.env;
const ROUNDS = Number(process.argv[2] ?? 3);
const SECONDS = Number(process.argv[3] ?? 5);
const CONNECTIONS = Number(environment.CONNECTIONS ?? 32);
const REDIS_URL = environment.REDIS_URL ?? "redis://127.0.0.1:6379";
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const hasTaskset = (() => {
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
const PIN = environment.PIN !== "0" && hasTaskset && availableParallelism() >= 2;
const pinned = (core, command, args) =>
  PIN ? ["taskset", ["-c", String(core), command, ...args]] : [command, args];

/** Starts a server process and resolves with its pid and URL once it prints "listening on <url>". */
function startServer(label, args, env = {}) {
  const [command, commandArgs] = pinned(0, process.execPath, args);
  const child = spawn(command, commandArgs, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`${label}: no "listening on" line`)), 20_000);
    child.on("exit", (code) => reject(new Error(`${label} exited (${code}): ${seen}`)));
    child.stderr.on("data", (chunk) => {
      seen += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve({ label, child, pid: child.pid, url: match[1] });
      }
    });
  });
}

/** Server CPU time so far (user + system, all threads), in seconds. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function runWrk(url, seconds, env) {
  const [command, args] = pinned(1, "wrk", [
    "-t1",
    `-c${CONNECTIONS}`,
    `-d${seconds}s`,
    "--timeout",
    "10s",
    "-s",
    here("./request.lua"),
    url,
  ]);
  const output = execFileSync(command, args, { env: { ...process.env, ...env } }).toString();
  const line = output.split("\n").find((text) => text.startsWith("BENCH "));
  if (!line) throw new Error(`wrk printed no summary:\n${output}`);
  const [requests, micros, p50, p99, statusErrors, socketErrors, timeouts] = line
    .split(" ")
    .slice(1)
    .map(Number);
  return { requests, micros, p50, p99, errors: statusErrors + socketErrors + timeouts };
}

async function post(url, body, headers = {}) {
  const response = await fetch(`${url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "Content-Type": "application/json", user_id: "bench-check", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const prefix = `bench-http-throughput-${randomUUID()}:`;
const relayEnv = {
  RELAY_RATE_LIMIT: "1000000000",
  RELAY_WORKERS: "1",
  LOG_LEVEL: "silent",
  PORT: "0",
};
const cli = fileURLToPath(new URL("../../packages/server/dist/cli.js", import.meta.url));
const servers = [];
const replayKey = `bench-replay-${randomUUID()}`;
try {
  const variants = [
    {
      name: "a",
      label: "node:http JSON echo",
      server: await startServer("echo", [here("./echo-server.mjs")]),
    },
    {
      name: "b",
      label: "node:http + WebAssembly",
      server: await startServer("wasm", [here("./wasm-server.mjs")]),
    },
    {
      name: "d",
      label: "relay, memory stores",
      server: await startServer("relay-memory", [cli], relayEnv),
    },
    {
      name: "e",
      label: "relay, Redis",
      server: await startServer("relay-redis", [cli], {
        ...relayEnv,
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
      }),
    },
    {
      name: "f",
      label: "relay, replay",
      server: await startServer("relay-replay", [cli], relayEnv),
      env: { BENCH_IDEMPOTENCY_KEY: replayKey },
    },
  ];
  for (const variant of variants) servers.push(variant.server);

  // Each answers correctly before it is measured; (f)'s key is recorded once here.
  for (const variant of variants) {
    const headers = variant.env ? { "Idempotency-Key": replayKey } : {};
    const { status, body } = await post(
      variant.server.url,
      { cid: "glyph://calculator@quantum", inputs: [1, 2] },
      headers,
    );
    const expected = variant.name === "a" ? JSON.stringify([1, 2]) : "3";
    if (status !== 200 || JSON.stringify(body.output) !== expected)
      throw new Error(`${variant.label}: unexpected answer ${status} ${JSON.stringify(body)}`);
  }

  console.log(
    `machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, Node ${process.version}, load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `wrk: 1 thread, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SECONDS} s${PIN ? ", server on core 0, wrk on core 1" : ", not pinned"}`,
  );
  // Warm-up (JIT, pools), not measured.
  for (const variant of variants)
    runWrk(variant.server.url, 1, {
      BENCH_USER: `warm-${variant.name}-${randomUUID()}`,
      ...variant.env,
    });

  const results = Object.fromEntries(variants.map((variant) => [variant.name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    // Rotate the order so that no variant always runs first.
    const order = variants.map((_, index) => variants[(index + round) % variants.length]);
    for (const variant of order) {
      const cpuBefore = cpuSeconds(variant.server.pid);
      const result = runWrk(variant.server.url, SECONDS, {
        BENCH_USER: `bench-${variant.name}-${round}-${randomUUID()}`,
        BENCH_OFFSET: String(round * 10_000_000),
        ...variant.env,
      });
      const cpu = cpuSeconds(variant.server.pid) - cpuBefore;
      const wall = result.micros / 1e6;
      results[variant.name].push({
        ...result,
        rate: result.requests / wall,
        cpuPerRequest: (cpu * 1e6) / result.requests,
        coreShare: cpu / wall,
      });
      console.log(
        `round ${round + 1} (${variant.name}) ${variant.label.padEnd(24)} ${(result.requests / wall).toFixed(0).padStart(7)} req/s  server CPU ${((100 * cpu) / wall).toFixed(0).padStart(3)}% of a core${result.errors ? `  ${result.errors} errors` : ""}`,
      );
    }
  }

  const median = (values) => {
    const sorted = [...values].sort((left, right) => left - right);
    return sorted[Math.floor(sorted.length / 2)];
  };
  const rows = variants.map((variant) => {
    const list = results[variant.name];
    return {
      ...variant,
      rate: median(list.map((row) => row.rate)),
      p50: median(list.map((row) => row.p50)) / 1000,
      p99: median(list.map((row) => row.p99)) / 1000,
      cpuPerRequest: median(list.map((row) => row.cpuPerRequest)),
      coreShare: median(list.map((row) => row.coreShare)),
      errors: list.reduce((sum, row) => sum + row.errors, 0),
    };
  });
  const echo = rows[0];
  console.log(`\n(medians over ${ROUNDS} rounds)`);
  console.log("variant                      req/s  ×(a)   p50 ms   p99 ms  CPU µs/req  ×(a)");
  for (const row of rows) {
    console.log(
      `(${row.name}) ${row.label.padEnd(24)} ${row.rate.toFixed(0).padStart(6)} ${(row.rate / echo.rate).toFixed(3).padStart(6)} ${row.p50.toFixed(2).padStart(8)} ${row.p99.toFixed(2).padStart(8)} ${row.cpuPerRequest.toFixed(1).padStart(11)} ${(row.cpuPerRequest / echo.cpuPerRequest).toFixed(2).padStart(5)}${row.errors ? `  ${row.errors} errors` : ""}`,
    );
  }
  if (echo.coreShare < 0.9)
    console.log(
      `\nWARNING: the echo's server used ${(100 * echo.coreShare).toFixed(0)}% of one core (< 90%): it was not saturated (the load generator or a busy machine was the limit), so every ratio to (a) is inflated.`,
    );
  console.log(
    `\nratios to (a): ${rows
      .slice(1)
      .map((row) => `(${row.name}) ${(row.rate / echo.rate).toFixed(3)}×`)
      .join(
        ", ",
      )}; CPU/request (d) ${(rows[2].cpuPerRequest / echo.cpuPerRequest).toFixed(1)}× (a); load average ${loadavg()[0].toFixed(2)}`,
  );
} finally {
  for (const server of servers) server.child.kill();
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = "0";
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== "0");
    console.log(`deleted ${deleted} Redis keys under ${prefix}`);
  } catch (error) {
    console.error(`could not delete the Redis keys under ${prefix}: ${error.message}`);
  } finally {
    redis.disconnect();
  }
}
