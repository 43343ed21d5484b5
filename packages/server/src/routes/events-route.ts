import type { EventBus, ExecutionEventEnvelope } from "@wasm-relay/core";
import { BUS_TOPICS } from "@wasm-relay/core";
import { encodeSseComment, encodeSseMessage, SSE_CONTENT_TYPE } from "@wasm-relay/core/sse";
import type { RouteHandler } from "../http/route-table.js";
import type { Authenticator } from "../identity/authenticator.js";

/** Tunables of the event stream. */
export interface EventStreamOptions {
  bus: EventBus;
  authenticator: Authenticator;
  /** Interval of `: heartbeat` comments. @unit milliseconds @default 15000 */
  heartbeatMs?: number;
  /** Reconnection hint sent as `retry:`. @unit milliseconds @default 2000 */
  retryMs?: number;
  /** A client whose unread output passes this is dropped. @unit bytes @default 262144 */
  maxBufferedBytes?: number;
  /** Registry of open streams, so that shutdown can end them. */
  openStreams: Set<() => void>;
}

const TERMINAL = new Set(["execution_complete", "execution_error"]);

/**
 * `GET /intent/execute-wasm/events`: Server-Sent Events of the caller's own executions
 * (admins see all). `?request_id=` narrows to one execution and ends after its terminal event;
 * `Last-Event-ID` (header, or `last_event_id` query) resumes after that event.
 */
export function eventsRoute(options: EventStreamOptions): RouteHandler {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxBufferedBytes = options.maxBufferedBytes ?? 256 * 1024;
  return async ({ request, response, url }) => {
    const identity = await options.authenticator.authenticate(request.headers);
    const seesAll = identity.roles.includes("admin");
    const requestId = url.searchParams.get("request_id") ?? undefined;
    const lastHeader = request.headers["last-event-id"];
    const afterId =
      (Array.isArray(lastHeader) ? lastHeader[0] : lastHeader) ??
      url.searchParams.get("last_event_id") ??
      undefined;

    response.writeHead(200, {
      "Content-Type": SSE_CONTENT_TYPE,
      "Cache-Control": "no-cache",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    response.write(encodeSseComment("wasm-relay execution events"));
    response.write(`retry: ${options.retryMs ?? 2000}\n\n`);

    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(heartbeat);
      subscription?.unsubscribe();
      options.openStreams.delete(finish);
      response.end();
    };
    const heartbeat = setInterval(() => response.write(encodeSseComment("heartbeat")), heartbeatMs);
    heartbeat.unref();
    options.openStreams.add(finish);
    response.on("close", finish);

    let subscription: { unsubscribe(): void } | undefined;
    subscription = await options.bus.subscribe(
      BUS_TOPICS.executionEvents,
      (message) => {
        if (finished) return;
        const envelope = message.payload as unknown as ExecutionEventEnvelope;
        if (!seesAll && envelope.user_id !== identity.userId) return;
        if (requestId !== undefined && envelope.event.request_id !== requestId) return;
        response.write(encodeSseMessage({ id: message.id, data: JSON.stringify(envelope.event) }));
        if (response.writableLength > maxBufferedBytes) {
          // A client that does not read is dropped rather than buffered without bound.
          response.destroy();
          finish();
          return;
        }
        if (requestId !== undefined && TERMINAL.has(envelope.event.type)) finish();
      },
      { afterId },
    );
    if (finished) subscription.unsubscribe();
  };
}
