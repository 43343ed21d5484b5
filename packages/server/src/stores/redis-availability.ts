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
   * Timeouts in a row (no success between them) that make Redis unavailable. One slow answer,
   * e.g. while this process' event loop was stalled, sends only that call to memory.
   * @default 3
   */
  timeoutsBeforeUnavailable?: number;
}

/**
 * Whether the stores should use Redis right now. Any failed Redis call marks it unavailable
 * (the stores then answer from memory without waiting on Redis); while unavailable, a probe runs
 * every `probeIntervalMs` and the first answer makes Redis available again.
 */
export interface RedisAvailability {
  /** `true` while Redis is to be used. */
  readonly available: boolean;
  /** Why Redis is not used (`redis unreachable: …`), or `undefined` while it is. */
  readonly reason: string | undefined;
  /** Records a failure (connection lost, error reply): Redis is unavailable until a probe succeeds. */
  markUnavailable(cause: unknown): void;
  /** Records a call that got no answer in time; enough of them in a row make Redis unavailable. */
  recordTimeout(cause: unknown): void;
  /** Records a call Redis answered in time (ends a run of timeouts). */
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
  const timeoutsBeforeUnavailable = options.timeoutsBeforeUnavailable ?? 3;
  let timeoutsInARow = 0;
  let reason: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  function scheduleProbe(): void {
    if (closed || timer !== undefined) return;
    timer = setTimeout(async () => {
      try {
        await withTimeBound(options.probe(), probeTimeout);
        reason = undefined;
        timeoutsInARow = 0;
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
    markUnavailable(cause) {
      if (closed) return;
      reason = `redis unreachable: ${describe(cause)}`;
      scheduleProbe();
    },
    recordTimeout(cause) {
      timeoutsInARow += 1;
      if (timeoutsInARow >= timeoutsBeforeUnavailable) this.markUnavailable(cause);
    },
    recordSuccess() {
      timeoutsInARow = 0;
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
