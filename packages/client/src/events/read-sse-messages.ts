import { createSseDecoder, type SseMessage } from "@wasm-relay/core/sse";

/**
 * Reads the messages of a `text/event-stream` body as they arrive, using the wire format
 * shared with the server. Ends when the body ends; throws when the connection breaks.
 * @param onRetry receives the server's `retry:` hints. @unit milliseconds
 * @param signal ends the reading (as if the body ended), also with a `fetch` that does not tie
 *   the body to the request's signal.
 */
export async function* readSseMessages(
  body: ReadableStream<Uint8Array>,
  onRetry: (milliseconds: number) => void,
  signal: AbortSignal,
): AsyncGenerator<SseMessage, void, undefined> {
  const pending: SseMessage[] = [];
  const decoder = createSseDecoder((message) => pending.push(message), onRetry);
  const text = new TextDecoder();
  const reader = body.getReader();
  const cancel = () => {
    reader.cancel().catch(() => undefined);
  };
  signal.addEventListener("abort", cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      decoder.feed(text.decode(value, { stream: true }));
      while (pending.length > 0) yield pending.shift()!;
    }
  } finally {
    signal.removeEventListener("abort", cancel);
    cancel();
  }
}
