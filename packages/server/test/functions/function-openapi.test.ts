import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MULTI_SEGMENT_PARAMETER } from "../../src/http/path-template-pattern.js";
import { createRouteTemplateMatcher } from "../../src/openapi/route-template-matcher.js";
import { startRelayServer } from "../../src/relay-server.js";
import { OpenApiConformance } from "../openapi/openapi-conformance.js";

let relay: Awaited<ReturnType<typeof startRelayServer>>;
let document: Record<string, unknown>;
let conformance: OpenApiConformance;

beforeAll(async () => {
  relay = await startRelayServer({ env: { RELAY_WORKERS: "1" } });
  document = (await (await fetch(`${relay.url}/openapi.json`)).json()) as Record<string, unknown>;
  conformance = new OpenApiConformance(document);
});
afterAll(async () => {
  await relay?.close();
});

describe("function endpoints in the OpenAPI document", () => {
  it("are one templated path family, every method, with a multi-segment path parameter; the document stays valid", async () => {
    const paths = document.paths as Record<
      string,
      Record<string, { parameters: Record<string, unknown>[] }>
    >;
    const family = paths["/fn/{function}/{path}"]!;
    expect(Object.keys(family).sort()).toEqual(["delete", "get", "patch", "post", "put"]);
    expect(family.post!.parameters).toContainEqual(
      expect.objectContaining({ name: "path", in: "path", [MULTI_SEGMENT_PARAMETER]: true }),
    );
    expect((await new Validator().validate(document)).valid).toBe(true);
  });

  it("the metrics' template matcher and the suite's check both map deep paths onto the family", () => {
    const paths = document.paths as Record<string, Record<string, unknown>>;
    const matcher = createRouteTemplateMatcher(paths);
    expect(matcher("GET", "/fn/greeter@quantum/a/b/c")).toBe("/fn/{function}/{path}");
    expect(matcher("POST", "/fn/calculator@quantum/main")).toBe("/fn/{function}/{path}");
    expect(matcher("POST", "/intent/execute-wasm")).toBe("/intent/execute-wasm");
    expect(conformance.templateFor("PATCH", "/fn/@acme/tool@1/x/y")).toBe("/fn/{function}/{path}");
    expect(conformance.templateFor("GET", "/modules/bafk")).toBe("/modules/{cid}");
  });

  it("answers conform: numeric output, failed run, CGI response of any media type, 502, 405", async () => {
    const post = (path: string, body: string) =>
      conformance.fetch(relay.url, "/fn/{function}/{path}", {
        url: path,
        method: "POST",
        headers: { user_id: "openapi-fn" },
        body,
      });
    expect((await post("/fn/calculator@quantum/main", "[1, 2]")).body).toBe(3);
    expect((await post("/fn/trap@quantum/main", "[]")).status).toBe(422);
    const cgi = await post("/fn/greeter@quantum/x", "hello");
    expect(cgi.status).toBe(201);
    expect(cgi.headers.get("content-type")).toContain("text/plain");
    const wrongMethod = await conformance.fetch(relay.url, "/fn/{function}/{path}", {
      url: "/fn/calculator@quantum/main",
      method: "GET",
      headers: { user_id: "openapi-fn" },
    });
    expect(wrongMethod.status).toBe(405);
  });
});
