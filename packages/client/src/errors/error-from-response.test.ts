import { describe, expect, it } from "vitest";
import { problem } from "../../test/support/msw.js";
import { errorFromResponse } from "./error-from-response.js";
import {
  AuthenticationError,
  ConflictError,
  IdempotencyMismatchError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  UnprocessableEntityError,
  ValidationError,
} from "./http-errors.js";
import { RelayError } from "./relay-error.js";
import { ConnectionError, TimeoutError } from "./transport-errors.js";

const NOW = Date.parse("2026-11-25T04:00:00Z");

describe("errorFromResponse", () => {
  it.each([
    [400, ValidationError, "invalid-request"],
    [401, AuthenticationError, "unauthenticated"],
    [403, PermissionDeniedError, "permission-denied"],
    [404, NotFoundError, "module-not-found"],
    [409, ConflictError, "idempotency-in-progress"],
    [422, IdempotencyMismatchError, "idempotency-key-mismatch"],
    [422, UnprocessableEntityError, "module-unverified"],
    [429, RateLimitError, "rate-limited"],
    [500, ServerError, "internal"],
    [502, ServerError, "bad-gateway"],
    [503, ServerError, "executor-unavailable"],
    [503, ServerError, "module-source-unavailable"],
    [504, ServerError, "gateway-timeout"],
  ] as const)("maps %i (%s) from a %s problem", (status, type, slug) => {
    const body = problem(status, slug, "Some title", { detail: "what happened" });
    const error = errorFromResponse(status, new Headers(), body, NOW);
    expect(error).toBeInstanceOf(type);
    expect(type.isInstance(error)).toBe(true);
    expect(RelayError.isInstance(error)).toBe(true);
    expect(error.status).toBe(status);
    expect(error.problem).toEqual(body);
    expect(error.name).toBe(type.kind);
    expect(error.message).toBe(`${status} Some title: what happened`);
  });

  it("does not confuse kinds", () => {
    const error = errorFromResponse(404, new Headers(), problem(404, "x", "Not found"), NOW);
    expect(ValidationError.isInstance(error)).toBe(false);
    expect(ConnectionError.isInstance(error)).toBe(false);
    expect(ServerError.isInstance(error)).toBe(false);
    const mismatch = errorFromResponse(422, new Headers(), {}, NOW);
    expect(IdempotencyMismatchError.isInstance(mismatch)).toBe(true);
    // A mismatch is a kind of unprocessable entity, not the other way round.
    expect(UnprocessableEntityError.isInstance(mismatch)).toBe(true);
    const unverified = errorFromResponse(
      422,
      new Headers(),
      problem(422, "module-unverified", "x"),
      NOW,
    );
    expect(IdempotencyMismatchError.isInstance(unverified)).toBe(false);
    expect(RelayError.isInstance(new Error("plain"))).toBe(false);
    expect(RelayError.isInstance(null)).toBe(false);
    expect(TimeoutError.isInstance(new ConnectionError("x"))).toBe(false);
  });

  it("keeps details, reason and request_id", () => {
    const details = [{ path: "cid", message: "must be an IPFS CID", code: "custom" }];
    const invalid = errorFromResponse(
      400,
      new Headers(),
      problem(400, "invalid-request", "Invalid request", { details }),
      NOW,
    ) as ValidationError;
    expect(invalid.details).toEqual(details);
    const denied = errorFromResponse(
      403,
      new Headers(),
      problem(403, "permission-denied", "Permission denied", {
        reason: "not on the list",
        request_id: "f".repeat(64),
      }),
      NOW,
    ) as PermissionDeniedError;
    expect(denied.reason).toBe("not on the list");
    expect(denied.requestId).toBe("f".repeat(64));
  });

  it("reads Retry-After as seconds, as a date, or from the body", () => {
    const seconds = errorFromResponse(
      429,
      new Headers({ "Retry-After": "7" }),
      problem(429, "rate-limited", "Rate limit exceeded", { retry_after: 99 }),
      NOW,
    );
    expect(seconds.retryAfter).toBe(7000);
    const date = errorFromResponse(
      503,
      new Headers({ "Retry-After": new Date(NOW + 12_000).toUTCString() }),
      {},
      NOW,
    );
    expect(date.retryAfter).toBe(12_000);
    const body = errorFromResponse(
      429,
      new Headers(),
      problem(429, "rate-limited", "x", { retry_after: 3 }),
      NOW,
    );
    expect(body.retryAfter).toBe(3000);
    expect(errorFromResponse(400, new Headers(), {}, NOW).retryAfter).toBeUndefined();
  });

  it("describes answers that are not problem documents", () => {
    const error = errorFromResponse(502, new Headers(), "<html>Bad gateway</html>", NOW);
    expect(ServerError.isInstance(error)).toBe(true);
    expect(error.problem).toBeUndefined();
    expect(error.message).toBe("502 HTTP 502: <html>Bad gateway</html>");
    const other = errorFromResponse(
      405,
      new Headers(),
      problem(405, "x", "Method not allowed"),
      NOW,
    );
    expect(other.constructor).toBe(RelayError);
    expect(other.status).toBe(405);
  });
});
