import { describe, expect, it } from "vitest";
import { defineRoute } from "./route-definition.js";
import { RouteTable } from "./route-table.js";

const answered: string[] = [];
const route = (method: "GET" | "PUT", path: string) =>
  defineRoute<string>({
    method,
    path,
    operationId: `${method}${path}`,
    summary: path,
    tags: [],
    responses: { "200": { description: "ok" } },
    handler: (name) => () => {
      answered.push(name);
    },
  });

describe("RouteTable", () => {
  const table = new RouteTable()
    .add(route("GET", "/glyphs/{name}"), "list")
    .add(route("PUT", "/glyphs/{name}/{tag}"), "publish");

  it("matches `{name}` templates, decodes parameters and builds handlers from the dependencies", async () => {
    const found = table.match("PUT", "/glyphs/a%40b/v1");
    expect(found.parameters).toEqual({ name: "a@b", tag: "v1" });
    await found.handler({} as never);
    expect(answered).toEqual(["publish"]);
    expect(table.match("HEAD", "/glyphs/x").parameters).toEqual({ name: "x" });
  });

  it("lists the definitions it serves, in order", () => {
    expect(
      table.definitions.map((definition) => `${definition.method} ${definition.path}`),
    ).toEqual(["GET /glyphs/{name}", "PUT /glyphs/{name}/{tag}"]);
  });

  it("answers 405 with Allow for a known path and 404 for an unknown one", () => {
    expect(() => table.match("POST", "/glyphs/x")).toThrow(
      expect.objectContaining({
        problem: expect.objectContaining({ status: 405 }),
        headers: { Allow: "GET" },
      }),
    );
    expect(() => table.match("GET", "/nowhere")).toThrow(
      expect.objectContaining({ problem: expect.objectContaining({ status: 404 }) }),
    );
  });
});
