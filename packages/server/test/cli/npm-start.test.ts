import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../../../", import.meta.url));

describe("npm start (issue 13, item 4)", () => {
  it("says what it builds and starts before the server listens, then serves", {
    timeout: 120_000,
  }, async () => {
    // Outside turbo's own environment, as a person's shell would run it.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("TURBO_")),
    );
    const child = spawn("npm", ["start"], {
      cwd: root,
      env: { ...env, PORT: "0", LOG_LEVEL: "silent", RELAY_WORKERS: "1" },
      detached: true,
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no server within 100 s:\n${output}`)),
          100_000,
        );
        const check = () => {
          const listening = /listening on (http:\/\/\S+)/.exec(output);
          if (listening?.[1]) {
            clearTimeout(timer);
            resolve(listening[1]);
          }
        };
        child.stdout.on("data", check);
        child.stderr.on("data", check);
        child.once("exit", (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
      });
      const building = output.indexOf("npm start: building @wasm-relay/server");
      const starting = output.indexOf("npm start: starting relay-server");
      expect(building, output).toBeGreaterThanOrEqual(0);
      expect(starting, output).toBeGreaterThan(building);
      expect(output.indexOf("listening on")).toBeGreaterThan(starting);
      const health = await fetch(`${url}/intent/execute-wasm/health`);
      expect(health.status).toBe(200);
    } finally {
      // npm, turbo's shell and node form a process group of their own.
      if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
      await new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve(undefined);
        else child.once("exit", resolve);
      });
    }
  });
});
