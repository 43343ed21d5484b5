import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** A relay server (`dist/cli.js`) running in a child process of its own. */
export interface RelayServerProcess {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** Asks it to shut down (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills it at once (SIGKILL), as a crash would, and waits for it to exit. */
  kill(): Promise<void>;
}

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts `node packages/server/dist/cli.js` on a free port with `env` added to this process'
 * environment (and `PORT=0`, `LOG_LEVEL=silent`, `RELAY_WORKERS=1` unless given), and waits
 * until it says where it listens.
 * @throws Error when the server is not built, exits, or does not listen within 20 s.
 */
export async function startRelayServerProcess(
  env: Record<string, string>,
): Promise<RelayServerProcess> {
  if (!existsSync(cli)) {
    throw new Error(
      `${cli} is missing: build the server first (npm run build -w @wasm-relay/server; npm test does it)`,
    );
  }
  const child = spawn(process.execPath, [cli], {
    env: { ...process.env, PORT: "0", LOG_LEVEL: "silent", RELAY_WORKERS: "1", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let stderr = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`relay server did not listen within 20 s; stderr:\n${stderr}`));
    }, 20_000);
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const listening = /listening on (http:\/\/\S+)/.exec(stderr);
      if (listening?.[1]) {
        clearTimeout(timer);
        resolve(listening[1]);
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`relay server exited (${code ?? signal}) before listening; stderr:\n${stderr}`),
      );
    });
  });
  const end = async (signal: NodeJS.Signals) => {
    child.kill(signal);
    await exited(child);
  };
  return { url, stderr: () => stderr, stop: () => end("SIGTERM"), kill: () => end("SIGKILL") };
}
