/**
 * Close codes of the relay's WebSocket protocol (`GET /intent/execute-wasm/ws`). The 4xxx codes
 * mirror the HTTP status a request would get; the close reason says more (at most 123 bytes).
 */
export const WEBSOCKET_CLOSE_CODES = {
  /** Normal closure (either side is done). */
  normal: 1000,
  /** The server shuts down; every operation in flight was answered first. */
  goingAway: 1001,
  /** The connection stayed past `RELAY_WS_BUFFER` unsent bytes for `RELAY_WS_SLOW_GRACE`. */
  slowConsumer: 1008,
  /** A message is larger than `RELAY_WS_MAX_PAYLOAD`. */
  messageTooBig: 1009,
  /** A message is not one of the protocol's (the reason names what is invalid). */
  invalidMessage: 4400,
  /** `connection_init` carried bad or missing credentials, or an operation came before it. */
  unauthorized: 4401,
  /** No `connection_init` within `RELAY_WS_INIT_TIMEOUT`. */
  initTimeout: 4408,
  /** An operation id already in flight on this connection was used again. */
  duplicateOperation: 4409,
  /** More than `RELAY_WS_MAX_IN_FLIGHT` operations in flight on this connection. */
  tooManyOperations: 4429,
} as const;

/** One of {@link WEBSOCKET_CLOSE_CODES}. */
export type WebSocketCloseCode = (typeof WEBSOCKET_CLOSE_CODES)[keyof typeof WEBSOCKET_CLOSE_CODES];

/** Path of the WebSocket endpoint. */
export const WEBSOCKET_PATH = "/intent/execute-wasm/ws";

/** Longest close reason a WebSocket close frame can carry. @unit bytes */
export const LONGEST_CLOSE_REASON = 123;
