import type { IncomingMessage, ServerResponse } from "node:http";
import { httpProblem } from "./http-problem.js";
import { multiSegmentParameters, pathTemplateSource } from "./path-template-pattern.js";
import type { AnyRouteDefinition, RouteDefinition } from "./route-definition.js";

/** What a route handler receives. */
export interface RouteContext {
  request: IncomingMessage;
  response: ServerResponse;
  /** The parsed request URL. */
  url: URL;
  /**
   * Named path parameters (`{name}` segments), percent-decoded; a multi-segment parameter
   * (see `MULTI_SEGMENT_PARAMETER`) holds the rest of the path, each segment decoded.
   */
  parameters: Record<string, string>;
  /** Aborted when the server stops waiting for this request (shutdown past its timeout). */
  signal: AbortSignal;
}

/** Handles one route; throws `HttpProblem` for 4xx answers. */
export type RouteHandler = (context: RouteContext) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: RouteHandler;
}

/**
 * A minimal method + path router over route definitions (`/modules/{cid}` style templates), 404
 * and 405 with `Allow`. It serves only what it is given as {@link RouteDefinition}s, so every
 * route it serves is one the OpenAPI document built from {@link RouteTable.definitions} lists.
 */
export class RouteTable {
  readonly #routes: Route[] = [];
  readonly #definitions: AnyRouteDefinition[] = [];

  /**
   * Serves a route: its handler is built from `dependencies`. Earlier routes win when two
   * templates match a path.
   */
  add<Dependencies>(definition: RouteDefinition<Dependencies>, dependencies: Dependencies): this {
    const names = [...definition.path.matchAll(/\{([^}]+)\}/g)].map((found) => found[1]!);
    const source = pathTemplateSource(
      definition.path,
      multiSegmentParameters(definition.parameters),
    );
    this.#routes.push({
      method: definition.method,
      pattern: new RegExp(`^${source}$`),
      names,
      handler: definition.handler(dependencies),
    });
    this.#definitions.push(definition as AnyRouteDefinition);
    return this;
  }

  /** The definitions of the routes served, in the order they were added. */
  get definitions(): readonly AnyRouteDefinition[] {
    return this.#definitions;
  }

  /**
   * Finds the handler of a request.
   * @throws HttpProblem 404 when no route has the path, 405 (with `Allow`) when none has the
   *   method, 400 when a path parameter is not valid percent-encoded UTF-8.
   */
  match(
    method: string,
    pathname: string,
  ): { handler: RouteHandler; parameters: Record<string, string> } {
    const allowed = new Set<string>();
    for (const route of this.#routes) {
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      const parameters = Object.fromEntries(
        route.names.map((name, index) => [
          name,
          (found[index + 1] ?? "").split("/").map(decodePathSegment).join("/"),
        ]),
      );
      if (route.method === method || (method === "HEAD" && route.method === "GET")) {
        return { handler: route.handler, parameters };
      }
      allowed.add(route.method);
    }
    if (allowed.size > 0) {
      const allow = [...allowed].join(", ");
      throw httpProblem(
        405,
        "method-not-allowed",
        "Method not allowed",
        { detail: `${method} is not allowed on ${pathname}; use ${allow}` },
        { Allow: allow },
      );
    }
    throw httpProblem(404, "not-found", "Not found", { detail: `no route for ${pathname}` });
  }
}

/**
 * `decodeURIComponent`, or a 400 problem for text it cannot decode (`%zz`, a lone `%`, an
 * encoded byte sequence that is not UTF-8).
 * @throws HttpProblem 400 naming the segment.
 */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    const shown = segment.length > 64 ? `${segment.slice(0, 64)}…` : segment;
    throw httpProblem(400, "malformed-path", "Malformed path", {
      detail: `the path segment ${JSON.stringify(shown)} is not valid percent-encoded UTF-8`,
      details: [{ path: "(path)", message: "malformed percent-encoding" }],
    });
  }
}
