// Open-loop (paced) load generator for run.mjs: sends POST /intent/execute-wasm at a fixed rate over
// keep-alive connections and measures every request's latency from its INTENDED send time, so a
// slow server cannot slow the client down and hide its own queueing (no coordinated omission).
//
// Usage: node paced-client.mjs <url> <rate req/s> <seconds> [connections=64]
// Environment: BENCH_USER (user_id header), BENCH_OFFSET (first input), BENCH_IDEMPOTENCY_KEY
// (same body and key on every request, the replay path), as request.lua; PACED_SPIN (see below).
// Prints one JSON line on stdout: { sent, completed, errors, unfinished, rate, p50, p90, p99,
// p999, max, lagP99, waitP99 } with times in milliseconds; a failed or unfinished request counts as
// infinitely late (a percentile it reaches prints as null).
//
// Schedule: request i is due at start + i / rate. Due requests queue (FIFO) for an idle connection
// (HTTP/1.1, one request in flight per connection, no pipelining); a connection closed by the
// server is reopened. Waiting for the next due time: by default with setTimeout (like wrk2's
// millisecond timers: sends may be up to ~1 ms late, in bursts); with PACED_SPIN=1 it polls with
// setImmediate once the next request is less than 2 ms away (sub-millisecond sends, but it spins
// its core at rates above ~500 req/s: meant for a load generator pinned to a core of its own).
// `lagP99` is the p99 of (time the client saw a request due - its intended time): the client's own
// lateness (a busy or descheduled load generator), part of every latency it reports. `waitP99` is
// the p99 of (send time - due time): the wait for a free connection, i.e. the server's backlog.
// Requests never sent count as infinitely late in both.
import { connect } from "node:net";
import { performance } from "node:perf_hooks";

const [url, rateText, secondsText, connectionsText] = process.argv.slice(2);
const target = new URL(url ?? "");
const RATE = Number(rateText);
const SECONDS = Number(secondsText);
const CONNECTIONS = Number(connectionsText ?? 64);
if (!(RATE > 0 && SECONDS > 0 && CONNECTIONS > 0))
  throw new Error("usage: node paced-client.mjs <url> <rate req/s> <seconds> [connections]");
const environment = process.env;
const USER = environment.BENCH_USER ?? "bench";
const OFFSET = Number(environment.BENCH_OFFSET ?? 0);
const KEY = environment.BENCH_IDEMPOTENCY_KEY;
const DRAIN_MS = 10_000;
const SPIN = environment.PACED_SPIN === "1";

const total = Math.round(RATE * SECONDS);
const interval = 1000 / RATE;
const latency = new Float64Array(total).fill(Number.POSITIVE_INFINITY);
const lag = new Float64Array(total).fill(Number.POSITIVE_INFINITY);
const connectionWait = new Float64Array(total).fill(Number.POSITIVE_INFINITY);
let start = 0;
let next = 0;
let completed = 0;
let errors = 0;
let lastDone = 0;
const due = [];
const idle = [];

/** The request bytes of request `index` (distinct inputs unless the replay key is set). */
function requestText(index) {
  const body = KEY
    ? '{"cid":"glyph://calculator@quantum","inputs":[1,2]}'
    : `{"cid":"glyph://calculator@quantum","inputs":[${OFFSET + index + 1},${(index + 1) % 1000}]}`;
  return (
    `POST /intent/execute-wasm HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\n` +
    `user_id: ${USER}\r\n${KEY ? `Idempotency-Key: ${KEY}\r\n` : ""}Content-Length: ${body.length}\r\n\r\n${body}`
  );
}

/**
 * Length of the first complete HTTP/1.1 response in `text` (latin1), with its status, or null
 * while incomplete. Handles Content-Length and chunked bodies.
 */
function completeResponse(text) {
  const headerEnd = text.indexOf("\r\n\r\n");
  if (headerEnd < 0) return null;
  const status = Number(text.slice(9, 12));
  const head = text.slice(0, headerEnd).toLowerCase();
  const lengthMatch = /\r\ncontent-length: *(\d+)/.exec(head);
  if (lengthMatch) {
    const end = headerEnd + 4 + Number(lengthMatch[1]);
    return text.length >= end ? { status, end } : null;
  }
  if (!/\r\ntransfer-encoding: *chunked/.test(head)) return { status, end: headerEnd + 4 };
  let cursor = headerEnd + 4;
  for (;;) {
    const lineEnd = text.indexOf("\r\n", cursor);
    if (lineEnd < 0) return null;
    const size = Number.parseInt(text.slice(cursor, lineEnd), 16);
    if (size === 0) {
      const trailerEnd = text.indexOf("\r\n\r\n", lineEnd);
      return trailerEnd < 0 ? null : { status, end: trailerEnd + 4 };
    }
    cursor = lineEnd + 2 + size + 2;
    if (text.length < cursor) return null;
  }
}

/** Opens connection `slot`; resolves once connected. Reopens it when the server closes it. */
function open(slot) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: target.hostname, port: Number(target.port), noDelay: true });
    const connection = { slot, socket, buffer: "", inFlight: -1 };
    socket.setEncoding("latin1");
    socket.once("connect", () => {
      idle.push(connection);
      dispatch();
      resolve();
    });
    socket.on("data", (chunk) => {
      connection.buffer += chunk;
      for (;;) {
        const response = completeResponse(connection.buffer);
        if (!response) break;
        connection.buffer = connection.buffer.slice(response.end);
        const index = connection.inFlight;
        connection.inFlight = -1;
        if (index < 0) continue;
        if (response.status === 200)
          latency[index] = performance.now() - (start + index * interval);
        else errors += 1;
        completed += 1;
        lastDone = performance.now();
        idle.push(connection);
      }
      dispatch();
    });
    socket.on("error", (error) => {
      if (start === 0) reject(error);
    });
    socket.on("close", () => {
      if (connection.inFlight >= 0) {
        errors += 1;
        completed += 1;
      }
      const position = idle.indexOf(connection);
      if (position >= 0) idle.splice(position, 1);
      if (start !== 0 && !finished()) open(slot).catch(() => {});
    });
  });
}

function finished() {
  return completed >= total;
}

/** Sends due requests on idle connections, oldest due first. */
function dispatch() {
  while (due.length > 0 && idle.length > 0) {
    const connection = idle.shift();
    const index = due.shift();
    connection.inFlight = index;
    connectionWait[index] = performance.now() - (start + index * interval) - lag[index];
    connection.socket.write(requestText(index), "latin1");
  }
}

/** Moves every request whose time has come to the due queue, then waits for the next one. */
function pump() {
  const now = performance.now();
  while (next < total && start + next * interval <= now) {
    lag[next] = now - (start + next * interval);
    due.push(next);
    next += 1;
  }
  dispatch();
  if (next >= total) return;
  const wait = start + next * interval - performance.now();
  if (SPIN && wait <= 2) setImmediate(pump);
  else setTimeout(pump, SPIN ? wait - 1.5 : Math.max(0, wait));
}

function percentile(sorted, fraction) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

await Promise.all(Array.from({ length: CONNECTIONS }, (_, slot) => open(slot)));
start = performance.now() + 20;
setTimeout(pump, 19);
const deadline = start + SECONDS * 1000 + DRAIN_MS;
await new Promise((resolve) => {
  const check = () =>
    finished() || performance.now() > deadline ? resolve() : setTimeout(check, 20);
  setTimeout(check, SECONDS * 1000);
});
const elapsed = (lastDone - start) / 1000;
const finite = (value) => (Number.isFinite(value) ? Number(value.toFixed(3)) : null);
const sortedLatency = latency.slice(0, next).sort();
const sortedLag = lag.slice(0, next).sort();
const sortedWait = connectionWait.slice(0, next).sort();
const result = {
  sent: next,
  completed,
  errors,
  unfinished: total - completed,
  rate: Number(((completed - errors) / Math.max(elapsed, SECONDS)).toFixed(1)),
  p50: finite(percentile(sortedLatency, 0.5)),
  p90: finite(percentile(sortedLatency, 0.9)),
  p99: finite(percentile(sortedLatency, 0.99)),
  p999: finite(percentile(sortedLatency, 0.999)),
  max: finite(sortedLatency[sortedLatency.length - 1]),
  lagP99: finite(percentile(sortedLag, 0.99)),
  waitP99: finite(percentile(sortedWait, 0.99)),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
