import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { httpProblem } from "../http/http-problem.js";
import { defineRoute, pathParameter } from "../http/route-definition.js";
import { decodePathSegment, type RouteHandler } from "../http/route-table.js";
import { problemResponse } from "../openapi/route-responses.js";
import type { StaticRouteDependencies } from "./route-dependencies.js";

const MEDIA_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".map": "application/json",
};

/** Serves the files of `directory` (e.g. the web example); `/` is `index.html`. No traversal out of it. */
export function staticRoute(directory: string): RouteHandler {
  const root = normalize(directory + sep);
  return async ({ url, response }) => {
    const relative = decodePathSegment(url.pathname).replace(/^\/+/, "") || "index.html";
    const path = normalize(join(root, relative));
    const notFound = () =>
      httpProblem(404, "not-found", "Not found", { detail: `no file ${url.pathname}` });
    if (!path.startsWith(root)) throw notFound();
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw notFound();
    const bytes = await readFile(path);
    response.writeHead(200, {
      "Content-Type": MEDIA_TYPES[extname(path)] ?? "application/octet-stream",
      "Content-Length": bytes.length,
      "Cache-Control": "no-cache",
    });
    response.end(bytes);
  };
}

function staticRouteDefinition(path: "/" | "/{file}") {
  return defineRoute<StaticRouteDependencies>({
    method: "GET",
    path,
    operationId: path === "/" ? "getStaticIndex" : "getStaticFile",
    summary: path === "/" ? "`index.html` of `RELAY_STATIC_DIR`" : "A file of `RELAY_STATIC_DIR`",
    tags: ["static"],
    ...(path === "/" ? {} : { parameters: [pathParameter("file", "File name.")] }),
    responses: {
      "200": {
        description: "The file's bytes, typed by its extension.",
        content: { "*/*": { schema: { type: "string" } } },
      },
      "400": problemResponse("The path is not valid percent-encoded UTF-8."),
      "404": problemResponse("No such file."),
    },
    handler: (dependencies) => staticRoute(dependencies.staticDirectory),
  });
}

/** `GET /` and `GET /{file}`: served only when `RELAY_STATIC_DIR` is set. */
export const staticRouteDefinitions = [
  staticRouteDefinition("/"),
  staticRouteDefinition("/{file}"),
] as const;
