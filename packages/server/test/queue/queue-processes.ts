import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { deleteKeysWithPrefix } from "../redis/delete-keys-with-prefix.js";

/** The shared test Redis (`REDIS_URL`). */
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/** A process started by a test, with what it wrote to stderr so far. */
export interface TestProcess {
  child: ChildProcess;
  stderr(): string;
  /** Resolves once the process has exited. */
  exited: Promise<void>;
}

const started: TestProcess[] = [];

function start(
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<{ process: TestProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", RELAY_WORKERS: "1", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const testProcess: TestProcess = { child, stderr: () => stderr, exited };
  started.push(testProcess);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after 60 s: ${stderr}`)), 60_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = stderr.match(ready);
      if (match) {
        clearTimeout(timer);
        resolve({ process: testProcess, match });
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited before it was ready: ${stderr}`));
    });
  });
}

/** Environment shared by the relays and workers of one test: its own key prefix. */
export function queueEnvironment(redisUrl = REDIS_URL): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `test:queue-e2e:${randomUUID().slice(0, 8)}:`,
    RELAY_EXECUTOR: "queue",
    RELAY_RATE_LIMIT: "100000",
    // Long CPU-bound runs (spin until max_time) need more gas than the default ceiling.
    RELAY_LIMIT_MAX_GAS: "1000000000000000",
  };
}

/** Starts `relay-server worker` named `name`; resolves once it consumes. */
export async function startWorker(env: Record<string, string>, name: string): Promise<TestProcess> {
  const { process } = await start(
    ["worker"],
    { ...env, RELAY_NODE_NAME: name },
    /consuming the execution queue/,
  );
  return process;
}

/** Starts a relay on a free port; resolves with its URL once it listens. */
export async function startRelay(
  env: Record<string, string>,
  name = "relay",
): Promise<{ url: string; process: TestProcess }> {
  const { process, match } = await start(
    [],
    { ...env, PORT: "0", RELAY_NODE_NAME: name },
    /listening on (http:\/\/[^\s]+) /,
  );
  return { url: match[1]!, process };
}

/** Kills every process the tests started (SIGKILL) and waits for them to exit. */
export async function stopProcesses(): Promise<void> {
  const all = started.splice(0);
  for (const each of all)
    if (each.child.exitCode === null && each.child.signalCode === null) each.child.kill("SIGKILL");
  await Promise.all(all.map((each) => each.exited));
}

/** Deletes the keys under `prefix` on `redisUrl` (and only those). */
export async function deleteKeys(prefix: string, redisUrl = REDIS_URL): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

/** One execution event as the SSE stream carries it. */
export interface StreamedEvent {
  type: string;
  request_id: string;
  executor_node?: string;
  position?: number;
  timestamp: string;
}

/**
 * Follows a user's execution events (`GET /intent/execute-wasm/events`) into `events` until
 * `signal` aborts; resolves once the stream is open.
 */
export async function followEvents(
  url: string,
  userId: string,
  events: StreamedEvent[],
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(`${url}/intent/execute-wasm/events`, {
    headers: { user_id: userId, accept: "text/event-stream" },
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`event stream: ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split("\n")
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5).trim())
            .join("\n");
          if (data) {
            try {
              const parsed = JSON.parse(data) as StreamedEvent;
              if (typeof parsed.type === "string" && parsed.type.startsWith("execution_"))
                events.push(parsed);
            } catch {
              // not an execution event
            }
          }
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // aborted
    }
  })();
}

/** POSTs an execution as `userId`. */
export async function execute(
  url: string,
  userId: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "content-type": "application/json", user_id: userId, ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}
