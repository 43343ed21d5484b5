import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";
import type { Authorizer } from "@wasm-relay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenApiDocument } from "../../src/openapi/openapi-document.js";
import { startRelayServer } from "../../src/relay-server.js";
import { OpenApiConformance } from "./openapi-conformance.js";

const denyTrap: Authorizer = {
  authorize: async (request) =>
    request.resource === "glyph://spin@quantum"
      ? { allowed: false, reason: "spin is not for you" }
      : { allowed: true },
};

let relay: Awaited<ReturnType<typeof startRelayServer>>;
let conformance: OpenApiConformance;
let served: Record<string, unknown>;
let userNumber = 0;
function newUser(): Record<string, string> {
  userNumber += 1;
  return { user_id: `openapi-${userNumber}-${Date.now()}`, session_id: "s" };
}

beforeAll(async () => {
  relay = await startRelayServer({
    env: { RELAY_WORKERS: "1", RELAY_RATE_LIMIT: "3", RELAY_MAX_BODY_BYTES: "2048" },
    authorizer: denyTrap,
  });
  served = (await (await fetch(`${relay.url}/openapi.json`)).json()) as Record<string, unknown>;
  conformance = new OpenApiConformance(served);
});
afterAll(async () => {
  await relay?.close();
});

const execute = (body: unknown, headers: Record<string, string>, extra: RequestInit = {}) =>
  conformance.fetch(relay.url, "/intent/execute-wasm", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...extra,
  });

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const result = await new Validator().validate(served);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(served.openapi).toBe("3.1.0");
  });

  it("is the generated one, served as JSON", async () => {
    expect(served).toEqual(JSON.parse(JSON.stringify(createOpenApiDocument())));
    const answer = await conformance.fetch(relay.url, "/openapi.json");
    expect(answer.status).toBe(200);
  });

  it("refuses a document that breaks the specification (the validator can fail)", async () => {
    const broken = structuredClone(served) as { paths: Record<string, Record<string, unknown>> };
    broken.paths["/intent/execute-wasm"]!.post = { responses: "none" };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("lists exactly the routes the server serves, from their definitions", () => {
    const paths = served.paths as Record<
      string,
      Record<string, { responses: Record<string, unknown> }>
    >;
    const documented = Object.entries(paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routes = relay.server.routes.map((route) => `${route.method} ${route.path}`);
    expect(documented.sort()).toEqual([...routes].sort());
    expect(routes.length).toBeGreaterThanOrEqual(11);
    for (const route of relay.server.routes) {
      expect(Object.keys(paths[route.path]![route.method.toLowerCase()]!.responses).sort()).toEqual(
        Object.keys(route.responses).sort(),
      );
    }
    expect(Object.keys(paths["/intent/execute-wasm"]!.post!.responses).sort()).toEqual(
      ["200", "400", "401", "403", "404", "409", "413", "415", "422", "429", "500", "503"].sort(),
    );
  });

  it("documents only the routes served: no /modules with a resolver of the embedder's", async () => {
    const embedded = await startRelayServer({
      env: { RELAY_WORKERS: "1" },
      resolver: { resolve: async () => Promise.reject(new Error("no modules here")) },
    });
    try {
      const document = (await (await fetch(`${embedded.url}/openapi.json`)).json()) as {
        paths: Record<string, unknown>;
      };
      expect(Object.keys(document.paths)).not.toContain("/modules");
      expect(Object.keys(document.paths)).toContain("/intent/execute-wasm");
      expect(embedded.server.routes.map((route) => route.path)).not.toContain("/modules");
      const upload = await fetch(`${embedded.url}/modules`, { method: "POST" });
      expect(upload.status).toBe(404);
    } finally {
      await embedded.close();
    }
  });

  it("the suite's check refuses an answer from a route the document does not list", () => {
    const answer = (status: number, contentType: string, body: unknown) => ({
      method: "GET",
      pathname: "/undocumented",
      status,
      contentType,
      body,
    });
    expect(() =>
      conformance.checkUnrouted(answer(200, "application/json", { secret: true })),
    ).toThrow(/not in the document/);
    expect(() =>
      conformance.checkUnrouted(
        answer(409, "application/problem+json", { type: "https://x.invalid/problems/conflict" }),
      ),
    ).toThrow(/not in the document/);
    expect(() =>
      conformance.checkUnrouted(
        answer(404, "application/problem+json", { type: "https://x.invalid/problems/not-found" }),
      ),
    ).not.toThrow();
  });
});

describe("real responses conform to the document", () => {
  it("success, failure, replay and every refusal of POST /intent/execute-wasm", async () => {
    const user = newUser();
    expect(
      (await execute({ cid: "glyph://calculator@quantum", inputs: [2, 3] }, user)).body,
    ).toMatchObject({ output: 5 });
    const replay = await execute({ cid: "glyph://calculator@quantum", inputs: [2, 3] }, user);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await execute({ cid: "glyph://trap@quantum" }, newUser())).body).toMatchObject({
      success: false,
      error: { code: "trap" },
    });
    expect((await execute({ cid: "nope", inputs: "x" }, newUser())).status).toBe(400);
    expect((await execute("{not json", newUser())).status).toBe(400);
    expect((await execute({ cid: "glyph://calculator@quantum" }, {})).status).toBe(401);
    expect((await execute({ cid: "glyph://spin@quantum" }, newUser())).status).toBe(403);
    expect((await execute({ cid: "glyph://missing@quantum" }, newUser())).status).toBe(404);
    expect((await execute("x".repeat(4096), newUser())).status).toBe(413);
    expect(
      (
        await execute("cid=1", newUser(), {
          headers: { "Content-Type": "text/plain", ...newUser() },
        })
      ).status,
    ).toBe(415);
    const keyed = newUser();
    await execute(
      { cid: "glyph://calculator@quantum", inputs: [1, 1], idempotency_key: "k-1" },
      keyed,
    );
    expect(
      (
        await execute(
          { cid: "glyph://calculator@quantum", inputs: [9, 9], idempotency_key: "k-1" },
          keyed,
        )
      ).status,
    ).toBe(422);
    const limited = newUser();
    for (let index = 0; index < 3; index += 1)
      await execute({ cid: "glyph://calculator@quantum", inputs: [index, 0] }, limited);
    const refused = await execute({ cid: "glyph://calculator@quantum", inputs: [7, 0] }, limited);
    expect(refused.status).toBe(429);
    expect(conformance.seen.size).toBeGreaterThanOrEqual(10);
  });

  it("the event stream's events", async () => {
    const user = newUser();
    const answer = await execute({ cid: "glyph://calculator@quantum", inputs: [4, 4] }, user);
    const requestId = (answer.body as { request_id: string }).request_id;
    const streamed = conformance.fetch(relay.url, "/intent/execute-wasm/events", {
      url: `/intent/execute-wasm/events?request_id=${requestId}`,
      headers: user,
    });
    const events = await Promise.race([
      streamed,
      new Promise<undefined>((resolve) => setTimeout(resolve, 3000)),
    ]);
    // A late subscriber to one request id gets its latest run's retained events, up to the terminal one.
    expect(events?.status).toBe(200);
    expect(String(events?.body)).toContain("execution_complete");
    expect(conformance.seen.has("GET /intent/execute-wasm/events 200")).toBe(true);
  });

  it("health, metrics and a missing identity on the event stream", async () => {
    expect((await conformance.fetch(relay.url, "/intent/execute-wasm/health")).status).toBe(200);
    expect((await conformance.fetch(relay.url, "/metrics")).status).toBe(200);
    expect((await conformance.fetch(relay.url, "/intent/execute-wasm/events")).status).toBe(401);
  });

  it("module upload and download, glyph publish and lookup", async () => {
    const bytes = await readFile(
      new URL("../../../../examples/modules/dist/calculator.wasm", import.meta.url),
    );
    const owner = newUser();
    const upload = (body: BodyInit, contentType: string, headers = owner) =>
      conformance.fetch(relay.url, "/modules", {
        method: "POST",
        headers: { "Content-Type": contentType, ...headers },
        body,
      });
    const stored = await upload(bytes, "application/wasm");
    expect(stored.status).toBe(201);
    const cid = (stored.body as { cid: string }).cid;
    expect((await upload(bytes, "application/wasm")).status).toBe(201);
    expect((await upload(new Uint8Array([1, 2, 3, 4]), "application/wasm")).status).toBe(422);
    expect((await upload(bytes, "text/plain")).status).toBe(415);
    expect((await upload(bytes, "application/wasm", {} as Record<string, string>)).status).toBe(
      401,
    );
    const download = await conformance.fetch(relay.url, "/modules/{cid}", {
      url: `/modules/${cid}`,
      headers: owner,
    });
    expect(download.status).toBe(200);
    expect(
      (
        await conformance.fetch(relay.url, "/modules/{cid}", {
          url: "/modules/not-a-cid",
          headers: owner,
        })
      ).status,
    ).toBe(400);
    expect(
      (await conformance.fetch(relay.url, "/modules/{cid}", { url: `/modules/${cid}` })).status,
    ).toBe(401);

    const name = `openapi-${Date.now()}`;
    const publish = (path: string, url: string, body: unknown, headers = owner) =>
      conformance.fetch(relay.url, path, {
        url,
        method: "PUT",
        headers: { "Content-Type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
    expect((await publish("/glyphs/{name}/{tag}", `/glyphs/${name}/v1`, { cid })).status).toBe(201);
    expect((await publish("/glyphs/{name}/{tag}", `/glyphs/${name}/v2`, { cid })).status).toBe(200);
    expect(
      (await publish("/glyphs/{name}/{tag}", `/glyphs/${name}/v3`, { cid }, newUser())).status,
    ).toBe(403);
    expect((await publish("/glyphs/{name}/{tag}", `/glyphs/${name}/v4`, { cid: 7 })).status).toBe(
      400,
    );
    expect(
      (await publish("/glyphs/{scope}/{name}/{tag}", `/glyphs/@openapi/${name}/v1`, { cid }))
        .status,
    ).toBe(403);
    const scoped = { user_id: "openapi", session_id: "s" };
    expect(
      (
        await publish(
          "/glyphs/{scope}/{name}/{tag}",
          `/glyphs/@openapi/${name}/v1`,
          { cid },
          scoped,
        )
      ).status,
    ).toBe(201);
    const record = await conformance.fetch(relay.url, "/glyphs/{name}", { url: `/glyphs/${name}` });
    expect(record.body).toMatchObject({
      name,
      tags: { v1: expect.any(String), v2: expect.any(String) },
    });
    expect(
      (
        await conformance.fetch(relay.url, "/glyphs/{scope}/{name}", {
          url: `/glyphs/@openapi/${name}`,
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await conformance.fetch(relay.url, "/glyphs/{name}", {
          url: "/glyphs/nobody-published-this",
        })
      ).status,
    ).toBe(404);
    // The uploaded module runs under its glyph name.
    const ran = await execute({ cid: `glyph://${name}@v1`, inputs: [20, 22] }, newUser());
    expect(ran.body).toMatchObject({ success: true, output: 42 });
  });

  it("every documented operation is served (no 404 or 405 from the router)", async () => {
    const paths = served.paths as Record<string, Record<string, unknown>>;
    for (const [template, operations] of Object.entries(paths)) {
      const url = template.replace("{scope}", "@probe").replace(/\{[^}]+\}/g, "probe");
      for (const method of Object.keys(operations)) {
        const response = await fetch(`${relay.url}${url}`, {
          method: method.toUpperCase(),
          headers: { "Content-Type": "application/json" },
          ...(method === "get" ? {} : { body: "{}" }),
          signal: AbortSignal.timeout(2000),
        }).catch(() => undefined);
        if (!response) continue; // an event stream that stays open is served
        let problemType = "";
        if (response.headers.get("content-type")?.includes("json")) {
          problemType = ((await response.json()) as { type?: string }).type ?? "";
        } else {
          await response.body?.cancel();
        }
        expect(problemType, `${method} ${url}`).not.toMatch(/\/(not-found|method-not-allowed)$/);
      }
    }
  });

  it("the suite-wide hook (response-conformance-setup.ts) checked this file's responses too", async () => {
    const checked = () =>
      (globalThis as unknown as Record<symbol, number>)[
        Symbol.for("wasm-relay.openapi-checked-responses")
      ] ?? 0;
    const before = checked();
    await fetch(`${relay.url}/intent/execute-wasm/health`);
    await expect.poll(checked).toBe(before + 1);
    expect(before).toBeGreaterThan(30);
  });

  it("the checker itself refuses a body that does not conform", () => {
    expect(() =>
      conformance.check({
        method: "POST",
        path: "/intent/execute-wasm",
        status: 200,
        contentType: "application/json",
        body: { success: true, output: 1 },
      }),
    ).toThrow(/does not conform/);
    expect(() =>
      conformance.check({
        method: "POST",
        path: "/intent/execute-wasm",
        status: 418,
        contentType: "application/json",
        body: {},
      }),
    ).toThrow(/status not documented/);
  });
});
