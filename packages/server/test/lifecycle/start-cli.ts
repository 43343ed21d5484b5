import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
let child: ChildProcess | undefined;

/**
 * Starts the built CLI on a free port with only `PATH`, `PORT=0` and `env` in its environment;
 * resolves with its base URL once it listens, and its process (for signals and the exit code).
 */
export async function startCli(
  env: Record<string, string>,
): Promise<{ url: string; process: ChildProcess }> {
  const started = spawn(process.execPath, [cli], {
    env: { PATH: process.env.PATH ?? "", PORT: "0", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child = started;
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    started.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening on (http:\/\/\S+?)[\s(]/.exec(output);
      if (found?.[1]) resolve(found[1]);
    });
    started.once("exit", (code) =>
      reject(new Error(`relay-server exited with ${code}: ${output}`)),
    );
  });
  return { url, process: started };
}

/** Kills the last CLI {@link startCli} started if it still runs (for `afterEach`). */
export function killStartedCli(): void {
  if (child && child.exitCode === null) child.kill("SIGKILL");
}
