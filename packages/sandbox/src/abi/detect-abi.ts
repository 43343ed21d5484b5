import { type ModuleInfo, readModuleInfo } from "../binary/module-info.js";

/** The import module of WASI preview1. */
export const WASI_PREVIEW1_MODULE = "wasi_snapshot_preview1";

/**
 * Whether a module is a WASI command: it imports WASI preview1 or exports a `_start` function.
 * This is how the sandbox chooses the ABI of a task that names none (`wasi` if so, else
 * `numeric`).
 */
export function isWasiCommand(info: Pick<ModuleInfo, "imports" | "exports">): boolean {
  return (
    info.imports.some((entry) => entry.module === WASI_PREVIEW1_MODULE) ||
    info.exports.some((entry) => entry.name === "_start" && entry.kind === "function")
  );
}

/**
 * Reads a module's imports and exports (not compiling it) and says whether it is a WASI command
 * (see {@link isWasiCommand}) or a module of exported numeric functions, and which functions it
 * exports.
 * @throws InvalidModuleError when the bytes are not a WebAssembly module it can read.
 */
export function describeModuleInterface(bytes: Uint8Array): {
  kind: "wasi" | "numeric";
  functions: string[];
} {
  const info = readModuleInfo(bytes);
  return {
    kind: isWasiCommand(info) ? "wasi" : "numeric",
    functions: info.exports.filter((entry) => entry.kind === "function").map((entry) => entry.name),
  };
}
