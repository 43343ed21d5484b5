import type { ExecuteResponse } from "../schemas/execute-response.js";

/** What an idempotency record keeps of a finished request. */
export interface IdempotencyRecord {
  /** Content hash of the request that made the record; a different one under the same key is a mismatch. */
  fingerprint: string;
  /** The response given the first time, replayed verbatim. */
  response: ExecuteResponse;
}

/** The outcome of trying to begin a request under a key. */
export type IdempotencyBegin =
  /** The caller holds the lease and must `complete` or `release` it. */
  | { state: "acquired"; leaseToken: string }
  /** A request under this key finished; replay (if the fingerprint matches). */
  | { state: "completed"; record: IdempotencyRecord }
  /** Another holder is running a request under this key. */
  | { state: "in_progress"; fingerprint: string };

/**
 * Leases and records for idempotency keys (Stripe / IETF Idempotency-Key draft style).
 * Keys arrive already scoped to the user.
 */
export interface IdempotencyStore {
  /**
   * Takes a lease on `key` for `leaseMs` if the key is free, else reports what holds it.
   * @throws when the store is unreachable.
   */
  begin(key: string, fingerprint: string, leaseMs: number): Promise<IdempotencyBegin>;
  /**
   * Stores the finished response for `ttlMs` if `leaseToken` still holds the lease.
   * @returns `false` when the lease was lost (expired and taken by another): nothing was written.
   */
  complete(
    key: string,
    leaseToken: string,
    record: IdempotencyRecord,
    ttlMs: number,
  ): Promise<boolean>;
  /** Gives the lease up without a record, so that a retry runs. No-op when the token does not hold it. */
  release(key: string, leaseToken: string): Promise<void>;
}
