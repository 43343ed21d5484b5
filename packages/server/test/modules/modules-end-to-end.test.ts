import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { type LoopbackGateway, startLoopbackGateway } from "./loopback-gateway.js";
import { carOf, referenceImport } from "./unixfs-reference.js";
import { numericModule } from "./wasm-fixtures.js";

type Started = Awaited<ReturnType<typeof startRelayServer>>;

const storeDirectory = await mkdtemp(join(tmpdir(), "relay-e2e-store-"));
const adder = numericModule("add", 300 * 1024, 21);
const multiplier = numericModule("mul", 0, 22);
let relay: Started;
let gateway: LoopbackGateway;
let gatewayOnly: { bytes: Uint8Array; classic: string; raw: string };

beforeAll(async () => {
  gateway = await startLoopbackGateway("honest");
  const bytes = numericModule("sub", 500, 23);
  const { root, blocks } = await referenceImport(bytes, "classic");
  gateway.serve(root.toString(), "car", await carOf(root, blocks.values()));
  gatewayOnly = {
    bytes,
    classic: root.toString(),
    raw: (await referenceImport(bytes, "raw")).root.toString(),
  };
  relay = await startRelayServer({
    env: {
      RELAY_MODULE_STORE_DIR: storeDirectory,
      RELAY_MAX_MODULE_BYTES: String(512 * 1024),
      RELAY_RATE_LIMIT: "1000",
      RELAY_IPFS_GATEWAYS: gateway.url,
      RELAY_GATEWAY_TIMEOUT: "2000",
    },
  });
});
afterAll(async () => {
  await relay?.close();
  await gateway?.close();
  await rm(storeDirectory, { recursive: true, force: true });
});

const as = (user: string) => ({ user_id: user });

function upload(bytes: Uint8Array<ArrayBuffer>, user = "alice", contentType = "application/wasm") {
  return fetch(`${relay.url}/modules`, {
    method: "POST",
    headers: { ...as(user), "Content-Type": contentType },
    body: bytes,
  });
}

function execute(cid: string, inputs: unknown, user = "alice") {
  return fetch(`${relay.url}/intent/execute-wasm`, {
    method: "POST",
    headers: { ...as(user), "Content-Type": "application/json" },
    body: JSON.stringify({ cid, inputs }),
  });
}

function publish(name: string, tag: string, cid: string, user: string) {
  return fetch(`${relay.url}/glyphs/${encodeURIComponent(name)}/${tag}`, {
    method: "PUT",
    headers: { ...as(user), "Content-Type": "application/json" },
    body: JSON.stringify({ cid }),
  });
}

describe("modules end to end (real server, sandbox, filesystem store)", () => {
  let adderCid: string;
  let adderCidV0: string;

  it("uploads a module: 201 {cid, size}, and 201 with the same body for the same bytes", async () => {
    const first = await upload(adder);
    expect(first.status).toBe(201);
    const body = (await first.json()) as { cid: string; size: number; aliases: string[] };
    expect(body.cid).toBe((await referenceImport(adder, "raw")).root.toString());
    expect(body.size).toBe(adder.length);
    expect(body.aliases[0]).toBe((await referenceImport(adder, "classic")).root.toString());
    adderCid = body.cid;
    adderCidV0 = body.aliases[0]!;
    // Another user's upload of the same bytes is answered alike: it must not learn they existed.
    const again = await upload(adder, "bob");
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(body);
    const download = await fetch(`${relay.url}/modules/${adderCidV0}`, { headers: as("bob") });
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/wasm");
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(adder);
  });

  it("executes by CIDv1, CIDv0 and glyph name as one request (same request_id)", async () => {
    const byCid = await execute(adderCid, [5, 3]);
    expect(byCid.status).toBe(200);
    const first = (await byCid.json()) as Record<string, unknown>;
    expect(first).toMatchObject({ success: true, output: 8, resolved_cid: adderCid });
    const byV0 = await execute(adderCidV0, [5, 3]);
    expect(byV0.headers.get("idempotent-replayed")).toBe("true");
    expect(((await byV0.json()) as { request_id: string }).request_id).toBe(first.request_id);
    const published = await publish("e2e-calc", "latest", adderCidV0, "alice");
    expect(published.status).toBe(201);
    expect(await published.json()).toMatchObject({ cid: adderCid, owner: "alice" });
    const byName = await execute("glyph://e2e-calc@latest", [5, 3]);
    expect(byName.status).toBe(200);
    expect(((await byName.json()) as { request_id: string }).request_id).toBe(first.request_id);
  });

  it("moving a tag changes what runs; only the owner may move it", async () => {
    const uploaded = (await (await upload(multiplier)).json()) as { cid: string };
    const refused = await publish("e2e-calc", "latest", uploaded.cid, "mallory");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("content-type")).toBe("application/problem+json");
    expect(await refused.json()).toMatchObject({
      status: 403,
      reason: expect.stringContaining("alice"),
    });
    const stillAdds = (await (await execute("glyph://e2e-calc@latest", [5, 3])).json()) as {
      output: number;
    };
    expect(stillAdds.output).toBe(8);
    const moved = await publish("e2e-calc", "latest", uploaded.cid, "alice");
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({ previous_cid: adderCid, cid: uploaded.cid });
    const now = (await (await execute("glyph://e2e-calc@latest", [5, 3])).json()) as Record<
      string,
      unknown
    >;
    expect(now).toMatchObject({ success: true, output: 15, resolved_cid: uploaded.cid });
    const listing = await fetch(`${relay.url}/glyphs/e2e-calc`);
    expect(await listing.json()).toEqual({
      name: "e2e-calc",
      owner: "alice",
      tags: { latest: uploaded.cid },
      functions: {},
    });
    expect((await fetch(`${relay.url}/glyphs/nobody-here`)).status).toBe(404);
  });

  it("publishes and runs a scoped name (@scope/name), as two path segments", async () => {
    const put = await fetch(`${relay.url}/glyphs/@carol/adder/1.0.0`, {
      method: "PUT",
      headers: { ...as("carol"), "Content-Type": "application/json" },
      body: JSON.stringify({ cid: adderCid }),
    });
    expect(put.status).toBe(201);
    const listing = await fetch(`${relay.url}/glyphs/@carol/adder`);
    expect(await listing.json()).toEqual({
      name: "@carol/adder",
      owner: "carol",
      tags: { "1.0.0": adderCid },
      functions: {},
    });
    const response = await execute("glyph://@carol/adder@1.0.0", [20, 22], "carol");
    expect(await response.json()).toMatchObject({ output: 42, resolved_cid: adderCid });
  });

  it("answers bad uploads with 4xx problem documents", async () => {
    const cases: [Response, number][] = [
      [await upload(new TextEncoder().encode("hello, not wasm")), 422],
      [await upload(new Uint8Array(0)), 400],
      [await upload(numericModule("add", 600 * 1024)), 413],
      [await upload(adder, "alice", "application/octet-stream"), 415],
      [
        await fetch(`${relay.url}/modules`, {
          method: "POST",
          headers: { "Content-Type": "application/wasm" },
          body: adder,
        }),
        401,
      ],
      [await publish("Bad Name", "latest", adderCid, "alice"), 400],
      [await fetch(`${relay.url}/modules/not-a-cid`, { headers: as("alice") }), 400],
      [await fetch(`${relay.url}/modules/${adderCid}`), 401],
    ];
    for (const [response, status] of cases) {
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await response.json()).toMatchObject({ status });
    }
  });

  it("leaves one intact file after concurrent uploads of the same bytes", async () => {
    const bytes = numericModule("add", 200 * 1024, 24);
    const responses = await Promise.all(Array.from({ length: 8 }, () => upload(bytes)));
    const bodies = (await Promise.all(responses.map((response) => response.json()))) as {
      cid: string;
    }[];
    // Every uploader gets the same answer, whether its bytes were stored first or not.
    expect(responses.filter((response) => response.status === 201)).toHaveLength(8);
    expect(new Set(bodies.map((body) => body.cid)).size).toBe(1);
    const cid = bodies[0]!.cid;
    const shard = join(storeDirectory, "modules", cid.slice(-2));
    expect((await readdir(shard)).filter((name) => name === cid)).toHaveLength(1);
    expect(new Uint8Array(await readFile(join(shard, cid)))).toEqual(bytes);
    expect(await readdir(join(storeDirectory, "tmp"))).toEqual([]);
  });

  it("executes a module only a gateway holds, verified, and keeps it", async () => {
    const response = await execute(gatewayOnly.classic, [9, 4]);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ output: 5, resolved_cid: gatewayOnly.raw });
    const shard = join(storeDirectory, "modules", gatewayOnly.raw.slice(-2));
    expect(await readdir(shard)).toContain(gatewayOnly.raw);
  });

  it("answers 400 naming an unsupported codec and 404 for an unknown module", async () => {
    const dagCbor = "bafyreibhmtmv24yn2zu7udv53bwwvgrylzhbep2e52p72tly7wjiufzpom";
    const unsupported = await execute(dagCbor, []);
    expect(unsupported.status).toBe(400);
    expect(JSON.stringify(await unsupported.json())).toContain("dag-cbor (0x71)");
    const unknown = (await referenceImport(numericModule("add", 1, 99), "raw")).root.toString();
    const missing = await execute(unknown, [1, 2]);
    expect(missing.status).toBe(404);
  });
});
