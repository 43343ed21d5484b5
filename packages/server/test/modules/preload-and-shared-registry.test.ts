import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { locateRedis } from "../redis/locate-redis.js";
import { testKeyPrefix } from "../redis/test-key-prefix.js";
import { startLoopbackGateway } from "./loopback-gateway.js";
import { carOf, referenceImport } from "./unixfs-reference.js";
import { numericModule } from "./wasm-fixtures.js";

const located = await locateRedis();
const directories: string[] = [];
afterAll(async () => {
  for (const directory of directories) await rm(directory, { recursive: true, force: true });
  await located?.release();
});

const execute = (url: string, cid: string, inputs: unknown, user = "alice") =>
  fetch(`${url}/intent/execute-wasm`, {
    method: "POST",
    headers: { user_id: user, "Content-Type": "application/json" },
    body: JSON.stringify({ cid, inputs }),
  });

describe("RELAY_PRELOAD", () => {
  it("resolves configured modules at start-up, so they run after the gateway is gone", async () => {
    const gateway = await startLoopbackGateway("honest");
    const bytes = numericModule("mul", 280 * 1024, 41);
    const { root, blocks } = await referenceImport(bytes, "classic");
    gateway.serve(root.toString(), "car", await carOf(root, blocks.values()));
    const missing = (await referenceImport(numericModule("add", 3, 42), "raw")).root.toString();
    const warnings: string[] = [];
    const relay = await startRelayServer({
      env: {
        RELAY_IPFS_GATEWAYS: gateway.url,
        RELAY_PRELOAD: `${root},${missing}`,
        RELAY_GATEWAY_TIMEOUT: "1000",
      },
      log: (message) => warnings.push(message),
    });
    try {
      const fetchedAtStart = gateway.requests.length;
      expect(fetchedAtStart).toBeGreaterThan(0);
      await gateway.close();
      const response = await execute(relay.url, root.toString(), [6, 7]);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ success: true, output: 42 });
      expect(warnings.some((line) => line.includes(`RELAY_PRELOAD: ${missing}`))).toBe(true);
    } finally {
      await relay.close();
    }
  });

  it("stops start-up when an entry is neither a CID nor a glyph name", async () => {
    await expect(startRelayServer({ env: { RELAY_PRELOAD: "not-a-module" } })).rejects.toThrow(
      /RELAY_PRELOAD/,
    );
  });
});

describe.skipIf(!located)("glyph names on Redis, shared by two relays", () => {
  it("a name published through one relay runs through the other; its owner is global", async () => {
    const prefix = testKeyPrefix("modules-e2e");
    const store = await mkdtemp(join(tmpdir(), "relay-shared-store-"));
    directories.push(store);
    const env = {
      REDIS_URL: located?.url,
      REDIS_KEY_PREFIX: prefix,
      RELAY_MODULE_STORE_DIR: store,
      RELAY_RATE_LIMIT: "1000",
    };
    const [one, two] = await Promise.all([startRelayServer({ env }), startRelayServer({ env })]);
    try {
      const uploaded = await fetch(`${one.url}/modules`, {
        method: "POST",
        headers: { user_id: "alice", "Content-Type": "application/wasm" },
        body: numericModule("sub", 0, 43),
      });
      const { cid } = (await uploaded.json()) as { cid: string };
      const published = await fetch(`${one.url}/glyphs/shared-sub/latest`, {
        method: "PUT",
        headers: { user_id: "alice", "Content-Type": "application/json" },
        body: JSON.stringify({ cid }),
      });
      expect(published.status).toBe(201);
      const response = await execute(two.url, "glyph://shared-sub@latest", [10, 4]);
      expect(await response.json()).toMatchObject({ output: 6, resolved_cid: cid });
      const stolen = await fetch(`${two.url}/glyphs/shared-sub/latest`, {
        method: "PUT",
        headers: { user_id: "mallory", "Content-Type": "application/json" },
        body: JSON.stringify({ cid }),
      });
      expect(stolen.status).toBe(403);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
