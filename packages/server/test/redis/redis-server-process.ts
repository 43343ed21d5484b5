import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { freePort } from "./free-port.js";
import { pingRedis } from "./ping-redis.js";

/** A `redis-server` this test run started, on a port of its own, without persistence. */
export interface RedisServerProcess {
  /** The port it listens on (127.0.0.1), the same across restarts. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Stops the server (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the server without letting it finish anything (SIGKILL). */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing was saved) and waits until it answers. */
  restart(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void;
  /** Thaws a paused server (SIGCONT). */
  resume(): void;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Whether a `redis-server` binary is on the PATH. */
export function hasRedisServerBinary(): boolean {
  const probe = spawnSync("redis-server", ["--version"], { stdio: "ignore" });
  return probe.status === 0;
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts `redis-server --port <free port> --save "" --appendonly no` bound to 127.0.0.1 and
 * waits until it answers. Every server started here is killed when the test process exits.
 * @throws Error when the binary is missing or the server does not answer within 5 s.
 */
export async function startRedisServer(): Promise<RedisServerProcess> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const process of running) process.kill("SIGKILL");
    });
  }

  async function start(): Promise<void> {
    const started = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    child = started;
    running.add(started);
    started.once("exit", () => running.delete(started));
    await waitUntil(() => pingRedis(port), 5_000, `redis-server on port ${port} did not answer`);
  }

  async function end(signal: NodeJS.Signals): Promise<void> {
    if (!child) return;
    const current = child;
    child = undefined;
    current.kill("SIGCONT");
    current.kill(signal);
    await exited(current);
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    async restart() {
      await end("SIGTERM");
      await start();
    },
    pause: () => {
      child?.kill("SIGSTOP");
    },
    resume: () => {
      child?.kill("SIGCONT");
    },
  };
}
