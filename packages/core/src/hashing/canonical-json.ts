import type { JsonValue } from "../schemas/json-value.js";

/** Text already in its final form, queued between the values still to serialise. */
class Literal {
  constructor(readonly text: string) {}
}

/**
 * Serialises a JSON value canonically, in the manner of RFC 8785 (JCS): object members sorted
 * by their UTF-16 code units, no white space, numbers in ECMAScript's shortest form (so `1.0`,
 * `1` and `1e0` all give `1`), strings escaped as `JSON.stringify` does.
 *
 * Iterative (an explicit work stack, no recursion), so any nesting depth serialises without
 * exhausting the call stack: a caller-controlled document cannot make it throw `RangeError`.
 *
 * @throws TypeError for values JSON cannot hold (non-finite numbers, `undefined`, functions).
 */
export function canonicalJson(value: JsonValue): string {
  const output: string[] = [];
  // Items are popped from the end: containers push their closing text first, members last.
  const work: (JsonValue | Literal)[] = [value];
  while (work.length > 0) {
    const item = work.pop() as JsonValue | Literal;
    if (item instanceof Literal) {
      output.push(item.text);
    } else if (item === null || typeof item === "boolean" || typeof item === "string") {
      output.push(JSON.stringify(item));
    } else if (typeof item === "number") {
      if (!Number.isFinite(item)) throw new TypeError(`cannot canonicalise number ${item}`);
      // -0 serialises as 0, as JCS requires.
      output.push(JSON.stringify(item));
    } else if (Array.isArray(item)) {
      output.push("[");
      work.push(new Literal("]"));
      for (let index = item.length - 1; index >= 0; index--) {
        work.push(item[index] as JsonValue);
        if (index > 0) work.push(new Literal(","));
      }
    } else if (typeof item === "object") {
      const keys = Object.keys(item)
        .filter((key) => item[key] !== undefined)
        .sort(compareCodeUnits);
      output.push("{");
      work.push(new Literal("}"));
      for (let index = keys.length - 1; index >= 0; index--) {
        const key = keys[index] as string;
        work.push(item[key] as JsonValue);
        work.push(new Literal(`${index > 0 ? "," : ""}${JSON.stringify(key)}:`));
      }
    } else {
      throw new TypeError(`cannot canonicalise a value of type ${typeof item}`);
    }
  }
  return output.join("");
}

function compareCodeUnits(left: string, right: string): number {
  // Default sort compares UTF-16 code units, which is what JCS specifies.
  return left < right ? -1 : left > right ? 1 : 0;
}
