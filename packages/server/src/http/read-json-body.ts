import type { IncomingMessage } from "node:http";
import { ClientGoneError } from "./client-gone.js";
import { httpProblem } from "./http-problem.js";

/** When each request's body must have arrived by, set by the server as the request comes in. */
const bodyDeadlines = new WeakMap<IncomingMessage, { at: number; timeoutMs: number }>();

/**
 * Bounds the time the body of `request` may take to arrive: {@link readBody} (and
 * {@link readJsonBody}) answer 408 when it has not fully arrived `timeoutMs` from now.
 * @param timeoutMs @unit milliseconds
 */
export function setBodyDeadline(request: IncomingMessage, timeoutMs: number): void {
  bodyDeadlines.set(request, { at: performance.now() + timeoutMs, timeoutMs });
}

/**
 * Reads a request body of at most `limitBytes` and parses it as JSON. `JSON.parse` is
 * iterative in V8, so a deeply nested body parses without exhausting the stack; bounding its
 * depth is the validation's job.
 * @throws HttpProblem 415 when the content type is not JSON, 413 when the body is larger than
 *   the limit, 400 when it is not valid JSON, 408 when it does not arrive by its deadline;
 *   {@link ClientGoneError} when the client disconnects first.
 */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<unknown> {
  const contentType = request.headers["content-type"];
  if (contentType && !/^application\/([a-z0-9.+-]+\+)?json\b/i.test(contentType)) {
    throw httpProblem(415, "unsupported-media-type", "Unsupported media type", {
      detail: `send the body as application/json, not ${contentType}`,
    });
  }
  const text = BODY_DECODER.decode(await readBodyBytes(request, limitBytes));
  if (text.trim() === "") {
    throw httpProblem(400, "malformed-json", "Malformed JSON", {
      detail: "the request body is empty; send a JSON object",
      details: [{ path: "(body)", message: "empty body" }],
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw httpProblem(400, "malformed-json", "Malformed JSON", {
      detail: `the request body is not valid JSON: ${message}`,
      details: [{ path: "(body)", message }],
    });
  }
}

/**
 * Reads a raw request body of at most `limitBytes`, within the deadline set by
 * {@link setBodyDeadline} (none when unset).
 * @throws HttpProblem 413 as soon as the limit is passed (declared or streamed); 408 (with
 *   `Connection: close`, since the rest of the body is never read) past the deadline;
 *   {@link ClientGoneError} when the client disconnects first.
 */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<Uint8Array> {
  // A copy of its own: a chunk may be a view of a larger buffer the caller must not keep.
  return new Uint8Array(await readBodyBytes(request, limitBytes));
}

/** One decoder for every body: `decode` of a whole buffer keeps no state between calls. */
const BODY_DECODER = new TextDecoder("utf-8", { fatal: false });

/**
 * The body's bytes as {@link readBody} reads them, without the final copy: the one chunk itself
 * when it came in one (the usual case for a JSON body), for reading at once, not for keeping.
 */
async function readBodyBytes(request: IncomingMessage, limitBytes: number): Promise<Uint8Array> {
  const tooLarge = () =>
    httpProblem(413, "payload-too-large", "Payload too large", {
      detail: `the request body is larger than ${limitBytes} bytes`,
    });
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limitBytes) {
    request.resume();
    throw tooLarge();
  }
  if (request.complete && request.readableEnded) return new Uint8Array(0);
  if (request.complete && !request.readableFlowing) {
    // Every byte has arrived and waits in the stream's buffer (a small body comes in the packet
    // of its headers): read it at once, without a deadline timer or listeners.
    const buffered = request.read() as Buffer | null;
    if (buffered === null) return new Uint8Array(0);
    if (buffered.length > limitBytes) {
      request.resume();
      throw tooLarge();
    }
    return buffered;
  }
  const deadline = bodyDeadlines.get(request);
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settle = () => {
      clearTimeout(timer);
      request.off("data", onData);
      request.off("end", onEnd);
      request.off("error", onError);
      request.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) {
        settle();
        request.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      settle();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      settle();
      reject(new ClientGoneError(error));
    };
    const onClose = () => {
      settle();
      reject(new ClientGoneError());
    };
    if (deadline) {
      timer = setTimeout(
        () => {
          settle();
          request.pause();
          reject(
            httpProblem(
              408,
              "request-timeout",
              "Request timeout",
              {
                detail: `the request body did not arrive within ${deadline.timeoutMs} ms of its headers (RELAY_REQUEST_TIMEOUT); received ${size} bytes`,
              },
              { Connection: "close" },
            ),
          );
        },
        Math.max(0, deadline.at - performance.now()),
      );
    }
    request.on("data", onData);
    request.on("end", onEnd);
    request.on("error", onError);
    request.on("close", onClose);
  });
}
