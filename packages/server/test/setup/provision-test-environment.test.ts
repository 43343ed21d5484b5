import { spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const script = fileURLToPath(
  new URL("../../../../scripts/provision-test-environment.sh", import.meta.url),
);

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the script with exactly `env` (no inherited PATH unless given). */
function provision(args: readonly string[], env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/bash", [script, ...args], { env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A TCP port with nothing listening on it (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let scratch: string;
let fakeChromium: string;
let binWithRedisServer: string;
let emptyBin: string;
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "provision-test-"));
  fakeChromium = join(scratch, "chromium");
  binWithRedisServer = join(scratch, "bin");
  emptyBin = join(scratch, "empty");
  await writeFile(fakeChromium, "#!/bin/sh\nexit 0\n");
  await chmod(fakeChromium, 0o755);
  await mkdir(binWithRedisServer);
  await mkdir(emptyBin);
  await writeFile(join(binWithRedisServer, "redis-server"), "#!/bin/sh\nexit 1\n");
  await chmod(join(binWithRedisServer, "redis-server"), 0o755);
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("scripts/provision-test-environment.sh (npm test's pretest and .ci/run)", () => {
  it("--dry-run without chromium fails and names it with the command that installs it", async () => {
    const result = await provision(["--dry-run"], {
      PATH: binWithRedisServer,
      CHROMIUM_PATH: join(scratch, "no-chromium-here"),
      REDIS_URL: redisUrl,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the tests cannot run; missing:/);
    expect(result.stderr).toMatch(/chromium: .*no-chromium-here is missing/);
    expect(result.stderr).toContain("apt-get install -y chromium");
    expect(result.stderr).not.toMatch(/redis-server: not on PATH/);
  });

  it("--dry-run with PATH stripped of redis-server fails and names it", async () => {
    const result = await provision(["--dry-run"], {
      PATH: emptyBin,
      CHROMIUM_PATH: fakeChromium,
      REDIS_URL: redisUrl,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/redis-server: not on PATH/);
    expect(result.stderr).toContain("apt-get install -y redis-server");
    expect(result.stderr).not.toMatch(/chromium: .* is missing/);
  });

  it("--dry-run with no Redis answering says so and starts nothing", async () => {
    const port = await freePort();
    const result = await provision(["--dry-run"], {
      PATH: binWithRedisServer,
      CHROMIUM_PATH: fakeChromium,
      ENSURE_REDIS_PORT: String(port),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`redis: nothing answers at 127.0.0.1:${port}`);
    expect(result.stdout).toBe("");
  });

  it("everything present: exits 0, says ready, installs and starts nothing", async () => {
    const result = await provision(["--dry-run"], {
      PATH: binWithRedisServer,
      CHROMIUM_PATH: fakeChromium,
      REDIS_URL: redisUrl,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/provision: ready/);
    expect(result.stdout).toBe("");
  });

  it("an unknown argument is a usage error", async () => {
    const result = await provision(["--frobnicate"], { PATH: emptyBin });
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/unknown argument --frobnicate/);
  });
});
