import type { Health } from "@wasm-relay/core";
import { healthSchema } from "@wasm-relay/core";
import { defineRoute, schemaComponent } from "../http/route-definition.js";
import type { RouteHandler } from "../http/route-table.js";
import { writeJson } from "../http/write-answer.js";
import { jsonResponse } from "../openapi/route-responses.js";
import type { RouteDependencies } from "./route-dependencies.js";

/** `GET /intent/execute-wasm/health`: the seed's document; 503 when unhealthy. */
export function healthRoute(report: () => Health): RouteHandler {
  return ({ response }) => {
    const health = report();
    writeJson(response, health.status === "unhealthy" ? 503 : 200, health, {
      "Cache-Control": "no-store",
    });
  };
}

const healthComponent = schemaComponent("Health", healthSchema, "output");

/** `GET /intent/execute-wasm/health`. */
export const healthRouteDefinition = defineRoute<RouteDependencies>({
  method: "GET",
  path: "/intent/execute-wasm/health",
  operationId: "getHealth",
  summary: "Health of the relay",
  description:
    "`healthy`, `degraded` (a dependency is in fallback; `reasons` say which) or `unhealthy` (503). `features` and `limits` are the effective configuration.",
  tags: ["operations"],
  responses: {
    "200": jsonResponse("Healthy or degraded.", healthComponent),
    "503": jsonResponse("Unhealthy.", healthComponent),
  },
  handler: (dependencies) => healthRoute(() => dependencies.health()),
});
