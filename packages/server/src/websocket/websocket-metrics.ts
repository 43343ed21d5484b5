import { Counter, Gauge, type Registry } from "prom-client";

/** What the WebSocket endpoint counts (exported at `GET /metrics`). */
export interface WebSocketMetrics {
  /** A connection opened (upgrade accepted). */
  opened(): void;
  /** A connection closed with `code` (the server's or the peer's). */
  closed(code: number): void;
  /** A client message of `type` was received (`invalid` for one that broke the protocol). */
  received(type: string): void;
  /** An event message was dropped because the connection was over `RELAY_WS_BUFFER`. */
  eventDropped(): void;
  /** A connection that stayed over `RELAY_WS_BUFFER` was closed. */
  slowConsumerClosed(): void;
  /** A peer that did not answer the heartbeat ping was terminated. */
  deadPeerTerminated(): void;
}

/** Prometheus names of the WebSocket metrics. */
export const WEBSOCKET_METRIC_NAMES = {
  connections: "relay_ws_connections",
  closes: "relay_ws_closes_total",
  messages: "relay_ws_messages_received_total",
  eventsDropped: "relay_ws_events_dropped_total",
  slowConsumers: "relay_ws_slow_consumers_closed_total",
  deadPeers: "relay_ws_dead_peers_terminated_total",
} as const;

/** Registers the WebSocket metrics in `registry`. */
export function createWebSocketMetrics(registry: Registry): WebSocketMetrics {
  const connections = new Gauge({
    name: WEBSOCKET_METRIC_NAMES.connections,
    help: "Open WebSocket connections.",
    registers: [registry],
  });
  const closes = new Counter({
    name: WEBSOCKET_METRIC_NAMES.closes,
    help: "WebSocket connections closed, by close code.",
    labelNames: ["code"],
    registers: [registry],
  });
  const messages = new Counter({
    name: WEBSOCKET_METRIC_NAMES.messages,
    help: "WebSocket client messages received, by type (invalid: broke the protocol).",
    labelNames: ["type"],
    registers: [registry],
  });
  const eventsDropped = new Counter({
    name: WEBSOCKET_METRIC_NAMES.eventsDropped,
    help: "Event messages dropped because a connection was over RELAY_WS_BUFFER.",
    registers: [registry],
  });
  const slowConsumers = new Counter({
    name: WEBSOCKET_METRIC_NAMES.slowConsumers,
    help: "WebSocket connections closed for staying over RELAY_WS_BUFFER for RELAY_WS_SLOW_GRACE.",
    registers: [registry],
  });
  const deadPeers = new Counter({
    name: WEBSOCKET_METRIC_NAMES.deadPeers,
    help: "WebSocket peers terminated for missing a heartbeat ping.",
    registers: [registry],
  });
  return {
    opened: () => connections.inc(),
    closed: (code) => {
      connections.dec();
      closes.inc({ code: String(code) });
    },
    received: (type) => messages.inc({ type }),
    eventDropped: () => eventsDropped.inc(),
    slowConsumerClosed: () => slowConsumers.inc(),
    deadPeerTerminated: () => deadPeers.inc(),
  };
}
