import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuthorizationRequest } from "@wasm-relay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { watchPolicyFile } from "./policy-file-watcher.js";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "relay-policy-watch-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const policyFor = (resource: string) =>
  JSON.stringify({
    rules: [
      { effect: "allow", principals: ["*"], actions: ["execute_wasm"], resources: [resource] },
    ],
  });

const request = (resource: string): AuthorizationRequest => ({
  user_id: "alice",
  roles: [],
  action: "execute_wasm",
  resource,
  context: {},
});

describe("a followed policy file", () => {
  it("takes a valid change, and keeps the rules in force when a change is invalid", async () => {
    const file = join(directory, "policy.json");
    await writeFile(file, policyFor("glyph://calculator@*"));
    const messages: string[] = [];
    const authorizer = await watchPolicyFile({
      file,
      reloadIntervalMs: 1,
      log: (message) => messages.push(message),
    });
    expect((await authorizer.authorize(request("glyph://trap@1"))).allowed).toBe(false);

    await writeFile(file, policyFor("glyph://trap@*"));
    await expect
      .poll(async () => (await authorizer.authorize(request("glyph://trap@1"))).allowed, {
        timeout: 2000,
        interval: 10,
      })
      .toBe(true);
    expect(messages.some((message) => message.includes("reloaded"))).toBe(true);

    await writeFile(file, '{"rules":[{"effect":"allow","principals":["*"],"actions":["run"]}]}');
    await expect
      .poll(
        async () => {
          await authorizer.authorize(request("glyph://trap@1"));
          return messages.filter((message) => message.includes("not reloaded")).length;
        },
        { timeout: 2000, interval: 10 },
      )
      .toBeGreaterThan(0);
    expect((await authorizer.authorize(request("glyph://trap@1"))).allowed).toBe(true);
    expect((await authorizer.authorize(request("glyph://calculator@1"))).allowed).toBe(false);
  });
});
