import type { IncomingMessage } from "node:http";
import { httpProblem } from "./http-problem.js";

/**
 * Reads a request body of at most `limitBytes` and parses it as JSON.
 * @throws HttpProblem 415 when the content type is not JSON, 413 when the body is larger than
 *   the limit, 400 when it is not valid JSON.
 */
export async function readJsonBody(request: IncomingMessage, limitBytes: number): Promise<unknown> {
  const contentType = request.headers["content-type"];
  if (contentType && !/^application\/([a-z0-9.+-]+\+)?json\b/i.test(contentType)) {
    throw httpProblem(415, "unsupported-media-type", "Unsupported media type", {
      detail: `send the body as application/json, not ${contentType}`,
    });
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(
    await readBody(request, limitBytes),
  );
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
 * Reads a raw request body of at most `limitBytes`.
 * @throws HttpProblem 413 as soon as the limit is passed (declared or streamed).
 */
export async function readBody(request: IncomingMessage, limitBytes: number): Promise<Uint8Array> {
  const tooLarge = () =>
    httpProblem(413, "payload-too-large", "Payload too large", {
      detail: `the request body is larger than ${limitBytes} bytes`,
    });
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limitBytes) {
    request.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      request.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
