import type { IdempotencyBegin, IdempotencyStore, RateLimitStore } from "@wasm-relay/core";
import {
  createInMemoryMetrics,
  createMemoryIdempotencyStore,
  createMemoryRateLimitStore,
} from "@wasm-relay/core";
import { describe, expect, it } from "vitest";
import { HttpProblem } from "../http/http-problem.js";
import { createFallbackIdempotencyStore } from "./fallback-idempotency-store.js";
import { createFallbackRateLimitStore } from "./fallback-rate-limit-store.js";
import { createRedisAvailability } from "./redis-availability.js";
import { STORE_FALLBACK_METRIC } from "./store-fallback-metric.js";
import { StoreUnavailableError } from "./store-unavailable-error.js";

const rule = { limit: 5, windowMs: 60_000, algorithm: "sliding-window" as const };

/** An error reply, as ioredis reports one (its class is named `ReplyError`). */
function replyError(message: string): Error {
  const error = new Error(message);
  error.name = "ReplyError";
  return error;
}

/** A primary whose answers the test controls. */
function controlledPrimary() {
  const released: string[] = [];
  let answer: () => Promise<IdempotencyBegin> = async () => ({
    state: "acquired",
    leaseToken: "redis-token",
  });
  const primary: IdempotencyStore = {
    begin: () => answer(),
    complete: async () => true,
    release: async (_key, token) => {
      released.push(token);
    },
  };
  return {
    primary,
    released,
    answerWith(next: () => Promise<IdempotencyBegin>) {
      answer = next;
    },
  };
}

function setUp(connected = () => true) {
  const metrics = createInMemoryMetrics();
  const availability = createRedisAvailability({
    probe: async () => {},
    probeIntervalMs: 60_000,
    connected,
  });
  return { metrics, availability };
}

describe("fallback stores on a connected but slow Redis", () => {
  it("begin: refuses with a 503 problem (Retry-After) instead of a memory lease, and releases a lease Redis grants late", async () => {
    const { metrics, availability } = setUp();
    const controlled = controlledPrimary();
    let grant!: (begun: IdempotencyBegin) => void;
    controlled.answerWith(
      () =>
        new Promise((resolve) => {
          grant = resolve;
        }),
    );
    const store = createFallbackIdempotencyStore({
      primary: controlled.primary,
      fallback: createMemoryIdempotencyStore(),
      availability,
      timeoutMs: 30,
      metrics,
    });
    const error = await store.begin("k", "f", 5_000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect(error).toBeInstanceOf(HttpProblem);
    const problem = error as StoreUnavailableError;
    expect(problem.problem.status).toBe(503);
    expect(problem.problem.type).toMatch(/\/store-unavailable$/);
    expect(problem.problem.detail).toMatch(/idempotency store \(Redis\).*no answer within 30 ms/);
    expect(problem.headers["Retry-After"]).toBe("1");
    expect(availability.available).toBe(true);
    expect(availability.slowReason).toBe("redis slow: no answer within 30 ms");
    expect(metrics.count(STORE_FALLBACK_METRIC)).toBe(0);

    // Redis answers after all: that lease belongs to nobody and is given back at once.
    grant({ state: "acquired", leaseToken: "late-token" });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(controlled.released).toEqual(["late-token"]);

    // Once Redis answers in time again, leases come from Redis.
    controlled.answerWith(async () => ({ state: "acquired", leaseToken: "t2" }));
    expect(await store.begin("k2", "f", 5_000)).toEqual({ state: "acquired", leaseToken: "r.t2" });
    expect(availability.slowReason).toBeUndefined();
  });

  it("begin: an error reply while connected is a 503 too; a lost connection sends it to memory", async () => {
    let up = true;
    const { metrics, availability } = setUp(() => up);
    const controlled = controlledPrimary();
    const store = createFallbackIdempotencyStore({
      primary: controlled.primary,
      fallback: createMemoryIdempotencyStore(),
      availability,
      timeoutMs: 1_000,
      metrics,
    });
    controlled.answerWith(() => Promise.reject(replyError("LOADING Redis is loading")));
    await expect(store.begin("k", "f", 5_000)).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(availability.available).toBe(true);

    up = false;
    controlled.answerWith(() => Promise.reject(new Error("Connection is closed.")));
    const begun = await store.begin("k", "f", 5_000);
    expect(begun.state).toBe("acquired");
    expect(availability.reason).toBe("redis unreachable: Connection is closed.");
    expect(metrics.count(STORE_FALLBACK_METRIC, { store: "idempotency" })).toBe(1);
    availability.close();
  });

  it("consume: a slow decision is refused (503), never made from memory; a lost connection is decided from memory", async () => {
    const { metrics, availability } = setUp();
    let primaryAnswer: () => Promise<never> = () => new Promise<never>(() => {});
    const primary: RateLimitStore = { consume: () => primaryAnswer() };
    const store = createFallbackRateLimitStore({
      primary,
      fallback: createMemoryRateLimitStore(),
      availability,
      timeoutMs: 30,
      metrics,
    });
    for (let i = 0; i < 5; i += 1) {
      await expect(store.consume("user", rule, Date.now())).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
    }
    expect(availability.available).toBe(true);
    expect(metrics.count(STORE_FALLBACK_METRIC)).toBe(0);

    primaryAnswer = () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379"));
    expect((await store.consume("user", rule, Date.now())).allowed).toBe(true);
    expect(availability.available).toBe(false);
    expect(metrics.count(STORE_FALLBACK_METRIC, { store: "rate_limit" })).toBe(1);
    availability.close();
  });
});
