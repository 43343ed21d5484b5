import { meter } from "../src/metering/meter.js";

/** What one call produced: a value or the trap's message. */
export type CallOutcome = { value: unknown } | { trap: string };

/** Calls `entry` on a fresh instance and returns its result or its trap message. */
export async function callOnce(
  bytes: Uint8Array<ArrayBuffer>,
  entry: string,
  args: unknown[],
  imports: WebAssembly.Imports = {},
): Promise<{ outcome: CallOutcome; instance: WebAssembly.Instance }> {
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  const exported = instance.exports[entry] as (...values: unknown[]) => unknown;
  try {
    return { outcome: { value: exported(...args) }, instance };
  } catch (error) {
    return { outcome: { trap: (error as Error).message }, instance };
  }
}

/** Meters `bytes` (trap mode, counter starting at `budget`) and calls `entry`; returns gas spent. */
export async function callMetered(
  bytes: Uint8Array<ArrayBuffer>,
  entry: string,
  args: unknown[],
  budget = 2n ** 62n,
): Promise<{ outcome: CallOutcome; gasUsed: bigint; exhausted: boolean }> {
  const metered = meter(bytes, { initialGas: budget });
  const { outcome, instance } = await callOnce(metered.bytes, entry, args);
  const counter = (instance.exports[metered.gasExportName] as WebAssembly.Global).value as bigint;
  return { outcome, gasUsed: budget - counter, exhausted: counter < 0n };
}
