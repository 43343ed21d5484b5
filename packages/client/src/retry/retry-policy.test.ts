import { describe, expect, it } from "vitest";
import { errorFromResponse } from "../errors/error-from-response.js";
import { AbortError, ConnectionError, TimeoutError } from "../errors/transport-errors.js";
import { isRetryable } from "./retry-policy.js";

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
});
