import type { MetricLabels, Metrics } from "@wasm-relay/core";
import { METRIC_NAMES } from "@wasm-relay/core";
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  Registry as PrometheusRegistry,
  type Registry,
} from "prom-client";
import { STORE_FALLBACK_METRIC } from "../stores/store-fallback-metric.js";
import { ladderBuckets } from "./metric-buckets.js";

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** Registry to register in. @default a new registry of its own */
  registry?: Registry;
  /** Also export prom-client's default process metrics (CPU, memory, event loop…). @default true */
  processMetrics?: boolean;
  /** Largest `max_gas` a request may ask for: the gas histogram's buckets reach it. @default 1000000000 */
  maxGas?: number;
  /** Largest `max_time` a request may ask for: the duration buckets reach it. @unit milliseconds @default 60000 */
  maxTimeMs?: number;
}

/** One value of a collect-time gauge: a number, or values per label set. */
export type GaugeReading = number | ReadonlyArray<{ labels: MetricLabels; value: number }>;

/** Options of {@link PrometheusMetrics.gauge}. */
export interface GaugeOptions {
  /** Prometheus name (e.g. `relay_executor_busy_workers`). */
  name: string;
  /** Help text shown in the exposition. */
  help: string;
  /** Label names, when {@link GaugeOptions.read} returns labelled values. @default [] */
  labelNames?: readonly string[];
  /** Reads the current value; called on every scrape. An exception skips the sample. */
  read: () => GaugeReading;
}

/** The `Metrics` port of core, exported as Prometheus metrics through prom-client. */
export interface PrometheusMetrics extends Metrics {
  /** The registry of the relay's own metrics (the process metrics are added by `render`). */
  readonly registry: Registry;
  /** Registers a gauge whose value is read at scrape time (queue depth, busy workers…). */
  gauge(options: GaugeOptions): void;
  /** The text exposition of every metric. */
  render(): Promise<string>;
  /** Media type of {@link PrometheusMetrics.render}'s text. */
  readonly contentType: string;
}

interface CounterSpec {
  kind: "counter";
  name: string;
  help: string;
  labelNames: readonly string[];
}

interface HistogramSpec {
  kind: "histogram";
  name: string;
  help: string;
  labelNames: readonly string[];
  buckets: number[];
  /** Factor applied to each observation (milliseconds to seconds). */
  scale: number;
}

let sharedProcessRegistry: Registry | undefined;

/**
 * The default process metrics (CPU, memory, event loop, GC), collected once per process: they
 * describe the process, not one server, and their event-loop monitor is not to be started again
 * for every server a process creates.
 */
function processRegistry(): Registry {
  if (!sharedProcessRegistry) {
    sharedProcessRegistry = new PrometheusRegistry();
    collectDefaultMetrics({ register: sharedProcessRegistry });
  }
  return sharedProcessRegistry;
}

/**
 * Prometheus name of a core metric name: dots become underscores, counters end in `_total`
 * (`relay.execute_wasm.success` → `relay_execute_wasm_success_total`).
 */
export function prometheusCounterName(name: string): string {
  const base = name.replace(/[^a-zA-Z0-9_:]/g, "_").replace(/^([^a-zA-Z_:])/, "_$1");
  return base.endsWith("_total") ? base : `${base}_total`;
}

/**
 * Creates the server's metrics: the seed's counters and histograms under Prometheus names,
 * error codes as the `code` label, store fallback decisions, bus publish failures, and (unless
 * turned off) the default process metrics. Counters core records under other names are exported
 * too, under {@link prometheusCounterName}. Durations arrive in milliseconds and are exported in
 * seconds. Recording never throws: labels a metric does not declare are dropped.
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  const registry = options.registry ?? new PrometheusRegistry();
  const withProcess = options.processMetrics ?? true;
  // Started now rather than at the first scrape: the process counters count from here.
  if (withProcess) processRegistry();
  const maxTimeSeconds = (options.maxTimeMs ?? 60_000) / 1000;

  const known = new Map<string, CounterSpec | HistogramSpec>();
  const counter = (name: string, help: string, labelNames: readonly string[] = []) =>
    known.set(name, { kind: "counter", name: prometheusCounterName(name), help, labelNames });
  counter(METRIC_NAMES.success, "Executions that ran and succeeded.");
  counter(
    METRIC_NAMES.error,
    "Executions that failed, by error code (trap, timeout, module_not_found…).",
    ["code"],
  );
  counter(METRIC_NAMES.invalidRequest, "Requests refused by validation (400).");
  counter(METRIC_NAMES.rateLimited, "Requests refused by the rate limiter (429).");
  counter(METRIC_NAMES.permissionDenied, "Requests refused by the authorizer (403).");
  counter(METRIC_NAMES.idempotentHit, "Requests answered by replaying a recorded response.");
  counter(METRIC_NAMES.cacheHit, "Requests answered from the result cache (nothing ran).");
  counter(METRIC_NAMES.cacheMiss, "Cacheable requests the result cache could not answer (ran).");
  counter(
    METRIC_NAMES.cacheUnavailable,
    "Result-cache calls that failed; the cache was skipped and the request ran.",
  );
  counter("relay.bus.publish_failed", "Bus messages that could not be published, by topic.", [
    "topic",
  ]);
  counter(
    STORE_FALLBACK_METRIC,
    "Store decisions answered from memory because Redis was unavailable.",
    ["store"],
  );
  known.set(METRIC_NAMES.duration, {
    kind: "histogram",
    name: "relay_execute_wasm_duration_seconds",
    help: "Time spent executing a module, in seconds.",
    labelNames: [],
    buckets: ladderBuckets(0.001, maxTimeSeconds),
    scale: 1 / 1000,
  });
  known.set(METRIC_NAMES.gasUsed, {
    kind: "histogram",
    name: "relay_execute_wasm_gas_used",
    help: "Metered instructions (gas) an execution spent.",
    labelNames: [],
    buckets: ladderBuckets(10, options.maxGas ?? 1_000_000_000),
    scale: 1,
  });

  const instruments = new Map<
    string,
    { spec: CounterSpec | HistogramSpec; metric: Counter | Histogram }
  >();
  const instrument = (name: string, kind: "counter" | "histogram", labels: MetricLabels) => {
    const existing = instruments.get(name);
    if (existing) return existing;
    const spec: CounterSpec | HistogramSpec =
      known.get(name) ??
      (kind === "counter"
        ? {
            kind,
            name: prometheusCounterName(name),
            help: `Counter ${name}.`,
            labelNames: Object.keys(labels).sort(),
          }
        : {
            kind,
            name: name.replace(/[^a-zA-Z0-9_:]/g, "_"),
            help: `Observations of ${name}.`,
            labelNames: Object.keys(labels).sort(),
            buckets: ladderBuckets(1, 1_000_000),
            scale: 1,
          });
    const common = {
      name: spec.name,
      help: spec.help,
      labelNames: [...spec.labelNames],
      registers: [registry],
    };
    const metric =
      spec.kind === "counter"
        ? new Counter(common)
        : new Histogram({ ...common, buckets: spec.buckets });
    const entry = { spec, metric };
    instruments.set(name, entry);
    return entry;
  };
  // Declared metrics appear in the exposition (with HELP and TYPE) before their first sample.
  for (const [name, spec] of known) instrument(name, spec.kind, {});

  const labelsFor = (spec: CounterSpec | HistogramSpec, labels: MetricLabels = {}) =>
    Object.fromEntries(spec.labelNames.map((label) => [label, labels[label] ?? ""]));

  return {
    registry,
    contentType: registry.contentType,
    increment(name, labels, value = 1) {
      try {
        const { spec, metric } = instrument(name, "counter", labels ?? {});
        if (spec.kind !== "counter" || !(value >= 0)) return;
        (metric as Counter).inc(labelsFor(spec, labels), value);
      } catch {
        // A name that clashes with another metric is dropped rather than failing a request.
      }
    },
    observe(name, value, labels) {
      try {
        const { spec, metric } = instrument(name, "histogram", labels ?? {});
        if (spec.kind !== "histogram" || !Number.isFinite(value)) return;
        (metric as Histogram).observe(labelsFor(spec, labels), value * spec.scale);
      } catch {
        // As above: metrics never fail the request they describe.
      }
    },
    gauge({ name, help, labelNames = [], read }) {
      new Gauge({
        name,
        help,
        labelNames: [...labelNames],
        registers: [registry],
        collect() {
          let reading: GaugeReading;
          try {
            reading = read();
          } catch {
            return;
          }
          this.reset();
          if (typeof reading === "number") {
            this.set(reading);
            return;
          }
          for (const sample of reading) {
            this.set(
              Object.fromEntries(labelNames.map((label) => [label, sample.labels[label] ?? ""])),
              sample.value,
            );
          }
        },
      });
    },
    render: () =>
      withProcess
        ? PrometheusRegistry.merge([processRegistry(), registry]).metrics()
        : registry.metrics(),
  };
}
