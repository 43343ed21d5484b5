// Vitest setup file of the server's tests: every response a test receives through `fetch` from
// a local relay route is checked against the OpenAPI document (status documented for the
// route, media type listed, body valid against its schema). Violations fail the test file.
import { afterAll, expect } from "vitest";
import { createOpenApiDocument } from "../../src/openapi/openapi-document.js";
import { OpenApiConformance } from "./openapi-conformance.js";

const conformance = new OpenApiConformance(
  createOpenApiDocument() as unknown as Record<string, unknown>,
);
const violations: string[] = [];
/** Responses checked in this test file, readable by tests as `globalThis[CHECKED_RESPONSES]`. */
const CHECKED_RESPONSES = Symbol.for("wasm-relay.openapi-checked-responses");
const counter = globalThis as unknown as Record<symbol, number>;
counter[CHECKED_RESPONSES] = 0;
const pending: Promise<void>[] = [];
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
const originalFetch = globalThis.fetch;

function describeRequest(input: Parameters<typeof fetch>[0], init?: RequestInit) {
  const url = new URL(
    typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
  );
  const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  return { url, method };
}

globalThis.fetch = async (input, init) => {
  const response = await originalFetch(input, init);
  const { url, method } = describeRequest(input, init);
  if (!LOCAL_HOSTS.has(url.hostname) || method === "HEAD") return response;
  const path = conformance.templateFor(method, url.pathname);
  if (path === undefined) return response;
  const contentType = response.headers.get("content-type") ?? "";
  const seen = { method, path, status: response.status, contentType };
  const record = (error: unknown) =>
    violations.push(error instanceof Error ? error.message : String(error));
  const isJson = /json/i.test(contentType);
  if (!isJson) {
    // Streams and bytes: status and media type only (reading a stream here would never end).
    try {
      conformance.check({ ...seen, body: undefined }, { body: false });
      counter[CHECKED_RESPONSES] = (counter[CHECKED_RESPONSES] ?? 0) + 1;
    } catch (error) {
      record(error);
    }
    return response;
  }
  pending.push(
    response
      .clone()
      .text()
      .then(
        (text) => {
          try {
            conformance.check({ ...seen, body: JSON.parse(text) as unknown });
            counter[CHECKED_RESPONSES] = (counter[CHECKED_RESPONSES] ?? 0) + 1;
          } catch (error) {
            record(error);
          }
        },
        () => undefined, // the test aborted the request: nothing to check
      ),
  );
  return response;
};

afterAll(async () => {
  await Promise.allSettled(pending);
  expect(violations, "responses that do not conform to GET /openapi.json").toEqual([]);
});
