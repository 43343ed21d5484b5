import { RelayError } from "./relay-error.js";

/**
 * No usable answer arrived: the connection failed, was refused or was cut before the answer
 * was read completely. Retried by the client.
 */
export class ConnectionError extends RelayError {
  static override readonly kind: string = "ConnectionError";
}

/** An attempt took longer than the `timeout` option. Not retried. */
export class TimeoutError extends RelayError {
  static override readonly kind: string = "TimeoutError";
}

/** The caller's `AbortSignal` fired. The `cause` is the signal's reason. */
export class AbortError extends RelayError {
  static override readonly kind: string = "AbortError";
}

/** The server answered something that is not what the API promises (bad JSON, wrong shape). */
export class ResponseValidationError extends RelayError {
  static override readonly kind: string = "ResponseValidationError";
}
