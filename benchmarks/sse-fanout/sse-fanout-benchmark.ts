// 1 000 SSE subscribers on one relay instance, 200 executions per second: latency from bus
// publish (the event's `timestamp`, set when it is handed to the bus) to receipt by a client,
// and the server's memory per idle subscriber. Runs the same load against the in-process bus
// and the Redis Streams bus in one run and prints each against the targets (p99 ≤ 50 ms,
// ≤ 50 KB per idle subscriber) and against each other.
import { type ChildProcess, fork } from "node:child_process";
import { Agent, request } from "node:http";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";

const settings = new Map(Object.entries(process.env));
const subscriberCount = Number(settings.get("SUBSCRIBERS") ?? 1_000);
const userCount = Number(settings.get("USERS") ?? 50);
const executionsPerSecond = Number(settings.get("RATE") ?? 200);
const seconds = Number(settings.get("SECONDS") ?? 10);
const redisUrl = settings.get("REDIS_URL") ?? "redis://127.0.0.1:6379";
const serverEntry = fileURLToPath(new URL("./server-process.mjs", import.meta.url));

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(serverEntry, [], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
    child.once("message", (message: { url: string }) => resolve({ child, url: message.url }));
  });
}

function memoryOf(child: ChildProcess): Promise<Memory> {
  return new Promise((resolve) => {
    child.once("message", (message: Memory) => resolve(message));
    child.send({ type: "memory" });
  });
}

/** A raw SSE subscriber: records the latency of each execution event it receives. */
function subscribe(
  url: URL,
  userId: string,
  latencies: number[],
  counts: { duplicates: number },
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: url.hostname, port: Number(url.port) });
    socket.setEncoding("utf8");
    let buffer = "";
    let open = false;
    const seenIds = new Set<string>();
    socket.on("error", reject);
    socket.on("connect", () =>
      socket.write(
        `GET /intent/execute-wasm/events HTTP/1.1\r\nHost: ${url.host}\r\nuser_id: ${userId}\r\naccept: text/event-stream\r\n\r\n`,
      ),
    );
    socket.on("data", (chunk: string) => {
      const now = Date.now();
      buffer += chunk;
      if (!open && buffer.includes("\r\n\r\n")) {
        open = true;
        resolve(socket);
      }
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        // Raw HTTP/1.1: chunk-size lines sit between the SSE blocks; look for the field itself.
        const id = /(?:^|\n)id: ([^\r\n]+)/.exec(block)?.[1];
        if (id !== undefined) {
          if (seenIds.has(id)) counts.duplicates += 1;
          seenIds.add(id);
        }
        const at = block.indexOf('"timestamp":"');
        if (block.includes("data: {") && at >= 0) {
          const timestamp = block.slice(at + 13, block.indexOf('"', at + 13));
          latencies.push(now - Date.parse(timestamp));
        }
        end = buffer.indexOf("\n\n");
      }
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measure(bus: "memory" | "redis") {
  const env: Record<string, string> = {
    RELAY_RATE_LIMIT: "100000000",
    RELAY_WORKERS: "1",
    RELAY_EVENT_HEARTBEAT: "15000",
  };
  if (bus === "redis") {
    env.REDIS_URL = redisUrl;
    env.REDIS_KEY_PREFIX = `bench:sse-fanout:${Date.now().toString(36)}:`;
  }
  const { child, url } = await startServer(env);
  const base = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const post = (userId: string, body: string) =>
    new Promise<number>((resolve, reject) => {
      const outgoing = request(
        `${url}/intent/execute-wasm`,
        { method: "POST", agent, headers: { "content-type": "application/json", user_id: userId } },
        (response) => {
          response.resume();
          response.on("end", () => resolve(response.statusCode ?? 0));
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });

  // Warm up the pipeline and the worker.
  for (let i = 0; i < 20; i += 1)
    await post("warmup", JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [i, -1] }));
  const before = await memoryOf(child);
  const latencies: number[] = [];
  const counts = { duplicates: 0 };
  const sockets: Socket[] = [];
  for (let i = 0; i < subscriberCount; i += 1) {
    sockets.push(await subscribe(base, `user-${i % userCount}`, latencies, counts));
  }
  const idle = await memoryOf(child);

  const total = executionsPerSecond * seconds;
  const started = Date.now();
  const statuses = new Map<number, number>();
  const inflight: Promise<void>[] = [];
  for (let n = 0; n < total; n += 1) {
    const due = started + (n * 1000) / executionsPerSecond;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    inflight.push(
      post(
        `user-${n % userCount}`,
        JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [n, bus.length] }),
      ).then((status) => {
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
    );
  }
  await Promise.all(inflight);
  const elapsed = (Date.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, 500));
  const loaded = await memoryOf(child);

  for (const socket of sockets) socket.destroy();
  agent.destroy();
  child.send({ type: "close" });
  await new Promise((resolve) => child.once("exit", resolve));

  const sorted = [...latencies].sort((a, b) => a - b);
  const expected = (total / userCount) * (subscriberCount / userCount) * userCount * 3;
  return {
    bus,
    executionsPerSecond: total / elapsed,
    statuses: Object.fromEntries(statuses),
    delivered: latencies.length,
    duplicates: counts.duplicates,
    expectedAtLeast: expected,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    rssPerSubscriber: (idle.rss - before.rss) / subscriberCount,
    heapPerSubscriber:
      (idle.heapUsed + idle.external - before.heapUsed - before.external) / subscriberCount,
    rssAfterLoad: loaded.rss,
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(
  `sse-fanout: ${subscriberCount} subscribers over ${userCount} users, ${executionsPerSecond} executions/s for ${seconds} s, node ${process.version}`,
);
const results = [];
for (const bus of ["memory", "redis"] as const) {
  const result = await measure(bus);
  results.push(result);
  console.log(
    [
      `\n${bus} bus: ${result.executionsPerSecond.toFixed(0)} executions/s achieved, statuses ${JSON.stringify(result.statuses)}`,
      `  events delivered ${result.delivered} (≥ ${result.expectedAtLeast} expected: queued, started, complete × subscribers of the owner; more when a slow run also reports progress), duplicates ${result.duplicates}`,
      `  publish → receipt latency p50 ${result.p50} ms, p99 ${result.p99} ms, max ${result.max} ms; p99 / 50 ms target = ${(result.p99 / 50).toFixed(2)}`,
      `  memory per idle subscriber: heap+external ${kb(result.heapPerSubscriber)}, rss ${kb(result.rssPerSubscriber)}; rss / 50 KB target = ${(result.rssPerSubscriber / (50 * 1024)).toFixed(2)}`,
    ].join("\n"),
  );
}
const [memory, redis] = results;
if (memory && redis) {
  console.log(
    `\nredis / memory: p50 ${(redis.p50 / Math.max(1, memory.p50)).toFixed(2)}×, p99 ${(redis.p99 / Math.max(1, memory.p99)).toFixed(2)}×, rss per subscriber ${(redis.rssPerSubscriber / memory.rssPerSubscriber).toFixed(2)}×`,
  );
}
