/**
 * The Server-Sent Events wire format, shared by the server and the client.
 * @module @wasm-relay/core/sse
 */

// Also here, not only in the main entry: this entry is free of zod, so a browser client that
// needs the terminal event set does not bundle the schemas.
export {
  isTerminalExecutionEvent,
  TERMINAL_EXECUTION_EVENT_TYPES,
} from "../events/terminal-events.js";
export * from "./batch-stream-events.js";
export * from "./sse-wire-format.js";
