import type { Clock } from "../ports/clock.js";
import type { IdempotencyRecord, IdempotencyStore } from "../ports/idempotency-store.js";

/** What the gate decided for a request under an idempotency key. */
export type GateResult =
  | {
      state: "acquired";
      leaseToken: string;
      /** When the acquiring call was sent: the lease ends no later than this plus `leaseMs`. @unit epoch milliseconds */
      leasedAt: number;
    }
  | { state: "replay"; record: IdempotencyRecord }
  | { state: "mismatch" }
  | { state: "in_progress" };

/** Scopes an idempotency key to a user, unambiguously (the user id is length-prefixed). */
export function scopeIdempotencyKey(userId: string, key: string): string {
  return `${userId.length}:${userId}:${key}`;
}

/**
 * Takes the lease for `key`, or waits (polling with backoff, up to `waitMs`) while another
 * request with the same fingerprint runs, then replays its record. A different fingerprint
 * under the key is a mismatch at once.
 */
export async function passIdempotencyGate(
  store: IdempotencyStore,
  clock: Clock,
  parameters: {
    key: string;
    fingerprint: string;
    leaseMs: number;
    waitMs: number;
    signal?: AbortSignal | undefined;
  },
): Promise<GateResult> {
  const deadline = clock.now() + parameters.waitMs;
  let pause = 10;
  for (;;) {
    const sentAt = clock.now();
    const begun = await store.begin(parameters.key, parameters.fingerprint, parameters.leaseMs);
    if (begun.state === "acquired") return { ...begun, leasedAt: sentAt };
    if (begun.state === "completed") {
      return begun.record.fingerprint === parameters.fingerprint
        ? { state: "replay", record: begun.record }
        : { state: "mismatch" };
    }
    if (begun.fingerprint !== parameters.fingerprint) return { state: "mismatch" };
    const left = deadline - clock.now();
    if (left <= 0) return { state: "in_progress" };
    await clock.sleep(Math.min(pause, left), parameters.signal);
    pause = Math.min(pause * 2, 250);
  }
}
