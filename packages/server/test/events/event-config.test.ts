import { describe, expect, it } from "vitest";
import { ConfigurationError, loadServerConfig } from "../../src/config/server-config.js";

describe("event configuration", () => {
  it("has the documented defaults", () => {
    const config = loadServerConfig({});
    expect(config.RELAY_EVENT_RETENTION).toBe(10_000);
    expect(config.RELAY_EVENT_HEARTBEAT).toBe(15_000);
    expect(config.RELAY_EVENT_BUFFER).toBe(262_144);
    expect(config.RELAY_EVENT_STREAM_PREFIX).toBeUndefined();
  });

  it("names a bad event variable", () => {
    for (const [name, value] of [
      ["RELAY_EVENT_RETENTION", "0"],
      ["RELAY_EVENT_HEARTBEAT", "soon"],
      ["RELAY_EVENT_BUFFER", "-1"],
    ] as const) {
      expect(() => loadServerConfig({ [name]: value })).toThrow(ConfigurationError);
      expect(() => loadServerConfig({ [name]: value })).toThrow(name);
    }
  });
});
