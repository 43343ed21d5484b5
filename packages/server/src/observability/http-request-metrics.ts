import type { IncomingMessage, ServerResponse } from "node:http";
import { Counter, Histogram, type Registry } from "prom-client";
import { isPlainPath } from "../http/request-target.js";
import type { RouteTemplateMatcher } from "../openapi/route-template-matcher.js";
import { ladderBuckets } from "./metric-buckets.js";

/** Prometheus names of the HTTP request metrics. */
export const HTTP_METRIC_NAMES = {
  requests: "relay_http_requests_total",
  duration: "relay_http_request_duration_seconds",
} as const;

/**
 * Counts every HTTP request by method, route template and status
 * (`relay_http_requests_total`), and observes the time to the end of the response
 * (`relay_http_request_duration_seconds`; event streams excluded, they last as long as the
 * client stays). Paths that match no route are labelled `unmatched`, so labels stay bounded.
 * @returns a function to call with each request and its response, before handling it.
 */
export function observeHttpRequests(
  registry: Registry,
  routeOf: RouteTemplateMatcher,
): (request: IncomingMessage, response: ServerResponse) => void {
  const requests = new Counter({
    name: HTTP_METRIC_NAMES.requests,
    help: "HTTP requests answered, by method, route template and status.",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: HTTP_METRIC_NAMES.duration,
    help: "Time from a request's arrival to the end of its response, in seconds (event streams excluded).",
    labelNames: ["method", "route"],
    buckets: ladderBuckets(0.001, 60),
    registers: [registry],
  });
  return (request, response) => {
    const started = performance.now();
    const method = request.method ?? "GET";
    const target = request.url;
    const route = routeOf(
      method,
      isPlainPath(target) ? target : new URL(target ?? "/", "http://relay.invalid").pathname,
    );
    let recorded = false;
    // `finish` (the response was handed to the network) comes first when the response ends;
    // `close` alone when the connection dropped before that (an aborted event stream).
    const record = () => {
      if (recorded) return;
      recorded = true;
      const labels = { method, route: route ?? "unmatched" };
      requests.inc({ ...labels, status: String(response.statusCode) });
      const type = String(response.getHeader("content-type") ?? "");
      if (!type.startsWith("text/event-stream")) {
        duration.observe(labels, (performance.now() - started) / 1000);
      }
    };
    response.once("finish", record);
    response.once("close", record);
  };
}
