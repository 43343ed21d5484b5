import { integerVariable } from "../config/integer-variable.js";

/** The WebSocket endpoint's environment variables (`GET /intent/execute-wasm/ws`). */
export const websocketEnvironmentShape = {
  /** How long a new connection may take to send `connection_init` (4408 after). @unit milliseconds @default 10000 */
  RELAY_WS_INIT_TIMEOUT: integerVariable("RELAY_WS_INIT_TIMEOUT", 10_000),
  /** Operations (executions and subscriptions) in flight on one connection (4429 beyond). @default 64 */
  RELAY_WS_MAX_IN_FLIGHT: integerVariable("RELAY_WS_MAX_IN_FLIGHT", 64),
  /** Largest message a client may send (1009 beyond). @unit bytes @default 1114112 (1 MiB + 64 KiB) */
  RELAY_WS_MAX_PAYLOAD: integerVariable("RELAY_WS_MAX_PAYLOAD", 1024 * 1024 + 64 * 1024),
  /** Unsent bytes past which a connection's event messages are dropped (results never). @unit bytes @default 1048576 */
  RELAY_WS_BUFFER: integerVariable("RELAY_WS_BUFFER", 1024 * 1024),
  /** How long a connection may stay over `RELAY_WS_BUFFER` before it is closed (1008). @unit milliseconds @default 10000 */
  RELAY_WS_SLOW_GRACE: integerVariable("RELAY_WS_SLOW_GRACE", 10_000),
  /** Interval of protocol pings; a peer that missed the previous one is terminated. @unit milliseconds @default 30000 */
  RELAY_WS_HEARTBEAT: integerVariable("RELAY_WS_HEARTBEAT", 30_000),
};
