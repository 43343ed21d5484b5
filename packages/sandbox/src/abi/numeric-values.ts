import type { JsonValue } from "@wasm-relay/core";
import type { ValueType } from "../binary/module-info.js";
import { InvalidInputError } from "./invalid-input-error.js";

const I64_MIN = -(2n ** 63n);
const U64_MAX = 2n ** 64n - 1n;

/**
 * Converts one JSON input to the JavaScript value the WebAssembly JS API expects for `type`.
 * i32 takes integers in [-2^31, 2^32); i64 takes safe integers or decimal strings in
 * [-2^63, 2^64); f32/f64 take any finite number.
 * @throws {@link InvalidInputError} naming the parameter when the value does not fit.
 */
export function toWasmArgument(value: JsonValue, type: ValueType, index: number): number | bigint {
  const where = `inputs[${index}] (${type})`;
  switch (type) {
    case "i32":
      if (typeof value !== "number" || !Number.isInteger(value))
        throw new InvalidInputError(`${where} must be an integer`);
      if (value < -(2 ** 31) || value >= 2 ** 32)
        throw new InvalidInputError(`${where} is out of range`);
      return value;
    case "i64": {
      let big: bigint;
      if (typeof value === "number") {
        if (!Number.isSafeInteger(value))
          throw new InvalidInputError(`${where} must be a safe integer or a decimal string`);
        big = BigInt(value);
      } else if (typeof value === "string" && /^-?\d{1,20}$/.test(value)) {
        big = BigInt(value);
      } else {
        throw new InvalidInputError(`${where} must be an integer or a decimal string`);
      }
      if (big < I64_MIN || big > U64_MAX) throw new InvalidInputError(`${where} is out of range`);
      return BigInt.asIntN(64, big);
    }
    case "f32":
    case "f64":
      if (typeof value !== "number") throw new InvalidInputError(`${where} must be a number`);
      return value;
    default:
      throw new InvalidInputError(`${where}: parameters of type ${type} cannot be passed as JSON`);
  }
}

/**
 * Converts one result of the entry to JSON: i64 becomes a number when it is a safe integer and
 * a decimal string otherwise; NaN and infinities become the strings "NaN", "Infinity", "-Infinity";
 * references become null.
 */
export function fromWasmResult(value: unknown, type: ValueType): JsonValue {
  if (type === "i64") {
    const big = value as bigint;
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(big)
      : big.toString();
  }
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  return null;
}
