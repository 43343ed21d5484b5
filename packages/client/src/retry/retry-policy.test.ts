import { describe, expect, it } from "vitest";
import { errorFromResponse } from "../errors/error-from-response.js";
import { AbortError, ConnectionError, TimeoutError } from "../errors/transport-errors.js";
import { isRetryable, retryDelay } from "./retry-policy.js";

const statusError = (status: number, headers: Record<string, string> = {}) =>
  errorFromResponse(status, new Headers(headers), {});

describe("retry policy", () => {
  it("retries connection errors and 408, 409, 429, 502, 503, 504", () => {
    expect(isRetryable(new ConnectionError("reset"))).toBe(true);
    for (const status of [408, 409, 429, 502, 503, 504]) {
      expect(isRetryable(statusError(status)), String(status)).toBe(true);
    }
  });

  it("never retries 400, 401, 403, 404, 422, 500, timeouts, aborts or foreign errors", () => {
    for (const status of [400, 401, 403, 404, 405, 413, 422, 500, 501]) {
      expect(isRetryable(statusError(status)), String(status)).toBe(false);
    }
    expect(isRetryable(new TimeoutError("slow"))).toBe(false);
    expect(isRetryable(new AbortError("stop"))).toBe(false);
    expect(isRetryable(new TypeError("fetch failed"))).toBe(false);
  });

  it("backs off exponentially with up to 25 % jitter, capped", () => {
    const options = { initialDelay: 100, maxDelay: 1000 };
    const error = new ConnectionError("reset");
    expect(retryDelay(error, 1, 5, { ...options, random: () => 0 })).toBe(100);
    expect(retryDelay(error, 2, 5, { ...options, random: () => 0 })).toBe(200);
    expect(retryDelay(error, 3, 5, { ...options, random: () => 0 })).toBe(400);
    expect(retryDelay(error, 5, 5, { ...options, random: () => 0 })).toBe(1000);
    expect(retryDelay(error, 2, 5, { ...options, random: () => 0.999 })).toBe(150);
  });

  it("honours Retry-After exactly, up to maxRetryAfter", () => {
    expect(retryDelay(statusError(429, { "Retry-After": "3" }), 1, 2)).toBe(3000);
    expect(
      retryDelay(statusError(503, { "Retry-After": "3" }), 1, 2, { maxRetryAfter: 2000 }),
    ).toBe(undefined);
  });

  it("stops after maxRetries", () => {
    const error = new ConnectionError("reset");
    expect(retryDelay(error, 2, 2)).toBeTypeOf("number");
    expect(retryDelay(error, 3, 2)).toBeUndefined();
    expect(retryDelay(error, 1, 0)).toBeUndefined();
  });
});
