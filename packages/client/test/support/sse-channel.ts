import { encodeSseComment, encodeSseMessage, type SseMessage } from "@wasm-relay/core/sse";

/**
 * A `text/event-stream` body the test writes to: what a server would send on one connection.
 * `closed` resolves when the client cancels the body or aborts the request (`signal`).
 */
export class SseChannel {
  readonly stream: ReadableStream<Uint8Array>;
  readonly closed: Promise<void>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #ended = false;
  readonly #encoder = new TextEncoder();

  constructor(signal?: AbortSignal) {
    let markClosed!: () => void;
    this.closed = new Promise((resolve) => {
      markClosed = resolve;
    });
    signal?.addEventListener("abort", () => {
      this.#ended = true;
      markClosed();
    });
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => {
        this.#ended = true;
        markClosed();
      },
    });
  }

  /** Writes raw text. */
  write(text: string): void {
    if (!this.#ended) this.#controller.enqueue(this.#encoder.encode(text));
  }

  /** Writes one message. */
  send(message: SseMessage): void {
    this.write(encodeSseMessage(message));
  }

  /** Writes one execution event as the relay does (`id:` and JSON `data:`). */
  event(id: string, event: Record<string, unknown>): void {
    this.send({ id, data: JSON.stringify(event) });
  }

  /** Writes a heartbeat comment. */
  comment(text: string): void {
    this.write(encodeSseComment(text));
  }

  /** Ends the stream normally (the server closed the connection). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#controller.close();
  }

  /**
   * Breaks the stream (the connection was cut), after what was written so far had time to be
   * read: erroring a stream discards its queue, which a cut connection does not do to bytes
   * already delivered.
   */
  fail(): void {
    if (this.#ended) return;
    this.#ended = true;
    setTimeout(() => this.#controller.error(new TypeError("terminated")), 30);
  }
}

/** An execution event of the given type for `requestId`. */
export function executionEvent(
  type: string,
  requestId: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { type, request_id: requestId, timestamp: "2026-11-25T04:00:00.000Z", ...extra };
}
