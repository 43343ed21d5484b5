import type { JsonValue } from "../schemas/json-value.js";

/**
 * Serialises a JSON value canonically, in the manner of RFC 8785 (JCS): object members sorted
 * by their UTF-16 code units, no white space, numbers in ECMAScript's shortest form (so `1.0`,
 * `1` and `1e0` all give `1`), strings escaped as `JSON.stringify` does.
 *
 * @throws TypeError for values JSON cannot hold (non-finite numbers, `undefined`, functions).
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalise number ${value}`);
    // -0 serialises as 0, as JCS requires.
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(",")}]`;
  }
  if (typeof value === "object") {
    const keys = Object.keys(value).sort(compareCodeUnits);
    const members: string[] = [];
    for (const key of keys) {
      const member = value[key];
      if (member === undefined) continue;
      members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
    }
    return `{${members.join(",")}}`;
  }
  throw new TypeError(`cannot canonicalise a value of type ${typeof value}`);
}

function compareCodeUnits(left: string, right: string): number {
  // Default sort compares UTF-16 code units, which is what JCS specifies.
  return left < right ? -1 : left > right ? 1 : 0;
}
