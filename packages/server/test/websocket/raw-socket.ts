import WebSocket from "ws";

/** A message the server sent, as parsed JSON. */
export type Received = { type: string; id?: string; [member: string]: unknown };

/**
 * A raw `ws` client of the relay's protocol, independent of the SDK: it sends what it is told,
 * keeps every message, and can wait for a message or for the close.
 */
export class RawSocket {
  readonly socket: WebSocket;
  readonly received: Received[] = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly waiters: {
    test: (message: Received) => boolean;
    resolve: (message: Received) => void;
  }[] = [];

  constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url, { headers });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once("open", () => resolve());
      this.socket.once("error", reject);
    });
    this.closed = new Promise((resolve) => {
      this.socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.socket.on("error", () => {});
    this.socket.on("message", (data) => {
      const message = JSON.parse(data.toString()) as Received;
      this.received.push(message);
      for (const waiter of [...this.waiters]) {
        if (waiter.test(message)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    });
  }

  /** Opens a connection and completes the handshake as `userId` (dev identity). */
  static async connect(baseUrl: string, userId: string): Promise<RawSocket> {
    const socket = new RawSocket(websocketUrl(baseUrl));
    await socket.opened;
    socket.send({ type: "connection_init", payload: { user_id: userId } });
    await socket.next((message) => message.type === "connection_ack");
    return socket;
  }

  send(message: unknown): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** The first message (already received or to come) that passes `test`. */
  next(test: (message: Received) => boolean, timeoutMs = 10_000): Promise<Received> {
    const found = this.received.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no such message within ${timeoutMs} ms; got ${JSON.stringify(this.received).slice(0, 2000)}`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({
        test,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      });
    });
  }

  /** The terminal message (`result`, `error` or `complete`) of operation `id`. */
  terminal(id: string, timeoutMs?: number): Promise<Received> {
    return this.next(
      (message) => message.id === id && ["result", "error", "complete"].includes(message.type),
      timeoutMs,
    );
  }

  /** The `event` messages of operation `id` so far. */
  events(id: string): { type: string; request_id?: string; [member: string]: unknown }[] {
    return this.received
      .filter((message) => message.type === "event" && message.id === id)
      .map((message) => message.event as { type: string });
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close(1000);
    return this.closed;
  }
}

/** `http://host:port` → `ws://host:port/intent/execute-wasm/ws`. */
export function websocketUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, "ws")}/intent/execute-wasm/ws`;
}
