// Relay A/B: the same relay (memory stores, 1 worker) with every task in a worker (A, inline off)
// and with small tasks inline (B, the default), wrk against each in turn, A B A B, every request
// distinct (benchmarks/http-throughput/request.lua). Server CPU per request from /proc.
// Usage (after `npx turbo run build --filter=@wasm-relay/server...`; needs wrk):
//   [PIN=0] node benchmarks/sandbox-executor/relay-ab.mjs [rounds=4] [seconds=8]
// Pinned (the default with 2+ cores): relays on core 0, wrk on core 1.
import { execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";

const ROUNDS = Number(process.argv[2] ?? 4);
const SECONDS = Number(process.argv[3] ?? 8);
const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim());
// PIN=0 leaves both to the scheduler (a busy machine whose core 0 other benchmarks pin to).
const environment = process.env;
const PIN = environment.PIN !== "0" && availableParallelism() >= 2;
const pinned = (core, command, args) =>
  PIN ? ["taskset", ["-c", String(core), command, ...args]] : [command, args];

function start(inline) {
  const [command, args] = pinned(0, process.execPath, [here("./relay-server.mjs")]);
  const child = spawn(command, args, {
    env: {
      ...process.env,
      INLINE: inline ? "1" : "0",
      RELAY_RATE_LIMIT: "1000000000",
      RELAY_WORKERS: "1",
      LOG_LEVEL: "silent",
      PORT: "0",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let seen = "";
    child.on("exit", (code) => reject(new Error(`relay exited (${code}): ${seen}`)));
    child.stderr.on("data", (chunk) => {
      seen += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match) resolve({ child, url: match[1] });
    });
  });
}

/** Context switches (voluntary + involuntary) of all the process's threads so far. */
const contextSwitches = (pid) => {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${task}/status`, "utf8");
      for (const match of status.matchAll(/_ctxt_switches:\s+(\d+)/g)) total += Number(match[1]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return total;
};

const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
};

function wrk(url, seconds, offset, user) {
  const [command, args] = pinned(1, "wrk", [
    "-t1",
    "-c32",
    `-d${seconds}s`,
    "-s",
    here("../http-throughput/request.lua"),
    url,
  ]);
  const output = execFileSync(command, args, {
    env: { ...process.env, BENCH_OFFSET: String(offset), BENCH_USER: user },
  }).toString();
  const [requests, micros, p50, p99, status] = output
    .split("\n")
    .find((line) => line.startsWith("BENCH "))
    .split(" ")
    .slice(1)
    .map(Number);
  if (status > 0) throw new Error(`${status} non-2xx answers`);
  return { requests, perSecond: requests / (micros / 1e6), p50: p50 / 1000, p99: p99 / 1000 };
}

const variants = [
  { label: "A: every task in a worker", server: await start(false) },
  { label: "B: small tasks inline", server: await start(true) },
];
console.log(
  `${PIN ? "relays on core 0, wrk on core 1" : "not pinned"}; machine: ${cpus()[0]?.model}, ${availableParallelism()} cores, Node ${process.version}, load average ${loadavg()
    .map((v) => v.toFixed(2))
    .join(" ")}`,
);
for (const variant of variants) wrk(variant.server.url, 1, 0, "warm");
const samples = variants.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? [0, 1] : [1, 0];
  for (const which of order) {
    const { server } = variants[which];
    const before = cpuSeconds(server.child.pid);
    const switchesBefore = contextSwitches(server.child.pid);
    const result = wrk(server.url, SECONDS, (round + 1) * 10_000_000, `u${round}-${which}`);
    const cpu = cpuSeconds(server.child.pid) - before;
    const switches = (contextSwitches(server.child.pid) - switchesBefore) / result.requests;
    samples[which].push({ ...result, cpuMicros: (cpu * 1e6) / result.requests, switches });
    console.log(
      `round ${round + 1} ${variants[which].label.padEnd(26)} ${result.perSecond.toFixed(0).padStart(6)} req/s ${((cpu * 1e6) / result.requests).toFixed(1).padStart(7)} µs CPU/req ${switches.toFixed(2)} switches/req p99 ${result.p99.toFixed(1)} ms`,
    );
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = samples.map((list) => ({
  perSecond: median(list.map((s) => s.perSecond)),
  cpuMicros: median(list.map((s) => s.cpuMicros)),
  p99: median(list.map((s) => s.p99)),
  switches: median(list.map((s) => s.switches)),
}));
for (const [which, variant] of variants.entries()) {
  const { perSecond, cpuMicros, p99, switches } = summary[which];
  console.log(
    `median ${variant.label.padEnd(26)} ${perSecond.toFixed(0).padStart(6)} req/s ${cpuMicros.toFixed(1).padStart(7)} µs CPU/req ${switches.toFixed(2)} switches/req p99 ${p99.toFixed(1)} ms`,
  );
}
const [a, b] = summary;
console.log(
  `inline vs worker: ${(b.perSecond / a.perSecond).toFixed(2)}× req/s, ${(b.cpuMicros / a.cpuMicros).toFixed(2)}× CPU/req (${(a.cpuMicros - b.cpuMicros).toFixed(1)} µs less), context switches ${a.switches.toFixed(2)} → ${b.switches.toFixed(2)} per request; load average ${loadavg()[0].toFixed(2)}`,
);
for (const { server } of variants) server.child.kill("SIGTERM");
