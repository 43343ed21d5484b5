/**
 * Runs WebAssembly modules metered, in a pool of worker threads.
 * @module @wasm-relay/sandbox
 */
export {
  describeModuleInterface,
  isWasiCommand,
  WASI_PREVIEW1_MODULE,
} from "./abi/detect-abi.js";
export { InvalidInputError } from "./abi/invalid-input-error.js";
export { InvalidModuleError } from "./binary/invalid-module-error.js";
export {
  createSandboxExecutor,
  type SandboxExecutor,
  type SandboxExecutorOptions,
  type SandboxExecutorStats,
} from "./create-sandbox-executor.js";
export type { InlineOptions } from "./inline/inline-options.js";
export { CostModel, MAX_GAS_OVERRUN } from "./metering/cost-model.js";
export { EngineLimits } from "./metering/engine-limits.js";
export {
  type LimitMemoryOptions,
  limitMemory,
  TABLE_ELEMENT_BYTES,
} from "./metering/limit-memory.js";
export { MemoryLimitError } from "./metering/memory-limit-error.js";
export {
  type MeteredModule,
  type MeterOptions,
  meter,
  type RefillImport,
} from "./metering/meter.js";
export { METER_VERSION } from "./metering/meter-version.js";
export { TableLimitError } from "./metering/table-limit-error.js";
export { WASI_GAS } from "./worker/wasi-preview1.js";
