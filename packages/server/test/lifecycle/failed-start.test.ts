import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { loadServerConfig } from "../../src/config/server-config.js";
import { createRelayLogger } from "../../src/observability/logger.js";
import { createRelayServer } from "../../src/relay-server.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const observer = new Redis(REDIS_URL);
afterAll(async () => {
  await observer.quit();
});

/** Connections on the shared Redis that carry `name` (set through the URL's `connectionName`). */
async function connectionsNamed(name: string): Promise<number> {
  const list = (await observer.call("CLIENT", "LIST")) as string;
  return list.split("\n").filter((line) => line.includes(` name=${name} `)).length;
}

/** Worker threads and their message ports, as Node counts this process's active resources. */
function workerResources(): number {
  return process.getActiveResourcesInfo().filter((kind) => /worker|messageport/i.test(kind)).length;
}

function environment(name: string, moduleDirectory?: string) {
  return {
    REDIS_URL: `${REDIS_URL}/?connectionName=${name}`,
    REDIS_KEY_PREFIX: `test:${name}:`,
    RELAY_WORKERS: "2",
    ...(moduleDirectory ? { RELAY_MODULE_DIR: moduleDirectory } : {}),
  };
}

const quiet = { log: () => {}, logger: createRelayLogger({ level: "silent" }) };

describe("a start-up that fails after the stores and workers opened", () => {
  it("a running server holds Redis connections and worker threads (the checks below can fail)", async () => {
    const name = `failed-start-control-${process.pid}-${Date.now()}`;
    const before = workerResources();
    const server = await createRelayServer(loadServerConfig(environment(name)), quiet);
    try {
      expect(await connectionsNamed(name)).toBeGreaterThan(0);
      expect(workerResources()).toBeGreaterThan(before);
    } finally {
      await server.close();
    }
    await expect.poll(() => connectionsNamed(name)).toBe(0);
  });

  it("leaves no Redis connection and no worker thread when the module directory cannot be loaded", async () => {
    const name = `failed-start-${process.pid}-${Date.now()}`;
    const before = workerResources();
    await expect(
      createRelayServer(
        loadServerConfig(environment(name, "/nonexistent/relay-module-directory")),
        quiet,
      ),
    ).rejects.toThrow();
    await expect.poll(() => connectionsNamed(name), { timeout: 2_000 }).toBe(0);
    await expect.poll(workerResources, { timeout: 2_000 }).toBe(before);
  });
});
