/** One sample of a Prometheus text exposition. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed exposition: samples, and the declared type of every metric family. */
export interface PrometheusExposition {
  samples: PrometheusSample[];
  /** Family name → `counter`, `gauge`, `histogram`, `summary` or `untyped`. */
  types: Map<string, string>;
}

/** Parses the Prometheus text format (0.0.4): enough for tests to read counters and gauges. */
export function parsePrometheusText(text: string): PrometheusExposition {
  const samples: PrometheusSample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    const typeLine = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (typeLine) {
      types.set(typeLine[1]!, typeLine[2]!);
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, escaped: string) =>
        escaped === "n" ? "\n" : escaped,
      );
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return { samples, types };
}

/** Sum of the samples named `name` whose labels include `labels`. */
export function sumOf(
  exposition: PrometheusExposition,
  name: string,
  labels: Record<string, string> = {},
): number {
  return exposition.samples
    .filter((sample) => sample.name === name)
    .filter((sample) =>
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((total, sample) => total + sample.value, 0);
}

/**
 * Every series name a scrape can contain: counters and gauges by family name, histograms and
 * summaries with their `_bucket`, `_sum`, `_count` series.
 */
export function exportedSeriesNames(exposition: PrometheusExposition): Set<string> {
  const names = new Set<string>();
  for (const [family, type] of exposition.types) {
    names.add(family);
    if (type === "histogram")
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${family}${suffix}`);
    if (type === "summary")
      for (const suffix of ["_sum", "_count"]) names.add(`${family}${suffix}`);
  }
  for (const sample of exposition.samples) names.add(sample.name);
  return names;
}
