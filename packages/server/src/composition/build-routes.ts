import type { ServerConfig } from "../config/server-config.js";
import { RouteTable } from "../http/route-table.js";
import type { ServerModuleResolver } from "../modules/create-module-resolver.js";
import { createOpenApiDocument, type OpenApiDocument } from "../openapi/openapi-document.js";
import {
  executionRouteDefinitions,
  moduleRouteDefinitions,
} from "../routes/relay-route-definitions.js";
import type { RouteDependencies } from "../routes/route-dependencies.js";
import { staticRouteDefinitions } from "../routes/static-route.js";

/** The router of a relay and the OpenAPI document of exactly its routes. */
export interface BuiltRoutes {
  /** The router. */
  routes: RouteTable;
  /** The document `GET /openapi.json` serves (built once, at the first call). */
  openApiDocument(): OpenApiDocument;
}

/**
 * Builds the router from the route definitions: the execution routes always, the module and
 * glyph routes with the server's module system, the static files with `RELAY_STATIC_DIR`.
 * `GET /openapi.json` documents exactly the routes added.
 */
export function buildRoutes(
  config: ServerConfig,
  dependencies: Omit<RouteDependencies, "openApiDocument" | "config">,
  moduleResolver: ServerModuleResolver | undefined,
): BuiltRoutes {
  const routes = new RouteTable();
  let document: OpenApiDocument | undefined;
  const openApiDocument = () => {
    document ??= createOpenApiDocument({
      authentication: config.RELAY_AUTH,
      metricsTokenRequired: config.RELAY_METRICS_TOKEN !== undefined,
      routes: routes.definitions,
    });
    return document;
  };
  const routeDependencies: RouteDependencies = { ...dependencies, config, openApiDocument };
  for (const definition of executionRouteDefinitions) routes.add(definition, routeDependencies);
  if (moduleResolver) {
    const moduleDependencies = { ...routeDependencies, resolver: moduleResolver };
    for (const definition of moduleRouteDefinitions) routes.add(definition, moduleDependencies);
  }
  if (config.RELAY_STATIC_DIR) {
    for (const definition of staticRouteDefinitions) {
      routes.add(definition, { staticDirectory: config.RELAY_STATIC_DIR });
    }
  }
  return { routes, openApiDocument };
}
