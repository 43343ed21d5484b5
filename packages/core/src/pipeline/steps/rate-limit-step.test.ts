import { describe, expect, it } from "vitest";
import { METRIC_NAMES } from "../../ports/metrics.js";
import { DEFAULT_RELAY_CONFIG } from "../relay-config.js";
import { isStop } from "./pipeline-context.js";
import { applyRateLimit, rateLimitFor } from "./rate-limit-step.js";
import { testPorts } from "./step-test-ports.js";

const alice = { userId: "alice", sessionId: "s1", roles: ["batch"] };

describe("applyRateLimit", () => {
  it("takes the highest of the default limit and the caller's roles' limits", () => {
    const config = { ...DEFAULT_RELAY_CONFIG, rateLimitByRole: { batch: 50, tiny: 1 } };
    expect(rateLimitFor(config, { ...alice, roles: ["tiny", "batch"] })).toBe(50);
    expect(rateLimitFor(config, { ...alice, roles: ["tiny"] })).toBe(10);
  });

  it("lets calls through up to the limit, then stops as rate_limited and counts it", async () => {
    const config = {
      ...DEFAULT_RELAY_CONFIG,
      rateLimit: { ...DEFAULT_RELAY_CONFIG.rateLimit, limit: 2 },
    };
    const { ports, metrics } = testPorts({ config });
    const call = () => applyRateLimit(ports, { body: {}, identity: alice, options: {} });
    const first = await call();
    expect(isStop(first)).toBe(false);
    expect(first).toMatchObject({ rateLimit: { allowed: true, limit: 2, remaining: 1 } });
    await call();
    const third = await call();
    expect(third).toMatchObject({ stop: { kind: "rate_limited", rateLimit: { allowed: false } } });
    expect(metrics.count(METRIC_NAMES.rateLimited)).toBe(1);
  });
});
