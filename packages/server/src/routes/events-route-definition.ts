import { eventsLostNoticeSchema, executionEventSchema } from "@wasm-relay/core";
import { defineRoute, schemaComponent } from "../http/route-definition.js";
import {
  internalErrorResponse,
  problemResponse,
  unauthenticatedResponse,
} from "../openapi/route-responses.js";
import { eventsRoute } from "./events-route.js";
import type { RouteDependencies } from "./route-dependencies.js";

/**
 * `GET /intent/execute-wasm/events`: the event stream's parameters and answers; its handler is
 * {@link eventsRoute}.
 */
export const eventsRouteDefinition = defineRoute<RouteDependencies>({
  method: "GET",
  path: "/intent/execute-wasm/events",
  operationId: "streamExecutionEvents",
  summary: "Stream execution events (Server-Sent Events)",
  description:
    "Events of the caller's own executions (admins see all). Each message's `data` is one `ExecutionEvent` as JSON and its `id` resumes the stream through `Last-Event-ID`; when events after that id are no longer retained, an `events_lost` message (`EventsLostNotice`) says so first. With `request_id` the stream ends after that execution's terminal event (`execution_complete` or `execution_error`).",
  tags: ["execution"],
  security: "caller",
  parameters: [
    {
      name: "request_id",
      in: "query",
      required: false,
      description: "Only this execution's events.",
      schema: { type: "string" },
    },
    {
      name: "idempotency_key",
      in: "query",
      required: false,
      description:
        "Only the caller's own execution sent with this idempotency key (`Idempotency-Key` header or the body's `idempotency_key`; other users' never, even for admins); like `request_id`, the stream ends after its terminal event, so a client can subscribe before it sends the request.",
      schema: { type: "string", maxLength: 200 },
    },
    {
      name: "last_event_id",
      in: "query",
      required: false,
      description: "Resume after this event id (for clients that cannot set headers).",
      schema: { type: "string" },
    },
    {
      name: "Last-Event-ID",
      in: "header",
      required: false,
      description: "Resume after this event id.",
      schema: { type: "string" },
    },
  ],
  responses: {
    "200": {
      description: "A `text/event-stream`; every message's `data` is an `ExecutionEvent`.",
      content: {
        "text/event-stream": {
          schema: {
            type: "string",
            description: "Server-Sent Events; `data` of each message: ExecutionEvent.",
          },
          eventData: [
            schemaComponent("ExecutionEvent", executionEventSchema, "output"),
            schemaComponent("EventsLostNotice", eventsLostNoticeSchema, "output"),
          ],
        },
      },
    },
    "204": {
      description:
        "With `request_id` and a `Last-Event-ID` at or after that execution's terminal event: nothing more will come (an EventSource stops reconnecting).",
    },
    "400": problemResponse("`Last-Event-ID`, `request_id` or an identity header is malformed."),
    "401": unauthenticatedResponse,
    "403": problemResponse("The authorizer refused `read_events` (`reason` says why)."),
    "500": internalErrorResponse,
    "503": problemResponse("The event bus cannot be read (e.g. Redis is unavailable)."),
  },
  handler: (dependencies) =>
    eventsRoute({
      bus: dependencies.bus,
      authenticator: dependencies.authenticator,
      authorizer: dependencies.authorizer,
      openStreams: dependencies.openStreams,
      heartbeatMs: dependencies.config.RELAY_EVENT_HEARTBEAT,
      maxBufferedBytes: dependencies.config.RELAY_EVENT_BUFFER,
      isClosing: () => dependencies.isClosing(),
    }),
});
