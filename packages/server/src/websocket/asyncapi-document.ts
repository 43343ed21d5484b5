import {
  clientMessageSchemas,
  LONGEST_CLOSE_REASON,
  serverMessageSchemas,
  WEBSOCKET_CLOSE_CODES,
  WEBSOCKET_PATH,
} from "@wasm-relay/core";
import { z } from "zod";

/** Where message payload schemas live in the AsyncAPI document. */
const SCHEMA_PREFIX = "#/components/schemas/";

/** `connection_init` → `ConnectionInitMessage`. */
function schemaId(type: string): string {
  return `${type
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join("")}Message`;
}

function generate(
  schemas: Readonly<Record<string, z.ZodType>>,
  io: "input" | "output",
): Record<string, Record<string, unknown>> {
  const registry = z.registry<{ id: string }>();
  for (const [type, schema] of Object.entries(schemas))
    registry.add(schema, { id: schemaId(type) });
  const { schemas: generated } = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io,
    uri: (id) => `${SCHEMA_PREFIX}${id}`,
  });
  return Object.fromEntries(
    Object.entries(generated).map(([id, { $schema: _schema, $id: _id, ...rest }]) => [id, rest]),
  );
}

/** What the document says about the server that serves it. */
export interface AsyncApiDocumentOptions {
  /** The relay's version (`info.version`). */
  version: string;
  /** The `RELAY_WS_*` values in effect, quoted in the description. */
  limits: Record<string, number>;
}

/**
 * The AsyncAPI 3.0 document of the WebSocket protocol (`GET /asyncapi.json`), generated from the
 * same zod schemas the endpoint validates with and the client is typed by (core's
 * `clientMessageSchemas` and `serverMessageSchemas`): one channel, one operation per message,
 * payloads as JSON Schema 2020-12, and the close codes.
 */
export function createAsyncApiDocument(options: AsyncApiDocumentOptions): Record<string, unknown> {
  const messages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const add = (type: string, schema: z.ZodType, action: "send" | "receive") => {
    const description = z.globalRegistry.get(schema)?.description;
    messages[type] = {
      name: type,
      title: type,
      ...(description ? { summary: description } : {}),
      contentType: "application/json",
      payload: { $ref: `${SCHEMA_PREFIX}${schemaId(type)}` },
    };
    operations[`${action}_${type}`] = {
      action,
      channel: { $ref: "#/channels/relay" },
      messages: [{ $ref: `#/channels/relay/messages/${type}` }],
    };
  };
  // From the application's (the client's) point of view: it sends client messages.
  for (const [type, schema] of Object.entries(clientMessageSchemas)) add(type, schema, "send");
  for (const [type, schema] of Object.entries(serverMessageSchemas)) add(type, schema, "receive");
  const closeCodes = Object.entries(WEBSOCKET_CLOSE_CODES)
    .map(([name, code]) => `${code} (${name})`)
    .join(", ");
  return {
    asyncapi: "3.0.0",
    info: {
      title: "wasm-relay WebSocket protocol",
      version: options.version,
      description: [
        "Execute, follow and cancel WebAssembly executions over one WebSocket, with the semantics of the HTTP API (rate limit, validation, idempotency, authorization, bus, metrics). See docs/websocket.md.",
        "The first message is `connection_init` (credentials), answered by `connection_ack`. Operation ids are chosen by the client. An `execute` ends with `result` or `error`; a `subscribe` ends with `complete` or `error`.",
        `Close codes: ${closeCodes}. Close reasons are at most ${LONGEST_CLOSE_REASON} bytes.`,
        `Limits of this server: ${Object.entries(options.limits)
          .map(([name, value]) => `${name}=${value}`)
          .join(", ")}.`,
      ].join("\n\n"),
    },
    defaultContentType: "application/json",
    servers: {
      relay: {
        host: "{host}",
        protocol: "ws",
        description: "The relay (use wss behind TLS).",
        variables: { host: { default: "127.0.0.1:3000" } },
      },
    },
    channels: {
      relay: {
        address: WEBSOCKET_PATH,
        title: "Executions",
        servers: [{ $ref: "#/servers/relay" }],
        messages,
      },
    },
    operations,
    components: {
      schemas: {
        ...generate(clientMessageSchemas, "input"),
        ...generate(serverMessageSchemas, "output"),
      },
    },
  };
}
