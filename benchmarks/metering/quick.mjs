import { meter } from "@wasm-relay/sandbox";
import { loadPrograms } from "./programs.mjs";

const programs = await loadPrograms();
for (const p of programs) {
  const inst = async (bytes) => (await WebAssembly.instantiate(bytes, {})).instance.exports.main;
  const a = await inst(p.bytes),
    b = await inst(meter(p.bytes).bytes);
  const time = (f) => {
    const t = performance.now();
    f(p.benchmarkInput);
    return performance.now() - t;
  };
  for (let i = 0; i < 2; i++) {
    time(a);
    time(b);
  }
  const ta = [],
    tb = [];
  for (let i = 0; i < 5; i++) {
    ta.push(time(a));
    tb.push(time(b));
  }
  ta.sort((x, y) => x - y);
  tb.sort((x, y) => x - y);
  console.log(p.name.padEnd(24), ta[2].toFixed(1), tb[2].toFixed(1), (tb[2] / ta[2]).toFixed(3));
}
