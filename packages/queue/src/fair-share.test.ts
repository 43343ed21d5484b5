import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { deleteKeys, REDIS_URL, testPrefix } from "../test/queue-test-setup.js";
import { admitJob, leaveLane } from "./fair-share.js";
import { queueLayout } from "./queue-layout.js";

const redis = new Redis(REDIS_URL);
const prefixes: string[] = [];
afterEach(async () => {
  await Promise.all(prefixes.splice(0).map(deleteKeys));
});
afterAll(() => redis.disconnect());

function layout() {
  const prefix = testPrefix();
  prefixes.push(prefix);
  return queueLayout({ prefix });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the start bound, on Redis' clock", () => {
  it("a start within the bound is not late; one after it is, measured from admission", async () => {
    const lanes = layout();
    const job = { id: "j1", userId: "u", priority: "normal" as const };
    const early = await admitJob(redis, lanes, job, {});
    expect(early).toMatchObject({ admitted: true });
    expect(
      await leaveLane(redis, lanes, "j1", { priority: "normal", tag: 0, startWithinMs: 5000 }),
    ).toEqual({ counted: true, late: false });
    await admitJob(redis, lanes, { ...job, id: "j2" }, {});
    await sleep(30);
    expect(
      await leaveLane(redis, lanes, "j2", { priority: "normal", tag: 0, startWithinMs: 10 }),
    ).toEqual({ counted: true, late: true });
  });

  it("a rerun (its waiting entry gone with the first start) is checked against the admission time it carries", async () => {
    const lanes = layout();
    const admission = await admitJob(
      redis,
      lanes,
      { id: "j", userId: "u", priority: "normal" },
      {},
    );
    if (!admission.admitted) throw new Error("not admitted");
    const start = {
      priority: "normal" as const,
      tag: 0,
      startWithinMs: 500,
      admittedAt: admission.admittedAt,
    };
    expect(await leaveLane(redis, lanes, "j", start)).toEqual({ counted: true, late: false });
    await sleep(600);
    // The first worker died; another takes the job again past the bound.
    expect(await leaveLane(redis, lanes, "j", start)).toEqual({ counted: false, late: true });
    // Without the admission time a rerun could not be judged (and was not, before).
    expect(
      await leaveLane(redis, lanes, "j", { priority: "normal", tag: 0, startWithinMs: 500 }),
    ).toEqual({ counted: false, late: false });
  });
});
