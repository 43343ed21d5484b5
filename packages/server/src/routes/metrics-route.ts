import { timingSafeEqual } from "node:crypto";
import { httpProblem } from "../http/http-problem.js";
import { defineRoute } from "../http/route-definition.js";
import type { RouteHandler } from "../http/route-table.js";
import type { PrometheusMetrics } from "../observability/prometheus-metrics.js";
import { problemResponse } from "../openapi/route-responses.js";
import type { RouteDependencies } from "./route-dependencies.js";

/** Options of {@link metricsRoute}. */
export interface MetricsRouteOptions {
  /** The metrics to expose. */
  metrics: Pick<PrometheusMetrics, "render" | "contentType">;
  /** When set, scrapes must send `Authorization: Bearer <token>`. */
  token?: string | undefined;
}

function sameText(given: string, expected: string): boolean {
  const left = Buffer.from(given);
  const right = Buffer.from(expected);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * `GET /metrics`: the Prometheus text exposition.
 * @throws HttpProblem 401 (with `WWW-Authenticate: Bearer`) when a token is configured and the
 *   request does not carry it.
 */
export function metricsRoute(options: MetricsRouteOptions): RouteHandler {
  return async ({ request, response }) => {
    if (options.token !== undefined) {
      const header = request.headers.authorization ?? "";
      const match = /^Bearer\s+(.+)$/i.exec(header.trim());
      if (!match || !sameText(match[1]!, options.token)) {
        throw httpProblem(
          401,
          "unauthenticated",
          "Authentication required",
          { detail: "GET /metrics requires Authorization: Bearer <RELAY_METRICS_TOKEN>" },
          { "WWW-Authenticate": 'Bearer realm="metrics"' },
        );
      }
    }
    const text = await options.metrics.render();
    response.writeHead(200, {
      "Content-Type": options.metrics.contentType,
      "Cache-Control": "no-store",
      "Content-Length": Buffer.byteLength(text),
    });
    response.end(text);
  };
}

/** `GET /metrics`. */
export const metricsRouteDefinition = defineRoute<RouteDependencies>({
  method: "GET",
  path: "/metrics",
  operationId: "getMetrics",
  summary: "Prometheus metrics",
  description:
    "The Prometheus text exposition. When `RELAY_METRICS_TOKEN` is set, requires `Authorization: Bearer <token>`.",
  tags: ["operations"],
  security: "metrics-token",
  responses: {
    "200": {
      description: "Prometheus text format 0.0.4.",
      content: { "text/plain": { schema: { type: "string" } } },
    },
    "401": problemResponse("`RELAY_METRICS_TOKEN` is set and the request does not carry it.", {
      "WWW-Authenticate": { description: '`Bearer realm="metrics"`', schema: { type: "string" } },
    }),
  },
  handler: (dependencies) =>
    metricsRoute({
      metrics: dependencies.prometheus,
      token: dependencies.config.RELAY_METRICS_TOKEN,
    }),
});
