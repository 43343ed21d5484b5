import type { EventBus } from "../ports/event-bus.js";
import { BUS_TOPICS } from "../ports/event-bus.js";
import type { ExecutorEvent } from "../ports/executor.js";
import type { ExecutionEvent } from "../schemas/execution-event.js";
import type { JsonValue } from "../schemas/json-value.js";
import { isoTimestamp } from "../time/iso-timestamp.js";

/** How an execution event travels on the bus: with the user it belongs to, for scoping. */
export interface ExecutionEventEnvelope {
  /** Owner of the execution; only they (and admins) may see the event. */
  user_id: string;
  /**
   * The idempotency key the caller sent with the request, when it sent one: on every event of
   * the execution, so that a stream filtered by key (`?idempotency_key=`) matches each exactly.
   */
  idempotency_key?: string;
  /** The event as streamed to clients. */
  event: ExecutionEvent;
}

type NoTimestamp<T> = T extends unknown ? Omit<T, "timestamp" | "request_id"> : never;

/**
 * Publishes the events of one execution in the order the contract promises: queued, started,
 * non-decreasing progress, then exactly one terminal event (complete or error). Out-of-order
 * or repeated events from an executor are dropped, a missing `queued` is supplied.
 */
export class ExecutionEventPublisher {
  #stage: "new" | "queued" | "started" | "done" = "new";
  #progress = 0;
  #pending: Promise<unknown> = Promise.resolve();
  /** Publishes handed to a bus that orders them itself, not yet gathered by `flushed`. */
  #sent: Promise<unknown>[] = [];

  constructor(
    private readonly bus: EventBus,
    private readonly userId: string,
    private readonly requestId: string,
    private readonly cid: string,
    private readonly now: () => number,
    private readonly onPublishError: (error: unknown) => void,
    private readonly idempotencyKey?: string | undefined,
  ) {}

  #queuedEvent(position: number) {
    return {
      type: "execution_queued" as const,
      cid: this.cid,
      ...(this.idempotencyKey !== undefined ? { idempotency_key: this.idempotencyKey } : {}),
      position,
    };
  }

  /** Forwards an executor's event. */
  fromExecutor(event: ExecutorEvent, executorNodePrefix: string): void {
    if (event.type === "queued") {
      if (this.#stage !== "new") return;
      this.#emit(this.#queuedEvent(event.position));
      this.#stage = "queued";
    } else if (event.type === "started") {
      if (this.#stage === "started" || this.#stage === "done") return;
      this.queued();
      this.#emit({
        type: "execution_started",
        executor_node: `${executorNodePrefix}/${event.executorNode}`,
      });
      this.#stage = "started";
    } else {
      if (this.#stage !== "started" || !(event.progress >= this.#progress)) return;
      this.#progress = Math.min(100, event.progress);
      this.#emit({ type: "execution_progress", progress: this.#progress });
    }
  }

  /** Emits `execution_queued` (position 0) unless something was emitted already. */
  queued(): void {
    if (this.#stage !== "new") return;
    this.#emit(this.#queuedEvent(0));
    this.#stage = "queued";
  }

  /** Emits the one terminal event; later calls are ignored. */
  finish(
    terminal: NoTimestamp<
      Extract<ExecutionEvent, { type: "execution_complete" | "execution_error" }>
    >,
  ): void {
    if (this.#stage === "done") return;
    this.#emit(terminal);
    this.#stage = "done";
  }

  /**
   * Counts a publish made beside this stream (the `requested` message) among what
   * {@link flushed} waits for: on a bus that orders concurrent publishes it need not be waited
   * for before the stream's own events are sent.
   */
  include(publish: Promise<unknown>): void {
    this.#sent.push(publish);
  }

  /** Resolves when every event emitted so far was handed to the bus. */
  flushed(): Promise<unknown> {
    if (this.#sent.length > 0) {
      this.#pending = Promise.all([this.#pending, ...this.#sent]);
      this.#sent = [];
    }
    return this.#pending;
  }

  #emit(event: NoTimestamp<ExecutionEvent>): void {
    const full = {
      ...event,
      request_id: this.requestId,
      timestamp: isoTimestamp(this.now()),
    } as ExecutionEvent;
    const envelope: ExecutionEventEnvelope =
      this.idempotencyKey !== undefined
        ? { user_id: this.userId, idempotency_key: this.idempotencyKey, event: full }
        : { user_id: this.userId, event: full };
    const publish = () =>
      this.bus.publish(BUS_TOPICS.executionEvents, envelope as unknown as JsonValue);
    if (this.bus.ordersConcurrentPublishes) {
      // The bus keeps call order by itself: no round trip waits for the previous one, and the
      // publishes are gathered only when `flushed` is asked.
      this.#sent.push(publish().catch(this.onPublishError));
    } else {
      // Chain publishes so the bus sees them in order even when the adapter is asynchronous.
      this.#pending = this.#pending.then(publish).catch(this.onPublishError);
    }
  }
}
