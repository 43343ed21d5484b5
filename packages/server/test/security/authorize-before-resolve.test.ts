import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rawCid } from "@wasm-relay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { type LoopbackGateway, startLoopbackGateway } from "../modules/loopback-gateway.js";
import { numericModule } from "../modules/wasm-fixtures.js";

describe("authorization comes before resolution (issue 12, item 12)", () => {
  let directory: string;
  let gateway: LoopbackGateway;
  let relay: Awaited<ReturnType<typeof startRelayServer>>;
  let absentCid: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "relay-authorize-first-"));
    const policy = join(directory, "policy.json");
    await writeFile(
      policy,
      JSON.stringify({
        rules: [{ effect: "allow", principals: ["user:alice"], actions: ["*"], resources: ["*"] }],
      }),
    );
    // A gateway that accepts every request and never answers: the worst a fetch can cost.
    gateway = await startLoopbackGateway("stalling");
    absentCid = await rawCid(numericModule("mul", 0, 4242));
    relay = await startRelayServer({
      env: {
        RELAY_WORKERS: "1",
        RELAY_AUTHORIZER: "policy-file",
        RELAY_POLICY_FILE: policy,
        RELAY_IPFS_GATEWAYS: gateway.url,
        RELAY_GATEWAY_TIMEOUT: "300",
      },
    });
  });
  afterAll(async () => {
    await relay?.close();
    await gateway?.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function execute(userId: string, cid: string) {
    const response = await fetch(`${relay.url}/intent/execute-wasm`, {
      method: "POST",
      headers: { "content-type": "application/json", user_id: userId },
      body: JSON.stringify({ cid, inputs: [2, 3] }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it("a refused caller gets 403 and the relay asks no gateway", async () => {
    const refused = await execute("bob", absentCid);
    expect(refused.status).toBe(403);
    expect(refused.body.reason).toMatch(/no policy rule allows execute_wasm/);
    expect(gateway.requests).toEqual([]);
  });

  it("a refused caller learns nothing of a name the registry does not hold", async () => {
    const refused = await execute("bob", "glyph://no-such-name@1.0.0");
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).not.toMatch(/not found|unavailable/i);
  });

  it("an allowed caller's request still reaches the gateway", async () => {
    const allowed = await execute("alice", absentCid);
    expect(allowed.status).toBe(404);
    expect(gateway.requests.length).toBeGreaterThan(0);
  });
});
