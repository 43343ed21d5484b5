import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInMemoryMetrics } from "@wasm-relay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyFileError } from "../../src/authorization/load-policy-file.js";
import { ConfigurationError } from "../../src/config/server-config.js";
import { startRelayServer } from "../../src/relay-server.js";

let directory: string;
let relay: Awaited<ReturnType<typeof startRelayServer>>;
const metrics = createInMemoryMetrics();

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "relay-policy-server-"));
  const file = join(directory, "policy.json");
  await writeFile(
    file,
    JSON.stringify({
      rules: [
        {
          id: "calculator",
          effect: "allow",
          principals: ["*"],
          actions: ["execute_wasm"],
          resources: ["glyph://calculator@*"],
        },
        {
          id: "vip-calculator",
          effect: "allow",
          principals: ["user:vip"],
          actions: ["execute_wasm"],
          resources: ["glyph://calculator@*"],
          priorities: ["high", "normal", "low"],
        },
        {
          id: "spin-clamped",
          effect: "allow",
          principals: ["user:tester"],
          actions: ["execute_wasm"],
          resources: ["glyph://spin@*"],
          caps: { max_gas: 100_000 },
        },
        {
          id: "spin-refused",
          effect: "allow",
          principals: ["user:strict"],
          actions: ["execute_wasm"],
          resources: ["glyph://spin@*"],
          caps: { max_gas: 100_000 },
          cap_mode: "refuse",
        },
      ],
    }),
  );
  relay = await startRelayServer({
    env: { RELAY_WORKERS: "1", RELAY_AUTHORIZER: "policy-file", RELAY_POLICY_FILE: file },
    metrics,
  });
});
afterAll(async () => {
  await relay?.close();
  await rm(directory, { recursive: true, force: true });
});

async function execute(userId: string, body: Record<string, unknown>) {
  const response = await fetch(`${relay.url}/intent/execute-wasm`, {
    method: "POST",
    headers: { "Content-Type": "application/json", user_id: userId },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("policy-file authorizer in the server", () => {
  it("allows what a rule allows and denies the rest with 403 and the seed's members", async () => {
    expect(
      await execute("alice", { cid: "glyph://calculator@quantum", inputs: [2, 2] }),
    ).toMatchObject({
      status: 200,
      body: { output: 4 },
    });
    const before = metrics.count("relay.execute_wasm.permission_denied");
    const denied = await execute("alice", { cid: "glyph://trap@quantum", inputs: [] });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      error: "Permission denied",
      reason: "no policy rule allows execute_wasm on glyph://trap@quantum",
    });
    expect(metrics.count("relay.execute_wasm.permission_denied")).toBe(before + 1);
  });

  it("grants priority high only where a rule lists it: 403 with the reason otherwise", async () => {
    const refused = await execute("alice", {
      cid: "glyph://calculator@quantum",
      inputs: [1, 2],
      priority: "high",
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      error: "Permission denied",
      reason: 'priority "high" is not allowed by policy rule "calculator" (it allows normal, low)',
    });
    for (const priority of ["normal", "low"]) {
      expect(
        await execute("alice", { cid: "glyph://calculator@quantum", inputs: [1, 2], priority }),
      ).toMatchObject({ status: 200, body: { output: 3 } });
    }
    expect(
      await execute("vip", { cid: "glyph://calculator@quantum", inputs: [1, 2], priority: "high" }),
    ).toMatchObject({ status: 200, body: { output: 3 } });
    const unknown = await execute("vip", {
      cid: "glyph://calculator@quantum",
      inputs: [1, 2],
      priority: "urgent",
    });
    expect(unknown.status).toBe(400);
  });

  it("clamps a policy to the rule's caps: the loop runs out of gas instead of time", async () => {
    const answer = await execute("tester", {
      cid: "glyph://spin@quantum",
      inputs: [],
      policy: { max_gas: 1_000_000_000, max_time: 3000 },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: false, error: { code: "gas_exhausted" } });
    expect(answer.body.gas_used).toBeLessThanOrEqual(100_000);
  });

  it("refuses a policy above the caps when the rule says refuse", async () => {
    const answer = await execute("strict", {
      cid: "glyph://spin@quantum",
      inputs: [],
      policy: { max_gas: 1_000_000_000, max_time: 3000 },
    });
    expect(answer.status).toBe(403);
    expect(answer.body.reason).toBe(
      'policy exceeds the caps of rule "spin-refused": max_gas 1000000000 > 100000',
    );
  });

  it("refuses to start on an invalid policy file, pointing at the rule", async () => {
    const bad = join(directory, "bad.yaml");
    await writeFile(
      bad,
      "rules:\n  - id: typo\n    effect: allow\n    principals: ['*']\n    actions: [execute]\n    resources: ['*']\n",
    );
    const started = startRelayServer({
      env: { RELAY_AUTHORIZER: "policy-file", RELAY_POLICY_FILE: bad },
    });
    await expect(started).rejects.toBeInstanceOf(PolicyFileError);
    await expect(started).rejects.toThrow(
      `${bad}:5:15 rules[0] ("typo").actions[0]: must be one of`,
    );
    await expect(
      startRelayServer({ env: { RELAY_AUTHORIZER: "policy-file" } }),
    ).rejects.toBeInstanceOf(ConfigurationError);
  });
});
