// Sandbox executor benchmark: runs/s and CPU µs per run of the executor alone (no HTTP), every
// task in a worker (`inline: false`) against the default (small tasks inline), interleaved A B A B.
// Usage (after `npx turbo run build --filter=@wasm-relay/sandbox...`):
//   node benchmarks/sandbox-executor/run.mjs [runs per round] [rounds] [in flight]
// Scenarios: the calculator (a few gas: inline), busy(2,000,000) (about 8M gas: over the inline
// slice, so the inline executor first spends a slice, then runs it in a worker).
// CPU is the process's (all threads: main and workers), from process.cpuUsage().
// BASELINE=<path to another build's dist/index.js> adds that build (its defaults, 1 worker) as a
// third variant, e.g. the sandbox of an earlier commit: `git archive <commit> packages/sandbox`
// unpacked beside a `node_modules` link, built with `npx tsup`.
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { createSandboxExecutor } from "@wasm-relay/sandbox";

const RUNS = Number(process.argv[2] ?? 5000);
const ROUNDS = Number(process.argv[3] ?? 4);
const IN_FLIGHT = Number(process.argv[4] ?? 32);
const module = (name) =>
  new Uint8Array(
    readFileSync(new URL(`../../examples/modules/dist/${name}.wasm`, import.meta.url)),
  );
const CID = {
  calculator: "bafkreig2puuzpq7lbujb5bzuqumynufgzmthphchjc2zu4tnoqokejykva",
  busy: "bafkreiack4ucqm3axeqmyaqzdycrpicw2rcahuwzln5i6iq4zz5swb34om",
};
const policy = { max_memory: 16 * 65536, max_gas: 1e9, max_time: 5000 };
const scenarios = [
  {
    name: "calculator main(i, 2)",
    runs: RUNS,
    task: (index) => ({
      requestId: `r${index}`,
      module: { cid: CID.calculator, bytes: module("calculator") },
      inputs: [index, 2],
      policy,
    }),
  },
  {
    name: "busy(2,000,000), over the slice",
    runs: Math.max(50, Math.floor(RUNS / 50)),
    task: (index) => ({
      requestId: `r${index}`,
      module: { cid: CID.busy, bytes: module("busy") },
      inputs: [2_000_000 + (index % 7)],
      policy,
    }),
  },
];
const environment = process.env;
const variants = [
  { label: "workers only", create: () => createSandboxExecutor({ workers: 1, inline: false }) },
  { label: "inline (default)", create: () => createSandboxExecutor({ workers: 1 }) },
];
if (environment.BASELINE) {
  const baseline = await import(pathToFileURL(environment.BASELINE).href);
  variants.push({
    label: "baseline build",
    create: () => baseline.createSandboxExecutor({ workers: 1 }),
  });
}

async function round(executor, scenario) {
  const tasks = Array.from({ length: scenario.runs }, (_, index) => scenario.task(index));
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < tasks.length) {
        const result = await executor.execute(tasks[next++]);
        if (!result.success) throw new Error(`unexpected failure: ${JSON.stringify(result)}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    perSecond: scenario.runs / seconds,
    cpuMicros: (used.user + used.system) / scenario.runs,
  };
}

console.log(
  `machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, Node ${process.version}, load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(" ")}`,
);
console.log(`${ROUNDS} interleaved rounds, ${IN_FLIGHT} runs in flight, 1 worker`);
const closing = [];
for (const scenario of scenarios) {
  const executors = variants.map((variant) => variant.create());
  // Warm-up: compile in the worker, hand the module over, JIT the paths.
  for (const executor of executors) {
    for (let index = 0; index < 3; index++) await executor.execute(scenario.task(index));
    await round(executor, { ...scenario, runs: Math.min(scenario.runs, 500) });
  }
  const samples = variants.map(() => []);
  for (let index = 0; index < ROUNDS; index++) {
    for (const [which, executor] of executors.entries())
      samples[which].push(await round(executor, scenario));
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const summary = samples.map((list) => ({
    perSecond: median(list.map((sample) => sample.perSecond)),
    cpuMicros: median(list.map((sample) => sample.cpuMicros)),
  }));
  console.log(`\n${scenario.name} (${scenario.runs} runs per round, medians):`);
  for (const [which, variant] of variants.entries()) {
    const { perSecond, cpuMicros } = summary[which];
    console.log(
      `  ${variant.label.padEnd(18)} ${perSecond.toFixed(0).padStart(8)} runs/s ${cpuMicros.toFixed(1).padStart(8)} µs CPU/run`,
    );
  }
  const stats = executors[1].stats();
  console.log(
    `  inline executor: ${stats.inlined} inlined, ${stats.inlineFallbacks} sent back to a worker`,
  );
  const [base, inline] = summary;
  closing.push(
    `${scenario.name}: ${(inline.perSecond / base.perSecond).toFixed(2)}× runs/s, ${(inline.cpuMicros / base.cpuMicros).toFixed(2)}× CPU/run`,
  );
  if (summary[2]) {
    closing.push(
      `vs baseline: ${(inline.perSecond / summary[2].perSecond).toFixed(2)}× runs/s, ${(inline.cpuMicros / summary[2].cpuMicros).toFixed(2)}× CPU/run`,
    );
  }
  await Promise.all(executors.map((executor) => executor.close()));
}
console.log(
  `\ninline vs workers only: ${closing.join("; ")}; load average ${loadavg()[0].toFixed(2)}`,
);
