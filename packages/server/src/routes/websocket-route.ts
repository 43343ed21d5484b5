import { WEBSOCKET_PATH } from "@wasm-relay/core";
import { httpProblem } from "../http/http-problem.js";
import { defineRoute } from "../http/route-definition.js";
import { writeJson } from "../http/write-answer.js";
import { problemResponse } from "../openapi/route-responses.js";
import { createAsyncApiDocument } from "../websocket/asyncapi-document.js";
import { websocketEnvironmentShape } from "../websocket/websocket-environment.js";
import type { RouteDependencies } from "./route-dependencies.js";

/**
 * `GET /intent/execute-wasm/ws`: the WebSocket endpoint. Upgrades are taken before routing (see
 * `createWebSocketEndpoint`); a plain GET reaches this route and is told to upgrade (426).
 */
export const websocketRouteDefinition = defineRoute<RouteDependencies>({
  method: "GET",
  path: WEBSOCKET_PATH,
  operationId: "openWebSocket",
  summary: "WebSocket: execute, follow and cancel over one connection",
  description:
    "Upgrade to a WebSocket (`Upgrade: websocket`) speaking the relay's protocol: `connection_init` with credentials (or identity headers on the upgrade), then `execute`, `cancel`, `subscribe`, `unsubscribe` and `ping`; the server answers `event`, `result`, `error`, `complete` and `pong`, with the HTTP routes' bodies and problems. The messages are described by the AsyncAPI 3 document at `GET /asyncapi.json`; see docs/websocket.md.",
  tags: ["execution"],
  responses: {
    "101": { description: "Switching to the WebSocket protocol." },
    "426": problemResponse("The request is not a WebSocket upgrade."),
  },
  handler: () => () => {
    throw httpProblem(
      426,
      "upgrade-required",
      "Upgrade required",
      {
        detail: `${WEBSOCKET_PATH} speaks WebSocket: send Upgrade: websocket (see GET /asyncapi.json)`,
      },
      { Upgrade: "websocket", Connection: "Upgrade" },
    );
  },
});

/** `GET /asyncapi.json`: the AsyncAPI 3 document of the WebSocket protocol. */
export const asyncApiRouteDefinition = defineRoute<RouteDependencies>({
  method: "GET",
  path: "/asyncapi.json",
  operationId: "getAsyncApiDocument",
  summary: "The AsyncAPI 3 document of the WebSocket protocol",
  tags: ["operations"],
  responses: {
    "200": {
      description: "The AsyncAPI 3.0 document, generated from the protocol's zod schemas.",
      content: { "application/json": { schema: { type: "object" } } },
    },
  },
  handler: (dependencies) => {
    const config = dependencies.config;
    // Built on the first request, not at start-up (it converts every message schema).
    let document: ReturnType<typeof createAsyncApiDocument> | undefined;
    return ({ response }) => {
      document ??= createAsyncApiDocument({
        version: "0.1.0",
        limits: Object.fromEntries(
          Object.keys(websocketEnvironmentShape).map((name) => [
            name,
            config[name as keyof typeof websocketEnvironmentShape],
          ]),
        ),
      });
      writeJson(response, 200, document, { "Cache-Control": "public, max-age=300" });
    };
  },
});
