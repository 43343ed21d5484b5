import { connect } from "node:net";

/**
 * Whether something speaking the Redis protocol answers `PING` on `host:port` within
 * `timeoutMs` (an answer asking for authentication counts: a Redis is there).
 */
export function pingRedis(port: number, host = "127.0.0.1", timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const finish = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once("error", () => finish(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      const reply = data.toString("latin1");
      finish(reply.startsWith("+PONG") || reply.startsWith("-NOAUTH"));
    });
  });
}
