import { describe, expect, it } from "vitest";
import { ConfigurationError, loadServerConfig } from "./server-config.js";

describe("loadServerConfig", () => {
  it("takes the embedded defaults from an empty environment", () => {
    const config = loadServerConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      RELAY_RATE_LIMIT: 10,
      RELAY_RATE_WINDOW: 60000,
      RELAY_IDEMPOTENCY_TTL: 300000,
    });
    expect(config.REDIS_URL).toBeUndefined();
  });

  it("names every bad variable", () => {
    try {
      loadServerConfig({ PORT: "eighty", RELAY_RATE_LIMIT: "0", REDIS_URL: "not a url" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      const message = (error as Error).message;
      expect(message).toContain("PORT");
      expect(message).toContain("RELAY_RATE_LIMIT");
      expect(message).toContain("REDIS_URL");
    }
  });

  it("refuses defaults above their maxima", () => {
    expect(() => loadServerConfig({ RELAY_DEFAULT_MAX_TIME: "90000" })).toThrow(
      /RELAY_DEFAULT_MAX_TIME/,
    );
  });
});
