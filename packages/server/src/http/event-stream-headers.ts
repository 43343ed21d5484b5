import { SSE_CONTENT_TYPE } from "@wasm-relay/core/sse";

/** Headers of a Server-Sent Events answer: UTF-8, never cached, not buffered by a proxy. */
export const eventStreamHeaders = {
  "Content-Type": `${SSE_CONTENT_TYPE}; charset=utf-8`,
  "Cache-Control": "no-cache",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no",
};
