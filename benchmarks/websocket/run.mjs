// WebSocket vs HTTP on one relay, in the same run, interleaved A B A B.
// Usage: node benchmarks/websocket/run.mjs   (after `npx turbo run build --filter=@wasm-relay/server...`)
// Environment: ROUNDS (3), SECONDS (2 per round and path), SUBSCRIBERS (1000), USERS (50), RATE (100/s).
import { spawn } from "node:child_process";
import { Agent, request } from "node:http";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 2);
const SUBSCRIBERS = Number(process.env.SUBSCRIBERS ?? 1000);
const USERS = Number(process.env.USERS ?? 50);
const RATE = Number(process.env.RATE ?? 100);
const cli = fileURLToPath(new URL("../../packages/server/dist/cli.js", import.meta.url));

/** Starts the built relay in a child process; resolves with its base URL. */
async function startRelay() {
  const child = spawn(process.execPath, [cli], {
    env: {
      PATH: process.env.PATH ?? "",
      PORT: "0",
      RELAY_RATE_LIMIT: "100000000",
      RELAY_WORKERS: "2",
      RELAY_WS_INIT_TIMEOUT: "120000",
      RELAY_WS_MAX_IN_FLIGHT: "256",
      LOG_LEVEL: "silent",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let output = "";
  const url = await new Promise((resolve, reject) => {
    child.stderr.on("data", (chunk) => {
      output += chunk;
      const found = /listening on (http:\/\/\S+?)[\s(]/.exec(output);
      if (found) resolve(found[1]);
    });
    child.once("exit", (code) => reject(new Error(`relay exited ${code}: ${output}`)));
  });
  return { url, child };
}

let salt = 0;
/** A distinct calculator request (never a replay). */
const nextRequest = () => {
  salt += 1;
  return { cid: "glyph://calculator@quantum", inputs: [salt, 1] };
};

/** One WebSocket connection after its handshake, with a promise per operation. */
async function openSession(url, userId, onEvent) {
  const socket = new WebSocket(`${url.replace(/^http/, "ws")}/intent/execute-wasm/ws`);
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  const waiting = new Map();
  let acked;
  const ack = new Promise((resolve) => {
    acked = resolve;
  });
  socket.on("message", (data) => {
    const message = JSON.parse(data.toString());
    if (message.type === "connection_ack") acked();
    else if (message.type === "event") onEvent?.(message);
    else if (message.type === "result" || message.type === "error") {
      waiting.get(message.id)?.(message);
      waiting.delete(message.id);
    }
  });
  socket.send(JSON.stringify({ type: "connection_init", payload: { user_id: userId } }));
  await ack;
  let counter = 0;
  return {
    socket,
    execute(body) {
      counter += 1;
      const id = String(counter);
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        socket.send(JSON.stringify({ type: "execute", id, request: body }));
      });
    },
    subscribe() {
      socket.send(JSON.stringify({ type: "subscribe", id: "feed" }));
    },
  };
}

/** Runs `lanes` loops of back-to-back calls of `call` for SECONDS; executions per second. */
async function throughput(lanes, call) {
  const deadline = performance.now() + SECONDS * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      while (performance.now() < deadline) {
        // Only answered executions count (a 503 of a full sandbox queue does not).
        if (await call(lane)) done += 1;
      }
    }),
  );
  return done / SECONDS;
}

function httpExecute(url, agent, body) {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const outgoing = request(
      `${url}/intent/execute-wasm`,
      {
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
          user_id: "bench",
        },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode === 200));
      },
    );
    outgoing.on("error", reject);
    outgoing.end(payload);
  });
}

const percentile = (sorted, fraction) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const { url, child } = await startRelay();
try {
  // Throughput: WS over 1 connection (32 in flight) and over 100 (one each), HTTP with the same
  // concurrency on keep-alive connections.
  const oneSession = await openSession(url, "bench");
  const hundred = await Promise.all(Array.from({ length: 100 }, () => openSession(url, "bench")));
  const agent32 = new Agent({ keepAlive: true, maxSockets: 32 });
  const agent100 = new Agent({ keepAlive: true, maxSockets: 100 });
  const paths = {
    "ws, 1 connection, 32 in flight": () => throughput(32, () => oneSession.execute(nextRequest())),
    "http, 32 connections": () => throughput(32, () => httpExecute(url, agent32, nextRequest())),
    "ws, 100 connections": () => throughput(100, (lane) => hundred[lane].execute(nextRequest())),
    "http, 100 connections": () => throughput(100, () => httpExecute(url, agent100, nextRequest())),
  };
  const figures = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
  for (const name of Object.keys(paths)) await paths[name](); // warm-up
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, run] of Object.entries(paths)) figures[name].push(await run());
  }
  console.log(
    `executions per second (median of ${ROUNDS} rounds of ${SECONDS} s, interleaved; load ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")})`,
  );
  for (const [name, values] of Object.entries(figures))
    console.log(`  ${name.padEnd(32)} ${median(values).toFixed(0).padStart(6)}/s`);
  const ratio = (a, b) => (median(figures[a]) / median(figures[b])).toFixed(2);
  console.log(
    `  ratio ws/http at 32 in flight: ${ratio("ws, 1 connection, 32 in flight", "http, 32 connections")}; at 100: ${ratio("ws, 100 connections", "http, 100 connections")}`,
  );
  oneSession.socket.close();
  for (const session of hundred) session.socket.close();
  agent32.destroy();
  agent100.destroy();

  // Event latency with SUBSCRIBERS subscribed connections over USERS users; executions over HTTP.
  const latencies = [];
  let measuring = false;
  const subscribers = [];
  for (let start = 0; start < SUBSCRIBERS; start += 100) {
    subscribers.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(100, SUBSCRIBERS - start) }, (_, index) =>
          openSession(url, `user-${(start + index) % USERS}`, (message) => {
            if (measuring && typeof message.event?.timestamp === "string") {
              latencies.push(Date.now() - Date.parse(message.event.timestamp));
            }
          }),
        ),
      )),
    );
  }
  for (const subscriber of subscribers) subscriber.subscribe();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  measuring = true;
  const total = RATE * SECONDS * ROUNDS;
  const sent = [];
  for (let index = 0; index < total; index += 1) {
    const body = nextRequest();
    const user = `user-${index % USERS}`;
    sent.push(
      new Promise((resolve, reject) => {
        const payload = JSON.stringify(body);
        const outgoing = request(
          `${url}/intent/execute-wasm`,
          {
            method: "POST",
            agent,
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(payload),
              user_id: user,
            },
          },
          (response) => {
            response.resume();
            response.on("end", resolve);
          },
        );
        outgoing.on("error", reject);
        outgoing.end(payload);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000 / RATE));
  }
  await Promise.all(sent);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  measuring = false;
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(
    `event latency, ${SUBSCRIBERS} subscribed connections over ${USERS} users, ${RATE} executions/s: p50 ${percentile(sorted, 0.5)} ms, p99 ${percentile(sorted, 0.99)} ms; ${latencies.length} events delivered for ${total} executions (${SUBSCRIBERS / USERS} subscribers per user) (load ${loadavg()
      .map((value) => value.toFixed(2))
      .join(" ")})`,
  );
  for (const subscriber of subscribers) subscriber.socket.close();
  agent.destroy();
} finally {
  child.kill("SIGTERM");
}
