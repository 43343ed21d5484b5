import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultModuleDirectory } from "../../src/modules/default-module-directory.js";
import { startRelayServer } from "../../src/relay-server.js";
import { numericModule } from "../modules/wasm-fixtures.js";

let relay: Awaited<ReturnType<typeof startRelayServer>>;
let adderCid: string;
let spinCid: string;
let greeterCid: string;
let caller = 0;

beforeAll(async () => {
  relay = await startRelayServer({ env: { RELAY_WORKERS: "1" } });
  const upload = await fetch(`${relay.url}/modules`, {
    method: "POST",
    headers: { user_id: "owner", "Content-Type": "application/wasm" },
    body: numericModule("add", 0, 18),
  });
  adderCid = ((await upload.json()) as { cid: string }).cid;
  const glyphs = JSON.parse(await readFile(`${defaultModuleDirectory()}/glyphs.json`, "utf8"));
  spinCid = glyphs["spin@quantum"];
  greeterCid = glyphs["greeter@quantum"];
});
afterAll(async () => {
  await relay?.close();
});

const unique = (base: string) => `${base}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
function newCaller() {
  caller += 1;
  return { user_id: `settings-caller-${caller}` };
}

function publish(name: string, body: Record<string, unknown>, user = "owner") {
  return fetch(`${relay.url}/glyphs/${name}/1`, {
    method: "PUT",
    headers: { user_id: user, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("per-tag function settings, published through the glyph routes", () => {
  it("named parameters: the owner declares them, a call sends an object", async () => {
    const name = unique("adder");
    const published = await publish(name, {
      cid: adderCid,
      function: { parameters: { main: ["a", "b"] } },
    });
    expect(published.status).toBe(201);
    expect(await published.json()).toMatchObject({
      function: { parameters: { main: ["a", "b"] } },
    });
    const call = (body: string) =>
      fetch(`${relay.url}/fn/${name}@1/main`, { method: "POST", headers: newCaller(), body });
    const named = await call('{"b": 3, "a": 5}');
    expect(await named.json()).toBe(8);
    expect(await (await call("[5, 3]")).json()).toBe(8);
    const unknown = await call('{"a": 5, "c": 3}');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { detail: string }).detail).toContain('unknown argument "c"');
    expect((await call('{"a": 5}')).status).toBe(400);
  });

  it("a default policy: used when the query sets none; the query wins", async () => {
    const name = unique("spin");
    await publish(name, { cid: spinCid, function: { policy: { max_gas: 5000 } } });
    const byDefault = await fetch(`${relay.url}/fn/${name}@1/main`, {
      method: "POST",
      headers: newCaller(),
    });
    expect(byDefault.status).toBe(422);
    expect(await byDefault.json()).toMatchObject({ code: "gas_exhausted", gas_used: 5000 });
    const byQuery = await fetch(`${relay.url}/fn/${name}@1/main?max_gas=6000`, {
      method: "POST",
      headers: newCaller(),
    });
    expect(await byQuery.json()).toMatchObject({ code: "gas_exhausted", gas_used: 6000 });
  });

  it("allowed methods: others are 405 with Allow", async () => {
    const name = unique("greeter");
    await publish(name, { cid: greeterCid, function: { methods: ["GET"] } });
    const get = await fetch(`${relay.url}/fn/${name}@1/`, { headers: newCaller() });
    expect(get.status).toBe(200);
    const post = await fetch(`${relay.url}/fn/${name}@1/`, {
      method: "POST",
      headers: newCaller(),
      body: "x",
    });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("anonymous: false makes a call without credentials 401; with them it runs", async () => {
    const name = unique("private-adder");
    await publish(name, { cid: adderCid, function: { anonymous: false } });
    const anonymous = await fetch(`${relay.url}/fn/${name}@1/main`, {
      method: "POST",
      body: "[1, 2]",
    });
    expect(anonymous.status).toBe(401);
    const identified = await fetch(`${relay.url}/fn/${name}@1/main`, {
      method: "POST",
      headers: newCaller(),
      body: "[1, 2]",
    });
    expect(await identified.json()).toBe(3);
  });

  it("GET /glyphs/{name} lists them; null removes them; absent keeps them; only the owner writes", async () => {
    const name = unique("listed");
    await publish(name, { cid: adderCid, function: { methods: ["POST"], anonymous: false } });
    const record = await (await fetch(`${relay.url}/glyphs/${name}`)).json();
    expect(record).toMatchObject({
      owner: "owner",
      tags: { "1": adderCid },
      functions: { "1": { methods: ["POST"], anonymous: false } },
    });
    const stranger = await publish(
      name,
      { cid: adderCid, function: { anonymous: true } },
      "stranger",
    );
    expect(stranger.status).toBe(403);
    const kept = await publish(name, { cid: adderCid });
    expect(await kept.json()).toMatchObject({ function: { anonymous: false } });
    const removed = await publish(name, { cid: adderCid, function: null });
    expect(await removed.json()).toMatchObject({ function: null });
    expect(await (await fetch(`${relay.url}/glyphs/${name}`)).json()).toMatchObject({
      functions: {},
    });
  });

  it("refuses invalid settings with details naming each member", async () => {
    const name = unique("invalid");
    const answer = await publish(name, {
      cid: adderCid,
      function: { methods: ["TRACE"], anonymous: "yes", policy: { max_gas: -1 }, extra: 1 },
    });
    expect(answer.status).toBe(400);
    const problem = (await answer.json()) as { details: { path: string }[] };
    const paths = problem.details.map((detail) => detail.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "function.methods.0",
        "function.anonymous",
        "function.policy.max_gas",
      ]),
    );
    // Nothing was published.
    expect((await fetch(`${relay.url}/glyphs/${name}`)).status).toBe(404);
  });
});
