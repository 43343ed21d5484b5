import { createSseDecoder, type SseMessage } from "@wasm-relay/core/sse";

/**
 * Reads the messages of a `text/event-stream` body as they arrive, using the wire format
 * shared with the server. Ends when the body ends; throws when the connection breaks.
 * @param onRetry receives the server's `retry:` hints. @unit milliseconds
 */
export async function* readSseMessages(
  body: ReadableStream<Uint8Array>,
  onRetry: (milliseconds: number) => void,
): AsyncGenerator<SseMessage, void, undefined> {
  const pending: SseMessage[] = [];
  const decoder = createSseDecoder((message) => pending.push(message), onRetry);
  const text = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      decoder.feed(text.decode(value, { stream: true }));
      while (pending.length > 0) yield pending.shift()!;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}
