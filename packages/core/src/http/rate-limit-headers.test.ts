import { describe, expect, it } from "vitest";
import { createMemoryRateLimitStore } from "../memory/memory-rate-limit-store.js";
import { rateLimitHeaders, retryAfterSeconds } from "./rate-limit-headers.js";

const rule = { limit: 10, windowMs: 60_000, algorithm: "sliding-window" as const };

describe("RateLimit headers (draft-ietf-httpapi-ratelimit-headers)", () => {
  it("while quota remains, `t` gives the seconds until the window frees a slot, not 0", async () => {
    const store = createMemoryRateLimitStore();
    const first = await store.consume("user", rule, 1_000_000);
    expect(rateLimitHeaders(first, rule.windowMs)).toEqual({
      "RateLimit-Policy": '"default";q=10;w=60',
      RateLimit: '"default";r=9;t=60',
    });
    // 20.5 s later the first request still occupies a slot for another 39.5 s: t rounds up.
    const second = await store.consume("user", rule, 1_020_500);
    expect(rateLimitHeaders(second, rule.windowMs).RateLimit).toBe('"default";r=8;t=40');
  });

  it("when refused, `t` and Retry-After agree on when a retry passes", async () => {
    const store = createMemoryRateLimitStore();
    const small = { ...rule, limit: 1 };
    await store.consume("user", small, 0);
    const refused = await store.consume("user", small, 15_000);
    expect(refused.allowed).toBe(false);
    expect(rateLimitHeaders(refused, small.windowMs).RateLimit).toBe('"default";r=0;t=45');
    expect(retryAfterSeconds(refused.resetMs)).toBe(45);
  });
});
