import { describe, expect, it } from "vitest";
import { createOpenApiDocument } from "./openapi-document.js";
import { createRouteTemplateMatcher } from "./route-template-matcher.js";

describe("createRouteTemplateMatcher", () => {
  const routeOf = createRouteTemplateMatcher(createOpenApiDocument().paths);

  it("finds the template of a request path for its method", () => {
    expect(routeOf("POST", "/intent/execute-wasm")).toBe("/intent/execute-wasm");
    expect(routeOf("GET", "/intent/execute-wasm/events")).toBe("/intent/execute-wasm/events");
    expect(routeOf("GET", "/modules/bafkreiabc")).toBe("/modules/{cid}");
    expect(routeOf("HEAD", "/modules/bafkreiabc")).toBe("/modules/{cid}");
    expect(routeOf("PUT", "/glyphs/calculator/latest")).toBe("/glyphs/{name}/{tag}");
    expect(routeOf("GET", "/glyphs/@acme/calculator")).toBe("/glyphs/{scope}/{name}");
    expect(routeOf("PUT", "/glyphs/@acme/calculator/1.0.0")).toBe("/glyphs/{scope}/{name}/{tag}");
  });

  it("prefers a literal template and matches nothing else", () => {
    const literalFirst = createRouteTemplateMatcher({
      "/a/{id}": { get: {} },
      "/a/b": { get: {} },
    });
    expect(literalFirst("GET", "/a/b")).toBe("/a/b");
    expect(literalFirst("GET", "/a/c")).toBe("/a/{id}");
    expect(routeOf("GET", "/intent/execute-wasm")).toBeUndefined();
    expect(routeOf("GET", "/nowhere")).toBeUndefined();
    expect(routeOf("GET", "/modules/a/b")).toBeUndefined();
  });
});
