import type { Metrics } from "@wasm-relay/core";

/**
 * A {@link Metrics} that records every counter and observation in each of `targets` (e.g. an
 * application's own metrics and the server's Prometheus registry).
 */
export function teeMetrics(...targets: Metrics[]): Metrics {
  return {
    increment(name, labels, value) {
      for (const target of targets) target.increment(name, labels, value);
    },
    observe(name, value, labels) {
      for (const target of targets) target.observe(name, value, labels);
    },
  };
}
