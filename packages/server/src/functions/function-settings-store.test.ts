import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix } from "../../test/redis/delete-keys-with-prefix.js";
import { locateRedis } from "../../test/redis/locate-redis.js";
import { testKeyPrefix } from "../../test/redis/test-key-prefix.js";
import {
  createMemoryFunctionSettingsStore,
  type FunctionSettingsStore,
  FunctionSettingsStoreFullError,
} from "./function-settings-store.js";
import { createRedisFunctionSettingsStore } from "./redis-function-settings-store.js";

const located = await locateRedis();

/** What every function settings store does. */
function storeCases(label: string, open: () => FunctionSettingsStore) {
  describe(label, () => {
    it("keeps settings per name@tag, lists a name's, replaces and removes them", async () => {
      const store = open();
      expect(await store.get("calc", "1")).toBeUndefined();
      await store.set("calc", "1", { anonymous: true });
      await store.set("calc", "2", { methods: ["POST"], policy: { max_gas: 10 } });
      await store.set("other", "1", { anonymous: false });
      expect(await store.get("calc", "1")).toEqual({ anonymous: true });
      expect(await store.list("calc")).toEqual({
        "1": { anonymous: true },
        "2": { methods: ["POST"], policy: { max_gas: 10 } },
      });
      await store.set("calc", "1", { parameters: { main: ["a"] } });
      expect(await store.get("calc", "1")).toEqual({ parameters: { main: ["a"] } });
      await store.set("calc", "1", undefined);
      expect(await store.get("calc", "1")).toBeUndefined();
      expect(Object.keys(await store.list("calc"))).toEqual(["2"]);
      expect(await store.list("nothing")).toEqual({});
    });

    it("has room for a new name@tag below its bound and always for an existing one", async () => {
      const store = open();
      expect(await store.hasRoom("room", "1")).toBe(true);
      await store.set("room", "1", {});
      expect(await store.hasRoom("room", "1")).toBe(true);
    });
  });
}

storeCases("memory function settings store", () => createMemoryFunctionSettingsStore());

describe("memory function settings store bounds", () => {
  it("refuses a new tag past maxEntries rather than evicting another's", async () => {
    const store = createMemoryFunctionSettingsStore(2);
    await store.set("a", "1", {});
    await store.set("a", "2", {});
    await expect(store.set("b", "1", {})).rejects.toThrow(/full/);
    await store.set("a", "1", { anonymous: true });
    await store.set("a", "2", undefined);
    await store.set("b", "1", {});
  });

  it("throws FunctionSettingsStoreFullError naming the bound, and writes nothing", async () => {
    const store = createMemoryFunctionSettingsStore(1);
    await store.set("a", "1", {});
    const refused = await store.set("b", "1", { anonymous: true }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(FunctionSettingsStoreFullError);
    expect(refused).toMatchObject({ name: "FunctionSettingsStoreFullError", maxEntries: 1 });
    expect((refused as Error).message).toContain("1 tags");
    expect(await store.get("b", "1")).toBeUndefined();
    expect(await store.list("b")).toEqual({});
  });

  it("hasRoom: false for a new name@tag when full, true for an existing one or after a removal", async () => {
    const store = createMemoryFunctionSettingsStore(2);
    await store.set("a", "1", {});
    expect(await store.hasRoom("b", "1")).toBe(true);
    await store.set("a", "2", {});
    expect(await store.hasRoom("b", "1")).toBe(false);
    expect(await store.hasRoom("a", "3")).toBe(false);
    expect(await store.hasRoom("a", "1")).toBe(true);
    expect(await store.hasRoom("a", "2")).toBe(true);
    await store.set("a", "1", undefined);
    expect(await store.hasRoom("b", "1")).toBe(true);
  });

  it("refuses a bound that is not a positive integer", () => {
    expect(() => createMemoryFunctionSettingsStore(0)).toThrow(RangeError);
    expect(() => createMemoryFunctionSettingsStore(1.5)).toThrow(RangeError);
  });
});

describe.skipIf(!located)("Redis function settings store", () => {
  const redis = new Redis(located?.url ?? "", { lazyConnect: true });
  const prefix = testKeyPrefix("function-settings");
  afterAll(async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });
  storeCases("on a real Redis", () =>
    createRedisFunctionSettingsStore({ redis, keyPrefix: prefix }),
  );

  it("reads a value that no longer matches the schema as no settings", async () => {
    await redis.hset(
      `${prefix}glyph:broken:functions`,
      "1",
      '{"methods": ["TRACE"]}',
      "2",
      "{not json",
    );
    const store = createRedisFunctionSettingsStore({ redis, keyPrefix: prefix });
    expect(await store.get("broken", "1")).toBeUndefined();
    expect(await store.list("broken")).toEqual({});
  });
});
