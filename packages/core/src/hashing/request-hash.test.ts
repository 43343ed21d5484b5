import { describe, expect, it } from "vitest";
import { hashRequest } from "./request-hash.js";

const policy = { max_memory: 1024, max_gas: 100, max_time: 50 };

describe("hashRequest", () => {
  it("is 64 hex digits and stable across key order and number spelling", async () => {
    const first = await hashRequest({
      userId: "u",
      module: "glyph://a@b",
      inputs: { x: 1, y: [2.0] },
      policy,
    });
    const second = await hashRequest({
      userId: "u",
      module: "glyph://a@b",
      inputs: JSON.parse('{"y":[2e0],"x":1.0}'),
      policy: { max_time: 50, max_gas: 100, max_memory: 1024 },
    });
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toBe(first);
  });

  it("changes with the user, module, inputs, entry or policy", async () => {
    const base = { userId: "u", module: "glyph://a@b", inputs: [1, 2], policy };
    const baseline = await hashRequest(base);
    const variants = await Promise.all([
      hashRequest({ ...base, userId: "v" }),
      hashRequest({ ...base, module: "glyph://a@c" }),
      hashRequest({ ...base, inputs: [2, 1] }),
      hashRequest({ ...base, entry: "sub" }),
      hashRequest({ ...base, policy: { ...policy, max_gas: 101 } }),
    ]);
    expect(new Set([baseline, ...variants]).size).toBe(6);
  });

  it("matches a SHA-256 computed independently of the canonical text", async () => {
    const id = await hashRequest({ userId: "u", module: "m", inputs: [], policy });
    const text =
      '{"inputs":[],"module":"m","policy":{"max_gas":100,"max_memory":1024,"max_time":50},"user":"u"}';
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)),
    );
    expect(id).toBe([...digest].map((byte) => byte.toString(16).padStart(2, "0")).join(""));
  });
});
