import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { httpProblem } from "../http/http-problem.js";
import { decodePathSegment, type RouteHandler } from "../http/route-table.js";

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
