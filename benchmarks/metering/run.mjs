// Metering benchmark: `npm run build -w @wasm-relay/sandbox && node benchmarks/metering/run.mjs [repeat] [warmup]`.
// 1. CPU-bound programs unmetered, metered by @wasm-relay/sandbox and metered by the npm peer
//    `wasm-metering`, in one run: median times, ratios and geometric means; then sql.js's real
//    Emscripten module (a 50k-row insert, aggregates, a recursive CTE) unmetered and metered.
// 2. Time to meter a ~1 MiB module (synthetic) and sql.js's real 672 KiB module.
// 3. Overhead of a cached trivial call through the worker pool (median and p99).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism, cpus, loadavg } from "node:os";
import { createSandboxExecutor, meter } from "@wasm-relay/sandbox";
import createWabt from "wabt";
import { loadPrograms } from "./programs.mjs";
import { loadSql, runWorkload, SQL_WASM } from "./sql-workload.mjs";

const require = createRequire(import.meta.url);
const peer = require("wasm-metering");

// `node run.mjs [repeat] [warmup]`
const REPEAT = Number(process.argv[2] ?? 7);
const WARMUP = Number(process.argv[3] ?? 2);

const median = (values) => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)];
};
const percentile = (values, fraction) => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
};
const geometricMean = (values) =>
  Math.exp(values.reduce((sum, value) => sum + Math.log(value), 0) / values.length);
const format = (value, digits = 2) => (value === undefined ? "n/a" : value.toFixed(digits));
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
/** CPU time of one call (user + system, ms): steadier than wall time on a shared machine. */
function timed(run) {
  const started = process.cpuUsage();
  const value = run();
  const spent = process.cpuUsage(started);
  return { value, elapsed: (spent.user + spent.system) / 1000 };
}

console.log(
  `machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, Node ${process.version}`,
);
console.log(
  `each figure: median CPU time of ${REPEAT} runs after ${WARMUP} warm-up runs (variants interleaved); load average at start ${load()}\n`,
);

// ---- 1. programs ----
async function instantiateMain(bytes, imports) {
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  return instance.exports.main;
}

function oursVariant(bytes) {
  // As the sandbox runs modules: counter refilled by the host in chunks of 4 Mi units.
  const metered = meter(bytes, { refillImport: { module: "gas", name: "refill" } });
  return instantiateMain(metered.bytes, { gas: { refill: (counter) => counter + 4194304n } });
}

function peerVariant(bytes) {
  const metered = peer.meterWASM(Buffer.from(bytes), { meterType: "i32" });
  const account = { gas: 0 };
  return instantiateMain(new Uint8Array(metered), {
    metering: {
      usegas: (amount) => {
        account.gas += amount;
      },
    },
  });
}

const programs = await loadPrograms();
const rows = [];
for (const program of programs) {
  const variants = {
    unmetered: instantiateMain(program.bytes, {}),
    ours: oursVariant(program.bytes),
  };
  let peerError;
  try {
    variants.peer = peerVariant(program.bytes);
    await variants.peer;
  } catch (error) {
    peerError = error instanceof Error ? error.message.split("\n")[0] : String(error);
    delete variants.peer;
  }
  const functions = {};
  for (const [name, promise] of Object.entries(variants)) functions[name] = await promise;
  const times = Object.fromEntries(Object.keys(functions).map((name) => [name, []]));
  const results = {};
  for (let round = 0; round < WARMUP + REPEAT; round++) {
    for (const [name, main] of Object.entries(functions)) {
      const { value, elapsed } = timed(() => main(program.benchmarkInput));
      results[name] = value;
      if (round >= WARMUP) times[name].push(elapsed);
    }
  }
  for (const [name, value] of Object.entries(results)) {
    if (value !== results.unmetered)
      throw new Error(`${program.name}: ${name} gave ${value}, unmetered ${results.unmetered}`);
  }
  const unmetered = median(times.unmetered);
  const ours = median(times.ours);
  const peerTime = times.peer ? median(times.peer) : undefined;
  const best = Math.min(...times.ours) / Math.min(...times.unmetered);
  rows.push({ program: program.name, unmetered, ours, peer: peerTime, peerError, best });
}

console.log(
  "program                    unmetered ms   ours ms   peer ms   ours/unmetered   peer/unmetered   peer/ours",
);
for (const row of rows) {
  console.log(
    [
      row.program.padEnd(26),
      format(row.unmetered, 1).padStart(12),
      format(row.ours, 1).padStart(9),
      format(row.peer, 1).padStart(9),
      format(row.ours / row.unmetered, 3).padStart(16),
      format(row.peer && row.peer / row.unmetered, 2).padStart(16),
      format(row.peer && row.peer / row.ours, 2).padStart(11),
      format(row.best, 3).padStart(28),
    ].join(" "),
  );
  if (row.peerError) console.log(`  (peer cannot meter ${row.program}: ${row.peerError})`);
}
const handled = rows.filter((row) => row.peer !== undefined);

// sql.js: two independent instances of its Emscripten module, one metered as the sandbox meters.
const sqlUnmetered = await loadSql();
const sqlOurs = await loadSql({
  metered: meter(SQL_WASM, { refillImport: { module: "gas", name: "refill" } }),
});
const sqlTimes = { unmetered: [], ours: [] };
const sqlResults = {};
for (let round = 0; round < WARMUP + REPEAT; round++) {
  for (const [name, sql] of [
    ["unmetered", sqlUnmetered],
    ["ours", sqlOurs],
  ]) {
    const { value, elapsed } = timed(() => runWorkload(sql.SQL));
    if (sqlResults[name] !== undefined && sqlResults[name] !== value)
      throw new Error(`sql.js ${name}: the workload gave different results in two rounds`);
    sqlResults[name] = value;
    if (round >= WARMUP) sqlTimes[name].push(elapsed);
  }
}
if (sqlResults.ours !== sqlResults.unmetered)
  throw new Error(`sql.js: metered results differ from unmetered ones`);
const sqlRow = {
  program: "sql.js (50k inserts, aggregates, recursive CTE)",
  unmetered: median(sqlTimes.unmetered),
  ours: median(sqlTimes.ours),
  best: Math.min(...sqlTimes.ours) / Math.min(...sqlTimes.unmetered),
};
console.log(
  [
    sqlRow.program.padEnd(26),
    format(sqlRow.unmetered, 1).padStart(12),
    format(sqlRow.ours, 1).padStart(9),
    "n/a".padStart(9),
    format(sqlRow.ours / sqlRow.unmetered, 3).padStart(16),
    "n/a".padStart(16),
    "n/a".padStart(11),
    format(sqlRow.best, 3).padStart(28),
  ].join(" "),
);
console.log(
  `  (results equal; metered sql.js spent ${sqlOurs.gasUsed()} gas over ${WARMUP + REPEAT} rounds)`,
);

const fib = rows.find((row) => row.program === "fib");
const programsMean = geometricMean(rows.map((row) => row.ours / row.unmetered));
console.log(
  `\ngeometric mean ours/unmetered over the ${rows.length} programs: ${format(programsMean, 3)} of medians, ${format(geometricMean(rows.map((row) => row.best)), 3)} of best runs (target <= 1.15); with sql.js: ${format(geometricMean([...rows, sqlRow].map((row) => row.ours / row.unmetered)), 3)}`,
);
console.log(
  `sql.js ours/unmetered: ${format(sqlRow.ours / sqlRow.unmetered, 3)} (target <= 1.25); fib: ${format(fib && fib.ours / fib.unmetered, 3)} (target <= 1.25); load average at end ${load()}`,
);
if (handled.length > 0) {
  console.log(
    `geometric mean peer/ours over the ${handled.length} programs the peer handles: ${format(geometricMean(handled.map((row) => row.peer / row.ours)), 2)}x (target >= 5)`,
  );
}

// ---- 2. metering speed ----
const wabt = await createWabt();
const functionText = (
  index,
) => `(func $f${index} (export "f${index}") (param $n i32) (result i32) (local $i i32) (local $acc i32)
  (block $done (loop $next
    (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
    (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $i) (i32.const ${index}))))
    (if (i32.and (local.get $acc) (i32.const 1))
      (then (local.set $acc (i32.xor (local.get $acc) (i32.load (i32.and (local.get $i) (i32.const 1020))))))
      (else (i32.store (i32.and (local.get $acc) (i32.const 1020)) (local.get $i))))
    (local.set $i (i32.add (local.get $i) (i32.const 1)))
    (br $next)))
  ${index > 0 ? `(call $f${index - 1} (local.get $acc))` : "(local.get $acc)"})`;
const functionCount = 12500;
const parsed = wabt.parseWat(
  "big.wat",
  `(module (memory 1) ${Array.from({ length: functionCount }, (_, index) => functionText(index)).join("\n")})`,
);
const big = new Uint8Array(parsed.toBinary({ log: false }).buffer);
parsed.destroy();
const sqlite = new Uint8Array(readFileSync(require.resolve("sql.js/dist/sql-wasm.wasm")));
for (const [name, bytes] of [
  [`synthetic (${functionCount} functions)`, big],
  ["sql.js sql-wasm.wasm", sqlite],
]) {
  const times = [];
  let output;
  for (let round = 0; round < WARMUP + REPEAT; round++) {
    const started = performance.now();
    output = meter(bytes, { refillImport: { module: "gas", name: "refill" } });
    if (round >= WARMUP) times.push(performance.now() - started);
  }
  if (!WebAssembly.validate(output.bytes)) throw new Error(`metered ${name} does not validate`);
  const mebibytes = bytes.length / 1048576;
  const time = median(times);
  console.log(
    `\nmeter ${name}: ${format(mebibytes, 2)} MiB in ${format(time, 1)} ms (${format(mebibytes / (time / 1000), 1)} MiB/s), output ${format(output.bytes.length / bytes.length, 2)}x the input`,
  );
  if (name.startsWith("sql.js")) {
    const started = performance.now();
    try {
      peer.meterWASM(Buffer.from(bytes), { meterType: "i32" });
      console.log(`  peer meters it in ${format(performance.now() - started, 1)} ms`);
    } catch (error) {
      console.log(
        `  peer cannot meter it: ${(error instanceof Error ? error.message : String(error)).split("\n")[0]}`,
      );
    }
  }
}

// ---- 3. pool overhead ----
const calculator = new Uint8Array(
  readFileSync(new URL("../../examples/modules/dist/calculator.wasm", import.meta.url)),
);
const executor = createSandboxExecutor({ workers: 1 });
const task = {
  requestId: "benchmark",
  module: { cid: "calculator", bytes: calculator },
  inputs: [5, 3],
  policy: { max_memory: 1048576, max_gas: 1000000, max_time: 5000 },
};
for (let index = 0; index < 200; index++) await executor.execute(task);
const latencies = [];
for (let index = 0; index < 3000; index++) {
  const started = performance.now();
  const result = await executor.execute(task);
  latencies.push((performance.now() - started) * 1000);
  if (result.output !== 8) throw new Error("calculator failed");
}
const direct = [];
const { instance } = await WebAssembly.instantiate(
  meter(calculator, { refillImport: { module: "gas", name: "refill" } }).bytes,
  {
    gas: { refill: (counter) => counter + 1000000n },
  },
);
for (let index = 0; index < 3000; index++) {
  const started = performance.now();
  instance.exports.main(5, 3);
  direct.push((performance.now() - started) * 1000);
}
await executor.close();
console.log(
  `\ncached trivial call through the pool (calculator main(5, 3), 3000 sequential calls): median ${format(median(latencies), 0)} µs, p99 ${format(percentile(latencies, 0.99), 0)} µs (in-process call of the same metered export: median ${format(median(direct), 1)} µs)`,
);
