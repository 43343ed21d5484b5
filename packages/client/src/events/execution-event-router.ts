import type { ExecutionEvent } from "@wasm-relay/core";
import { TERMINAL_EVENT_TYPES } from "./event-stream.js";

/** Most executions whose events are held while it is not yet known whether they are ours. */
const MAX_BUFFERED_EXECUTIONS = 32;
/** Most events held per execution. */
const MAX_BUFFERED_EVENTS = 256;
/** Most request ids remembered as another call's (their later events are dropped at once). */
const MAX_FOREIGN_EXECUTIONS = 1024;

/**
 * Picks the events of one execution out of the caller's whole event stream, for
 * `execute(request, { onEvent })`. The callback receives this call's events only, never another
 * execution's, even one of the same module by the same user.
 *
 * The relay echoes the call's `Idempotency-Key` in `execution_queued` (`idempotency_key`), and
 * every event carries the execution's `request_id`:
 * - an `execution_queued` that echoes this call's key makes its `request_id` ours: its events
 *   are delivered from then on (and any held before);
 * - an `execution_queued` that echoes another key makes its `request_id` another call's: its
 *   events are dropped;
 * - any other event whose execution is not known yet is held (bounded), until the result's
 *   `request_id` settles it: the held events of that execution are delivered, the rest dropped.
 *
 * One limit remains: two calls of the same request (same module, inputs and policy, hence the
 * same `request_id`) under different idempotency keys are told apart only by `execution_queued`.
 */
export class ExecutionEventRouter {
  readonly #onEvent: (event: ExecutionEvent) => void;
  readonly #idempotencyKey: string;
  readonly #held = new Map<string, ExecutionEvent[]>();
  readonly #foreign = new Set<string>();
  readonly #finished = new Set<string>();
  #mine: string | undefined;
  #settled = false;
  #callbackError: { error: unknown } | undefined;
  #onTerminal: (() => void) | undefined;

  /**
   * @param idempotencyKey the `Idempotency-Key` the call sends, matched against
   *   `execution_queued`'s `idempotency_key`.
   * @param onEvent the caller's callback; if it throws, delivery stops and
   *   {@link ExecutionEventRouter.callbackError} holds the error.
   */
  constructor(idempotencyKey: string, onEvent: (event: ExecutionEvent) => void) {
    this.#idempotencyKey = idempotencyKey;
    this.#onEvent = onEvent;
  }

  /** What the caller's callback threw, if it did. */
  get callbackError(): { error: unknown } | undefined {
    return this.#callbackError;
  }

  /** Takes one event of the stream: delivers it, holds it, or drops it (another call's). */
  accept(event: ExecutionEvent): void {
    const id = event.request_id;
    if (event.type === "execution_queued" && event.idempotency_key !== undefined) {
      if (event.idempotency_key === this.#idempotencyKey) {
        if (this.#mine === undefined && !this.#settled) {
          this.#mine = id;
          this.#foreign.delete(id);
          this.#release(id);
        }
        if (id === this.#mine) this.#deliver(event);
      } else if (id !== this.#mine) {
        this.#markForeign(id);
      }
      return;
    }
    if (id === this.#mine) this.#deliver(event);
    else if (!this.#settled && !this.#foreign.has(id)) this.#hold(event);
  }

  /**
   * The result arrived with `requestId`: delivers its held events, then waits for its terminal
   * event when more events are expected, at most `graceMs`.
   * @param expectEvents whether the execution ran in this call (not a replay) and the stream was open.
   * @param graceMs longest wait for the terminal event. @unit milliseconds
   * @param streamEnded resolves when the stream will deliver nothing more.
   */
  async settle(
    requestId: string,
    expectEvents: boolean,
    graceMs: number,
    streamEnded: Promise<unknown>,
  ): Promise<void> {
    this.#settled = true;
    if (this.#mine === undefined) {
      this.#mine = requestId;
      this.#release(requestId);
    }
    this.#held.clear();
    this.#foreign.clear();
    if (!expectEvents || this.#finished.has(requestId) || this.#callbackError) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        this.#onTerminal = resolve;
      }),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
      streamEnded,
    ]);
    clearTimeout(timer);
  }

  #markForeign(requestId: string): void {
    this.#held.delete(requestId);
    if (this.#foreign.size >= MAX_FOREIGN_EXECUTIONS) {
      this.#foreign.delete(this.#foreign.values().next().value!);
    }
    this.#foreign.add(requestId);
  }

  #hold(event: ExecutionEvent): void {
    let events = this.#held.get(event.request_id);
    if (!events) {
      if (this.#held.size >= MAX_BUFFERED_EXECUTIONS) {
        this.#held.delete(this.#held.keys().next().value!);
      }
      events = [];
      this.#held.set(event.request_id, events);
    }
    if (events.length < MAX_BUFFERED_EVENTS) events.push(event);
  }

  #release(requestId: string): void {
    const events = this.#held.get(requestId) ?? [];
    this.#held.delete(requestId);
    for (const event of events) this.#deliver(event);
  }

  #deliver(event: ExecutionEvent): void {
    if (this.#callbackError || this.#finished.has(event.request_id)) return;
    if (TERMINAL_EVENT_TYPES.has(event.type)) this.#finished.add(event.request_id);
    try {
      this.#onEvent(event);
    } catch (error) {
      this.#callbackError = { error };
    }
    if (this.#callbackError || (this.#settled && this.#finished.has(event.request_id))) {
      this.#onTerminal?.();
    }
  }
}
