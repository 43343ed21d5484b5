import { z } from "zod";

/** Any value that survives a JSON round trip. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** zod schema for {@link JsonValue}: finite numbers only, no `undefined`, no functions. */
export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number().refine(Number.isFinite, "must be a finite number"),
    z.boolean(),
    z.null(),
    z.array(jsonValueSchema),
    z.record(z.string(), jsonValueSchema),
  ]),
);

/** Bounds on the shape of a caller's JSON document, checked before any recursive step sees it. */
export interface JsonBounds {
  /** Deepest nesting of arrays and objects (`[1]` is 1 deep, `1` is 0). @default 64 */
  maxDepth: number;
  /** Most values in the document, counting every array, object, member and element. @default 100000 */
  maxValues: number;
}

/** The defaults of {@link JsonBounds}. */
export const DEFAULT_JSON_BOUNDS: JsonBounds = { maxDepth: 64, maxValues: 100_000 };

/** Which bound a document passes, and the limit it passes. */
export type JsonBoundsViolation =
  | { bound: "depth"; limit: number }
  | { bound: "values"; limit: number };

/**
 * Measures a (parsed, untrusted) document against `bounds` without recursion: an explicit
 * stack, stopping at the first bound passed, so its cost is at most `maxValues` steps whatever
 * the input. Values other than arrays and plain objects count as one value each.
 * @returns the bound passed first, or `undefined` when the document stays within both.
 */
export function findJsonBoundsViolation(
  value: unknown,
  bounds: JsonBounds,
): JsonBoundsViolation | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  let values = 0;
  while (pending.length > 0) {
    const item = pending.pop() as { value: unknown; depth: number };
    values++;
    if (values > bounds.maxValues) return { bound: "values", limit: bounds.maxValues };
    if (item.value === null || typeof item.value !== "object") continue;
    const depth = item.depth + 1;
    if (depth > bounds.maxDepth) return { bound: "depth", limit: bounds.maxDepth };
    const members = Array.isArray(item.value) ? item.value : Object.values(item.value);
    if (values + members.length > bounds.maxValues) {
      return { bound: "values", limit: bounds.maxValues };
    }
    for (const member of members) pending.push({ value: member, depth });
  }
  return undefined;
}
