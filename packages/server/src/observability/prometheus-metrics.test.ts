import { METRIC_NAMES } from "@wasm-relay/core";
import { describe, expect, it } from "vitest";
import { ladderBuckets } from "./metric-buckets.js";
import { createPrometheusMetrics, prometheusCounterName } from "./prometheus-metrics.js";

async function sample(
  metrics: ReturnType<typeof createPrometheusMetrics>,
  name: string,
  labels: Record<string, string> = {},
  metricName?: string,
) {
  const json = await metrics.registry.getMetricsAsJSON();
  const metric = json.find((entry) => entry.name === name);
  if (!metric) return undefined;
  const value = metric.values.find(
    (entry) =>
      (metricName === undefined || (entry as { metricName?: string }).metricName === metricName) &&
      Object.entries(labels).every(([key, expected]) => String(entry.labels[key]) === expected),
  );
  return value?.value;
}

describe("createPrometheusMetrics", () => {
  it("exports the seed's counters under Prometheus names", async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    metrics.increment(METRIC_NAMES.success);
    metrics.increment(METRIC_NAMES.success);
    metrics.increment(METRIC_NAMES.rateLimited, {}, 3);
    expect(await sample(metrics, "relay_execute_wasm_success_total")).toBe(2);
    expect(await sample(metrics, "relay_execute_wasm_rate_limited_total")).toBe(3);
    const text = await metrics.render();
    for (const name of [
      "relay_execute_wasm_success_total",
      "relay_execute_wasm_error_total",
      "relay_execute_wasm_invalid_request_total",
      "relay_execute_wasm_rate_limited_total",
      "relay_execute_wasm_permission_denied_total",
      "relay_execute_wasm_idempotent_hit_total",
      "relay_execute_wasm_duration_seconds",
      "relay_execute_wasm_gas_used",
      "relay_store_fallback_total",
      "relay_bus_publish_failed_total",
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
  });

  it("keeps error codes, topics and stores as labels", async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    metrics.increment(METRIC_NAMES.error, { code: "trap" });
    metrics.increment(METRIC_NAMES.error, { code: "trap" });
    metrics.increment(METRIC_NAMES.error, { code: "timeout" });
    metrics.increment("relay.store.fallback", { store: "rate_limit" });
    metrics.increment("relay.bus.publish_failed", { topic: "wasm_exec_completed" });
    expect(await sample(metrics, "relay_execute_wasm_error_total", { code: "trap" })).toBe(2);
    expect(await sample(metrics, "relay_execute_wasm_error_total", { code: "timeout" })).toBe(1);
    expect(await sample(metrics, "relay_store_fallback_total", { store: "rate_limit" })).toBe(1);
    expect(
      await sample(metrics, "relay_bus_publish_failed_total", { topic: "wasm_exec_completed" }),
    ).toBe(1);
  });

  it("converts durations from milliseconds to seconds", async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    metrics.observe(METRIC_NAMES.duration, 250);
    metrics.observe(METRIC_NAMES.duration, 1500);
    metrics.observe(METRIC_NAMES.gasUsed, 12_345);
    expect(
      await sample(
        metrics,
        "relay_execute_wasm_duration_seconds",
        {},
        "relay_execute_wasm_duration_seconds_sum",
      ),
    ).toBeCloseTo(1.75, 6);
    expect(
      await sample(
        metrics,
        "relay_execute_wasm_duration_seconds",
        { le: "0.25" },
        "relay_execute_wasm_duration_seconds_bucket",
      ),
    ).toBe(1);
    expect(
      await sample(metrics, "relay_execute_wasm_gas_used", {}, "relay_execute_wasm_gas_used_sum"),
    ).toBe(12_345);
  });

  it("shapes buckets to the policy maxima", async () => {
    const metrics = createPrometheusMetrics({
      processMetrics: false,
      maxGas: 5_000_000,
      maxTimeMs: 2_000,
    });
    const text = await metrics.render();
    expect(text).toContain('relay_execute_wasm_gas_used_bucket{le="5000000"}');
    expect(text).not.toContain('relay_execute_wasm_gas_used_bucket{le="10000000"}');
    expect(text).toContain('relay_execute_wasm_duration_seconds_bucket{le="2.5"}');
    expect(text).not.toContain('relay_execute_wasm_duration_seconds_bucket{le="5"}');
  });

  it("exports unknown counters and never throws on odd input", async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    metrics.increment("relay.custom-thing", { kind: "a" });
    metrics.increment("relay.custom-thing", { other: "b" });
    metrics.increment(METRIC_NAMES.success, { unexpected: "label" });
    metrics.increment(METRIC_NAMES.success, {}, Number.NaN);
    metrics.observe(METRIC_NAMES.duration, Number.POSITIVE_INFINITY);
    metrics.observe(METRIC_NAMES.success, 1);
    expect(await sample(metrics, "relay_custom_thing_total", { kind: "a" })).toBe(1);
    expect(await sample(metrics, "relay_custom_thing_total", { kind: "" })).toBe(1);
    expect(await sample(metrics, "relay_execute_wasm_success_total")).toBe(1);
  });

  it("reads gauges at scrape time and skips a failing reader", async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    let depth = 3;
    metrics.gauge({ name: "test_queue_depth", help: "depth", read: () => depth });
    metrics.gauge({
      name: "test_broken",
      help: "broken",
      read: () => {
        throw new Error("boom");
      },
    });
    metrics.gauge({
      name: "test_labelled",
      help: "labelled",
      labelNames: ["store"],
      read: () => [
        { labels: { store: "a" }, value: 1 },
        { labels: { store: "b" }, value: 0 },
      ],
    });
    expect(await sample(metrics, "test_queue_depth")).toBe(3);
    depth = 7;
    expect(await sample(metrics, "test_queue_depth")).toBe(7);
    expect(await sample(metrics, "test_labelled", { store: "a" })).toBe(1);
    await expect(metrics.render()).resolves.toContain("test_queue_depth 7");
  });

  it("adds the default process metrics unless turned off", async () => {
    expect(await createPrometheusMetrics().render()).toContain("process_cpu_user_seconds_total");
    expect(await createPrometheusMetrics({ processMetrics: false }).render()).not.toContain(
      "process_cpu_user_seconds_total",
    );
  });
});

describe("prometheusCounterName", () => {
  it("maps dots to underscores and adds _total once", () => {
    expect(prometheusCounterName("relay.execute_wasm.success")).toBe(
      "relay_execute_wasm_success_total",
    );
    expect(prometheusCounterName("already_total")).toBe("already_total");
    expect(prometheusCounterName("9lives")).toBe("_9lives_total");
  });
});

describe("ladderBuckets", () => {
  it("climbs 1-2.5-5 per decade up to the largest value", () => {
    expect(ladderBuckets(0.001, 0.02)).toEqual([0.001, 0.0025, 0.005, 0.01, 0.025]);
    expect(ladderBuckets(100, 1000)).toEqual([100, 250, 500, 1000]);
  });

  it("refuses an empty range", () => {
    expect(() => ladderBuckets(0, 10)).toThrow(RangeError);
    expect(() => ladderBuckets(10, 1)).toThrow(RangeError);
  });
});
