import type { ExecutionEvent } from "@wasm-relay/core";
import { TERMINAL_EVENT_TYPES } from "./event-stream.js";

/** Most executions whose events are held while it is not yet known which one is ours. */
const MAX_BUFFERED_EXECUTIONS = 32;
/** Most events held per execution. */
const MAX_BUFFERED_EVENTS = 256;

/**
 * Picks the events of one execution out of the caller's whole event stream, for
 * `execute(request, { onEvent })`.
 *
 * The `request_id` is computed by the server (it covers the caller's identity and the server's
 * default policy), so it is known for certain only when the result arrives. Until then the
 * router follows the first execution whose `execution_queued` names the requested module and
 * holds the events of the others; the result's `request_id` then settles it, and any held
 * events of that execution are delivered. Servers that echo the call's idempotency key in
 * `execution_queued` make the match exact: another run of the same module is never followed.
 */
export class ExecutionEventRouter {
  readonly #moduleReference: string;
  readonly #onEvent: (event: ExecutionEvent) => void;
  readonly #idempotencyKey: string | undefined;
  readonly #held = new Map<string, ExecutionEvent[]>();
  readonly #finished = new Set<string>();
  #followed: string | undefined;
  #settled: string | undefined;
  #callbackError: { error: unknown } | undefined;
  #onTerminal: (() => void) | undefined;

  /**
   * @param moduleReference the request's `cid`, as sent.
   * @param onEvent the caller's callback; if it throws, delivery stops and
   *   {@link ExecutionEventRouter.callbackError} holds the error.
   * @param idempotencyKey the key the call sent, matched against `execution_queued`'s
   *   `idempotency_key` when the server echoes it.
   */
  constructor(
    moduleReference: string,
    onEvent: (event: ExecutionEvent) => void,
    idempotencyKey?: string,
  ) {
    this.#moduleReference = moduleReference;
    this.#onEvent = onEvent;
    this.#idempotencyKey = idempotencyKey;
  }

  /** What the caller's callback threw, if it did. */
  get callbackError(): { error: unknown } | undefined {
    return this.#callbackError;
  }

  /** Takes one event of the stream. */
  accept(event: ExecutionEvent): void {
    const id = event.request_id;
    if (this.#settled !== undefined) {
      if (id === this.#settled) this.#deliver(event);
      return;
    }
    if (
      this.#followed === undefined &&
      event.type === "execution_queued" &&
      (event.idempotency_key !== undefined && this.#idempotencyKey !== undefined
        ? event.idempotency_key === this.#idempotencyKey
        : event.cid === this.#moduleReference)
    ) {
      this.#followed = id;
      this.#release(id);
    }
    if (id === this.#followed) this.#deliver(event);
    else this.#hold(event);
  }

  /**
   * The result arrived with `requestId`: delivers its held events, then waits for its terminal
   * event when more events are expected, at most `graceMs`.
   * @param expectEvents whether the execution ran in this call (not a replay) and the stream was open.
   * @param streamEnded resolves when the stream will deliver nothing more.
   */
  async settle(
    requestId: string,
    expectEvents: boolean,
    graceMs: number,
    streamEnded: Promise<unknown>,
  ): Promise<void> {
    this.#settled = requestId;
    if (this.#followed !== requestId) this.#release(requestId);
    this.#held.clear();
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
    if (
      this.#callbackError ||
      (event.request_id === this.#settled && this.#finished.has(event.request_id))
    ) {
      this.#onTerminal?.();
    }
  }
}
