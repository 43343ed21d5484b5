import type { MetricLabels, Metrics } from "../ports/metrics.js";

/** A {@link Metrics} that keeps counts and observations for reading back (tests, embedding apps). */
export interface InMemoryMetrics extends Metrics {
  /** Current value of a counter, summed over every label set that includes `labels`. */
  count(name: string, labels?: MetricLabels): number;
  /** The most recent observations recorded under a name (at most 10000). */
  observations(name: string): number[];
}

const MAX_OBSERVATIONS = 10_000;

/** Creates an {@link InMemoryMetrics}. Memory is bounded by the distinct name/label sets used. */
export function createInMemoryMetrics(): InMemoryMetrics {
  const counters = new Map<string, { name: string; labels: MetricLabels; value: number }>();
  const histograms = new Map<string, number[]>();
  return {
    increment(name, labels = {}, value = 1) {
      const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      const counter = counters.get(key) ?? { name, labels, value: 0 };
      counter.value += value;
      counters.set(key, counter);
    },
    observe(name, value) {
      const list = histograms.get(name) ?? [];
      list.push(value);
      if (list.length > MAX_OBSERVATIONS) list.shift();
      histograms.set(name, list);
    },
    count(name, labels = {}) {
      let sum = 0;
      for (const counter of counters.values()) {
        if (counter.name !== name) continue;
        if (Object.entries(labels).every(([key, value]) => counter.labels[key] === value)) {
          sum += counter.value;
        }
      }
      return sum;
    },
    observations: (name) => [...(histograms.get(name) ?? [])],
  };
}
