import type { RetryOptions } from "./retry/retry-policy.js";
import type { ResponseValidator } from "./validation/response-validator.js";

interface ClientOptionsBase {
  /**
   * Where the relay answers, e.g. `"http://127.0.0.1:3000"`. In a browser a relative URL
   * (`"/"`) is resolved against the page's address.
   */
  baseUrl: string | URL;
  /** Headers sent with every request, e.g. the development identity `{ user_id, session_id }`. */
  headers?: Record<string, string> | Headers | undefined;
  /** The `fetch` to use. @default globalThis.fetch */
  fetch?: typeof fetch | undefined;
  /**
   * Bound of one attempt, from sending to having read the whole answer (for event streams: to
   * having the answer's headers). Timeouts are not retried. `0` or `Infinity`: no timeout.
   * @unit milliseconds @default 60000
   */
  timeout?: number | undefined;
  /**
   * Retries after a first attempt failed with a connection error or 408, 409, 429, 502, 503,
   * 504. Every attempt of an execution carries the same idempotency key. @default 2
   */
  maxRetries?: number | undefined;
  /** Spacing of retries. */
  retry?: RetryOptions | undefined;
  /**
   * Checks answers before they are returned. Without it only the fields the client relies on
   * are checked; pass `schemaValidator` from `@wasm-relay/client/validation` for a full check.
   */
  validate?: ResponseValidator | undefined;
}

/** Credentials: one bearer secret, sent as `Authorization: Bearer …`. */
type ClientCredentials =
  | {
      /** An API key issued by the relay (`relay-server keys create`). */
      apiKey?: string | undefined;
      token?: never;
    }
  | {
      apiKey?: never;
      /** A JWT (or any bearer token) the relay accepts. */
      token?: string | undefined;
    };

/** Options of {@link createClient}: a base URL, at most one of `apiKey` / `token`, and tuning. */
export type ClientOptions = ClientOptionsBase & ClientCredentials;

/** Options every call accepts. */
export interface RequestOptions {
  /** Cancels the call (rejects with `AbortError`), including a pending retry. */
  signal?: AbortSignal | undefined;
  /** Overrides the client's `timeout` for this call. @unit milliseconds */
  timeout?: number | undefined;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number | undefined;
  /** Extra headers for this call. */
  headers?: Record<string, string> | undefined;
}
