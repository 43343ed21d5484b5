import { HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { BASE_URL, problem, useMockServer } from "../../test/support/msw.js";
import { createClient } from "../create-client.js";
import {
  IdempotencyMismatchError,
  NotFoundError,
  PermissionDeniedError,
  UnprocessableEntityError,
} from "../errors/http-errors.js";
import { ResponseValidationError } from "../errors/transport-errors.js";
import { schemaValidator } from "../validation/schema-validator.js";

const server = useMockServer();
const client = createClient({ baseUrl: BASE_URL, token: "t", retry: { initialDelay: 1 } });
const WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
const CID = "bafkreibhmtmv24yn2zu7udv53bwwvgrylzhbep2e52p72tly7wjiufzpom";

describe("modules", () => {
  it("uploads bytes as application/wasm and returns the CID", async () => {
    let received: { type: string | null; bytes: Uint8Array } | undefined;
    server.use(
      http.post(`${BASE_URL}/modules`, async ({ request }) => {
        received = {
          type: request.headers.get("content-type"),
          bytes: new Uint8Array(await request.arrayBuffer()),
        };
        return HttpResponse.json({ cid: CID, size: 8 }, { status: 201 });
      }),
    );
    expect(await client.modules.upload(WASM)).toEqual({ cid: CID, size: 8, aliases: [] });
    expect(received?.type).toBe("application/wasm");
    expect(received?.bytes).toEqual(WASM);
  });

  it("retries an upload after a 503 with the same bytes", async () => {
    const sizes: number[] = [];
    server.use(
      http.post(`${BASE_URL}/modules`, async ({ request }) => {
        sizes.push((await request.arrayBuffer()).byteLength);
        return sizes.length === 1
          ? HttpResponse.json(problem(503, "busy", "Busy"), { status: 503 })
          : HttpResponse.json({ cid: CID, size: 8 }, { status: 201 });
      }),
    );
    await client.modules.upload(WASM.buffer);
    expect(sizes).toEqual([8, 8]);
  });

  it("maps a rejected upload and a bad answer", async () => {
    server.use(
      http.post(`${BASE_URL}/modules`, () =>
        HttpResponse.json(problem(422, "invalid-module", "Not WebAssembly"), { status: 422 }),
      ),
    );
    const error = await client.modules.upload(new Uint8Array([1, 2])).catch((caught) => caught);
    expect(UnprocessableEntityError.isInstance(error)).toBe(true);
    expect(IdempotencyMismatchError.isInstance(error)).toBe(false);
    server.use(http.post(`${BASE_URL}/modules`, () => HttpResponse.json({ ok: true })));
    const bad = await client.modules.upload(WASM).catch((caught) => caught);
    expect(ResponseValidationError.isInstance(bad)).toBe(true);
  });

  it("downloads a module's bytes, 404 when unknown", async () => {
    server.use(
      http.get(`${BASE_URL}/modules/:cid`, ({ params }) =>
        params.cid === CID
          ? new HttpResponse(WASM, { headers: { "content-type": "application/wasm" } })
          : HttpResponse.json(problem(404, "module-not-found", "Module not found"), {
              status: 404,
            }),
      ),
    );
    expect(await client.modules.get(CID)).toEqual(WASM);
    const error = await client.modules.get("bafkunknown").catch((caught) => caught);
    expect(NotFoundError.isInstance(error)).toBe(true);
    await expect(client.modules.get("")).rejects.toThrow(TypeError);
  });
});

describe("glyphs", () => {
  it("publishes a tag with PUT and an encoded scoped name", async () => {
    let seen: { url: string; body: unknown; method: string } | undefined;
    server.use(
      http.put(`${BASE_URL}/glyphs/:name/:tag`, async ({ request }) => {
        seen = { url: request.url, body: await request.json(), method: request.method };
        return HttpResponse.json(
          {
            name: "@team/calc",
            tag: "latest",
            cid: CID,
            owner: "ada",
            previous_cid: null,
            reference: "glyph://@team/calc@latest",
          },
          { status: 201 },
        );
      }),
    );
    const published = await client.glyphs.publish({ name: "@team/calc", tag: "latest", cid: CID });
    expect(published).toEqual({
      name: "@team/calc",
      tag: "latest",
      cid: CID,
      owner: "ada",
      previous_cid: null,
      reference: "glyph://@team/calc@latest",
    });
    expect(seen?.url).toBe(`${BASE_URL}/glyphs/%40team%2Fcalc/latest`);
    expect(seen?.body).toEqual({ cid: CID });
  });

  it("maps a refused publication", async () => {
    server.use(
      http.put(`${BASE_URL}/glyphs/:name/:tag`, () =>
        HttpResponse.json(
          problem(403, "permission-denied", "Permission denied", { reason: "owned by bob" }),
          { status: 403 },
        ),
      ),
    );
    const error = await client.glyphs
      .publish({ name: "calc", tag: "latest", cid: CID })
      .catch((caught) => caught);
    expect(PermissionDeniedError.isInstance(error)).toBe(true);
    expect((error as PermissionDeniedError).reason).toBe("owned by bob");
    await expect(client.glyphs.publish({ name: "calc", tag: "", cid: CID })).rejects.toThrow(/tag/);
  });

  it("lists the tags of a name", async () => {
    server.use(
      http.get(`${BASE_URL}/glyphs/:name`, ({ params }) =>
        HttpResponse.json({ name: params.name, owner: "ada", tags: { quantum: CID } }),
      ),
    );
    expect(await client.glyphs.list("calculator")).toEqual({
      name: "calculator",
      owner: "ada",
      tags: { quantum: CID },
    });
  });
});

describe("default headers", () => {
  it("go with every call, with or without per-call headers", async () => {
    const seen: Array<string | null> = [];
    const record = ({ request }: { request: Request }) => {
      seen.push(request.headers.get("user_id"));
      return HttpResponse.json({ name: "n", tags: {}, status: "healthy", cid: CID, size: 8 });
    };
    server.use(
      http.get(`${BASE_URL}/glyphs/:name`, record),
      http.put(`${BASE_URL}/glyphs/:name/:tag`, record),
      http.get(`${BASE_URL}/intent/execute-wasm/health`, record),
      http.post(`${BASE_URL}/modules`, record),
      http.get(`${BASE_URL}/modules/:cid`, record),
    );
    const withIdentity = createClient({ baseUrl: BASE_URL, headers: { user_id: "ada" } });
    await withIdentity.glyphs.list("n");
    await withIdentity.glyphs.publish({ name: "n", tag: "t", cid: CID });
    await withIdentity.health();
    await withIdentity.modules.upload(WASM);
    await withIdentity.modules.get(CID);
    await withIdentity.glyphs.list("n", { headers: { "x-extra": "1" } });
    expect(seen).toEqual(["ada", "ada", "ada", "ada", "ada", "ada"]);
  });
});

describe("health", () => {
  const document = {
    status: "healthy",
    features: {
      idempotency: true,
      rate_limiting: true,
      antigone_integration: false,
      sse_events: true,
      tmpbus_events: true,
    },
    limits: { rate_limit: 10, rate_window: 60000, idempotency_ttl: 300000 },
  };

  it("returns the health document", async () => {
    server.use(
      http.get(`${BASE_URL}/intent/execute-wasm/health`, () => HttpResponse.json(document)),
    );
    expect(await client.health()).toEqual(document);
  });

  it("checks it, fully with schemaValidator", async () => {
    server.use(
      http.get(`${BASE_URL}/intent/execute-wasm/health`, () =>
        HttpResponse.json({ ...document, limits: undefined }),
      ),
    );
    expect((await client.health()).status).toBe("healthy");
    const strict = createClient({ baseUrl: BASE_URL, validate: schemaValidator });
    await expect(strict.health()).rejects.toThrow(/limits/);
    server.use(http.get(`${BASE_URL}/intent/execute-wasm/health`, () => HttpResponse.json([])));
    await expect(client.health()).rejects.toThrow(/status/);
  });
});
