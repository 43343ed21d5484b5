import type { RequestOptions } from "../client-options.js";

/** The per-call options a transport request takes. */
export function requestOptions(options: RequestOptions): {
  signal: AbortSignal | undefined;
  timeout: number | undefined;
  maxRetries: number | undefined;
} {
  return { signal: options.signal, timeout: options.timeout, maxRetries: options.maxRetries };
}

/**
 * Checks that an argument is a non-empty string.
 * @throws TypeError naming the argument.
 */
export function requireText(name: string, value: unknown): asserts value is string {
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`${name} must be a non-empty string`);
  }
}
