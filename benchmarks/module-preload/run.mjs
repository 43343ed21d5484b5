// Module preload benchmark: `npx turbo run build --filter=@wasm-relay/server... && node benchmarks/module-preload/run.mjs [requests] [megabytes] [rounds]`.
// A module (a real `main(a, b)` padded to N MiB) lives only on a loopback trustless gateway, as a
// CAR of its classic UnixFS DAG (CIDv0). Two relays run it by its CIDv0: one cold, one with
// RELAY_PRELOAD. For each: the first request's latency against the median of the next ones
// (each with new inputs, so nothing is replayed), in one run.
import { createServer } from "node:http";
import { availableParallelism, cpus } from "node:os";
import { CarWriter } from "@ipld/car";
import { startRelayServer } from "@wasm-relay/server";
import { importer } from "ipfs-unixfs-importer";

const REQUESTS = Number(process.argv[2] ?? 50);
const MEGABYTES = Number(process.argv[3] ?? 4);

function paddedAdder(padding) {
  const head = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01,
    0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x6d, 0x61, 0x69, 0x6e, 0x00, 0x00, 0x0a,
    0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
  ];
  const size = [];
  let rest = padding + 2;
  do {
    let byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    size.push(byte);
  } while (rest > 0);
  const prefix = [...head, 0x00, ...size, 0x01, 0x70];
  const bytes = new Uint8Array(prefix.length + padding);
  bytes.set(prefix);
  for (let i = 0; i < padding; i += 1) bytes[prefix.length + i] = (i * 131) & 0xff;
  return bytes;
}

async function classicCar(bytes) {
  const blocks = [];
  const store = {
    put: async (cid, block) => {
      blocks.push({ cid, bytes: block });
      return cid;
    },
  };
  let root;
  for await (const entry of importer([{ content: bytes }], store, { profile: "unixfs-v0-2015" }))
    root = entry.cid;
  const { writer, out } = CarWriter.create([root]);
  const chunks = [];
  const collected = (async () => {
    for await (const chunk of out) chunks.push(chunk);
  })();
  for (const block of blocks) await writer.put(block);
  await writer.close();
  await collected;
  return { root: root.toString(), car: Buffer.concat(chunks) };
}

const module = paddedAdder(MEGABYTES * 1024 * 1024);
const { root, car } = await classicCar(module);
const gateway = createServer((request, response) => {
  if (request.url?.startsWith(`/ipfs/${root}?`) && request.url.includes("format=car")) {
    response.writeHead(200, { "Content-Type": "application/vnd.ipld.car" }).end(car);
  } else response.writeHead(404).end();
});
await new Promise((resolve) => gateway.listen(0, "127.0.0.1", resolve));
const gatewayUrl = `http://127.0.0.1:${gateway.address().port}`;

async function measure(label, preload) {
  const startedAt = performance.now();
  const relay = await startRelayServer({
    env: {
      RELAY_IPFS_GATEWAYS: gatewayUrl,
      RELAY_RATE_LIMIT: "1000000",
      RELAY_MAX_MODULE_BYTES: String(module.length + 1024),
      RELAY_WORKERS: "1",
      ...(preload ? { RELAY_PRELOAD: root } : {}),
    },
  });
  const startUp = performance.now() - startedAt;
  const latencies = [];
  for (let i = 0; i < REQUESTS + 1; i += 1) {
    const sent = performance.now();
    const response = await fetch(`${relay.url}/intent/execute-wasm`, {
      method: "POST",
      headers: { user_id: "bench", "Content-Type": "application/json" },
      body: JSON.stringify({ cid: root, inputs: [i, 1] }),
    });
    const body = await response.json();
    if (body.output !== i + 1) throw new Error(`unexpected answer ${JSON.stringify(body)}`);
    latencies.push(performance.now() - sent);
  }
  await relay.close();
  const rest = latencies.slice(1).sort((a, b) => a - b);
  const median = rest[Math.floor(rest.length / 2)];
  return { label, startUp, first: latencies[0], median };
}

console.log(
  `machine: ${cpus()[0]?.model ?? "unknown CPU"}, ${availableParallelism()} cores, Node ${process.version}`,
);
console.log(`module: ${module.length} bytes, CIDv0 ${root} (${car.length} bytes of CAR)`);
console.log(`first request vs median of the next ${REQUESTS} (ms):\n`);
// Rounds alternate the order, so that neither contender always runs first on a warming machine.
const ROUNDS = Number(process.argv[4] ?? 3);
const runs = { cold: [], RELAY_PRELOAD: [] };
for (let round = 0; round < ROUNDS; round += 1) {
  const order = round % 2 === 0 ? [false, true] : [true, false];
  for (const preload of order) {
    const row = await measure(preload ? "RELAY_PRELOAD" : "cold", preload);
    runs[row.label].push(row);
  }
}
const middle = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = Object.entries(runs).map(([label, list]) => ({
  label,
  startUp: middle(list.map((row) => row.startUp)),
  first: middle(list.map((row) => row.first)),
  median: middle(list.map((row) => row.median)),
}));
console.log(`(medians over ${ROUNDS} rounds)`);
for (const row of rows) {
  console.log(
    `${row.label.padEnd(14)} start-up ${row.startUp.toFixed(1).padStart(7)}  first ${row.first.toFixed(2).padStart(8)}  median ${row.median.toFixed(2).padStart(6)}  first/median ${(row.first / row.median).toFixed(2).padStart(6)}`,
  );
}
console.log(`\nfirst request, cold / preloaded: ${(rows[0].first / rows[1].first).toFixed(2)}×`);
gateway.close();
