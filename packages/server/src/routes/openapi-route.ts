import { defineRoute } from "../http/route-definition.js";
import type { RouteHandler } from "../http/route-table.js";
import { writeJson } from "../http/write-answer.js";
import type { RouteDependencies } from "./route-dependencies.js";

/**
 * `GET /openapi.json`: the OpenAPI 3.1 document of the server, serialized once.
 * @param document the document (see `createOpenApiDocument`).
 */
export function openApiRoute(document: object): RouteHandler {
  return ({ response }) => {
    writeJson(response, 200, document, { "Cache-Control": "public, max-age=300" });
  };
}

/** `GET /openapi.json`. */
export const openApiRouteDefinition = defineRoute<RouteDependencies>({
  method: "GET",
  path: "/openapi.json",
  operationId: "getOpenApiDocument",
  summary: "This document",
  tags: ["operations"],
  responses: {
    "200": {
      description: "The OpenAPI 3.1 document.",
      content: { "application/json": { schema: { type: "object" } } },
    },
  },
  // Built at the first request: the document lists every route, this one included.
  handler: (dependencies) => {
    let handler: RouteHandler | undefined;
    return (context) => {
      handler ??= openApiRoute(dependencies.openApiDocument());
      return handler(context);
    };
  },
});
