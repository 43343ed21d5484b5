import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { numericModule } from "../modules/wasm-fixtures.js";

const SECRET = "an-authority-test-secret-of-32-bytes-or-more";

function jwt(subject: string, roles: string[] = []): Promise<string> {
  return new SignJWT({ roles })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(subject)
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode(SECRET));
}

type Credentials = Record<string, string>;

async function upload(url: string, bytes: Uint8Array<ArrayBuffer>, credentials: Credentials) {
  const response = await fetch(`${url}/modules`, {
    method: "POST",
    headers: { ...credentials, "content-type": "application/wasm" },
    body: bytes,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function publish(
  url: string,
  name: string,
  tag: string,
  cid: string,
  credentials: Credentials,
) {
  const response = await fetch(`${url}/glyphs/${encodeURIComponent(name)}/${tag}`, {
    method: "PUT",
    headers: { ...credentials, "content-type": "application/json" },
    body: JSON.stringify({ cid }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function calculatorOutput(url: string, credentials: Credentials): Promise<unknown> {
  const response = await fetch(`${url}/intent/execute-wasm`, {
    method: "POST",
    headers: { ...credentials, "content-type": "application/json" },
    body: JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [2, 3] }),
  });
  return ((await response.json()) as { output?: unknown }).output;
}

describe("operator rights come from a role, never from a user id (issue 12, item 15)", () => {
  let relay: Awaited<ReturnType<typeof startRelayServer>>;
  let hijackCid: string;
  beforeAll(async () => {
    relay = await startRelayServer({
      env: { RELAY_AUTH: "jwt", RELAY_JWT_SECRET: SECRET, RELAY_WORKERS: "1" },
    });
    const mallory = { authorization: `Bearer ${await jwt("mallory")}` };
    hijackCid = (await upload(relay.url, numericModule("sub", 0, 15), mallory)).body.cid as string;
  });
  afterAll(async () => {
    await relay?.close();
  });

  it("a JWT with sub relay:operator cannot move calculator@quantum", async () => {
    const forged = { authorization: `Bearer ${await jwt("relay:operator")}` };
    const before = await calculatorOutput(relay.url, forged);
    const refused = await publish(relay.url, "calculator", "quantum", hijackCid, forged);
    expect(refused.status).toBe(403);
    expect(await calculatorOutput(relay.url, forged)).toEqual(before);
  });

  it("nor can it claim a new name as the operator", async () => {
    const forged = { authorization: `Bearer ${await jwt("relay:operator")}` };
    const refused = await publish(relay.url, "operator-tool", "1", hijackCid, forged);
    expect(refused.status).toBe(403);
  });

  it("a caller holding the operator role (RELAY_OPERATOR_ROLE) may publish operator names", async () => {
    const operator = { authorization: `Bearer ${await jwt("ops-person", ["operator"])}` };
    const added = await publish(relay.url, "calculator", "operator-tag", hijackCid, operator);
    expect(added.status).toBe(200);
    expect(added.body.owner).toBe("relay:operator");
  });
});

describe("dev-headers callers are never the operator (issue 12, item 15)", () => {
  let relay: Awaited<ReturnType<typeof startRelayServer>>;
  beforeAll(async () => {
    relay = await startRelayServer({ env: { RELAY_WORKERS: "1" } });
  });
  afterAll(async () => {
    await relay?.close();
  });

  it("user_id relay:operator cannot move calculator@quantum", async () => {
    const forged = { user_id: "relay:operator" };
    const uploaded = await upload(relay.url, numericModule("sub", 0, 16), forged);
    const before = await calculatorOutput(relay.url, forged);
    const refused = await publish(
      relay.url,
      "calculator",
      "quantum",
      uploaded.body.cid as string,
      forged,
    );
    expect(refused.status).toBe(403);
    expect(await calculatorOutput(relay.url, forged)).toEqual(before);
  });
});

describe("scopes and module reads (issue 12, item 16)", () => {
  let relay: Awaited<ReturnType<typeof startRelayServer>>;
  let cid: string;
  const alice = { user_id: "alice" };
  const bob = { user_id: "bob" };
  beforeAll(async () => {
    relay = await startRelayServer({ env: { RELAY_WORKERS: "1" } });
    cid = (await upload(relay.url, numericModule("add", 0, 160), alice)).body.cid as string;
  });
  afterAll(async () => {
    await relay?.close();
  });

  it("bob cannot claim @alice/tool; alice can", async () => {
    const refused = await publish(relay.url, "@alice/tool", "1.0.0", cid, bob);
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/@alice/);
    const claimed = await publish(relay.url, "@alice/tool", "1.0.0", cid, alice);
    expect(claimed.status).toBe(201);
    expect(claimed.body.owner).toBe("alice");
  });

  it("an anonymous caller cannot download a module; an authenticated one can", async () => {
    const anonymous = await fetch(`${relay.url}/modules/${cid}`);
    expect(anonymous.status).toBe(401);
    await anonymous.body?.cancel();
    const authenticated = await fetch(`${relay.url}/modules/${cid}`, { headers: bob });
    expect(authenticated.status).toBe(200);
    await authenticated.arrayBuffer();
  });

  it("an upload's answer does not say whether the bytes were already stored", async () => {
    const bytes = numericModule("mul", 0, 161);
    const first = await upload(relay.url, bytes, alice);
    const second = await upload(relay.url, bytes, bob);
    expect(first.status).toBe(201);
    expect(second.status).toBe(first.status);
    expect(second.body).toEqual(first.body);
  });
});

describe("read_module is asked of the authorizer (issue 12, item 16)", () => {
  let directory: string;
  let relay: Awaited<ReturnType<typeof startRelayServer>>;
  let cid: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "relay-read-module-"));
    const policy = join(directory, "policy.json");
    await writeFile(
      policy,
      JSON.stringify({
        rules: [
          { effect: "allow", principals: ["user:alice"], actions: ["*"], resources: ["*"] },
          {
            effect: "allow",
            principals: ["user:bob"],
            actions: ["upload_module", "execute_wasm"],
            resources: ["*"],
          },
        ],
      }),
    );
    relay = await startRelayServer({
      env: { RELAY_WORKERS: "1", RELAY_AUTHORIZER: "policy-file", RELAY_POLICY_FILE: policy },
    });
    cid = (await upload(relay.url, numericModule("add", 0, 162), { user_id: "alice" })).body
      .cid as string;
  });
  afterAll(async () => {
    await relay?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("bob, without read_module, gets 403; alice gets the bytes", async () => {
    const refused = await fetch(`${relay.url}/modules/${cid}`, { headers: { user_id: "bob" } });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { reason: string }).reason).toMatch(/read_module/);
    const allowed = await fetch(`${relay.url}/modules/${cid}`, { headers: { user_id: "alice" } });
    expect(allowed.status).toBe(200);
    await allowed.arrayBuffer();
  });

  it("a refused reader learns nothing about a CID no one has", async () => {
    const absent = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";
    const refused = await fetch(`${relay.url}/modules/${absent}`, { headers: { user_id: "bob" } });
    expect(refused.status).toBe(403);
    await refused.body?.cancel();
  });
});
