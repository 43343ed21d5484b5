import { timingSafeEqual } from "node:crypto";
import { httpProblem } from "../http/http-problem.js";
import type { RouteHandler } from "../http/route-table.js";
import type { PrometheusMetrics } from "../observability/prometheus-metrics.js";

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
