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
 * Recursive for the first 64 levels (fast for the few levels of a request document), iterative
 * (an explicit work stack) below them, so any nesting depth serialises without exhausting the
 * call stack: a caller-controlled document cannot make it throw `RangeError`.
 *
 * @throws TypeError for values JSON cannot hold (non-finite numbers, `undefined`, functions).
 */
export function canonicalJson(value: JsonValue): string {
  return shallowCanonicalJson(value, 0);
}

/**
 * Nesting depth up to which {@link shallowCanonicalJson} recurses; a deeper value is handed to
 * the iterative {@link deepCanonicalJson}, so the stack used stays bounded.
 */
const RECURSION_LIMIT = 64;

/**
 * The same text as {@link deepCanonicalJson}, built by direct recursion (a request document is
 * a few levels deep: no work stack, no queued literals); subtrees deeper than
 * {@link RECURSION_LIMIT} go to the iterative serialiser.
 */
function shallowCanonicalJson(value: JsonValue, depth: number): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`cannot canonicalise number ${value}`);
    // -0 serialises as 0, as JCS requires.
    return JSON.stringify(value);
  }
  if (typeof value !== "object") {
    throw new TypeError(`cannot canonicalise a value of type ${typeof value}`);
  }
  if (depth >= RECURSION_LIMIT) return deepCanonicalJson(value);
  if (Array.isArray(value)) {
    let text = "[";
    for (let index = 0; index < value.length; index++) {
      if (index > 0) text += ",";
      text += shallowCanonicalJson(value[index] as JsonValue, depth + 1);
    }
    return `${text}]`;
  }
  const keys = Object.keys(value).sort(compareCodeUnits);
  let text = "{";
  let first = true;
  for (const key of keys) {
    const member = value[key];
    if (member === undefined) continue;
    text += first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`;
    first = false;
    text += shallowCanonicalJson(member, depth + 1);
  }
  return `${text}}`;
}

/** The iterative serialiser behind {@link canonicalJson}: any depth, an explicit work stack. */
function deepCanonicalJson(value: JsonValue): string {
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
