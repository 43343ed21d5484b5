import type { ProblemDetail } from "@wasm-relay/core";
import { RelayError, type RelayErrorInit } from "./relay-error.js";

/** 400: the request was refused as invalid; `details` says where and why. */
export class ValidationError extends RelayError {
  static override readonly kind: string = "ValidationError";
  /** Validation issues (path, message, code), from the problem's `details`. */
  readonly details: readonly ProblemDetail[];

  constructor(message: string, init: RelayErrorInit = {}) {
    super(message, init);
    this.details = init.problem?.details ?? [];
  }
}

/** 401: credentials are missing or were not accepted. */
export class AuthenticationError extends RelayError {
  static override readonly kind: string = "AuthenticationError";
}

/** 403: the caller is known but not allowed; `reason` says why. */
export class PermissionDeniedError extends RelayError {
  static override readonly kind: string = "PermissionDeniedError";
  /** Why access was refused (the problem's `reason`). */
  readonly reason: string | undefined;

  constructor(message: string, init: RelayErrorInit = {}) {
    super(message, init);
    this.reason = init.problem?.reason;
  }
}

/** 404: no such route, module, glyph or execution. */
export class NotFoundError extends RelayError {
  static override readonly kind: string = "NotFoundError";
}

/** 409: a request with the same idempotency key is still running. Retried by the client. */
export class ConflictError extends RelayError {
  static override readonly kind: string = "ConflictError";
}

/** 409 `execution-finished`: the execution to cancel had already finished; its result stands. */
export class ExecutionFinishedError extends ConflictError {
  static override readonly kind: string = "ExecutionFinishedError";
}

/** 422: the request is well formed but cannot be processed (e.g. a module failed verification). */
export class UnprocessableEntityError extends RelayError {
  static override readonly kind: string = "UnprocessableEntityError";
}

/** 422: the idempotency key was first used with different request content. Never retried. */
export class IdempotencyMismatchError extends UnprocessableEntityError {
  static override readonly kind: string = "IdempotencyMismatchError";
}

/** 429: too many requests; `retryAfter` says when the next one may pass. */
export class RateLimitError extends RelayError {
  static override readonly kind: string = "RateLimitError";
}

/** 5xx: the server failed or is unavailable. 502, 503 and 504 are retried by the client. */
export class ServerError extends RelayError {
  static override readonly kind: string = "ServerError";
}
