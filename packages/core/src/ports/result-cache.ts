import type { ExecuteResponse } from "../schemas/execute-response.js";

/** The answer part of a response, as the result cache keeps it (no request id, no CID). */
export type CachedResponse = ExecuteResponse extends infer Response
  ? Response extends ExecuteResponse
    ? Omit<Response, "request_id" | "resolved_cid" | "cached">
    : never
  : never;

/** One run kept in the cache, with the limits it ran under (which decide what it answers). */
export interface CachedRun {
  /** What the run answered. */
  response: CachedResponse;
  /** The `max_gas` it ran under. @unit gas */
  gasBudget: number;
  /** The `max_memory` it ran under. @unit bytes */
  memoryLimit: number;
  /** Its linear memory when it stopped (its peak); `null` when the executor did not say. @unit bytes */
  peakMemory: number | null;
}

/**
 * What the cache holds for one question: the run that completed (success or a deterministic
 * failure) and the largest budget known to be exhausted, each optional.
 */
export interface ResultCacheRecord {
  /** A run that ended by itself: it answers every budget it fits in. */
  completed?: CachedRun;
  /** A run that used its whole gas budget: it answers every smaller budget. */
  exhausted?: CachedRun;
}

/**
 * Results of deterministic runs, shared by every caller and (on Redis) every relay, with the
 * claims of single flight: the first relay to ask a question claims it and runs; the others
 * wait for its result. Keys are opaque (the pipeline hashes the question).
 */
export interface ResultCache {
  /** The record under `key`, or undefined (never kept, expired or evicted). */
  get(key: string): Promise<ResultCacheRecord | undefined>;
  /** Keeps `record` under `key` for `ttlMs`, replacing what was there. @param ttlMs @unit milliseconds */
  set(key: string, record: ResultCacheRecord, ttlMs: number): Promise<void>;
  /**
   * Claims the question `key` for `holdMs` (the claimer runs it): a token when the claim is
   * this caller's, undefined when someone else holds it. @param holdMs @unit milliseconds
   */
  claim(key: string, holdMs: number): Promise<string | undefined>;
  /** Gives a claim up (after storing the result, or when the run failed); a stale token does nothing. */
  release(key: string, token: string): Promise<void>;
}
