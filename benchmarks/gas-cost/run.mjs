// Gas cost benchmark: `npm run build -w @wasm-relay/sandbox && node benchmarks/gas-cost/run.mjs [repeat=5]`.
// For each instruction class, a module whose `main(n)` runs the operation n times in a loop is
// metered (trap mode, unlimited counter) and timed: it prints nanoseconds per gas for the whole
// program (loop included), the figure that says how long a budget of gas can take.
import { availableParallelism, cpus } from "node:os";
import { CostModel, meter } from "@wasm-relay/sandbox";
import createWabt from "wabt";
import { loadPrograms } from "../metering/programs.mjs";

const REPEAT = Number(process.argv[2] ?? 5);
const wabt = await createWabt();
const FEATURES = {
  exceptions: true,
  threads: true,
  bulk_memory: true,
  reference_types: true,
  tail_call: true,
  simd: true,
  multi_value: true,
};

function compile(text) {
  const parsed = wabt.parseWat("bench.wat", text, FEATURES);
  parsed.resolveNames();
  const { buffer } = parsed.toBinary({ log: false });
  parsed.destroy();
  return new Uint8Array(buffer);
}

/** A module whose main(n) repeats `body` n times (`$i` counts down; `$x` is an i32 scratch). */
function looped(body, declarations = "", memory = "(memory 1)") {
  return `(module ${memory} ${declarations}
    (func (export "main") (param $n i32) (result i32) (local $i i32) (local $x i32)
      (local.set $i (local.get $n))
      (block $done (loop $next
        (br_if $done (i32.eqz (local.get $i)))
        ${body}
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br $next)))
      (local.get $x)))`;
}

const classes = [
  {
    name: "add (i32 arithmetic)",
    n: 2_000_000,
    text: looped(
      "(local.set $x (i32.add (local.get $x) (local.get $i)))".repeat(1) +
        "(local.set $x (i32.xor (i32.add (local.get $x) (i32.const 7)) (local.get $i)))".repeat(20),
    ),
  },
  {
    name: "i32.div_u (dependent)",
    n: 1_000_000,
    text: looped(
      "(local.set $x (i32.div_u (i32.sub (i32.const -1) (local.get $x)) (i32.or (local.get $i) (i32.const 3))))".repeat(
        10,
      ),
    ),
  },
  {
    name: "i64.div_u (dependent)",
    n: 1_000_000,
    text: looped(
      "(local.set $x (i32.wrap_i64 (i64.div_u (i64.sub (i64.const -1) (i64.extend_i32_u (local.get $x))) (i64.extend_i32_u (i32.or (local.get $i) (i32.const 3))))))".repeat(
        10,
      ),
    ),
  },
  {
    name: "f64.sqrt + f64.div (dependent)",
    n: 1_000_000,
    text: looped(
      "(local.set $x (i32.trunc_sat_f64_u (f64.div (f64.sqrt (f64.convert_i32_u (i32.add (local.get $x) (local.get $i)))) (f64.const 1.0001))))".repeat(
        10,
      ),
    ),
  },
  {
    name: "i32.load, random over 16 MiB",
    n: 2_000_000,
    text: looped(
      "(local.set $x (i32.add (local.get $i) (i32.load (i32.and (i32.mul (i32.add (local.get $x) (local.get $i)) (i32.const 0x9e3779b1)) (i32.const 0xfffffc)))))",
      "",
      "(memory 256)",
    ),
  },
  {
    name: "call (metered callee)",
    n: 2_000_000,
    text: looped(
      "(local.set $x (call $callee (local.get $x)))",
      `(func $callee (export "callee") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))`,
    ),
  },
  {
    name: "call_indirect",
    n: 2_000_000,
    text: looped(
      "(local.set $x (call_indirect (type $unary) (local.get $x) (i32.const 0)))",
      `(type $unary (func (param i32) (result i32)))
       (table 1 funcref) (elem (i32.const 0) $callee)
       (func $callee (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))`,
    ),
  },
  {
    name: "throw + catch",
    n: 20_000,
    text: looped(
      "(try (do (throw $oops (local.get $i))) (catch $oops (local.set $x (i32.add (local.get $x)))))",
      "(tag $oops (param i32))",
    ),
  },
  {
    name: "throw + catch across a call",
    n: 20_000,
    text: looped(
      "(try (do (call $thrower (local.get $i))) (catch $oops (local.set $x (i32.add (local.get $x)))))",
      `(tag $oops (param i32))
       (func $thrower (export "thrower") (param i32) (throw $oops (local.get 0)))`,
    ),
  },
  {
    name: "memory.grow (1 page, to 16 MiB)",
    n: 255,
    text: looped(
      "(local.set $x (i32.add (local.get $x) (memory.grow (i32.const 1))))",
      "",
      "(memory 1 256)",
    ),
  },
  {
    name: "memory.grow (16 pages, to 256 MiB)",
    n: 255,
    text: looped(
      "(local.set $x (i32.add (local.get $x) (memory.grow (i32.const 16))))",
      "",
      "(memory 1 4096)",
    ),
  },
  {
    name: "memory.fill (64 KiB)",
    n: 20_000,
    text: looped("(memory.fill (i32.const 0) (local.get $i) (i32.const 65536))", "", "(memory 2)"),
  },
  {
    name: "memory.copy (32 KiB)",
    n: 20_000,
    text: looped(
      "(memory.copy (i32.const 0) (i32.const 32768) (i32.const 32768))",
      "",
      "(memory 2)",
    ),
  },
  {
    name: "table.grow (externref, 1,000)",
    n: 2_000,
    text: looped(
      "(local.set $x (table.grow $refs (ref.null extern) (i32.const 1000)))",
      "(table $refs 0 externref)",
    ),
  },
  {
    name: "table.fill (funcref, 1,000)",
    n: 50_000,
    text: looped(
      "(table.fill $refs (i32.const 0) (ref.null func) (i32.const 1000))",
      "(table $refs 1000 funcref)",
    ),
  },
  {
    name: "table.get + table.set",
    n: 2_000_000,
    text: looped(
      "(table.set $refs (i32.and (local.get $i) (i32.const 1023)) (table.get $refs (i32.const 5)))",
      "(table $refs 1024 externref)",
    ),
  },
  {
    name: "memory.atomic.wait32 (timeout 0)",
    n: 2000,
    text: looped(
      "(local.set $x (i32.add (local.get $x) (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 0))))",
      "",
      "(memory 1 1 shared)",
    ),
  },
  {
    name: "memory.atomic.wait32 (timeout 1 µs)",
    n: 500,
    text: looped(
      "(local.set $x (i32.add (local.get $x) (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 1000))))",
      "",
      "(memory 1 1 shared)",
    ),
  },
  {
    name: "memory.atomic.wait32 (timeout 100 µs)",
    n: 200,
    text: looped(
      "(local.set $x (i32.add (local.get $x) (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 100000))))",
      "",
      "(memory 1 1 shared)",
    ),
  },
];

const median = (values) => [...values].sort((left, right) => left - right)[values.length >> 1];
const START = 2n ** 62n;

console.log(
  `machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, Node ${process.version}`,
);
console.log(`cost model: ${JSON.stringify(CostModel)}`);
console.log(`each figure: median of ${REPEAT} runs after one warm-up run\n`);
console.log(
  `${"class".padEnd(40)} ${"gas/op".padStart(10)} ${"ns/op".padStart(12)} ${"ns/gas".padStart(8)}`,
);
// Typical code: the metering benchmark's programs (fib, loops, sieve, matmul, crc32, sha256).
const typicalRows = [];
for (const program of await loadPrograms()) {
  const metered = meter(program.bytes, { initialGas: START });
  const times = [];
  let gas = 0n;
  for (let run = 0; run <= REPEAT; run++) {
    const { instance } = await WebAssembly.instantiate(metered.bytes, {});
    const started = process.hrtime.bigint();
    instance.exports.main(program.benchmarkInput);
    times.push(Number(process.hrtime.bigint() - started));
    gas = START - instance.exports[metered.gasExportName].value;
  }
  times.shift();
  const perGas = median(times) / Number(gas);
  typicalRows.push(perGas);
  console.log(
    `${`typical: ${program.name}`.padEnd(40)} ${"".padStart(10)} ${"".padStart(12)} ${perGas.toFixed(3).padStart(8)}`,
  );
}
const typical = median(typicalRows);
console.log(
  `${"typical (median of the programs)".padEnd(40)} ${"".padStart(10)} ${"".padStart(12)} ${typical.toFixed(3).padStart(8)}\n`,
);

const rows = [];
for (const entry of classes) {
  const metered = meter(compile(entry.text), { initialGas: START });
  const times = [];
  let gas = 0n;
  for (let run = 0; run <= REPEAT; run++) {
    // A fresh instance each run: memory and tables start small again.
    const { instance } = await WebAssembly.instantiate(metered.bytes, {});
    const counter = instance.exports[metered.gasExportName];
    const started = process.hrtime.bigint();
    instance.exports.main(entry.n);
    const elapsed = Number(process.hrtime.bigint() - started);
    gas = START - counter.value;
    if (run > 0) times.push(elapsed);
  }
  const nanoseconds = median(times);
  const perGas = nanoseconds / Number(gas);
  rows.push({ name: entry.name, perGas });
  console.log(
    `${entry.name.padEnd(40)} ${(Number(gas) / entry.n).toFixed(1).padStart(10)} ${(nanoseconds / entry.n).toFixed(1).padStart(12)} ${perGas.toFixed(3).padStart(8)}`,
  );
}
const worst = rows.reduce((left, right) => (right.perGas > left.perGas ? right : left));
console.log(
  `\nworst: ${worst.name} at ${worst.perGas.toFixed(3)} ns/gas, ${(worst.perGas / typical).toFixed(1)}x typical code (${typical.toFixed(3)} ns/gas)`,
);
