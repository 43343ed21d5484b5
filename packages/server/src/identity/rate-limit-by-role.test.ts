import { describe, expect, it } from "vitest";
import { loadServerConfig } from "../config/server-config.js";
import { parseRateLimitByRole } from "./rate-limit-by-role.js";

describe("RELAY_RATE_LIMIT_BY_ROLE", () => {
  it("reads role=limit pairs", () => {
    const parsed = parseRateLimitByRole(" admin=1000, batch = 100 ,");
    expect(parsed).toEqual({ ok: true, limits: { admin: 1000, batch: 100 } });
  });

  it.each([
    ["admin", "is not role=limit"],
    ["admin=ten", "is not role=limit"],
    ["admin=0", "at least 1"],
    ["admin=5,admin=6", "listed twice"],
  ])("refuses %s", (text, message) => {
    const parsed = parseRateLimitByRole(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.message).toContain(message);
  });

  it("does not confuse a role named constructor with Object's members", () => {
    const parsed = parseRateLimitByRole("constructor=5");
    expect(parsed.ok && parsed.limits.constructor).toBe(5);
  });

  it("reaches the server configuration, and a bad value names the variable", () => {
    expect(
      loadServerConfig({ RELAY_RATE_LIMIT_BY_ROLE: "admin=1000" }).RELAY_RATE_LIMIT_BY_ROLE,
    ).toEqual({
      admin: 1000,
    });
    expect(loadServerConfig({}).RELAY_RATE_LIMIT_BY_ROLE).toEqual({});
    expect(() => loadServerConfig({ RELAY_RATE_LIMIT_BY_ROLE: "admin:1000" })).toThrow(
      /RELAY_RATE_LIMIT_BY_ROLE.*admin:1000/,
    );
  });
});
