import { withTimeBound } from "./time-bound.js";

/** Options of {@link createRedisAvailability}. */
export interface RedisAvailabilityOptions {
  /** A cheap round trip to Redis (`PING`); resolving means Redis answers again. */
  probe: () => Promise<unknown>;
  /** Longest a probe may take. @unit milliseconds @default 100 */
  probeTimeoutMs?: number;
  /** Pause between probes while Redis is unavailable. @unit milliseconds @default 250 */
  probeIntervalMs?: number;
  /**
   * Whether the connection to Redis is up right now (ioredis: `status === "ready"`). A call that
   * fails while it is down makes Redis unavailable; one that fails or is slow while it is up
   * does not (the stores then refuse the call instead of deciding from memory).
   * @default always connected
   */
  connected?: () => boolean;
}

/**
 * Whether the stores should use Redis right now. Redis becomes unavailable when it is *down*:
 * the connection closed, or a call failed while it was not connected (the stores then answer
 * from memory without waiting on Redis); while unavailable, a probe runs every
 * `probeIntervalMs` and the first answer makes Redis available again. A *slow* Redis (connected,
 * no answer in time) never makes it unavailable: that would send one instance to memory while
 * another still decides on Redis, breaking exact limits and exactly-once between them.
 */
export interface RedisAvailability {
  /** `true` while Redis is to be used. */
  readonly available: boolean;
  /** Why Redis is not used (`redis unreachable: …`), or `undefined` while it is. */
  readonly reason: string | undefined;
  /** Whether the connection is up right now (see {@link RedisAvailabilityOptions.connected}). */
  readonly connected: boolean;
  /**
   * Why Redis is slow (`redis slow: no answer within … ms`) since a call last got no answer in
   * time, until one is answered again; `undefined` otherwise. Redis stays available meanwhile.
   */
  readonly slowReason: string | undefined;
  /** Records a failure (connection lost): Redis is unavailable until a probe succeeds. */
  markUnavailable(cause: unknown): void;
  /** Records a call that got no answer in time (Redis stays available: see `slowReason`). */
  recordTimeout(cause: unknown): void;
  /** Records a call Redis answered in time (ends `slowReason`). */
  recordSuccess(): void;
  /** Stops probing (for shutdown). */
  close(): void;
}

function describe(cause: unknown): string {
  if (cause instanceof Error) {
    // ioredis wraps connection failures in an AggregateError whose message is empty.
    if (cause.message) return cause.message;
    if (cause instanceof AggregateError && cause.errors[0] instanceof Error) {
      return cause.errors[0].message;
    }
    return cause.name;
  }
  return String(cause);
}

/** Creates a {@link RedisAvailability} that starts out available. */
export function createRedisAvailability(options: RedisAvailabilityOptions): RedisAvailability {
  const probeTimeout = options.probeTimeoutMs ?? 100;
  const probeInterval = options.probeIntervalMs ?? 250;
  const connected = options.connected ?? (() => true);
  let slowReason: string | undefined;
  let reason: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  function scheduleProbe(): void {
    if (closed || timer !== undefined) return;
    timer = setTimeout(async () => {
      try {
        await withTimeBound(options.probe(), probeTimeout);
        reason = undefined;
        slowReason = undefined;
        timer = undefined;
      } catch (error) {
        reason = `redis unreachable: ${describe(error)}`;
        timer = undefined;
        scheduleProbe();
      }
    }, probeInterval);
    // Probing must never keep a process alive that has nothing else to do.
    timer.unref?.();
  }

  return {
    get available() {
      return reason === undefined;
    },
    get reason() {
      return reason;
    },
    get connected() {
      return connected();
    },
    get slowReason() {
      return slowReason;
    },
    markUnavailable(cause) {
      if (closed) return;
      reason = `redis unreachable: ${describe(cause)}`;
      scheduleProbe();
    },
    recordTimeout(cause) {
      slowReason = `redis slow: ${describe(cause)}`;
    },
    recordSuccess() {
      slowReason = undefined;
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
