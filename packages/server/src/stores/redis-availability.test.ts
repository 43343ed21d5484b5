import { describe, expect, it } from "vitest";
import { createRedisAvailability } from "./redis-availability.js";

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Waits until `condition` holds (timers run late on a busy machine), at most 2 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!condition() && Date.now() < deadline) await sleep(5);
}

describe("createRedisAvailability", () => {
  it("is unavailable with the reason after a failure, and available again after the first successful probe", async () => {
    let answering = false;
    let probes = 0;
    const availability = createRedisAvailability({
      probe: async () => {
        probes += 1;
        if (!answering) throw new Error("connect ECONNREFUSED 127.0.0.1:1");
      },
      probeIntervalMs: 10,
    });
    expect(availability.available).toBe(true);
    expect(availability.reason).toBeUndefined();
    availability.markUnavailable(new Error("Connection is closed."));
    expect(availability.available).toBe(false);
    expect(availability.reason).toBe("redis unreachable: Connection is closed.");
    await until(() => probes > 1);
    expect(availability.available).toBe(false);
    expect(availability.reason).toBe("redis unreachable: connect ECONNREFUSED 127.0.0.1:1");
    answering = true;
    await until(() => availability.available);
    expect(availability.available).toBe(true);
    const probesWhenBack = probes;
    await sleep(40);
    expect(probes).toBe(probesWhenBack);
    availability.close();
  });

  it("treats a probe that hangs past its timeout as a failure", async () => {
    const availability = createRedisAvailability({
      probe: () => new Promise(() => {}),
      probeIntervalMs: 5,
      probeTimeoutMs: 20,
    });
    availability.markUnavailable(new AggregateError([new Error("connect ETIMEDOUT")], ""));
    expect(availability.reason).toBe("redis unreachable: connect ETIMEDOUT");
    await until(() => availability.reason !== "redis unreachable: connect ETIMEDOUT");
    expect(availability.reason).toBe("redis unreachable: no answer within 20 ms");
    availability.close();
  });

  it("stays available however many calls time out (slow is not down); slowReason lasts until the next answer", () => {
    const availability = createRedisAvailability({
      probe: async () => {},
      probeIntervalMs: 10_000,
    });
    for (let i = 0; i < 10; i += 1)
      availability.recordTimeout(new Error("no answer within 2000 ms"));
    expect(availability.available).toBe(true);
    expect(availability.reason).toBeUndefined();
    expect(availability.slowReason).toBe("redis slow: no answer within 2000 ms");
    availability.recordSuccess();
    expect(availability.slowReason).toBeUndefined();
    availability.close();
  });

  it("reports whether the connection is up as its option says", () => {
    let up = true;
    const availability = createRedisAvailability({ probe: async () => {}, connected: () => up });
    expect(availability.connected).toBe(true);
    up = false;
    expect(availability.connected).toBe(false);
    availability.close();
  });
});
