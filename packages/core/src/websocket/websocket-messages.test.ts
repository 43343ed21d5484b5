import { describe, expect, it } from "vitest";
import {
  clientEnvelopeSchema,
  clientMessageSchema,
  serverMessageSchema,
} from "./websocket-messages.js";

describe("WebSocket message schemas", () => {
  it("accepts an execute envelope whatever its request (the pipeline validates it)", () => {
    const parsed = clientEnvelopeSchema.safeParse({ type: "execute", id: "1", request: 42 });
    expect(parsed.success).toBe(true);
    expect(clientMessageSchema.safeParse({ type: "execute", id: "1", request: 42 }).success).toBe(
      false,
    );
  });

  it("refuses unknown types, members, and ids out of bounds", () => {
    for (const message of [
      { type: "launch" },
      { type: "ping", extra: 1 },
      { type: "cancel", id: "" },
      { type: "cancel", id: "x".repeat(129) },
      { type: "subscribe" },
      { type: "connection_init", payload: { password: "x" } },
    ]) {
      expect(clientEnvelopeSchema.safeParse(message).success, JSON.stringify(message)).toBe(false);
    }
  });

  it("describes the server's messages", () => {
    expect(serverMessageSchema.safeParse({ type: "complete", id: "a" }).success).toBe(true);
    expect(
      serverMessageSchema.safeParse({
        type: "event",
        id: "a",
        event: { type: "events_lost", last_event_id: "1-0", message: "lost" },
      }).success,
    ).toBe(true);
  });
});
