import { createSseDecoder, type SseMessage } from "@wasm-relay/core/sse";

/** An open event stream read with fetch: its messages as they arrive. */
export interface SseCollector {
  /** Status and headers of the answer. */
  response: Response;
  /** Every message received so far (comments excluded). */
  messages: SseMessage[];
  /** `retry:` hints received. */
  retries: number[];
  /** The raw text received (comments included). */
  readonly text: string;
  /** Resolves when the server ended the stream (or the connection broke). */
  ended: Promise<void>;
  /** Whether the stream has ended. */
  readonly done: boolean;
  /** Drops the connection from the client side. */
  abort(): void;
  /** Resolves once `condition` holds for the messages. @throws Error after `timeoutMs` */
  until(condition: (messages: SseMessage[]) => boolean, timeoutMs?: number): Promise<void>;
}

/** Opens `url` as an event stream with `headers`; the caller must `abort()` it (or let it end). */
export async function collectSse(
  url: string,
  headers: Record<string, string> = {},
): Promise<SseCollector> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: controller.signal,
  });
  const messages: SseMessage[] = [];
  const retries: number[] = [];
  let done = false;
  let text = "";
  const decoder = createSseDecoder(
    (message) => messages.push(message),
    (milliseconds) => retries.push(milliseconds),
  );
  const ended = (async () => {
    try {
      const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
      if (!reader) return;
      for (;;) {
        const { value, done: finished } = await reader.read();
        if (finished) return;
        text += value;
        decoder.feed(value);
      }
    } catch {
      // aborted or broken: the stream is over either way
    } finally {
      done = true;
    }
  })();
  return {
    response,
    messages,
    retries,
    ended,
    get done() {
      return done;
    },
    get text() {
      return text;
    },
    abort: () => controller.abort(),
    async until(condition, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition(messages)) {
        if (Date.now() > deadline) {
          throw new Error(
            `condition not met in time; got ${JSON.stringify(messages).slice(0, 2000)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

/** The parsed `data` of the unnamed (execution) events among `messages`. */
export function executionEvents(messages: SseMessage[]): { type: string; request_id: string }[] {
  return messages
    .filter((message) => message.event === undefined)
    .map((message) => JSON.parse(message.data) as { type: string; request_id: string });
}
