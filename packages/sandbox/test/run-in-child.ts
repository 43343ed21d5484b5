import { spawn } from "node:child_process";
import type { ExecutionResult, ExecutionTask } from "@wasm-relay/core";
import type { SandboxExecutorOptions } from "../src/create-sandbox-executor.js";

const DIST_INDEX = new URL("../dist/index.js", import.meta.url).href;

// The child runs the built executor on the tasks it reads from stdin, one after another, and
// prints their results as one JSON line. Module bytes travel as base64.
const CHILD_PROGRAM = `
import { createSandboxExecutor } from ${JSON.stringify(DIST_INDEX)};
let text = "";
for await (const chunk of process.stdin) text += chunk;
const { options, tasks } = JSON.parse(text);
const executor = createSandboxExecutor(options);
const results = [];
for (const task of tasks) {
  task.module.bytes = new Uint8Array(Buffer.from(task.module.bytes, "base64"));
  results.push(await executor.execute(task));
}
await executor.close();
process.stdout.write(JSON.stringify(results) + "\\n");
`;

/** How a child process that ran tasks ended. */
export interface ChildRun {
  /** Exit code, null when a signal ended it. */
  exitCode: number | null;
  /** The signal that ended it (SIGABRT when V8 aborted), else null. */
  signal: NodeJS.Signals | null;
  /** The results, in task order; empty when the child died first. */
  results: ExecutionResult[];
  /** The child's stderr (V8's "Reached heap limit" report lands here). */
  stderr: string;
}

/**
 * Runs tasks through a sandbox executor (the built `dist`) in a child Node process, so a module
 * that brings the whole process down fails the test instead of killing the test runner.
 * @param tasks run one after another
 * @param options the executor's options
 * @param timeoutMs the child is killed (SIGKILL) after this long @unit milliseconds @default 60000
 */
export function runInChild(
  tasks: ExecutionTask[],
  options: SandboxExecutorOptions = {},
  timeoutMs = 60_000,
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD_PROGRAM], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (exitCode, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split("\n").at(-1) ?? "";
      let results: ExecutionResult[] = [];
      try {
        results = line ? (JSON.parse(line) as ExecutionResult[]) : [];
      } catch {
        results = [];
      }
      resolve({ exitCode, signal, results, stderr });
    });
    const encoded = tasks.map((task) => ({
      ...task,
      module: { ...task.module, bytes: Buffer.from(task.module.bytes).toString("base64") },
    }));
    child.stdin.end(JSON.stringify({ options, tasks: encoded }));
  });
}
