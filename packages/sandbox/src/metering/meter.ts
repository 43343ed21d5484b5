import { InvalidModuleError } from "../binary/invalid-module-error.js";
import { rewriteModule } from "./rewrite-module.js";

export { MAX_GAS_OVERRUN } from "./cost-model.js";

/** Where a metered module asks its host for more gas. */
export interface RefillImport {
  /** Import module name. */
  module: string;
  /** Import field name. */
  name: string;
}

/** Options of {@link meter}. */
export interface MeterOptions {
  /**
   * When set, the module imports `(func (param i64) (result i64))` under this name and calls it
   * whenever the counter drops below zero, with the (negative) counter; the host returns the new
   * counter value. When the returned value is still negative the module traps (`unreachable`).
   * When unset, a negative counter traps at once. @default undefined
   */
  refillImport?: RefillImport;
  /** Initial value of the gas counter. @default 0 with `refillImport`, else 2^63 - 1 */
  initialGas?: bigint;
  /**
   * Caps every memory's maximum at this many 64 KiB pages, so `memory.grow` beyond it returns -1.
   * @throws {@link MemoryLimitError} from `meter` when a memory's initial size is above it.
   */
  maxMemoryPages?: number;
  /** Name of the exported gas counter (a mutable i64 global). @default "__relay_gas" */
  gasExportName?: string;
}

/** The result of {@link meter}. */
export interface MeteredModule {
  /** The instrumented module. */
  bytes: Uint8Array<ArrayBuffer>;
  /** Export name of the gas counter: a mutable i64 global holding the gas still available. */
  gasExportName: string;
  /** The refill import, when requested. */
  refillImport: RefillImport | undefined;
}

/** Whether V8 accepts the bytes, and its reason when it does not (when it can give one). */
function engineVerdict(bytes: Uint8Array<ArrayBuffer>): string | undefined {
  if (WebAssembly.validate(bytes)) return undefined;
  try {
    // Compiled only to learn why (synchronous compilation can be refused for large modules in
    // browsers: the reason is then generic).
    new WebAssembly.Module(bytes);
    return "rejected by the engine";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Instruments a WebAssembly module with deterministic gas metering. The result keeps every
 * import and export of the original and adds a mutable i64 global (exported as
 * `gasExportName`) holding the gas still available; each metered block subtracts its cost
 * inline from a local copy of the counter, which reaches the global before every instruction
 * that can trap, call out or return (so the global is exact even after a trap; functions called
 * directly take and return it as an extra parameter and result) and, at checks, below zero,
 * asks the refill import (when given) or traps. No run spends more than
 * {@link MAX_GAS_OVERRUN} gas past the point where the counter went below zero before it is
 * stopped or refilled. Pure: no I/O and no Node-specific API, so it runs in browsers too.
 *
 * The input must be valid (`WebAssembly.validate`) before anything is rewritten, and the output
 * is validated again, so `meter` never turns an invalid module into a valid one and never hands
 * back an invalid module.
 *
 * Accepts what Node 20's V8 validates by default: MVP, sign extension, saturating float-to-int,
 * multi-value, bulk memory, reference types, SIMD, threads/atomics, tail calls and (legacy)
 * exception handling.
 * @throws {@link InvalidModuleError} for invalid or malformed modules, unknown or unsupported
 * opcodes, a module importing from the refill import's module, and a module that would cross
 * one of V8's limits once metered ({@link EngineLimits}).
 * @throws {@link MemoryLimitError} when a memory's initial size is above `maxMemoryPages`.
 */
export function meter(bytes: Uint8Array, options: MeterOptions = {}): MeteredModule {
  const input = bytes as Uint8Array<ArrayBuffer>;
  const refused = engineVerdict(input);
  if (refused !== undefined)
    throw new InvalidModuleError(`not a valid WebAssembly module: ${refused}`);
  const metered = rewriteModule(input, options);
  const broken = engineVerdict(metered.bytes);
  if (broken !== undefined)
    throw new InvalidModuleError(`metering produced an invalid module (refused): ${broken}`);
  return metered;
}
