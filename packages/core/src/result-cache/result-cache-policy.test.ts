import { describe, expect, it } from "vitest";
import type { ExecuteResponse } from "../schemas/execute-response.js";
import type { Policy } from "../schemas/policy.js";
import { answerFromRecord, cacheableRun, withRun } from "./result-cache-policy.js";

const MiB = 1024 * 1024;
const policy = (overrides: Partial<Policy> = {}): Policy => ({
  max_gas: 10_000,
  max_memory: 4 * MiB,
  max_time: 1000,
  ...overrides,
});
const common = {
  request_id: "a".repeat(64),
  resolved_cid: "bafk",
  duration: 2,
  executed_at: "2026-01-01T00:00:00.000Z",
};
const success = (gas: number): ExecuteResponse => ({
  success: true,
  output: 42,
  gas_used: gas,
  ...common,
});
const failure = (code: string, message: string, gas: number | null): ExecuteResponse =>
  ({ success: false, error: { code, message }, gas_used: gas, ...common }) as ExecuteResponse;

function recordOf(response: ExecuteResponse, ran: Policy, peak: number | undefined) {
  const kept = cacheableRun(response, ran, peak);
  if (!kept) throw new Error("not cacheable");
  return withRun(undefined, kept.slot, kept.run);
}

describe("result cache policy", () => {
  it("a success with gas g answers any max_gas ≥ g, not less", () => {
    const record = recordOf(success(700), policy(), MiB);
    expect(answerFromRecord(record, policy({ max_gas: 700 }))).toMatchObject({
      output: 42,
      gas_used: 700,
    });
    expect(answerFromRecord(record, policy({ max_gas: 1e9 }))).toMatchObject({ gas_used: 700 });
    expect(answerFromRecord(record, policy({ max_gas: 699 }))).toBeUndefined();
  });

  it("a success answers only with enough memory: at least its peak, at most what it had", () => {
    const record = recordOf(success(700), policy({ max_memory: 4 * MiB }), MiB);
    expect(answerFromRecord(record, policy({ max_memory: MiB }))).toBeDefined();
    expect(answerFromRecord(record, policy({ max_memory: MiB - 65536 }))).toBeUndefined();
    // With more memory than it ran under, a memory.grow that failed might succeed.
    expect(answerFromRecord(record, policy({ max_memory: 8 * MiB }))).toBeUndefined();
    // Without a known peak it answers only the memory it had.
    const unknown = recordOf(success(700), policy({ max_memory: 4 * MiB }), undefined);
    expect(answerFromRecord(unknown, policy({ max_memory: 4 * MiB }))).toBeDefined();
    expect(answerFromRecord(unknown, policy({ max_memory: 2 * MiB }))).toBeUndefined();
  });

  it("a gas_exhausted at budget B answers any max_gas ≤ B the same way, at its own budget", () => {
    const message = "the module used its whole gas budget (max_gas 5000)";
    const record = recordOf(
      failure("gas_exhausted", message, 5000),
      policy({ max_gas: 5000 }),
      MiB,
    );
    expect(answerFromRecord(record, policy({ max_gas: 5000 }))).toMatchObject({
      gas_used: 5000,
      error: { message },
    });
    expect(answerFromRecord(record, policy({ max_gas: 10 }))).toMatchObject({
      success: false,
      gas_used: 10,
      error: {
        code: "gas_exhausted",
        message: "the module used its whole gas budget (max_gas 10)",
      },
    });
    expect(answerFromRecord(record, policy({ max_gas: 5001 }))).toBeUndefined();
  });

  it("keeps the larger exhausted budget, and a success beside it", () => {
    const big = cacheableRun(
      failure("gas_exhausted", "max_gas 5000", 5000),
      policy({ max_gas: 5000 }),
      MiB,
    );
    const small = cacheableRun(
      failure("gas_exhausted", "max_gas 100", 100),
      policy({ max_gas: 100 }),
      MiB,
    );
    const done = cacheableRun(success(9000), policy({ max_gas: 10_000 }), MiB);
    if (!big || !small || !done) throw new Error("not cacheable");
    let record = withRun(undefined, big.slot, big.run);
    record = withRun(record, small.slot, small.run);
    record = withRun(record, done.slot, done.run);
    expect(record.exhausted?.gasBudget).toBe(5000);
    expect(answerFromRecord(record, policy({ max_gas: 9500 }))).toMatchObject({ success: true });
    expect(answerFromRecord(record, policy({ max_gas: 4000 }))).toMatchObject({
      success: false,
      gas_used: 4000,
    });
    // Between the two: neither the success (needs 9000) nor the exhaustion (known up to 5000).
    expect(answerFromRecord(record, policy({ max_gas: 7000 }))).toBeUndefined();
  });

  it("never caches a timeout, a memory_limit or a machine-dependent trap", () => {
    expect(
      cacheableRun(
        failure("timeout", "the module ran longer than max_time (5 ms)", null),
        policy(),
        undefined,
      ),
    ).toBeUndefined();
    expect(
      cacheableRun(failure("memory_limit", "over", null), policy(), undefined),
    ).toBeUndefined();
    expect(
      cacheableRun(failure("trap", "Maximum call stack size exceeded", 40), policy(), MiB),
    ).toBeUndefined();
    expect(
      cacheableRun(failure("trap", "the sandbox worker failed: boom", null), policy(), MiB),
    ).toBeUndefined();
  });

  it("caches deterministic failures as completed runs", () => {
    const trap = cacheableRun(failure("trap", "unreachable", 40), policy(), MiB);
    expect(trap?.slot).toBe("completed");
    expect(
      cacheableRun(failure("exit", "the module exited with code 1", 40), policy(), MiB)?.slot,
    ).toBe("completed");
  });

  it("keeps neither the request id nor the CID in the cached response", () => {
    const kept = cacheableRun(success(1), policy(), MiB);
    expect(kept?.run.response).not.toHaveProperty("request_id");
    expect(kept?.run.response).not.toHaveProperty("resolved_cid");
  });
});
