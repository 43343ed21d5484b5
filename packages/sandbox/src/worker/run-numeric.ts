import type { JsonValue } from "@wasm-relay/core";
import { InvalidInputError } from "../abi/invalid-input-error.js";
import { fromWasmResult, toWasmArgument } from "../abi/numeric-values.js";
import type { ExportInfo } from "../binary/module-info.js";

/**
 * Calls the numeric entry with JSON inputs and converts its results to JSON.
 * @throws {@link InvalidInputError} when the inputs do not match the parameters.
 */
export function callNumericEntry(
  entry: ExportInfo,
  exported: (...args: unknown[]) => unknown,
  inputs: JsonValue,
): JsonValue {
  const type = entry.type!;
  const list = Array.isArray(inputs) ? inputs : inputs === null ? [] : [inputs];
  if (list.length !== type.params.length) {
    throw new InvalidInputError(
      `entry "${entry.name}" takes ${type.params.length} input(s) (${type.params.join(", ") || "none"}), got ${list.length}`,
    );
  }
  const args = list.map((value, index) => toWasmArgument(value, type.params[index]!, index));
  const raw = exported(...args);
  if (type.results.length === 0) return null;
  if (type.results.length === 1) return fromWasmResult(raw, type.results[0]!);
  const values = raw as unknown[];
  return type.results.map((resultType, index) => fromWasmResult(values[index], resultType));
}
