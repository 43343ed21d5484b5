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

  it("takes three timeouts in a row to become unavailable; an answer in between resets the count", () => {
    const availability = createRedisAvailability({
      probe: async () => {},
      probeIntervalMs: 10_000,
    });
    availability.recordTimeout(new Error("no answer within 100 ms"));
    availability.recordTimeout(new Error("no answer within 100 ms"));
    availability.recordSuccess();
    availability.recordTimeout(new Error("no answer within 100 ms"));
    availability.recordTimeout(new Error("no answer within 100 ms"));
    expect(availability.available).toBe(true);
    availability.recordTimeout(new Error("no answer within 100 ms"));
    expect(availability.available).toBe(false);
    expect(availability.reason).toBe("redis unreachable: no answer within 100 ms");
    availability.close();
  });
});
