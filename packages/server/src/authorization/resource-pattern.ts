/**
 * A resource or principal pattern: `*` matches any run of characters (including none), every
 * other character matches itself. `glyph://calculator@*` matches every version of the
 * calculator glyph; `*` matches everything; a CID matches only itself.
 */
export interface Pattern {
  /** The pattern as written. */
  readonly source: string;
  /** Whether `value` matches the whole pattern. */
  matches(value: string): boolean;
}

/** Compiles a pattern (see {@link Pattern}). Never throws. */
export function compilePattern(source: string): Pattern {
  if (source === "*") return { source, matches: () => true };
  if (!source.includes("*")) return { source, matches: (value) => value === source };
  const escaped = source
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, "\\$&"))
    .join(".*");
  const expression = new RegExp(`^${escaped}$`, "s");
  return { source, matches: (value) => expression.test(value) };
}
