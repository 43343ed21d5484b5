import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";
import { deleteKeys } from "../queue/queue-processes.js";
import { exportedSeriesNames, parsePrometheusText } from "./prometheus-text.js";
import { promqlMetricNames } from "./promql-metric-names.js";

const DASHBOARD = new URL("../../../../docs/grafana/relay.json", import.meta.url);

/** Every PromQL query of a dashboard: panel targets' `expr` and query variables. */
function queriesOf(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) queriesOf(item, found);
  } else if (node && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      if ((key === "expr" || key === "definition") && typeof value === "string") found.push(value);
      else queriesOf(value, found);
    }
  }
  return found;
}

let relay: Awaited<ReturnType<typeof startRelayServer>>;
let queueRelay: Awaited<ReturnType<typeof startRelayServer>>;
const queuePrefix = `test:grafana:${Math.random().toString(36).slice(2, 10)}:`;
let exported: Set<string>;
let dashboard: Record<string, unknown>;

beforeAll(async () => {
  relay = await startRelayServer({ env: { RELAY_WORKERS: "1" } });
  // The queue's metrics are exported by a relay in queue mode (it starts without workers).
  queueRelay = await startRelayServer({
    env: {
      RELAY_EXECUTOR: "queue",
      REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
      REDIS_KEY_PREFIX: queuePrefix,
    },
  });
  exported = new Set([
    ...exportedSeriesNames(parsePrometheusText(await (await fetch(`${relay.url}/metrics`)).text())),
    ...exportedSeriesNames(
      parsePrometheusText(await (await fetch(`${queueRelay.url}/metrics`)).text()),
    ),
  ]);
  dashboard = JSON.parse(await readFile(DASHBOARD, "utf8")) as Record<string, unknown>;
});
afterAll(async () => {
  await relay?.close();
  await queueRelay?.close();
  await deleteKeys(queuePrefix);
});

describe("docs/grafana/relay.json", () => {
  it("is an importable dashboard with a Prometheus data source input", () => {
    expect(dashboard.title).toBe("wasm-relay");
    expect(dashboard.__inputs).toEqual([
      expect.objectContaining({ name: "DS_PROMETHEUS", pluginId: "prometheus" }),
    ]);
    expect(Array.isArray(dashboard.panels)).toBe(true);
  });

  it("names only metrics the server exports, in every query", () => {
    const queries = queriesOf(dashboard);
    expect(queries.length).toBeGreaterThan(15);
    for (const query of queries) {
      const names = promqlMetricNames(query);
      expect(names.length, query).toBeGreaterThan(0);
      for (const name of names) expect(exported.has(name), `${name} in ${query}`).toBe(true);
    }
  });

  it("covers the seed's metrics, queue and workers, and the fallback state", () => {
    const used = new Set(queriesOf(dashboard).flatMap(promqlMetricNames));
    for (const name of [
      "relay_execute_wasm_success_total",
      "relay_execute_wasm_error_total",
      "relay_execute_wasm_invalid_request_total",
      "relay_execute_wasm_rate_limited_total",
      "relay_execute_wasm_permission_denied_total",
      "relay_execute_wasm_idempotent_hit_total",
      "relay_execute_wasm_duration_seconds_bucket",
      "relay_execute_wasm_gas_used_bucket",
      "relay_executor_queue_depth",
      "relay_executor_busy_workers",
      "relay_executor_pool_size",
      "relay_store_fallback_active",
      "relay_queue_wait_seconds_bucket",
      "relay_queue_run_seconds_bucket",
      "relay_queue_jobs",
      "relay_queue_workers_online",
      "relay_queue_oldest_job_age_seconds",
    ]) {
      expect(used.has(name), name).toBe(true);
    }
  });
});

describe("promqlMetricNames", () => {
  it("finds selectors and skips functions, labels, keywords and ranges", () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (le) (rate(a_bucket{instance=~"$instance", code="x"}[$__rate_interval]))) / on (job) b_total offset 5m',
      ),
    ).toEqual(["a_bucket", "b_total"]);
    expect(promqlMetricNames("label_values(relay_x_total, instance)")).toEqual(["relay_x_total"]);
  });

  it("would catch a name the server does not export", () => {
    expect(promqlMetricNames("sum(rate(relay_made_up_total[5m]))")).toEqual([
      "relay_made_up_total",
    ]);
    expect(exported.has("relay_made_up_total")).toBe(false);
  });
});
