import { delay, HttpResponse, http } from "msw";
import { describe, expect, it } from "vitest";
import { BASE_URL, executed, problem, useMockServer } from "../../test/support/msw.js";
import { createClient } from "../create-client.js";
import {
  AuthenticationError,
  ConflictError,
  IdempotencyMismatchError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
  UnprocessableEntityError,
  ValidationError,
} from "../errors/http-errors.js";
import { RelayError } from "../errors/relay-error.js";
import {
  AbortError,
  ConnectionError,
  ResponseValidationError,
  TimeoutError,
} from "../errors/transport-errors.js";
import type { RetryNotice } from "../retry/retry-policy.js";
import { schemaValidator } from "../validation/schema-validator.js";

const server = useMockServer();
const EXECUTE = `${BASE_URL}/intent/execute-wasm`;
const REQUEST = { cid: "glyph://calculator@quantum", inputs: [5, 3] };

/** A client with near-zero backoff, recording the retries it makes. */
function testClient(
  extra: Parameters<typeof createClient>[0] extends infer T ? Partial<T> : never = {},
) {
  const retries: RetryNotice[] = [];
  const client = createClient({
    baseUrl: BASE_URL,
    headers: { user_id: "ada", session_id: "s1" },
    retry: { initialDelay: 1, maxDelay: 5, onRetry: (retry) => retries.push(retry) },
    ...extra,
  } as Parameters<typeof createClient>[0]);
  return { client, retries };
}

/** Answers with `answers` in turn (the last one repeats) and records each request. */
function sequence(answers: Array<() => Response | Promise<Response>>) {
  const seen: Array<{ headers: Headers; body: unknown }> = [];
  server.use(
    http.post(EXECUTE, async ({ request }) => {
      seen.push({ headers: request.headers, body: await request.json() });
      return answers[Math.min(seen.length, answers.length) - 1]!();
    }),
  );
  return seen;
}

const problemResponse = (
  status: number,
  slug: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) =>
  HttpResponse.json(problem(status, slug, `Title ${status}`, extra), {
    status,
    headers: { "content-type": "application/problem+json", ...headers },
  });

describe("execute", () => {
  it("sends the request with identity headers and one idempotency key, and returns the typed result", async () => {
    const seen = sequence([() => HttpResponse.json(executed(8))]);
    const { client } = testClient();
    const result = await client.execute(REQUEST);
    expect(result.success).toBe(true);
    if (result.success) expect(result.output).toBe(8);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toEqual(REQUEST);
    expect(seen[0]!.headers.get("user_id")).toBe("ada");
    expect(seen[0]!.headers.get("session_id")).toBe("s1");
    expect(seen[0]!.headers.get("idempotency-key")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(result.meta).toMatchObject({ status: 200, attempts: 1, replayed: false });
    expect(result.meta.idempotencyKey).toBe(seen[0]!.headers.get("idempotency-key"));
    // meta is not part of the serialised result.
    expect(JSON.parse(JSON.stringify(result))).toEqual(executed(8));
  });

  it("returns a module failure as a value with a typed code", async () => {
    sequence([
      () =>
        HttpResponse.json({
          ...executed(undefined),
          success: false,
          error: { code: "timeout", message: "exceeded max_time of 100 ms" },
        }),
    ]);
    const result = await testClient().client.execute(REQUEST);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.code).toBe("timeout");
  });

  it("reports a replay", async () => {
    sequence([
      () => HttpResponse.json(executed(8), { headers: { "Idempotent-Replayed": "true" } }),
    ]);
    const result = await testClient().client.execute(REQUEST);
    expect(result.meta.replayed).toBe(true);
  });

  it("sends Authorization: Bearer for an apiKey or a token", async () => {
    const seen = sequence([() => HttpResponse.json(executed(8))]);
    await createClient({ baseUrl: BASE_URL, apiKey: "key-1" }).execute(REQUEST);
    await createClient({ baseUrl: BASE_URL, token: "jwt-1" }).execute(REQUEST);
    expect(seen.map((request) => request.headers.get("authorization"))).toEqual([
      "Bearer key-1",
      "Bearer jwt-1",
    ]);
  });

  it("uses a custom fetch, called as a plain function", async () => {
    const seen = sequence([() => HttpResponse.json(executed(8))]);
    const calls: unknown[] = [];
    const client = createClient({
      baseUrl: BASE_URL,
      fetch: function (this: unknown, input, init) {
        calls.push(this);
        return fetch(input, init);
      } as typeof fetch,
    });
    await client.execute(REQUEST);
    expect(calls).toEqual([undefined]);
    expect(seen).toHaveLength(1);
  });

  it("uses the caller's idempotency key, or the request's", async () => {
    const seen = sequence([() => HttpResponse.json(executed(8))]);
    const { client } = testClient();
    await client.execute(REQUEST, { idempotencyKey: "order-17" });
    await client.execute({ ...REQUEST, idempotency_key: "order-18" });
    const first = await client.execute(REQUEST);
    const second = await client.execute(REQUEST);
    expect(seen.map((request) => request.headers.get("idempotency-key"))).toEqual([
      "order-17",
      "order-18",
      first.meta.idempotencyKey,
      second.meta.idempotencyKey,
    ]);
    // Two logical calls never share a generated key.
    expect(first.meta.idempotencyKey).not.toBe(second.meta.idempotencyKey);
  });
});

describe("execute: status mapping", () => {
  it.each([
    [400, ValidationError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [422, IdempotencyMismatchError],
    [500, ServerError],
  ] as const)("%i rejects with %s at once, without retrying", async (status, type) => {
    const seen = sequence([
      () =>
        problemResponse(status, status === 422 ? "idempotency-key-mismatch" : "any", {
          request_id: "b".repeat(64),
          details: [{ path: "cid", message: "bad" }],
          reason: "no",
        }),
    ]);
    const error = await testClient()
      .client.execute(REQUEST)
      .catch((caught: unknown) => caught);
    expect(type.isInstance(error)).toBe(true);
    expect(RelayError.isInstance(error)).toBe(true);
    const relayError = error as RelayError;
    expect(relayError.status).toBe(status);
    expect(relayError.requestId).toBe("b".repeat(64));
    expect(relayError.problem?.title).toBe(`Title ${status}`);
    expect(seen).toHaveLength(1);
  });

  it("maps 422 module-unverified to UnprocessableEntityError, 400 details and 403 reason", async () => {
    sequence([() => problemResponse(422, "module-unverified")]);
    const unverified = await testClient()
      .client.execute(REQUEST)
      .catch((caught) => caught);
    expect(UnprocessableEntityError.isInstance(unverified)).toBe(true);
    expect(IdempotencyMismatchError.isInstance(unverified)).toBe(false);

    sequence([
      () => problemResponse(400, "invalid-request", { details: [{ path: "cid", message: "bad" }] }),
    ]);
    const invalid = await testClient()
      .client.execute(REQUEST)
      .catch((caught) => caught);
    expect((invalid as ValidationError).details).toEqual([{ path: "cid", message: "bad" }]);

    sequence([() => problemResponse(403, "permission-denied", { reason: "not yours" })]);
    const denied = await testClient()
      .client.execute(REQUEST)
      .catch((caught) => caught);
    expect((denied as PermissionDeniedError).reason).toBe("not yours");
  });
});

describe("execute: retries", () => {
  it.each([408, 409, 429, 502, 503, 504] as const)(
    "retries %i with the same idempotency key, then succeeds",
    async (status) => {
      const seen = sequence([
        () => problemResponse(status, "any"),
        () => problemResponse(status, "any"),
        () => HttpResponse.json(executed(8)),
      ]);
      const { client, retries } = testClient();
      const result = await client.execute(REQUEST);
      expect(result.success).toBe(true);
      expect(result.meta.attempts).toBe(3);
      expect(seen).toHaveLength(3);
      const keys = new Set(seen.map((request) => request.headers.get("idempotency-key")));
      expect(keys.size).toBe(1);
      expect(keys.has(result.meta.idempotencyKey)).toBe(true);
      expect(retries.map((retry) => retry.error.status)).toEqual([status, status]);
    },
  );

  it.each([
    [408, RelayError],
    [409, ConflictError],
    [429, RateLimitError],
    [503, ServerError],
  ] as const)("gives up on %i after maxRetries and throws the last error", async (status, type) => {
    const seen = sequence([() => problemResponse(status, "any")]);
    const error = await testClient({ maxRetries: 3 })
      .client.execute(REQUEST)
      .catch((caught) => caught);
    expect(type.isInstance(error)).toBe(true);
    expect(seen).toHaveLength(4);
  });

  it("retries a connection error with the same key", async () => {
    const seen = sequence([() => HttpResponse.error(), () => HttpResponse.json(executed(8))]);
    const { client, retries } = testClient();
    const result = await client.execute(REQUEST);
    expect(result.meta.attempts).toBe(2);
    expect(ConnectionError.isInstance(retries[0]!.error)).toBe(true);
    expect(seen[0]!.headers.get("idempotency-key")).toBe(seen[1]!.headers.get("idempotency-key"));
  });

  it("throws ConnectionError when the connection keeps failing", async () => {
    const seen = sequence([() => HttpResponse.error()]);
    const error = await testClient()
      .client.execute(REQUEST)
      .catch((caught) => caught);
    expect(ConnectionError.isInstance(error)).toBe(true);
    expect((error as ConnectionError).status).toBeUndefined();
    expect(seen).toHaveLength(3);
  });

  it("honours Retry-After in seconds", async () => {
    sequence([
      () => problemResponse(429, "rate-limited", { retry_after: 1 }, { "Retry-After": "1" }),
      () => HttpResponse.json(executed(8)),
    ]);
    const { client, retries } = testClient();
    const started = Date.now();
    await client.execute(REQUEST);
    expect(retries.map((retry) => retry.delay)).toEqual([1000]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
  });

  it("honours Retry-After as an HTTP date", async () => {
    sequence([
      () =>
        problemResponse(
          503,
          "executor-unavailable",
          {},
          {
            "Retry-After": new Date(Date.now() + 2000).toUTCString(),
          },
        ),
      () => HttpResponse.json(executed(8)),
    ]);
    const { client, retries } = testClient();
    await client.execute(REQUEST);
    // toUTCString drops milliseconds: between 1 and 2 seconds remain.
    expect(retries[0]!.delay).toBeGreaterThan(900);
    expect(retries[0]!.delay).toBeLessThanOrEqual(2000);
  });

  it("does not wait out a Retry-After above maxRetryAfter: the RateLimitError says when", async () => {
    const seen = sequence([
      () => problemResponse(429, "rate-limited", {}, { "Retry-After": "45" }),
    ]);
    const error = await testClient({ retry: { maxRetryAfter: 10_000 } })
      .client.execute(REQUEST)
      .catch((caught) => caught);
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect((error as RateLimitError).retryAfter).toBe(45_000);
    expect(seen).toHaveLength(1);
  });

  it("by default waits out at most 10 s: a 429 with Retry-After: 60 surfaces the RateLimitError at once", async () => {
    const seen = sequence([
      () => problemResponse(429, "rate-limited", { retry_after: 60 }, { "Retry-After": "60" }),
      () => HttpResponse.json(executed(8)),
    ]);
    const started = Date.now();
    const error = await createClient({ baseUrl: BASE_URL, headers: { user_id: "ada" } })
      .execute(REQUEST)
      .catch((caught) => caught);
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect((error as RateLimitError).retryAfter).toBe(60_000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(seen).toHaveLength(1);
  });

  it("waits out a Retry-After of up to maxRetryAfter, then retries", async () => {
    const seen = sequence([
      () => problemResponse(503, "executor-unavailable", {}, { "Retry-After": "1" }),
      () => HttpResponse.json(executed(8)),
    ]);
    const retries: RetryNotice[] = [];
    const { client } = testClient({
      retry: { maxRetryAfter: 1000, onRetry: (retry) => retries.push(retry) },
    });
    const result = await client.execute(REQUEST);
    expect(result.meta.attempts).toBe(2);
    expect(retries.map((retry) => retry.delay)).toEqual([1000]);
    expect(seen).toHaveLength(2);
  });

  it("respects maxRetries: 0 per call", async () => {
    const seen = sequence([() => problemResponse(503, "any")]);
    await expect(testClient().client.execute(REQUEST, { maxRetries: 0 })).rejects.toThrow(/503/);
    expect(seen).toHaveLength(1);
  });
});

describe("execute: timeout and abort", () => {
  it("rejects with TimeoutError when an attempt is too slow, and does not retry it", async () => {
    const seen = sequence([
      async () => {
        await delay(10_000);
        return HttpResponse.json(executed(8));
      },
    ]);
    const started = Date.now();
    const error = await testClient({ timeout: 100 })
      .client.execute(REQUEST)
      .catch((caught) => caught);
    expect(TimeoutError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/100 ms/);
    expect(Date.now() - started).toBeLessThan(8000);
    expect(seen).toHaveLength(1);
  });

  it("treats 0, Infinity and huge timeouts as none", async () => {
    sequence([
      async () => {
        await delay(50);
        return HttpResponse.json(executed(8));
      },
    ]);
    for (const timeout of [0, Number.POSITIVE_INFINITY, 3e9]) {
      const result = await testClient({ timeout }).client.execute(REQUEST);
      expect(result.success).toBe(true);
    }
  });

  it("applies a per-call timeout", async () => {
    sequence([
      async () => {
        await delay(2000);
        return HttpResponse.json(executed(8));
      },
    ]);
    const error = await testClient()
      .client.execute(REQUEST, { timeout: 50 })
      .catch((caught) => caught);
    expect(TimeoutError.isInstance(error)).toBe(true);
  });

  it("rejects with AbortError when the signal aborts during the request", async () => {
    sequence([
      async () => {
        await delay(2000);
        return HttpResponse.json(executed(8));
      },
    ]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user left")), 50);
    const error = await testClient()
      .client.execute(REQUEST, { signal: controller.signal })
      .catch((caught) => caught);
    expect(AbortError.isInstance(error)).toBe(true);
    expect((error as AbortError).cause).toEqual(new Error("user left"));
  });

  it("rejects with AbortError when the signal aborts while waiting to retry", async () => {
    // 5 s: within the default maxRetryAfter (10 s), so the client waits it out.
    const seen = sequence([() => problemResponse(503, "any", {}, { "Retry-After": "5" })]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await testClient()
      .client.execute(REQUEST, { signal: controller.signal })
      .catch((caught) => caught);
    expect(AbortError.isInstance(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(seen).toHaveLength(1);
  });

  it("rejects at once with an already aborted signal", async () => {
    const seen = sequence([() => HttpResponse.json(executed(8))]);
    const error = await testClient()
      .client.execute(REQUEST, { signal: AbortSignal.abort() })
      .catch((caught) => caught);
    expect(AbortError.isInstance(error)).toBe(true);
    expect(seen).toHaveLength(0);
  });
});

describe("execute: answers are checked", () => {
  it("rejects an answer without success or request_id", async () => {
    sequence([() => HttpResponse.json({ output: 8 })]);
    const error = await testClient()
      .client.execute(REQUEST)
      .catch((caught) => caught);
    expect(ResponseValidationError.isInstance(error)).toBe(true);
  });

  it("rejects a body that is not JSON", async () => {
    sequence([() => new HttpResponse("<html>", { status: 200 })]);
    const error = await testClient()
      .client.execute(REQUEST)
      .catch((caught) => caught);
    expect(ResponseValidationError.isInstance(error)).toBe(true);
  });

  it("validates fully with schemaValidator", async () => {
    sequence([() => HttpResponse.json({ ...executed(8), executed_at: "yesterday" })]);
    const lenient = await testClient().client.execute(REQUEST);
    expect(lenient.success).toBe(true);
    const error = await testClient({ validate: schemaValidator })
      .client.execute(REQUEST)
      .catch((caught) => caught);
    expect(ResponseValidationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/executed_at/);
  });

  it("rejects bad arguments with a TypeError", async () => {
    expect(() => createClient({ baseUrl: "" })).toThrow(TypeError);
    expect(() => createClient({ baseUrl: "not a url" })).toThrow(/baseUrl/);
    expect(() => createClient({ baseUrl: BASE_URL, timeout: -1 })).toThrow(/timeout/);
    expect(() =>
      createClient({ baseUrl: BASE_URL, apiKey: "a", token: "b" } as unknown as Parameters<
        typeof createClient
      >[0]),
    ).toThrow(/apiKey/);
    await expect(testClient().client.execute(null as unknown as typeof REQUEST)).rejects.toThrow(
      TypeError,
    );
  });
});
