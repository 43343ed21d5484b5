// HTTP throughput benchmark: the relay against bare node:http peers, in one interleaved run on
// loopback (issue 14). Usage (after `npx turbo run build --filter=@wasm-relay/server...`):
//   node benchmarks/http-throughput/run.mjs [rounds=3] [seconds=5]
// Environment: CONNECTIONS (32, wrk), REDIS_URL (redis://127.0.0.1:6379), PIN (1: servers on core 0,
// load generators on core 1, when taskset exists and there are at least two cores), PACED (a,b,c,d:
// the variants of the paced phase, or "all"), PACED_RATE (default half of (d)'s measured peak),
// PACED_SECONDS (= seconds), PACED_CONNECTIONS (64), PACED_SPIN (1 when pinned, else 0: see
// paced-client.mjs). Needs `wrk` on the PATH and Redis.
//
// Phase 1, closed loop (wrk): (a) node:http JSON echo, (b) node:http + plain WebAssembly,
// (c) node:http + @extism/extism calling the calculator as a plug-in, (d) the relay with memory
// stores, (e) the relay on Redis, (f) the replay path (one Idempotency-Key repeated), (g) the relay's
// function endpoint POST /fn/calculator@quantum/main with the bare arguments `[a,b]` (memory
// stores, issue 18), shown against (a) and (d). Every request is distinct except in (f). Phase 2,
// open loop (paced-client.mjs, execute route only, so not (g)): p99 at half of (d)'s peak,
// measured from each request's intended send time. The last line holds every ratio and target.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { availableParallelism, cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const environment = process.env;
const ROUNDS = Number(process.argv[2] ?? 3);
const SECONDS = Number(process.argv[3] ?? 5);
const CONNECTIONS = Number(environment.CONNECTIONS ?? 32);
const REDIS_URL = environment.REDIS_URL ?? "redis://127.0.0.1:6379";
const PACED = (environment.PACED ?? "a,b,c,d").split(",").map((name) => name.trim());
const PACED_SECONDS = Number(environment.PACED_SECONDS ?? SECONDS);
const PACED_CONNECTIONS = Number(environment.PACED_CONNECTIONS ?? 64);
const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const cli = fileURLToPath(new URL("../../packages/server/dist/cli.js", import.meta.url));
const calculator = fileURLToPath(
  new URL("../../examples/modules/dist/calculator.wasm", import.meta.url),
);

/** Stops with a message saying what is missing and how to get it. */
function missing(message) {
  console.error(`http-throughput: ${message}`);
  process.exit(1);
}

// Prerequisites, checked before anything starts.
if (!(ROUNDS >= 1 && SECONDS >= 1 && PACED_SECONDS >= 1))
  missing("usage: node benchmarks/http-throughput/run.mjs [rounds>=1] [seconds>=1]");
if (spawnSync("wrk", ["--version"]).error)
  missing("`wrk` is not on the PATH (Debian/Ubuntu: apt-get install -y wrk).");
if (!existsSync(cli) || !existsSync(calculator))
  missing(
    `the relay is not built (${existsSync(cli) ? calculator : cli} is missing): run \`npx turbo run build --filter=@wasm-relay/server...\` at the repository root.`,
  );
for (const name of ["@extism/extism", "wabt", "ioredis"]) {
  try {
    import.meta.resolve(name);
  } catch (error) {
    missing(
      `cannot load ${name} (${error.message}): run \`npm install\` at the repository root (it is a workspace dependency).`,
    );
  }
}
const { default: Redis } = await import("ioredis");
{
  const probe = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  let cause = "";
  probe.on("error", (error) => {
    cause ||= error.message;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    missing(
      `Redis is not reachable at ${REDIS_URL} (${cause || error.message}): start one (redis-server) or set REDIS_URL; variant (e) needs it.`,
    );
  } finally {
    probe.disconnect();
  }
}

/**
 * Waits until no other run of this benchmark is measuring on this machine (two runs pinned to the
 * same cores would measure each other), then holds a lock file until this process exits.
 */
async function waitForMachine() {
  const lock = join(tmpdir(), "wasm-relay-http-throughput.lock");
  let announced = false;
  for (;;) {
    try {
      const descriptor = openSync(lock, "wx");
      writeSync(descriptor, String(process.pid));
      closeSync(descriptor);
      // A run killed by a signal leaves the file behind; the next run sees its pid gone.
      process.on("exit", () => rmSync(lock, { force: true }));
      return;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }
    let text;
    try {
      text = readFileSync(lock, "utf8");
    } catch {
      continue; // removed in between
    }
    const holder = Number(text);
    let alive = text === ""; // just created, its pid not written yet
    try {
      alive ||= holder > 0 && process.kill(holder, 0);
    } catch (error) {
      alive = error.code === "EPERM";
    }
    if (!alive) {
      rmSync(lock, { force: true });
      continue;
    }
    if (!announced)
      console.error(`http-throughput: waiting for another run (pid ${holder}) to finish`);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
await waitForMachine();

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
const hasTaskset = !spawnSync("taskset", ["-V"]).error;
const PIN = environment.PIN !== "0" && hasTaskset && availableParallelism() >= 2;
// The paced client spins for sub-millisecond send times only on a load core of its own.
const PACED_SPIN = (environment.PACED_SPIN ?? (PIN ? "1" : "0")) === "1";
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
    const timer = setTimeout(() => reject(new Error(`${label}: no "listening on" line`)), 30_000);
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

/** One closed-loop wrk run; latencies in microseconds. */
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

/** One open-loop run of paced-client.mjs at `rate` req/s; latencies in milliseconds. */
function runPaced(url, rate, seconds, env) {
  const [command, args] = pinned(1, process.execPath, [
    here("./paced-client.mjs"),
    url,
    String(rate),
    String(seconds),
    String(PACED_CONNECTIONS),
  ]);
  const output = execFileSync(command, args, {
    env: { ...process.env, PACED_SPIN: PACED_SPIN ? "1" : "0", ...env },
  }).toString();
  const result = JSON.parse(output.trim().split("\n").at(-1));
  // null: a percentile that reached failed or unfinished requests (infinitely late).
  for (const field of ["p50", "p90", "p99", "p999", "max", "lagP99", "waitP99"])
    result[field] = result[field] ?? Number.POSITIVE_INFINITY;
  return result;
}

async function post(url, body, headers = {}) {
  const response = await fetch(`${url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "Content-Type": "application/json", user_id: "bench-check", ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

const median = (values) => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)];
};
const fixed = (value, digits) => (Number.isFinite(value) ? value.toFixed(digits) : "∞");
const loadText = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
const verdict = (value, bound, atLeast) =>
  `${atLeast ? "≥" : "≤"}${bound} ${(atLeast ? value >= bound : value <= bound) ? "PASS" : "FAIL"}`;

const prefix = `bench-http-throughput-${randomUUID()}:`;
const relayEnv = {
  RELAY_RATE_LIMIT: "1000000000",
  RELAY_WORKERS: "1",
  LOG_LEVEL: "silent",
  PORT: "0",
};
const servers = [];
const replayKey = `bench-replay-${randomUUID()}`;
const started = async (...args) => {
  const server = await startServer(...args);
  servers.push(server);
  return server;
};
try {
  const variants = [
    {
      name: "a",
      label: "node:http JSON echo",
      server: await started("echo", [here("./echo-server.mjs")]),
    },
    {
      name: "b",
      label: "node:http + WebAssembly",
      server: await started("wasm", [here("./wasm-server.mjs")]),
    },
    {
      name: "c",
      label: "node:http + Extism SDK",
      server: await started("extism", [here("./extism-server.mjs")]),
    },
    {
      name: "d",
      label: "relay, memory stores",
      server: await started("relay-memory", [cli], relayEnv),
    },
    {
      name: "e",
      label: "relay, Redis",
      server: await started("relay-redis", [cli], {
        ...relayEnv,
        REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
      }),
    },
    {
      name: "f",
      label: "relay, replay",
      server: await started("relay-replay", [cli], relayEnv),
      env: { BENCH_IDEMPOTENCY_KEY: replayKey },
    },
    {
      name: "g",
      label: "relay, /fn/ endpoint",
      server: await started("relay-fn", [cli], relayEnv),
      env: { BENCH_FN: "1" },
    },
  ];
  const byName = Object.fromEntries(variants.map((variant) => [variant.name, variant]));

  // Each answers correctly before it is measured; (f)'s key is recorded once here. The two
  // WebAssembly peers must also agree on signs and i32 wrap-around.
  for (const variant of variants) {
    if (variant.name === "g") {
      // The function endpoint: bare JSON arguments, no content type, the sum as the body.
      const response = await fetch(`${variant.server.url}/fn/calculator@quantum/main`, {
        method: "POST",
        headers: { user_id: "bench-check" },
        body: "[1,2]",
      });
      const text = (await response.text()).trim();
      if (response.status !== 200 || text !== "3")
        throw new Error(`${variant.label}: [1,2] answered ${response.status} ${text}, expected 3`);
      continue;
    }
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
  for (const inputs of [
    [-5, 7],
    [2147483647, 1],
    [123456789, 987654321],
  ]) {
    const expected = (inputs[0] + inputs[1]) | 0;
    for (const name of ["b", "c"]) {
      const { status, body } = await post(byName[name].server.url, { inputs });
      if (status !== 200 || body.output !== expected)
        throw new Error(
          `${byName[name].label}: main(${inputs}) answered ${status} ${JSON.stringify(body)}, expected ${expected}`,
        );
    }
  }

  const loadAtStart = loadText();
  console.log(
    `machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, Node ${process.version}, load average ${loadAtStart} (1/5/15 min)`,
  );
  console.log(
    `closed loop: wrk, 1 thread, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds of ${SECONDS} s${PIN ? ", servers on core 0, load generator on core 1" : ", not pinned"}`,
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
  const row = Object.fromEntries(rows.map((entry) => [entry.name, entry]));
  const echo = row.a;
  console.log(`\nclosed loop, medians over ${ROUNDS} rounds:\n`);
  console.log("| variant | req/s | ×(a) | ×(d) | p50 ms | p99 ms | CPU µs/req | ×(a) | ×(d) |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const entry of rows)
    console.log(
      `| (${entry.name}) ${entry.label} | ${entry.rate.toFixed(0)} | ${(entry.rate / echo.rate).toFixed(3)} | ${(entry.rate / row.d.rate).toFixed(3)} | ${entry.p50.toFixed(2)} | ${entry.p99.toFixed(2)} | ${entry.cpuPerRequest.toFixed(1)} | ${(entry.cpuPerRequest / echo.cpuPerRequest).toFixed(2)} | ${(entry.cpuPerRequest / row.d.cpuPerRequest).toFixed(2)} |${entry.errors ? ` ${entry.errors} errors` : ""}`,
    );
  const echoSaturated = echo.coreShare >= 0.9;
  if (!echoSaturated)
    console.log(
      `\nWARNING: the echo's server used ${(100 * echo.coreShare).toFixed(0)}% of one core (< 90%): it was not saturated (the load generator or a busy machine was the limit), so every ratio to (a) is inflated.`,
    );

  // Phase 2: open loop at half of (d)'s peak.
  const pacedRate = Math.max(1, Math.round(Number(environment.PACED_RATE ?? row.d.rate / 2)));
  // paced-client.mjs speaks the execute route only, so (g) stays out of the open loop.
  const pacedVariants = variants.filter(
    (variant) => variant.name !== "g" && (PACED.includes("all") || PACED.includes(variant.name)),
  );
  console.log(
    `\nopen loop: paced-client.mjs at ${pacedRate} req/s (${environment.PACED_RATE ? "PACED_RATE" : "half of (d)'s peak"}), ${PACED_CONNECTIONS} keep-alive connections, ${PACED_SPIN ? "spinning" : "timer"} send loop, ${ROUNDS} interleaved rounds of ${PACED_SECONDS} s, latency from each request's intended send time`,
  );
  const paced = Object.fromEntries(pacedVariants.map((variant) => [variant.name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    const order = pacedVariants.map(
      (_, index) => pacedVariants[(index + round) % pacedVariants.length],
    );
    for (const variant of order) {
      const cpuBefore = cpuSeconds(variant.server.pid);
      const result = runPaced(variant.server.url, pacedRate, PACED_SECONDS, {
        BENCH_USER: `paced-${variant.name}-${round}-${randomUUID()}`,
        BENCH_OFFSET: String(500_000_000 + round * 10_000_000),
        ...variant.env,
      });
      const cpu = cpuSeconds(variant.server.pid) - cpuBefore;
      paced[variant.name].push({ ...result, cpuPerRequest: (cpu * 1e6) / result.completed });
      console.log(
        `round ${round + 1} (${variant.name}) ${variant.label.padEnd(24)} p99 ${fixed(result.p99, 2).padStart(8)} ms  client lag p99 ${fixed(result.lagP99, 2).padStart(7)} ms  connection wait p99 ${fixed(result.waitP99, 2).padStart(7)} ms  ${result.rate.toFixed(0)} req/s${result.errors || result.unfinished ? `  ${result.errors} errors, ${result.unfinished} unfinished` : ""}`,
      );
    }
  }
  const pacedRows = pacedVariants.map((variant) => {
    const list = paced[variant.name];
    return {
      ...variant,
      rate: median(list.map((entry) => entry.rate)),
      p50: median(list.map((entry) => entry.p50)),
      p99: median(list.map((entry) => entry.p99)),
      p999: median(list.map((entry) => entry.p999)),
      lagP99: median(list.map((entry) => entry.lagP99)),
      waitP99: median(list.map((entry) => entry.waitP99)),
      cpuPerRequest: median(list.map((entry) => entry.cpuPerRequest)),
      failed: list.reduce((sum, entry) => sum + entry.errors + entry.unfinished, 0),
    };
  });
  const pacedRow = Object.fromEntries(pacedRows.map((entry) => [entry.name, entry]));
  console.log(`\nopen loop at ${pacedRate} req/s, medians over ${ROUNDS} rounds:\n`);
  console.log(
    "| variant | req/s done | p50 ms | p99 ms | p99.9 ms | p99 ×(a) | client lag p99 ms | connection wait p99 ms | CPU µs/req |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const entry of pacedRows)
    console.log(
      `| (${entry.name}) ${entry.label} | ${entry.rate.toFixed(0)} | ${fixed(entry.p50, 2)} | ${fixed(entry.p99, 2)} | ${fixed(entry.p999, 2)} | ${pacedRow.a ? fixed(entry.p99 / pacedRow.a.p99, 2) : "-"} | ${fixed(entry.lagP99, 2)} | ${fixed(entry.waitP99, 2)} | ${entry.cpuPerRequest.toFixed(1)} |${entry.failed ? ` ${entry.failed} failed/unfinished` : ""}`,
    );
  const clientBound = pacedRows.filter((entry) => entry.lagP99 > 0.5 * entry.p99);
  if (clientBound.length > 0)
    console.log(
      `\nWARNING: the paced client's own lateness is more than half of the p99 of ${clientBound.map((entry) => `(${entry.name}) (${fixed(entry.lagP99, 2)} of ${fixed(entry.p99, 2)} ms)`).join(", ")}: the load generator was descheduled (a busy machine), so those p99 figures measure the machine more than the server.`,
    );
  const shortfall = pacedRows.filter((entry) => entry.rate < 0.97 * pacedRate);
  if (shortfall.length > 0)
    console.log(
      `\nNOTE: ${shortfall.map((entry) => `(${entry.name}) ${entry.rate.toFixed(0)}`).join(", ")} req/s done against ${pacedRate} sent: the server fell behind the schedule (its late requests are in its percentiles).`,
    );

  // The closing line: every ratio and every target of issue 14 measured here.
  const ratio = (name) => row[name].rate / echo.rate;
  const cpuRatio = row.d.cpuPerRequest / echo.cpuPerRequest;
  const parts = [
    `(a) ${echo.rate.toFixed(0)} req/s`,
    `(b) ${ratio("b").toFixed(3)}×`,
    `(c) ${ratio("c").toFixed(3)}×`,
    `(d) ${ratio("d").toFixed(3)}× [${verdict(ratio("d"), 0.5, true)}]`,
    `(d)/(c) ${(row.d.rate / row.c.rate).toFixed(2)}× [${verdict(row.d.rate / row.c.rate, 1.0, true)}]`,
    `(e) ${ratio("e").toFixed(3)}× [${verdict(ratio("e"), 0.35, true)}]`,
    `(f) ${ratio("f").toFixed(3)}× [${verdict(ratio("f"), 0.8, true)}]`,
    `(g) ${ratio("g").toFixed(3)}×`,
    `(g)/(d) ${(row.g.rate / row.d.rate).toFixed(2)}× (CPU/request ${(row.g.cpuPerRequest / row.d.cpuPerRequest).toFixed(2)}×)`,
  ];
  if (pacedRow.a && pacedRow.d) {
    const p99Ratio = pacedRow.d.p99 / pacedRow.a.p99;
    parts.push(
      `p99 at ${pacedRate} req/s (d)/(a) ${fixed(pacedRow.d.p99, 2)}/${fixed(pacedRow.a.p99, 2)} ms = ${fixed(p99Ratio, 2)}× [${verdict(p99Ratio, 3, false)}]`,
    );
  }
  parts.push(`CPU/request (d)/(a) ${cpuRatio.toFixed(2)}× [${verdict(cpuRatio, 2.5, false)}]`);
  parts.push(
    `echo ${echoSaturated ? "saturated" : "NOT saturated"} (${(100 * echo.coreShare).toFixed(0)}% of a core)`,
  );
  parts.push(`load average ${loadAtStart.split(" ")[0]} → ${loadavg()[0].toFixed(2)}`);
  console.log(`\nratios to (a): ${parts.join("; ")}`);
} finally {
  for (const server of servers) server.child.kill();
  const redis = new Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on("error", () => {});
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
