import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { killStartedCli, startCli } from "./start-cli.js";

afterEach(killStartedCli);

describe("graceful shutdown", () => {
  it("finishes 50 in-flight executions on SIGTERM, then exits 0 within the bound", async () => {
    const { url, process: server } = await startCli({
      RELAY_RATE_LIMIT: "1000",
      RELAY_WORKERS: "2",
      RELAY_SHUTDOWN_TIMEOUT: "20000",
      LOG_LEVEL: "silent",
    });
    const requests = Array.from({ length: 50 }, (_, index) =>
      fetch(`${url}/intent/execute-wasm`, {
        method: "POST",
        headers: { "Content-Type": "application/json", user_id: "shutdown-test" },
        body: JSON.stringify({
          cid: "glyph://busy@quantum",
          inputs: [2_000_000 + index],
          policy: { max_gas: 1_000_000_000, max_time: 20_000 },
        }),
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      })),
    );
    // Let every request reach the server before the signal.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalledAt = performance.now();
    server.kill("SIGTERM");
    const answers = await Promise.all(requests);
    const [code] = (await once(server, "exit")) as [number | null];
    const shutdownMs = performance.now() - signalledAt;

    expect(answers.map((answer) => answer.status)).toEqual(Array(50).fill(200));
    answers.forEach((answer, index) => {
      expect(answer.body).toMatchObject({ success: true, output: 2_000_000 + index });
    });
    expect(code).toBe(0);
    expect(shutdownMs).toBeLessThan(20_000);
  });

  it("refuses new connections once shutting down", async () => {
    const { url, process: server } = await startCli({ LOG_LEVEL: "silent" });
    server.kill("SIGTERM");
    const [code] = (await once(server, "exit")) as [number | null];
    expect(code).toBe(0);
    await expect(fetch(`${url}/intent/execute-wasm/health`)).rejects.toThrow();
  });
});
