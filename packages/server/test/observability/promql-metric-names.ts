const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "and",
  "or",
  "unless",
  "inf",
  "nan",
]);

/**
 * The metric names a PromQL expression selects: identifiers that are not functions or
 * aggregations (followed by `(`), keywords, label names inside `{…}` or grouping clauses, range
 * selectors or string literals. Grafana's `label_values(metric, label)` counts its first argument.
 */
export function promqlMetricNames(expression: string): string[] {
  let text = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const labelValues = /label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,[^)]*\)/g;
  const names: string[] = [];
  text = text.replace(labelValues, (_, metric: string) => {
    names.push(metric);
    return " ";
  });
  for (const match of text.matchAll(/(?<![0-9a-zA-Z_:.$])[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const identifier = match[0];
    const after = text.slice((match.index ?? 0) + identifier.length);
    if (/^\s*\(/.test(after)) continue;
    if (KEYWORDS.has(identifier.toLowerCase())) continue;
    names.push(identifier);
  }
  return names;
}
