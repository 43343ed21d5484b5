import { createParser } from "eventsource-parser";

/** One Server-Sent Events message as it travels on the wire. */
export interface SseMessage {
  /** `id:` field, echoed by clients in `Last-Event-ID` to resume. */
  id?: string | undefined;
  /** `event:` field; absent means the default `message` event (what `onmessage` receives). */
  event?: string | undefined;
  /** `data:` payload (may span lines). */
  data: string;
  /** `retry:` reconnection hint. @unit milliseconds */
  retry?: number | undefined;
}

/** Media type of an SSE stream. */
export const SSE_CONTENT_TYPE = "text/event-stream";

/**
 * Encodes one message. Multi-line data becomes several `data:` lines; ids and event names
 * must not contain line breaks.
 * @throws TypeError when `id` or `event` contains CR, LF or NUL.
 */
export function encodeSseMessage(message: SseMessage): string {
  let text = "";
  for (const field of ["id", "event"] as const) {
    const value = message[field];
    if (value === undefined) continue;
    if (/[\r\n\0]/.test(value))
      throw new TypeError(`SSE ${field} must not contain line breaks or NUL`);
    text += `${field}: ${value}\n`;
  }
  if (message.retry !== undefined) text += `retry: ${Math.max(0, Math.floor(message.retry))}\n`;
  for (const line of message.data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

/** Encodes a comment line (ignored by clients; keeps idle connections alive). */
export function encodeSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
}

/** Incremental decoder of an SSE byte stream (as text chunks). */
export interface SseDecoder {
  /** Feeds a chunk; complete messages go to the callback. */
  feed(chunk: string): void;
  /** Forgets any partial message (e.g. after a reconnect). */
  reset(): void;
}

/**
 * Creates a decoder following the WHATWG EventSource parsing rules (via `eventsource-parser`).
 * @param onMessage receives each complete message.
 * @param onRetry receives `retry:` hints. @unit milliseconds
 */
export function createSseDecoder(
  onMessage: (message: SseMessage) => void,
  onRetry?: (milliseconds: number) => void,
): SseDecoder {
  const parser = createParser({
    onEvent: (event) => onMessage({ id: event.id, event: event.event, data: event.data }),
    ...(onRetry ? { onRetry } : {}),
  });
  return { feed: (chunk) => parser.feed(chunk), reset: () => parser.reset() };
}

/**
 * Encodes a `retry:` hint on its own: clients take the reconnection delay, no event is dispatched.
 * @param milliseconds reconnection delay. @unit milliseconds
 */
export function encodeSseRetry(milliseconds: number): string {
  return `retry: ${Math.max(0, Math.floor(milliseconds))}\n\n`;
}

/**
 * `event:` name of the notice an execution-event stream sends when it resumes after an id older
 * than its retention (events were lost). Clients that only read unnamed (`message`) events skip it.
 */
export const SSE_EVENTS_LOST_EVENT = "events_lost";
