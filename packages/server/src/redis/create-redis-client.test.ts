import { describe, expect, it } from "vitest";
import { freePort } from "../../test/redis/free-port.js";
import { createRedisClient } from "./create-redis-client.js";

describe("createRedisClient", () => {
  it("refuses what is not a redis:// or rediss:// URL, naming it", () => {
    expect(() => createRedisClient("localhost:6379")).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => createRedisClient("http://localhost:6379")).toThrow(/"http:\/\/localhost:6379"/);
    expect(() => createRedisClient("")).toThrow(/not a URL/);
  });

  it("fails commands at once while Redis is absent, and reports connection errors instead of throwing them", async () => {
    const port = await freePort();
    const errors: Error[] = [];
    const client = createRedisClient(`redis://127.0.0.1:${port}`, {
      onError: (error) => errors.push(error),
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = performance.now();
      await expect(client.ping()).rejects.toThrow(/enableOfflineQueue|Connection is closed/);
      // Well below the 100 ms command timeout: it was not queued, it failed at once.
      expect(performance.now() - started).toBeLessThan(50);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]?.message).toContain("ECONNREFUSED");
    } finally {
      client.disconnect();
    }
  });
});
