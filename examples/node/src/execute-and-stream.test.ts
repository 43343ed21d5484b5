import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startRelayServer } from "@wasm-relay/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const SCRIPT = fileURLToPath(new URL("./execute-and-stream.js", import.meta.url));
const run = promisify(execFile);
let relay: Awaited<ReturnType<typeof startRelayServer>>;

beforeAll(async () => {
  relay = await startRelayServer({ env: { RELAY_WORKERS: "1" } });
});
afterAll(async () => {
  await relay?.close();
});

const script = (args: string[], user: string) =>
  run(process.execPath, [SCRIPT, ...args], {
    env: { ...process.env, RELAY_URL: relay.url, RELAY_USER: user },
    timeout: 20_000,
  });

describe("examples/node: execute and stream events against a real server", () => {
  it("prints the output, the live events and the streamed replay", async () => {
    const { stdout } = await script(["19", "23"], `node-example-${Date.now()}`);
    const lines = stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^relay http:\/\/127\.0\.0\.1:\d+ is healthy$/);
    expect(lines).toContain("output 42");
    const live = lines.filter((line) => line.startsWith("event ")).map((line) => line.slice(6));
    expect(live[0]).toBe("execution_queued");
    expect(live).toContain("execution_started");
    expect(live.at(-1)).toBe("execution_complete");
    const streamed = lines
      .filter((line) => line.startsWith("streamed "))
      .map((line) => line.slice(9));
    expect(streamed).toEqual(live);
  });

  it("exits non-zero with a typed error when the relay refuses", async () => {
    const failure = await script(["1", "2"], "not a valid user id!").catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect("code" in failure && failure.code).toBe(1);
    expect((failure as { stderr: string }).stderr).toMatch(/ValidationError|Error: /);
  });
});
