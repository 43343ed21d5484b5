import { describe, expect, it } from "vitest";
import { sha256Hex } from "../hashing/sha256.js";
import { deterministicSeed, resultCacheKey } from "./question-identity.js";

describe("question identity", () => {
  it("is the SHA-256 of the documented canonical JSON", async () => {
    const seed = await deterministicSeed({ module: "bafkfp", inputs: { b: 1, a: [2] } });
    expect(seed).toBe(
      await sha256Hex('{"abi":null,"entry":"main","inputs":{"a":[2],"b":1},"module":"bafkfp"}'),
    );
    expect(resultCacheKey(seed, "s")).toBe(`v1:s:${seed}`);
  });

  it("changes with every part of the question, and with the scope", async () => {
    const base = { module: "m", entry: "f", abi: "numeric", inputs: [1] };
    const seeds = await Promise.all([
      deterministicSeed(base),
      deterministicSeed({ ...base, module: "n" }),
      deterministicSeed({ ...base, entry: "g" }),
      deterministicSeed({ ...base, abi: "wasi" }),
      deterministicSeed({ ...base, inputs: [2] }),
    ]);
    expect(new Set(seeds).size).toBe(5);
    const seed = seeds[0] as string;
    expect(resultCacheKey(seed, "a")).not.toBe(resultCacheKey(seed, "b"));
  });
});
