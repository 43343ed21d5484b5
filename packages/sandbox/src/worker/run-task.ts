import type { ExecutionErrorCode, JsonValue } from "@wasm-relay/core";
import { InvalidInputError } from "../abi/invalid-input-error.js";
import { InvalidModuleError } from "../binary/invalid-module-error.js";
import { type ModuleInfo, readModuleInfo } from "../binary/module-info.js";
import { ByteBudgetCache } from "../pool/byte-budget-cache.js";
import type { WorkerOutcome, WorkerRunMessage } from "../pool/worker-protocol.js";
import { callNumericEntry } from "./run-numeric.js";

const PAGE_BYTES = 65536;

interface CompiledModule {
  module: WebAssembly.Module;
  info: ModuleInfo;
}

/** State a worker keeps between tasks. */
export interface WorkerState {
  compiled: ByteBudgetCache<CompiledModule>;
}

/** Creates the per-worker state. @param compiledCacheBytes budget of the compiled-module cache */
export function createWorkerState(compiledCacheBytes: number): WorkerState {
  return { compiled: new ByteBudgetCache(compiledCacheBytes) };
}

function failure(
  code: ExecutionErrorCode,
  message: string,
  gasUsed: number | null = null,
): WorkerOutcome {
  return { success: false, error: { code, message }, gasUsed };
}

async function compile(state: WorkerState, message: WorkerRunMessage): Promise<CompiledModule> {
  const cached = state.compiled.get(message.key);
  if (cached) return cached;
  const info = readModuleInfo(message.bytes);
  let module: WebAssembly.Module;
  try {
    module = await WebAssembly.compile(message.bytes as Uint8Array<ArrayBuffer>);
  } catch (error) {
    throw new InvalidModuleError(error instanceof Error ? error.message : String(error));
  }
  const compiled = { module, info };
  state.compiled.set(message.key, compiled, message.bytes.length);
  return compiled;
}

function outputSize(output: JsonValue): number {
  return new TextEncoder().encode(JSON.stringify(output)).length;
}

/** Runs one task inside the worker and describes the outcome; never throws for module failures. */
export async function runTask(
  state: WorkerState,
  message: WorkerRunMessage,
): Promise<WorkerOutcome> {
  let compiled: CompiledModule;
  try {
    compiled = await compile(state, message);
  } catch (error) {
    return failure("invalid_module", error instanceof Error ? error.message : String(error));
  }
  const { info, module } = compiled;

  const limitPages = Math.floor(message.policy.max_memory / PAGE_BYTES);
  for (const memory of info.memories) {
    if (memory.minimum > limitPages) {
      return failure(
        "memory_limit",
        `module asks for ${memory.minimum * PAGE_BYTES} bytes of initial memory; max_memory is ${message.policy.max_memory}`,
      );
    }
  }

  if (message.abi === "wasi") return failure("invalid_module", "the WASI ABI is not available yet");
  if (info.imports.length > 0) {
    const first = info.imports[0]!;
    return failure(
      "invalid_module",
      `numeric modules may not import anything; the module imports ${first.module}.${first.name}`,
    );
  }
  const entry = info.exports.find((candidate) => candidate.name === message.entry);
  if (entry?.kind !== "function") {
    const functions = info.exports.filter((candidate) => candidate.kind === "function");
    return failure(
      "entry_not_found",
      `the module exports no function "${message.entry}" (exports: ${functions.map((candidate) => candidate.name).join(", ") || "none"})`,
    );
  }

  try {
    const instance = await WebAssembly.instantiate(module, {});
    const exported = instance.exports[entry.name] as (...args: unknown[]) => unknown;
    const output = callNumericEntry(entry, exported, message.inputs);
    const size = outputSize(output);
    if (size > message.limits.maxOutputBytes) {
      return failure(
        "output_too_large",
        `output is ${size} bytes; the limit is ${message.limits.maxOutputBytes}`,
      );
    }
    return { success: true, output, gasUsed: null };
  } catch (error) {
    if (error instanceof InvalidInputError) return failure("invalid_input", error.message);
    if (error instanceof WebAssembly.RuntimeError) return failure("trap", error.message);
    if (error instanceof RangeError) return failure("trap", error.message);
    if (error instanceof WebAssembly.LinkError) return failure("invalid_module", error.message);
    return failure("trap", error instanceof Error ? error.message : String(error));
  }
}
