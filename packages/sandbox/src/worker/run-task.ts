import type { Abi, ExecutionErrorCode, JsonValue } from "@wasm-relay/core";
import { LRUCache } from "lru-cache";
import { InvalidInputError } from "../abi/invalid-input-error.js";
import { InvalidModuleError } from "../binary/invalid-module-error.js";
import { type ModuleInfo, readModuleInfo } from "../binary/module-info.js";
import { type ModuleFootprint, readModuleFootprint } from "../inline/module-footprint.js";
import { limitMemory } from "../metering/limit-memory.js";
import { MemoryLimitError } from "../metering/memory-limit-error.js";
import { meter } from "../metering/meter.js";
import { TableLimitError } from "../metering/table-limit-error.js";
import type { WorkerOutcome, WorkerRunMessage } from "../pool/worker-protocol.js";
import { GasAccount } from "./gas-account.js";
import { GAS_EXPORT, METERING_IMPORT } from "./metering-names.js";
import { callNumericEntry } from "./run-numeric.js";
import { createWasiPreview1, OutputTooLargeError, type WasiInstance } from "./wasi-preview1.js";

const PAGE_BYTES = 65536;
const WASI_MODULE = "wasi_snapshot_preview1";
/** The gas counter after proc_exit: far below zero, so the next checked charge asks to refill. */
const EXITED_COUNTER = -(2n ** 62n);

/**
 * Stands in for WASI in a numeric run of a module that imports none of it: nothing can call
 * it, so the run behaves the same and saves building the ~45 import functions every time.
 */
const ABSENT_WASI: WasiInstance = {
  imports: {},
  bindMemory() {},
  stdout: () => new Uint8Array(),
  stderr: () => "",
  stdoutOverflowed: false,
  exitCode: undefined,
};

/** A module compiled for one task key, with what the sandbox read from its (limited) bytes. */
export interface CompiledModule {
  module: WebAssembly.Module;
  info: ModuleInfo;
  /** Initial sizes of its memories and tables; `undefined` when they could not be read. */
  footprint?: ModuleFootprint | undefined;
  /** The one instance numeric runs of a stateless module share (made at its first run). */
  reusable?: ReusableInstance;
}

/**
 * An instance of a stateless module (see {@link ModuleFootprint.stateless}) kept for later runs:
 * nothing survives a run but the gas counter, which is reset to its initial value before each,
 * and the refill import calls the current run's account. Saves instantiating (about half of an
 * inline run of a small module).
 */
interface ReusableInstance {
  instance: WebAssembly.Instance;
  gas: WebAssembly.Global;
  initialGas: bigint;
  refill: (counter: bigint) => bigint;
}

function reusableInstance(compiled: CompiledModule): ReusableInstance {
  if (compiled.reusable) return compiled.reusable;
  const reusable = { refill: (counter: bigint) => counter } as ReusableInstance;
  reusable.instance = new WebAssembly.Instance(compiled.module, {
    [METERING_IMPORT.module]: {
      [METERING_IMPORT.name]: (counter: bigint) => reusable.refill(counter),
    },
  });
  reusable.gas = reusable.instance.exports[GAS_EXPORT] as WebAssembly.Global;
  reusable.initialGas = reusable.gas.value as bigint;
  compiled.reusable = reusable;
  return reusable;
}

/** State a worker keeps between tasks. */
export interface WorkerState {
  /**
   * Compiled modules by task key, bounded by an estimate of their size (four times the bytes
   * compiled); `undefined` when the budget is 0.
   */
  compiled: LRUCache<string, CompiledModule> | undefined;
  /** One float64 shared with the pool: gas spent so far by the running task. */
  progress: Float64Array;
}

/**
 * Creates the per-worker state.
 * @param compiledCacheBytes budget of the compiled-module cache (a non-negative integer; 0: no
 *   cache). A module whose estimate exceeds it is not cached. @unit bytes
 * @param progress the pool's progress cell for this worker (one float64)
 */
export function createWorkerState(compiledCacheBytes: number, progress: Float64Array): WorkerState {
  const compiled =
    compiledCacheBytes > 0
      ? new LRUCache<string, CompiledModule>({ maxSize: compiledCacheBytes })
      : undefined;
  return { compiled, progress };
}

/**
 * A task's outcome plus the metered bytes when this worker metered them, and whether the
 * compiled-module cache holds the task's key afterwards.
 */
export interface TaskReport {
  outcome: WorkerOutcome;
  meteredBytes?: Uint8Array;
  compiled?: boolean;
  /** The compiled module, when the message asked for it (`shareCompiled`). */
  shared?: CompiledModule;
}

/** What {@link runTask} answers when the message had no bytes and the key is not compiled here. */
export const NEED_BYTES = Symbol("need-bytes");

function failure(
  code: ExecutionErrorCode,
  message: string,
  gasUsed: number | null = null,
): WorkerOutcome {
  return { success: false, error: { code, message }, gasUsed };
}

class TaskFailure extends Error {
  constructor(readonly outcome: WorkerOutcome) {
    super(outcome.success ? "" : outcome.error.message);
  }
}

async function prepare(
  state: WorkerState,
  message: WorkerRunMessage,
): Promise<{ compiled: CompiledModule; meteredBytes?: Uint8Array }> {
  const cached = state.compiled?.get(message.key);
  if (cached) return { compiled: cached };
  if (!message.bytes) throw NEED_BYTES;
  const source = message.bytes;
  let meteredBytes: Uint8Array | undefined;
  let bytes = source;
  try {
    if (!message.metered) {
      meteredBytes = meter(source, {
        refillImport: METERING_IMPORT,
        gasExportName: GAS_EXPORT,
      }).bytes;
    }
    // One metered module serves every memory limit: the cap is applied per task.
    bytes = limitMemory(
      meteredBytes ?? source,
      Math.floor(message.policy.max_memory / PAGE_BYTES),
      { maxTableElements: message.maxTableElements },
    );
    const info = readModuleInfo(bytes);
    info.imports = info.imports.filter((entry) => entry.module !== METERING_IMPORT.module);
    info.exports = info.exports.filter((entry) => entry.name !== GAS_EXPORT);
    const module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    const compiled: CompiledModule = { module, info, footprint: readModuleFootprint(bytes) };
    state.compiled?.set(message.key, compiled, { size: Math.max(1, bytes.length * 4) });
    return meteredBytes ? { compiled, meteredBytes } : { compiled };
  } catch (error) {
    if (error instanceof MemoryLimitError || error instanceof TableLimitError)
      throw new TaskFailure(failure("memory_limit", error.message));
    throw new TaskFailure(
      failure("invalid_module", error instanceof Error ? error.message : String(error)),
    );
  }
}

function chooseAbi(info: ModuleInfo, requested: Abi | undefined): Abi {
  if (requested) return requested;
  const wasi =
    info.imports.some((entry) => entry.module === WASI_MODULE) ||
    info.exports.some((entry) => entry.name === "_start" && entry.kind === "function");
  return wasi ? "wasi" : "numeric";
}

function parseStdout(bytes: Uint8Array): JsonValue {
  const text = new TextDecoder().decode(bytes);
  if (text.trim() === "") return text === "" ? null : text;
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return text;
  }
}

/**
 * Runs one task inside the worker and describes the outcome; never throws for module failures.
 * Answers {@link NEED_BYTES} when the message has no bytes and this worker does not hold its
 * key compiled.
 */
export async function runTask(
  state: WorkerState,
  message: WorkerRunMessage,
): Promise<TaskReport | typeof NEED_BYTES> {
  let prepared: Awaited<ReturnType<typeof prepare>>;
  try {
    prepared = await prepare(state, message);
  } catch (error) {
    if (error === NEED_BYTES) return NEED_BYTES;
    if (error instanceof TaskFailure) return { outcome: error.outcome };
    throw error;
  }
  const { compiled, meteredBytes } = prepared;
  const { outcome } = runCompiled(compiled, message, state.progress);
  const held = state.compiled?.has(message.key) ?? false;
  const report: TaskReport = { outcome, compiled: held };
  if (meteredBytes) report.meteredBytes = meteredBytes;
  if (message.shareCompiled) {
    // Only what structured clone can copy: never the reusable instance.
    report.shared = { module: compiled.module, info: compiled.info, footprint: compiled.footprint };
  }
  return report;
}

/**
 * What {@link runCompiled} did: the task's outcome, and whether the thread itself (not the
 * module's code) ended the run — a stack overflow or a failed allocation (`RangeError`), whose
 * point depends on the thread's stack and heap rather than on the module alone.
 */
export interface CompiledRun {
  outcome: WorkerOutcome;
  hostFault: boolean;
}

/**
 * Instantiates a compiled module and calls its entry synchronously, metered. Never throws for
 * module failures.
 * @param progress receives the gas spent at every refill (one float64)
 * @param gasBudget gas the run may spend; the policy's `max_gas` unless a caller runs a slice
 *   of it (a run that stays within a slice spends exactly what it would with the whole budget)
 */
export function runCompiled(
  compiled: CompiledModule,
  message: Omit<WorkerRunMessage, "id" | "bytes" | "type">,
  progress: Float64Array,
  gasBudget: number = message.policy.max_gas,
): CompiledRun {
  let hostFault = false;
  const outcome = execute(compiled, message, progress, gasBudget, () => {
    hostFault = true;
  });
  return { outcome, hostFault };
}

function execute(
  compiled: CompiledModule,
  message: Omit<WorkerRunMessage, "id" | "bytes" | "type">,
  progress: Float64Array,
  gasBudget: number,
  onHostFault: () => void,
): WorkerOutcome {
  const { info, module } = compiled;
  const abi = chooseAbi(info, message.abi);
  const entryName = abi === "wasi" ? "_start" : message.entry;
  const entry = info.exports.find((candidate) => candidate.name === entryName);
  if (entry?.kind !== "function") {
    const functions = info.exports.filter((candidate) => candidate.kind === "function");
    return failure(
      "entry_not_found",
      `${abi === "wasi" ? "a WASI command must export _start; " : ""}the module exports no function "${entryName}" (function exports: ${functions.map((candidate) => candidate.name).join(", ") || "none"})`,
    );
  }
  const unsupported = info.imports.find((entry) => entry.module !== WASI_MODULE);
  if (unsupported) {
    return failure(
      "invalid_module",
      `the sandbox provides only ${WASI_MODULE} imports; the module imports ${unsupported.module}.${unsupported.name} (${unsupported.kind})`,
    );
  }

  const account = new GasAccount(gasBudget, progress);
  let instance: WebAssembly.Instance | undefined;
  const counter = () => instance?.exports[GAS_EXPORT] as WebAssembly.Global | undefined;
  /** Gas used when the module called proc_exit; set once. */
  let gasAtExit: number | null | undefined;
  const gasUsed = (): number | null => {
    if (account.exhausted) return account.budget;
    if (gasAtExit !== undefined) return gasAtExit;
    const gas = counter();
    return gas ? account.used(gas.value as bigint) : null;
  };
  const needsWasi = abi === "wasi" || info.imports.some((entry) => entry.module === WASI_MODULE);
  const wasi = needsWasi
    ? createWasiPreview1({
        args: [abi === "wasi" ? "module" : entryName],
        stdin:
          abi === "wasi"
            ? new TextEncoder().encode(JSON.stringify(message.inputs))
            : new Uint8Array(),
        maxStdoutBytes: message.limits.maxOutputBytes,
        maxStderrBytes: message.limits.maxStderrBytes,
        // The counter is always current (every charge stores it), so the host can charge too.
        charge(gas) {
          const global = counter();
          if (global) global.value = (global.value as bigint) - BigInt(gas);
        },
        onExit() {
          gasAtExit = gasUsed();
          // The next checked charge asks for a refill, which is refused: the module traps.
          const global = counter();
          if (global) global.value = EXITED_COUNTER;
        },
      })
    : ABSENT_WASI;
  const refill = (value: bigint): bigint =>
    wasi.exitCode === undefined ? account.refill(value) : value;
  const reuse = !needsWasi && compiled.footprint?.stateless === true && info.imports.length === 0;
  const imports: WebAssembly.Imports = {
    [METERING_IMPORT.module]: { [METERING_IMPORT.name]: refill },
    [WASI_MODULE]: wasi.imports,
  };

  const withStreams = (outcome: WorkerOutcome): WorkerOutcome => {
    if (abi !== "wasi") return outcome;
    const stderr = wasi.stderr();
    return stderr ? { ...outcome, stderr } : outcome;
  };
  /** The outcome of a module that called proc_exit, whatever it did after. */
  const exited = (code: number): WorkerOutcome => {
    const gas = gasUsed();
    if (account.exhausted) return exhausted();
    if (wasi.stdoutOverflowed) {
      return withStreams(
        failure("output_too_large", `stdout is over ${message.limits.maxOutputBytes} bytes`, gas),
      );
    }
    const output = abi === "wasi" ? parseStdout(wasi.stdout()) : null;
    if (code === 0) return withStreams({ success: true, output, gasUsed: gas });
    return withStreams({
      success: false,
      error: { code: "exit", message: `the module exited with code ${code}` },
      gasUsed: gas,
      ...(output !== null ? { output } : {}),
    });
  };

  const exhausted = () =>
    withStreams(
      failure(
        "gas_exhausted",
        `the module used its whole gas budget (max_gas ${account.budget})`,
        account.budget,
      ),
    );

  try {
    // Synchronous: this thread has nothing else to do, and it saves a turn of the event loop.
    if (reuse) {
      const reusable = reusableInstance(compiled);
      reusable.refill = refill;
      reusable.gas.value = reusable.initialGas;
      instance = reusable.instance;
    } else {
      instance = new WebAssembly.Instance(module, imports);
      const memory = Object.values(instance.exports).find(
        (value): value is WebAssembly.Memory => value instanceof WebAssembly.Memory,
      );
      if (memory) wasi.bindMemory(memory);
    }
    const exported = instance.exports[entry.name] as (...args: unknown[]) => unknown;
    if (abi === "wasi") {
      exported();
      if (wasi.exitCode !== undefined) return exited(wasi.exitCode);
      const gas = gasUsed();
      if (account.exhausted) return exhausted();
      if (wasi.stdoutOverflowed) throw new OutputTooLargeError("stdout overflowed");
      return withStreams({ success: true, output: parseStdout(wasi.stdout()), gasUsed: gas });
    }
    const output = callNumericEntry(entry, exported, message.inputs);
    if (wasi.exitCode !== undefined) return exited(wasi.exitCode);
    const gas = gasUsed();
    if (account.exhausted) return exhausted();
    // Numeric results are numbers, decimal strings, "NaN"/"Infinity" or null: ASCII, one byte
    // per character.
    const size = JSON.stringify(output).length;
    if (size > message.limits.maxOutputBytes) {
      return failure(
        "output_too_large",
        `output is ${size} bytes; the limit is ${message.limits.maxOutputBytes}`,
        gas,
      );
    }
    return { success: true, output, gasUsed: gas };
  } catch (error) {
    // After proc_exit, whatever unwound the module (the exit itself, the trap of a refused
    // refill, a later WASI call) ends in the exit.
    if (error instanceof RangeError) onHostFault();
    if (wasi.exitCode !== undefined) return exited(wasi.exitCode);
    const text = error instanceof Error ? error.message : String(error);
    const gas = gasUsed();
    if (account.exhausted) return exhausted();
    if (error instanceof OutputTooLargeError || wasi.stdoutOverflowed) {
      return withStreams(
        failure("output_too_large", `stdout is over ${message.limits.maxOutputBytes} bytes`, gas),
      );
    }
    if (error instanceof InvalidInputError || error instanceof TypeError)
      return failure("invalid_input", text);
    if (error instanceof WebAssembly.LinkError) return failure("invalid_module", text);
    if (error instanceof InvalidModuleError) return failure("invalid_module", text);
    return withStreams(failure("trap", text, gas));
  }
}
