import { describe, expect, it } from "vitest";
import { executorHealth } from "./executor-health.js";

const withStats = (stats: object) => ({ stats: () => stats });

describe("executorHealth", () => {
  it("is silent for a pool with room", () => {
    expect(executorHealth(withStats({ workers: 2, busy: 2, queued: 3, maxQueue: 128 }))).toEqual({
      unhealthy: [],
      degraded: [],
    });
  });

  it("reports a full queue as degraded and no workers as unhealthy", () => {
    expect(executorHealth(withStats({ workers: 1, queued: 64, maxQueue: 64 })).degraded).toEqual([
      expect.stringMatching(/queue full \(64 waiting\)/),
    ]);
    expect(executorHealth(withStats({ workers: 0, queued: 0, maxQueue: 64 })).unhealthy).toEqual([
      expect.stringMatching(/no worker threads/),
    ]);
  });

  it("knows nothing about executors without stats, or whose stats fail", () => {
    expect(executorHealth({})).toEqual({ unhealthy: [], degraded: [] });
    expect(
      executorHealth({
        stats: () => {
          throw new Error("closed");
        },
      }),
    ).toEqual({ unhealthy: [], degraded: [] });
  });
});
