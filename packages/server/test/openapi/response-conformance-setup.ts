// Vitest setup file of the server's tests: every response a test receives through `fetch` from
// a relay on this machine is checked against the OpenAPI document of the relay that answered
// (status documented for the route, media type listed, body valid against its schema); a path
// no documented route has may only get the router's own refusals (404, 405, 400 malformed
// path). Violations fail the test file. Other local servers (fake gateways, JWKS, authorizers)
// are not relays and are not checked.
import { subscribe } from "node:diagnostics_channel";
import type { Server } from "node:http";
import { afterAll, expect } from "vitest";
import { RELAY_OPENAPI_DOCUMENT } from "../../src/composition/build-http-server.js";
import { OpenApiConformance } from "./openapi-conformance.js";

const violations: string[] = [];
/** Responses checked in this test file, readable by tests as `globalThis[CHECKED_RESPONSES]`. */
const CHECKED_RESPONSES = Symbol.for("wasm-relay.openapi-checked-responses");
const counter = globalThis as unknown as Record<symbol, number>;
counter[CHECKED_RESPONSES] = 0;
const pending: Promise<void>[] = [];
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
const originalFetch = globalThis.fetch;

/** Local port → the document of the relay listening there (absent for other servers). */
const relayDocuments = new Map<string, () => object>();
const checkers = new WeakMap<object, OpenApiConformance>();
subscribe("http.server.request.start", (message) => {
  const server = (message as { server: Server }).server;
  const address = server.address();
  if (address === null || typeof address === "string") return;
  const document = (server as unknown as Record<symbol, (() => object) | undefined>)[
    RELAY_OPENAPI_DOCUMENT
  ];
  if (document) relayDocuments.set(String(address.port), document);
  else relayDocuments.delete(String(address.port));
});

function checkerFor(port: string): OpenApiConformance | undefined {
  const document = relayDocuments.get(port)?.();
  if (!document) return undefined;
  let checker = checkers.get(document);
  if (!checker) {
    checker = new OpenApiConformance(document as Record<string, unknown>);
    checkers.set(document, checker);
  }
  return checker;
}

function describeRequest(input: Parameters<typeof fetch>[0], init?: RequestInit) {
  const url = new URL(
    typeof input === "string" ? input : input instanceof URL ? input.href : input.url,
  );
  const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
  return { url, method };
}

const record = (error: unknown) =>
  violations.push(error instanceof Error ? error.message : String(error));

/** Reads a JSON body off a clone and checks it (the test reads the original). */
function checkJsonLater(response: Response, check: (body: unknown) => void) {
  pending.push(
    response
      .clone()
      .text()
      .then(
        (text) => {
          try {
            check(JSON.parse(text) as unknown);
          } catch (error) {
            record(error);
          }
        },
        () => undefined, // the test aborted the request: nothing to check
      ),
  );
}

globalThis.fetch = async (input, init) => {
  const response = await originalFetch(input, init);
  const { url, method } = describeRequest(input, init);
  if (!LOCAL_HOSTS.has(url.hostname) || method === "HEAD") return response;
  const conformance = checkerFor(url.port);
  if (!conformance) return response;
  const path = conformance.templateFor(method, url.pathname);
  const contentType = response.headers.get("content-type") ?? "";
  const isJson = /json/i.test(contentType);
  if (path === undefined) {
    const unrouted = { method, pathname: url.pathname, status: response.status, contentType };
    if (!isJson) {
      record(new Error(`${method} ${url.pathname} → ${response.status}: not in the document`));
      return response;
    }
    checkJsonLater(response, (body) => conformance.checkUnrouted({ ...unrouted, body }));
    return response;
  }
  const seen = { method, path, status: response.status, contentType };
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
  checkJsonLater(response, (body) => {
    conformance.check({ ...seen, body });
    counter[CHECKED_RESPONSES] = (counter[CHECKED_RESPONSES] ?? 0) + 1;
  });
  return response;
};

afterAll(async () => {
  await Promise.allSettled(pending);
  expect(violations, "responses that do not conform to the relay's GET /openapi.json").toEqual([]);
});
