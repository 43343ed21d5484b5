import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Thrown while reading a request when the client closed its connection first: nobody is left
 * to answer, so it is logged at debug level (it is the client's doing), never as an error.
 */
export class ClientGoneError extends Error {
  override readonly name = "ClientGoneError";
  constructor(cause?: unknown) {
    super("the client closed the connection before the request was read", { cause });
  }
}

/** Whether the client of a request is gone: its socket or response is destroyed. */
export function isClientGone(request: IncomingMessage, response: ServerResponse): boolean {
  return response.destroyed || request.socket.destroyed || response.socket?.destroyed === true;
}
