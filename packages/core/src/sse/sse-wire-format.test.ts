import { describe, expect, it } from "vitest";
import {
  createSseDecoder,
  encodeSseComment,
  encodeSseMessage,
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
});
