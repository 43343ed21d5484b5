/**
 * `@wasm-relay/client`: a typed SDK for wasm-relay, for browsers and Node.
 * @module @wasm-relay/client
 */
export type {
  CancellationAccepted,
  EventsLostNotice,
  ExecuteRequestInput,
  ExecuteResponse,
  ExecutionError,
  ExecutionErrorCode,
  ExecutionEvent,
  ExecutionEventType,
  Health,
  JsonValue,
  Problem,
  ProblemDetail,
  RequestedPolicy,
} from "@wasm-relay/core";
export type { ClientOptions, RequestOptions } from "./client-options.js";
export {
  createClient,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT,
  type RelayClient,
} from "./create-client.js";
export * from "./errors/index.js";
export type {
  EventsOptions,
  ExecutionEventStream,
  ReconnectOptions,
} from "./events/event-stream.js";
export { generateIdempotencyKey } from "./idempotency-key.js";
export type {
  ExecuteCallOptions,
  ExecuteResult,
  ResponseMeta,
  TypedExecuteResponse,
} from "./resources/execute.js";
export type { BatchItem, ExecuteManyOptions } from "./resources/execute-many.js";
export type {
  FunctionCallOptions,
  FunctionHandle,
  FunctionResult,
} from "./resources/functions.js";
export type {
  GlyphListing,
  GlyphPublication,
  GlyphsResource,
  PublishedGlyph,
} from "./resources/glyphs.js";
export type { ModulesResource, UploadedModule } from "./resources/modules.js";
export { type BackoffOptions, backoffDelay } from "./retry/backoff.js";
export { parseRetryAfter } from "./retry/retry-after.js";
export {
  DEFAULT_MAX_RETRY_AFTER,
  isRetryable,
  RETRYABLE_STATUSES,
  type RetryNotice,
  type RetryOptions,
} from "./retry/retry-policy.js";
export type { ResponseValidator, ValidatedResponses } from "./validation/response-validator.js";
export type {
  ConnectOptions,
  ExecutionSettlement,
  RelaySession,
  SessionEventsOptions,
  SessionExecuteOptions,
} from "./websocket/relay-session.js";
