import { describe, expect, it } from "vitest";
import {
  createSseDecoder,
  encodeSseComment,
  encodeSseMessage,
  encodeSseRetry,
  SSE_EVENTS_LOST_EVENT,
  type SseMessage,
} from "./sse-wire-format.js";

describe("SSE wire format", () => {
  it("round-trips messages through encode and decode, in chunks of any size", () => {
    const messages: SseMessage[] = [
      { id: "1", data: JSON.stringify({ type: "execution_queued", n: 1 }) },
      { id: "2-0", event: "custom", data: "line one\nline two" },
      { data: "" },
      { id: "3", data: "unicode ✓ 😀" },
    ];
    const wire = `${encodeSseComment("hello")}${messages.map(encodeSseMessage).join("")}`;
    for (const chunkSize of [1, 3, 7, wire.length]) {
      const seen: SseMessage[] = [];
      const decoder = createSseDecoder((message) => seen.push(message));
      for (let at = 0; at < wire.length; at += chunkSize)
        decoder.feed(wire.slice(at, at + chunkSize));
      expect(seen.map((message) => message.data)).toEqual(messages.map((message) => message.data));
      expect(seen.map((message) => message.id)).toEqual(["1", "2-0", undefined, "3"]);
      expect(seen[1]?.event).toBe("custom");
    }
  });

  it("passes retry hints and refuses ids with line breaks", () => {
    const retries: number[] = [];
    const decoder = createSseDecoder(
      () => {},
      (milliseconds) => retries.push(milliseconds),
    );
    decoder.feed(encodeSseMessage({ data: "x", retry: 2500 }));
    expect(retries).toEqual([2500]);
    expect(() => encodeSseMessage({ id: "a\nb", data: "x" })).toThrow(TypeError);
  });

  it("round-trips a lone retry hint without dispatching an event", () => {
    const retries: number[] = [];
    const seen: SseMessage[] = [];
    const decoder = createSseDecoder(
      (message) => seen.push(message),
      (milliseconds) => retries.push(milliseconds),
    );
    decoder.feed(`${encodeSseRetry(1500.7)}${encodeSseComment("x")}`);
    expect(retries).toEqual([1500]);
    expect(seen).toEqual([]);
  });

  it("round-trips the named events_lost notice next to unnamed events", () => {
    const seen: SseMessage[] = [];
    const decoder = createSseDecoder((message) => seen.push(message));
    const notice = JSON.stringify({ type: "events_lost", last_event_id: "1-0", message: "m" });
    decoder.feed(encodeSseMessage({ event: SSE_EVENTS_LOST_EVENT, data: notice }));
    decoder.feed(encodeSseMessage({ id: "2-0", data: "{}" }));
    expect(seen).toEqual([
      { id: undefined, event: "events_lost", data: notice },
      { id: "2-0", event: undefined, data: "{}" },
    ]);
  });
});
