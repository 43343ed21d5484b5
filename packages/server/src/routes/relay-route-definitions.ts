import { functionRouteDefinitions } from "../functions/function-route-definitions.js";
import type { AnyRouteDefinition } from "../http/route-definition.js";
import { batchRouteDefinition } from "./batch-route-definition.js";
import { cancelRouteDefinition } from "./cancel-route.js";
import { eventsRouteDefinition } from "./events-route-definition.js";
import { executeRouteDefinition } from "./execute-route.js";
import { listGlyphRouteDefinitions, publishGlyphRouteDefinitions } from "./glyphs-route.js";
import { healthRouteDefinition } from "./health-route.js";
import { metricsRouteDefinition } from "./metrics-route.js";
import { downloadModuleRouteDefinition, uploadModuleRouteDefinition } from "./modules-route.js";
import { openApiRouteDefinition } from "./openapi-route.js";
import { asyncApiRouteDefinition, websocketRouteDefinition } from "./websocket-route.js";

/** Routes every relay serves: execution, events, health, metrics and the OpenAPI document. */
export const executionRouteDefinitions = [
  executeRouteDefinition,
  batchRouteDefinition,
  eventsRouteDefinition,
  healthRouteDefinition,
  cancelRouteDefinition,
  metricsRouteDefinition,
  openApiRouteDefinition,
  websocketRouteDefinition,
  asyncApiRouteDefinition,
] as const;

/**
 * Routes of the module system (`/modules`, `/glyphs`, the function endpoints `/fn/…`): not
 * served with a custom resolver.
 */
export const moduleRouteDefinitions = [
  uploadModuleRouteDefinition,
  downloadModuleRouteDefinition,
  ...publishGlyphRouteDefinitions,
  ...listGlyphRouteDefinitions,
  ...functionRouteDefinitions,
] as const;

/** The routes of a relay with its module system and no static directory (the default). */
export const defaultRouteDefinitions: readonly AnyRouteDefinition[] = [
  ...executionRouteDefinitions,
  ...moduleRouteDefinitions,
];
