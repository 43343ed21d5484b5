import { clientMessageSchemas, serverMessageSchemas, WEBSOCKET_PATH } from "@wasm-relay/core";
import { describe, expect, it } from "vitest";
import { createAsyncApiDocument } from "../../src/websocket/asyncapi-document.js";

describe("AsyncAPI document of the WebSocket protocol", () => {
  const document = createAsyncApiDocument({
    version: "0.1.0",
    limits: { RELAY_WS_MAX_IN_FLIGHT: 64 },
  }) as {
    asyncapi: string;
    channels: {
      relay: { address: string; messages: Record<string, { payload: { $ref: string } }> };
    };
    operations: Record<string, { action: string }>;
    components: { schemas: Record<string, Record<string, unknown>> };
  };

  it("is AsyncAPI 3 with one message and one operation per protocol message", () => {
    expect(document.asyncapi).toBe("3.0.0");
    expect(document.channels.relay.address).toBe(WEBSOCKET_PATH);
    const types = [...Object.keys(clientMessageSchemas), ...Object.keys(serverMessageSchemas)];
    expect(Object.keys(document.channels.relay.messages).sort()).toEqual([...types].sort());
    for (const type of Object.keys(clientMessageSchemas)) {
      expect(document.operations[`send_${type}`]?.action).toBe("send");
    }
    for (const type of Object.keys(serverMessageSchemas)) {
      expect(document.operations[`receive_${type}`]?.action).toBe("receive");
    }
  });

  it("gives every message a payload schema generated from its zod schema", () => {
    for (const message of Object.values(document.channels.relay.messages)) {
      const id = message.payload.$ref.replace("#/components/schemas/", "");
      expect(document.components.schemas[id], id).toMatchObject({ type: "object" });
    }
    const execute = document.components.schemas.ExecuteMessage as {
      properties: { request: { properties: Record<string, unknown> }; type: { const: string } };
      required: string[];
    };
    expect(execute.properties.type.const).toBe("execute");
    expect(Object.keys(execute.properties.request.properties)).toContain("cid");
    expect(execute.required).toEqual(expect.arrayContaining(["type", "id", "request"]));
  });
});
