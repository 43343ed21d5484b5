import { InvalidModuleError } from "../binary/invalid-module-error.js";

/**
 * V8's implementation limits for WebAssembly modules (Node 20, `wasm-limits.h`); a module past
 * any of them does not compile. {@link meter} adds one local per function, one global, one
 * export, at most one import, four types and five functions, so it refuses a module that would
 * cross a limit after metering rather than hand V8 a module it refuses.
 */
export const EngineLimits = {
  /** Parameters and locals of one function. */
  locals: 50_000,
  /** Exports of a module. */
  exports: 100_000,
  /** Imports of a module. */
  imports: 100_000,
  /** Bytes of one function body (its size prefix excluded). */
  functionBodyBytes: 7_654_321,
  /** Functions (imported and defined). */
  functions: 1_000_000,
  /** Globals (imported and defined). */
  globals: 1_000_000,
  /** Types of the type section. */
  types: 1_000_000,
  /** Parameters of a function type. */
  functionParameters: 1_000,
  /** Results of a function type. */
  functionResults: 1_000,
} as const;

const format = (value: number) => value.toLocaleString("en-US");

/**
 * Throws when `count` (what the metered module would need) is above V8's limit.
 * @param what the limit's key and the wording of the message (e.g. "locals in a function")
 * @throws {@link InvalidModuleError} naming the limit.
 */
export function requireWithinLimit(
  limit: keyof typeof EngineLimits,
  count: number,
  added: number,
  what: string,
): void {
  const maximum = EngineLimits[limit];
  if (count + added <= maximum) return;
  throw new InvalidModuleError(
    `metering would need ${format(count + added)} ${what} (the module has ${format(count)}, metering adds ${format(added)}); V8 accepts at most ${format(maximum)} ${what}`,
  );
}
