import { afterAll, describe, expect, it } from "vitest";
import { createSandboxExecutor } from "../../src/create-sandbox-executor.js";
import { taskFor } from "../example-modules.js";
import { callMetered } from "../run-metered.js";
import { wat } from "../wat.js";

// main(n, trap): n loop trips of work, then `unreachable` when trap ≠ 0, else the sum. Both
// variants charge the same gas up to the trap: the trapping arm costs what the returning tail
// costs (one instruction each).
const trapping = wat(`(module
  (func $work (param $n i32) (result i32) (local $sum i32)
    (block $done (loop $next
      (br_if $done (i32.eqz (local.get $n)))
      (local.set $sum (i32.add (local.get $sum) (i32.mul (local.get $n) (local.get $n))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br $next)))
    (local.get $sum))
  (func (export "main") (param $n i32) (param $trap i32) (result i32) (local $sum i32)
    (local.set $sum (call $work (local.get $n)))
    (if (local.get $trap) (then (unreachable)))
    (local.get $sum)))`);

describe("gas billed after a trap", () => {
  const executor = createSandboxExecutor({ workers: 1 });
  afterAll(() => executor.close());

  it("is the same at max_gas 1e7, 1e8 and 1e9, and equals the returning variant's charges", async () => {
    const trips = 200_000;
    const returning = await executor.execute(
      taskFor(trapping, [trips, 0], { policy: { max_gas: 1e9 } }),
    );
    expect(returning).toMatchObject({ success: true });
    const expected = returning.gasUsed;
    expect(expected).toBeGreaterThan(2_000_000);
    // The same charges without the sandbox: the counter is exact in trap mode too.
    expect((await callMetered(trapping, "main", [trips, 1])).gasUsed).toBe(BigInt(expected ?? 0));
    for (const maxGas of [1e7, 1e8, 1e9]) {
      const result = await executor.execute(
        taskFor(trapping, [trips, 1], { policy: { max_gas: maxGas } }),
      );
      expect(result).toMatchObject({ success: false, error: { code: "trap" } });
      expect(result.gasUsed).toBe(expected);
    }
  });
});
