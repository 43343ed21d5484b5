import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { Relay } from "@wasm-relay/core";
import { problemDocument, WEBSOCKET_CLOSE_CODES, WEBSOCKET_PATH } from "@wasm-relay/core";
import { type WebSocket, WebSocketServer } from "ws";
import { requestUrl } from "../http/request-target.js";
import type { Authenticator } from "../identity/authenticator.js";
import { serveWebSocketConnection, type WebSocketConnection } from "./websocket-connection.js";
import type { websocketEnvironmentShape } from "./websocket-environment.js";
import type { WebSocketMetrics } from "./websocket-metrics.js";

type WebSocketSettings = {
  [Name in keyof typeof websocketEnvironmentShape]: number;
};

/** What the endpoint is built from. */
export interface WebSocketEndpointOptions {
  relay: Relay;
  authenticator: Authenticator;
  metrics: WebSocketMetrics;
  /** The `RELAY_WS_*` settings. */
  settings: WebSocketSettings;
  log(message: string): void;
}

/** The WebSocket endpoint of a relay, `GET /intent/execute-wasm/ws`. */
export interface WebSocketEndpoint {
  /** Serves upgrades of `server` (other paths are answered 404 and closed). */
  attach(server: Server): void;
  /**
   * Graceful shutdown: new upgrades are refused (503); on each connection new operations are
   * refused, subscriptions complete and, once its executions in flight are answered, it closes
   * with 1001. Past `timeoutMs` the executions left are aborted (answered 503 `shutting-down`);
   * connections still open after `graceMs` more are cut.
   */
  close(options: { timeoutMs: number; graceMs?: number }): Promise<void>;
}

/**
 * Builds the endpoint: the `ws` server (no server of its own: it takes the upgrades of the
 * relay's `node:http` server), `RELAY_WS_MAX_PAYLOAD` (1009 beyond), one heartbeat timer for
 * every connection (a peer that missed the previous ping is terminated) and one sweep that
 * closes connections over `RELAY_WS_BUFFER` for longer than `RELAY_WS_SLOW_GRACE` (1008).
 */
export function createWebSocketEndpoint(options: WebSocketEndpointOptions): WebSocketEndpoint {
  const { settings, metrics } = options;
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: settings.RELAY_WS_MAX_PAYLOAD,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const connections = new Map<WebSocket, WebSocketConnection>();
  let closing = false;

  const heartbeat = setInterval(() => {
    for (const [socket, connection] of connections) {
      if (!connection.beat()) {
        metrics.deadPeerTerminated();
        socket.terminate();
      }
    }
  }, settings.RELAY_WS_HEARTBEAT);
  heartbeat.unref();
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const [socket, connection] of connections) {
        const since = connection.overBoundSince();
        if (since === undefined || now - since < settings.RELAY_WS_SLOW_GRACE) continue;
        metrics.slowConsumerClosed();
        connections.delete(socket);
        socket.close(
          WEBSOCKET_CLOSE_CODES.slowConsumer,
          `over RELAY_WS_BUFFER for ${settings.RELAY_WS_SLOW_GRACE} ms`,
        );
        // A peer that does not read will not read the close frame either.
        setTimeout(() => socket.terminate(), 1_000).unref();
      }
    },
    Math.max(50, Math.min(1_000, Math.floor(settings.RELAY_WS_SLOW_GRACE / 4))),
  );
  sweep.unref();

  const accept = (socket: WebSocket, request: IncomingMessage) => {
    metrics.opened();
    const connection = serveWebSocketConnection(socket, request.headers, {
      relay: options.relay,
      authenticator: options.authenticator,
      metrics,
      initTimeoutMs: settings.RELAY_WS_INIT_TIMEOUT,
      maxInFlight: settings.RELAY_WS_MAX_IN_FLIGHT,
      maxBufferedBytes: settings.RELAY_WS_BUFFER,
      log: options.log,
    });
    connections.set(socket, connection);
    socket.once("close", () => connections.delete(socket));
  };

  const upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    let path: string;
    try {
      path = requestUrl(request.url).pathname;
    } catch {
      path = "";
    }
    if (path !== WEBSOCKET_PATH) {
      refuse(socket, 404, "Not Found", `no WebSocket endpoint at this path; use ${WEBSOCKET_PATH}`);
      return;
    }
    if (closing) {
      refuse(socket, 503, "Service Unavailable", "the server is shutting down", {
        "Retry-After": "1",
      });
      return;
    }
    server.handleUpgrade(request, socket, head, (websocket) => accept(websocket, request));
  };

  return {
    attach(httpServer) {
      httpServer.on("upgrade", upgrade);
    },
    async close({ timeoutMs, graceMs = 5_000 }) {
      closing = true;
      clearInterval(heartbeat);
      clearInterval(sweep);
      const open = [...connections];
      const closed = Promise.all(
        open.map(
          ([socket]) =>
            new Promise<void>((resolve) => {
              if (socket.readyState === socket.CLOSED) resolve();
              else socket.once("close", () => resolve());
            }),
        ),
      );
      const timers: NodeJS.Timeout[] = [];
      const after = (milliseconds: number) =>
        new Promise<"expired">((resolve) => {
          timers.push(setTimeout(() => resolve("expired"), milliseconds));
        });
      try {
        const answered = Promise.all(open.map(([, connection]) => connection.shutdown()));
        if ((await Promise.race([answered, after(timeoutMs)])) === "expired") {
          for (const [, connection] of open) connection.abandon();
        }
        if ((await Promise.race([closed, after(graceMs)])) === "expired") {
          for (const [socket] of open) socket.terminate();
        }
        await closed;
      } finally {
        for (const timer of timers) clearTimeout(timer);
        server.close();
      }
    },
  };
}

/** Answers an upgrade request with a plain HTTP problem and closes the socket. */
function refuse(
  socket: Duplex,
  status: number,
  statusText: string,
  detail: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(
    problemDocument(status, status === 404 ? "not-found" : "shutting-down", statusText, { detail }),
  );
  const lines = [
    `HTTP/1.1 ${status} ${statusText}`,
    "Content-Type: application/problem+json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}
