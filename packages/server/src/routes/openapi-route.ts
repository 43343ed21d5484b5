import type { RouteHandler } from "../http/route-table.js";
import { writeJson } from "../http/write-answer.js";

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of the server, serialized once.
 * @param document the document (see `createOpenApiDocument`).
 */
export function openApiRoute(document: object): RouteHandler {
  return ({ response }) => {
    writeJson(response, 200, document, { "Cache-Control": "public, max-age=300" });
  };
}
