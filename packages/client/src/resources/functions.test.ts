import { HttpResponse, http } from "msw";
import { describe, expect, expectTypeOf, it } from "vitest";
import { BASE_URL, problem, useMockServer } from "../../test/support/msw.js";
import { createClient } from "../create-client.js";
import { FunctionExecutionError } from "../errors/function-execution-error.js";
import { PermissionDeniedError, RateLimitError, ServerError } from "../errors/http-errors.js";
import type { FunctionResult } from "./functions.js";

const server = useMockServer();
const REQUEST_ID = "c".repeat(64);

function client() {
  return createClient({
    baseUrl: BASE_URL,
    headers: { user_id: "ada" },
    retry: { initialDelay: 1, maxDelay: 2 },
  });
}

const runHeaders = (extra: Record<string, string> = {}) => ({
  "Relay-Request-Id": REQUEST_ID,
  "Relay-Gas-Used": "3",
  "Relay-Duration": "1.5",
  ...extra,
});

describe("client.fn(glyph).call(entry, args)", () => {
  it("POSTs the arguments to /fn/name@tag/entry and resolves with the output and the run's headers", async () => {
    let seen: { path: string; body: unknown; key: string | null; user: string | null } | undefined;
    server.use(
      http.post(`${BASE_URL}/fn/:glyph/:entry`, async ({ request }) => {
        seen = {
          path: new URL(request.url).pathname,
          body: await request.json(),
          key: request.headers.get("idempotency-key"),
          user: request.headers.get("user_id"),
        };
        return HttpResponse.json(8, { headers: runHeaders() });
      }),
    );
    const result = await client().fn("calculator@quantum").call<number>("main", [5, 3]);
    expect(result).toMatchObject({ output: 8, requestId: REQUEST_ID, gasUsed: 3, duration: 1.5 });
    expectTypeOf(result).toEqualTypeOf<FunctionResult<number>>();
    expect(seen).toMatchObject({ path: "/fn/calculator@quantum/main", body: [5, 3], user: "ada" });
    expect(seen?.key).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.meta).toMatchObject({ status: 200, attempts: 1, replayed: false });
  });

  it("sends named arguments, the policy as query parameters, a scoped glyph as two segments", async () => {
    let url: URL | undefined;
    let body: unknown;
    server.use(
      http.post(`${BASE_URL}/fn/:scope/:glyph/:entry`, async ({ request }) => {
        url = new URL(request.url);
        body = await request.json();
        return HttpResponse.json(
          { sum: 8 },
          { headers: runHeaders({ "Idempotent-Replayed": "true" }) },
        );
      }),
    );
    const result = await client()
      .fn("@acme/adder@1.0.0")
      .call(
        "main",
        { a: 5, b: 3 },
        { policy: { max_gas: 5000, max_time: 100, max_memory: undefined }, idempotencyKey: "k-1" },
      );
    expect(url?.pathname).toBe("/fn/@acme/adder@1.0.0/main");
    expect(Object.fromEntries(url?.searchParams ?? [])).toEqual({
      max_gas: "5000",
      max_time: "100",
    });
    expect(body).toEqual({ a: 5, b: 3 });
    expect(result.meta).toMatchObject({ replayed: true, idempotencyKey: "k-1" });
  });

  it("a failed run rejects with FunctionExecutionError (code, gas, request id) and is not retried", async () => {
    let attempts = 0;
    server.use(
      http.post(`${BASE_URL}/fn/:glyph/:entry`, () => {
        attempts += 1;
        return HttpResponse.json(
          problem(504, "execution-failed", "Execution failed", {
            code: "timeout",
            request_id: REQUEST_ID,
            gas_used: 1234,
            detail: "the module ran past max_time",
          }),
          { status: 504, headers: { ...runHeaders(), "Content-Type": "application/problem+json" } },
        );
      }),
    );
    const error = await client()
      .fn("spin@quantum")
      .call("main")
      .catch((caught: unknown) => caught);
    expect(FunctionExecutionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: "timeout",
      gasUsed: 1234,
      status: 504,
      requestId: REQUEST_ID,
    });
    expect(attempts).toBe(1);
  });

  it("refusals keep the execute route's error classes; a 503 without a run is retried", async () => {
    server.use(
      http.post(`${BASE_URL}/fn/denied@1/main`, () =>
        HttpResponse.json(
          problem(403, "permission-denied", "Permission denied", { reason: "no" }),
          {
            status: 403,
          },
        ),
      ),
      http.post(`${BASE_URL}/fn/limited@1/main`, () =>
        HttpResponse.json(problem(429, "rate-limited", "Rate limit exceeded"), {
          status: 429,
          headers: { "Retry-After": "3600" },
        }),
      ),
    );
    let unavailable = 0;
    server.use(
      http.post(`${BASE_URL}/fn/flaky@1/main`, () => {
        unavailable += 1;
        return unavailable === 1
          ? HttpResponse.json(problem(503, "executor-unavailable", "Executor unavailable"), {
              status: 503,
            })
          : HttpResponse.json(1, { headers: runHeaders() });
      }),
    );
    await expect(client().fn("denied@1").call("main")).rejects.toSatisfy((error) =>
      PermissionDeniedError.isInstance(error),
    );
    await expect(client().fn("limited@1").call("main")).rejects.toSatisfy((error) =>
      RateLimitError.isInstance(error),
    );
    const retried = await client().fn("flaky@1").call("main");
    expect(retried.meta.attempts).toBe(2);
    expect(ServerError.kind).toBe("ServerError");
  });

  it("refuses a glyph that is not name@tag, and an empty entry, before any request", async () => {
    for (const glyph of ["calculator", "", "a@b/c", "@scope@1", "with space@1"]) {
      expect(() => client().fn(glyph), glyph).toThrow(TypeError);
    }
    await expect(client().fn("calculator@quantum").call("")).rejects.toThrow(TypeError);
  });
});
