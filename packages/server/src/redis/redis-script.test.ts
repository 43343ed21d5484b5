import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { locateRedis } from "../../test/redis/locate-redis.js";
import { LUA_SCRIPTS } from "./lua-scripts.js";
import type { RedisScriptClient } from "./redis-script.js";
import { defineRedisScript, runRedisScript } from "./redis-script.js";

const located = await locateRedis();

describe.skipIf(!located)("Redis scripts against a real Redis", () => {
  const redis = new Redis(located?.url ?? "", { lazyConnect: true });
  afterAll(async () => {
    redis.disconnect();
    await located?.release();
  });

  it("computes the same SHA-1 as SCRIPT LOAD for every script", async () => {
    for (const script of Object.values(LUA_SCRIPTS)) {
      expect(await redis.script("LOAD", script.source), script.name).toBe(script.sha1);
    }
  });

  it("falls back to EVAL on NOSCRIPT, after which EVALSHA finds the script", async () => {
    // A script text never sent before (random comment): Redis cannot have it cached.
    const marker = Math.random().toString(36).slice(2);
    const script = defineRedisScript("echo", `-- ${marker}\nreturn ARGV[1] .. KEYS[1]`);
    const calls: string[] = [];
    const recording: RedisScriptClient = {
      evalsha: ((...args: Parameters<Redis["evalsha"]>) => {
        calls.push("evalsha");
        return redis.evalsha(...args);
      }) as Redis["evalsha"],
      eval: ((...args: Parameters<Redis["eval"]>) => {
        calls.push("eval");
        return redis.eval(...args);
      }) as Redis["eval"],
    };
    expect(await redis.script("EXISTS", script.sha1)).toEqual([0]);
    expect(await runRedisScript(recording, script, ["k"], ["v"])).toBe("vk");
    expect(calls).toEqual(["evalsha", "eval"]);
    expect(await runRedisScript(recording, script, ["k"], ["w"])).toBe("wk");
    expect(calls).toEqual(["evalsha", "eval", "evalsha"]);
  });

  it("passes other errors through instead of retrying with EVAL", async () => {
    const script = defineRedisScript("broken", "return redis.call('NOSUCHCOMMAND')");
    await redis.script("LOAD", script.source);
    await expect(runRedisScript(redis, script, [], [])).rejects.toThrow(/Unknown Redis command/i);
  });
});
