import { delay, HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { BASE_URL, executed, problem, useMockServer } from "../../test/support/msw.js";
import { createClient } from "../create-client.js";
import {
  ExecutionFinishedError,
  NotFoundError,
  RateLimitError,
  ServerError,
  ValidationError,
} from "../errors/http-errors.js";
import { AbortError, ConnectionError } from "../errors/transport-errors.js";
import type { BatchItem } from "./execute-many.js";

const server = useMockServer();
const EXECUTE = `${BASE_URL}/intent/execute-wasm`;
const BATCH = `${BASE_URL}/intent/execute-wasm/batch`;
const REQUEST = { cid: "glyph://calculator@quantum", inputs: [5, 3] };

const client = () =>
  createClient({
    baseUrl: BASE_URL,
    headers: { user_id: "ada" },
    retry: { initialDelay: 1, maxDelay: 2 },
  });

const problemAnswer = (status: number, slug: string, extra: Record<string, unknown> = {}) =>
  HttpResponse.json(problem(status, slug, slug, extra), {
    status,
    headers: { "content-type": "application/problem+json" },
  });

/** Records the DELETEs the client sends and answers each with `answer`. */
function deletes(
  answer: () => Response = () =>
    HttpResponse.json({ state: "cancelling", request_ids: ["r".repeat(64)] }, { status: 202 }),
) {
  const seen: { path: string; userId: string | null }[] = [];
  server.use(
    http.delete(`${EXECUTE}/:id`, ({ request }) => {
      seen.push({ path: new URL(request.url).pathname, userId: request.headers.get("user_id") });
      return answer();
    }),
  );
  return seen;
}

describe("client.cancel", () => {
  it("sends DELETE /intent/execute-wasm/{id} (percent-encoded) and returns the accepted cancel", async () => {
    const seen = deletes();
    const accepted = await client().cancel("job/7 ü");
    expect(accepted).toEqual({ state: "cancelling", request_ids: ["r".repeat(64)] });
    expect(seen).toEqual([
      { path: `/intent/execute-wasm/${encodeURIComponent("job/7 ü")}`, userId: "ada" },
    ]);
  });

  it("throws NotFoundError for 404 and ExecutionFinishedError (a ConflictError) for 409", async () => {
    deletes(() => problemAnswer(404, "execution-not-found"));
    await expect(client().cancel("x")).rejects.toBeInstanceOf(NotFoundError);
    deletes(() => problemAnswer(409, "execution-finished"));
    const finished = await client()
      .cancel("x")
      .catch((error: unknown) => error);
    expect(finished).toBeInstanceOf(ExecutionFinishedError);
    expect((finished as ExecutionFinishedError).status).toBe(409);
  });

  it("does not retry a cancel (one DELETE even on 503)", async () => {
    const seen = deletes(() => problemAnswer(503, "cancellation-unavailable"));
    await expect(client().cancel("x")).rejects.toBeInstanceOf(ServerError);
    expect(seen).toHaveLength(1);
  });

  it("refuses an empty id before sending anything", async () => {
    await expect(client().cancel("")).rejects.toThrow(TypeError);
  });
});

describe("execute with a signal", () => {
  it("aborting after the request was sent rejects with AbortError and cancels on the relay by the call's key", async () => {
    const seen = deletes();
    server.use(
      http.post(EXECUTE, async () => {
        await delay(5_000);
        return HttpResponse.json(executed(8));
      }),
    );
    const controller = new AbortController();
    const running = client().execute(REQUEST, { signal: controller.signal, idempotencyKey: "k-1" });
    await delay(50);
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(AbortError);
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]!.path).toBe("/intent/execute-wasm/k-1");
  });

  it("sends no DELETE with cancelOnAbort: false, nor when the call ended before the abort", async () => {
    const seen = deletes();
    server.use(
      http.post(EXECUTE, async () => {
        await delay(100);
        return HttpResponse.json(executed(8));
      }),
    );
    const controller = new AbortController();
    const running = client().execute(REQUEST, { signal: controller.signal, cancelOnAbort: false });
    await delay(20);
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(AbortError);
    const finished = new AbortController();
    await client().execute(REQUEST, { signal: finished.signal });
    finished.abort();
    await delay(50);
    expect(seen).toHaveLength(0);
  });
});

/** A streamed batch answer as the relay writes it: `result` messages (in the order given), then `end`. */
function streamedBatch(
  results: { index: number; status: number; replayed?: boolean; body: unknown }[],
) {
  const message = (data: unknown, event = "result") =>
    `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
  const text =
    results.map((result) => message({ replayed: false, ...result })).join("") +
    message({ count: results.length }, "end");
  return new HttpResponse(text, { headers: { "content-type": "text/event-stream" } });
}

describe("client.executeMany", () => {
  it("posts every request with an idempotency key of its own and resolves with each answer in request order", async () => {
    let sent: { requests: Record<string, unknown>[] } | undefined;
    server.use(
      http.post(BATCH, async ({ request }) => {
        sent = (await request.json()) as typeof sent;
        return streamedBatch([
          {
            index: 2,
            status: 400,
            body: problem(400, "invalid-request", "Invalid request", {
              details: [{ path: "cid", message: "required" }],
            }),
          },
          { index: 0, status: 200, body: executed(8) },
          {
            index: 1,
            status: 429,
            body: problem(429, "rate-limited", "Rate limit exceeded", { retry_after: 7 }),
          },
        ]);
      }),
    );
    const items = await client().executeMany<number>([
      REQUEST,
      { ...REQUEST, idempotency_key: "mine" },
      { inputs: [] } as never,
    ]);
    expect(sent!.requests).toHaveLength(3);
    const keys = sent!.requests.map((request) => request.idempotency_key);
    expect(keys[1]).toBe("mine");
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(3);

    expect(items[0]).toMatchObject({
      ok: true,
      index: 0,
      status: 200,
      replayed: false,
      response: { output: 8 },
    });
    const limited = items[1] as Extract<BatchItem, { ok: false }>;
    expect(limited).toMatchObject({ ok: false, index: 1, status: 429 });
    expect(limited.error).toBeInstanceOf(RateLimitError);
    expect(limited.error.retryAfter).toBe(7_000);
    const invalid = items[2] as Extract<BatchItem, { ok: false }>;
    expect(invalid.error).toBeInstanceOf(ValidationError);
    expect((invalid.error as ValidationError).details).toEqual([
      { path: "cid", message: "required" },
    ]);
  });

  it("streams with onResult: each item as it arrives, then all of them in request order", async () => {
    let accept: string | null = null;
    server.use(
      http.post(BATCH, ({ request }) => {
        accept = request.headers.get("accept");
        const message = (data: unknown, event = "result") =>
          `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
        const text =
          message({ index: 1, status: 200, replayed: true, body: executed(2) }) +
          message({
            index: 0,
            status: 403,
            replayed: false,
            body: problem(403, "permission-denied", "Permission denied", { reason: "no" }),
          }) +
          message({ count: 2 }, "end");
        return new HttpResponse(text, { headers: { "content-type": "text/event-stream" } });
      }),
    );
    const arrived: number[] = [];
    const items = await client().executeMany([REQUEST, REQUEST], {
      onResult: (item) => arrived.push(item.index),
    });
    expect(accept).toBe("text/event-stream");
    expect(arrived).toEqual([1, 0]);
    expect(items.map((item) => item.index)).toEqual([0, 1]);
    expect(items[1]).toMatchObject({ ok: true, replayed: true, response: { output: 2 } });
    expect(items[0]).toMatchObject({ ok: false, status: 403, error: { reason: "no" } });
  });

  it("rejects with ConnectionError when the stream ends before every request is answered", async () => {
    server.use(
      http.post(
        BATCH,
        () =>
          new HttpResponse(
            `event: result\ndata: ${JSON.stringify({ index: 0, status: 200, replayed: false, body: executed(1) })}\n\n`,
            {
              headers: { "content-type": "text/event-stream" },
            },
          ),
      ),
    );
    await expect(
      client().executeMany([REQUEST, REQUEST], { onResult: () => {} }),
    ).rejects.toBeInstanceOf(ConnectionError);
  });

  it("throws the batch's own refusal (413 over the limit) and refuses an empty batch", async () => {
    server.use(http.post(BATCH, () => problemAnswer(413, "batch-too-large", { max_requests: 2 })));
    const error = await client()
      .executeMany([REQUEST, REQUEST, REQUEST])
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 413, problem: { max_requests: 2 } });
    await expect(client().executeMany([])).rejects.toThrow(TypeError);
  });
});
