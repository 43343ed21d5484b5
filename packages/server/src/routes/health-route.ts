import type { Health } from "@wasm-relay/core";
import type { RouteHandler } from "../http/route-table.js";
import { writeJson } from "../http/write-answer.js";

/** `GET /intent/execute-wasm/health`: the seed's document; 503 when unhealthy. */
export function healthRoute(report: () => Health): RouteHandler {
  return ({ response }) => {
    const health = report();
    writeJson(response, health.status === "unhealthy" ? 503 : 200, health, {
      "Cache-Control": "no-store",
    });
  };
}
