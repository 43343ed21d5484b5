import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { numericModule } from "../modules/wasm-fixtures.js";

// RELAY_FUNCTION_SETTINGS_MAX=2: the memory store (no REDIS_URL) keeps two tags' settings.
let relay: Awaited<ReturnType<typeof startRelayServer>>;
let adderCid: string;
const name = `full-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;

beforeAll(async () => {
  relay = await startRelayServer({
    env: { RELAY_WORKERS: "1", RELAY_FUNCTION_SETTINGS_MAX: "2" },
  });
  const upload = await fetch(`${relay.url}/modules`, {
    method: "POST",
    headers: { user_id: "owner", "Content-Type": "application/wasm" },
    body: numericModule("add", 0, 18),
  });
  adderCid = ((await upload.json()) as { cid: string }).cid;
});
afterAll(async () => {
  await relay?.close();
});

function publish(tag: string, body: Record<string, unknown>) {
  return fetch(`${relay.url}/glyphs/${name}/${tag}`, {
    method: "PUT",
    headers: { user_id: "owner", "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function record() {
  return (await (await fetch(`${relay.url}/glyphs/${name}`)).json()) as {
    tags: Record<string, string>;
    functions: Record<string, unknown>;
  };
}

describe("a full function settings store (RELAY_FUNCTION_SETTINGS_MAX=2)", () => {
  it("answers 507 function-settings-full for a third tag's settings and publishes nothing", async () => {
    expect((await publish("1", { cid: adderCid, function: { anonymous: true } })).status).toBe(201);
    expect((await publish("2", { cid: adderCid, function: { anonymous: true } })).status).toBe(200);
    const refused = await publish("3", { cid: adderCid, function: { anonymous: true } });
    expect(refused.status).toBe(507);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    const problem = (await refused.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({
      type: "https://wasm-relay.dev/problems/function-settings-full",
      status: 507,
      max_entries: 2,
    });
    expect(problem.detail).toContain("RELAY_FUNCTION_SETTINGS_MAX = 2");
    expect(problem.detail).toContain("nothing was published");
    const after = await record();
    expect(Object.keys(after.tags).sort()).toEqual(["1", "2"]);
    expect(Object.keys(after.functions).sort()).toEqual(["1", "2"]);
    const call = await fetch(`${relay.url}/fn/${name}@3/main`, { method: "POST", body: "[1, 2]" });
    expect(call.status).toBe(404);
  });

  it("still publishes a tag without a function member", async () => {
    const published = await publish("plain", { cid: adderCid });
    expect(published.status).toBe(200);
    expect(await published.json()).toMatchObject({ tag: "plain", function: null });
    expect((await record()).tags).toHaveProperty("plain", adderCid);
  });

  it("still replaces an existing tag's settings, and removing one makes room", async () => {
    const replaced = await publish("1", { cid: adderCid, function: { methods: ["POST"] } });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ function: { methods: ["POST"] } });
    expect((await record()).functions).toMatchObject({ "1": { methods: ["POST"] } });
    expect((await publish("2", { cid: adderCid, function: null })).status).toBe(200);
    const now = await publish("3", { cid: adderCid, function: { anonymous: true } });
    expect(now.status).toBe(200);
    expect(Object.keys((await record()).functions).sort()).toEqual(["1", "3"]);
  });

  it("two publications racing for the last room: one gets it, the other a 507 that says what happened, never a 500", async () => {
    // State after the test above: tags 1 and 3 hold the two rooms; free one, then race for it.
    expect((await publish("3", { cid: adderCid, function: null })).status).toBe(200);
    const [first, second] = await Promise.all([
      publish("race-a", { cid: adderCid, function: { anonymous: true } }),
      publish("race-b", { cid: adderCid, function: { anonymous: true } }),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([200, 507]);
    const loser = first.status === 507 ? "race-a" : "race-b";
    const winner = loser === "race-a" ? "race-b" : "race-a";
    const problem = (await (first.status === 507 ? first : second).json()) as { detail: string };
    const after = await record();
    expect(Object.keys(after.functions).sort()).toEqual(["1", winner]);
    // Refused at the check: nothing published; refused at the write (both passed the check):
    // published without settings. The detail says which, and the registry agrees.
    if (problem.detail.includes("nothing was published")) {
      expect(after.tags).not.toHaveProperty(loser);
    } else {
      expect(problem.detail).toContain(
        `glyph://${name}@${loser} was published without function settings`,
      );
      expect(after.tags).toHaveProperty(loser, adderCid);
    }
  });
});
