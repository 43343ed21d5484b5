import type {
  CancelAnswer,
  CancellableExecution,
  CancellationRegistry,
  CancelRequest,
} from "../ports/cancellation-registry.js";
import type { Clock } from "../ports/clock.js";
import { systemClock } from "../ports/clock.js";

interface Entry {
  execution: CancellableExecution;
  state: "running" | "cancelling" | "finished";
  onCancel: (() => void) | undefined;
  expiresAt: number;
  finishedTtlMs: number;
}

/** Options of {@link createMemoryCancellationRegistry}. */
export interface MemoryCancellationRegistryOptions {
  /** Most entries (running and finished) kept; the oldest finished go first. @default 10000 */
  maxEntries?: number;
  /** Time source of the TTLs. @default systemClock */
  clock?: Clock;
}

/** Whether `entry` is one `request` names and may cancel. */
export function cancelMatches(execution: CancellableExecution, request: CancelRequest): boolean {
  const own = execution.userId === request.userId;
  if (execution.requestId === request.id && (own || request.anyUser)) return true;
  return own && execution.idempotencyKey === request.id;
}

/**
 * In-process {@link CancellationRegistry}: the default of one relay (a cancel reaches the
 * executions of this process only). Bounded by entry count; a cancel scans the entries, which
 * is cheap at the bound and keeps tracking (every execution) to one map write.
 * @throws TypeError when `maxEntries` is not a positive integer.
 */
export function createMemoryCancellationRegistry(
  options: MemoryCancellationRegistryOptions = {},
): CancellationRegistry {
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError("createMemoryCancellationRegistry: maxEntries must be a positive integer");
  }
  const clock = options.clock ?? systemClock;
  const entries = new Map<number, Entry>();
  let next = 0;

  function prune(): void {
    const now = clock.now();
    for (const [token, entry] of entries) {
      if (entry.expiresAt <= now) entries.delete(token);
    }
    if (entries.size < maxEntries) return;
    // Down to 90% of the bound, so that a busy relay scans once per tenth of the bound, not per call.
    const target = Math.min(maxEntries - 1, Math.floor(maxEntries * 0.9));
    for (const [token, entry] of entries) {
      if (entries.size <= target) break;
      if (entry.state === "finished") entries.delete(token);
    }
  }

  return {
    async track(execution, onCancel, trackOptions) {
      if (entries.size >= maxEntries) prune();
      const token = next++;
      const entry: Entry = {
        execution: { ...execution },
        state: "running",
        onCancel,
        expiresAt: clock.now() + trackOptions.runningTtlMs,
        finishedTtlMs: trackOptions.finishedTtlMs,
      };
      entries.set(token, entry);
      return {
        async finish() {
          if (entry.state === "finished") return;
          entry.state = "finished";
          entry.onCancel = undefined;
          entry.expiresAt = clock.now() + entry.finishedTtlMs;
          // Re-insert so that insertion order stays oldest-finished first for pruning.
          entries.delete(token);
          entries.set(token, entry);
        },
      };
    },
    async cancel(request): Promise<CancelAnswer> {
      const now = clock.now();
      const cancelling: string[] = [];
      const finished: string[] = [];
      const toCall: (() => void)[] = [];
      for (const entry of entries.values()) {
        if (entry.expiresAt <= now || !cancelMatches(entry.execution, request)) continue;
        if (entry.state === "finished") {
          finished.push(entry.execution.requestId);
          continue;
        }
        cancelling.push(entry.execution.requestId);
        if (entry.state === "running" && entry.onCancel) toCall.push(entry.onCancel);
        entry.state = "cancelling";
      }
      // Called after the scan: a listener that finishes its execution at once changes no entry
      // this loop still reads.
      for (const call of toCall) call();
      if (cancelling.length > 0) return { state: "cancelling", requestIds: unique(cancelling) };
      if (finished.length > 0) return { state: "finished", requestIds: unique(finished) };
      return { state: "unknown" };
    },
  };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
