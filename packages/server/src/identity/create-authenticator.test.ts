import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigurationError, loadServerConfig } from "../config/server-config.js";
import { createApiKey } from "./create-api-key.js";
import { createAuthenticatorFromConfig } from "./create-authenticator.js";

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "relay-create-authenticator-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const build = (environment: Record<string, string>) =>
  createAuthenticatorFromConfig(loadServerConfig(environment));

describe("RELAY_AUTH selection", () => {
  it("defaults to dev-headers outside production", async () => {
    expect((await build({})).name).toBe("dev-headers");
  });

  it("refuses dev-headers under NODE_ENV=production unless forced", async () => {
    await expect(build({ NODE_ENV: "production" })).rejects.toThrow(/RELAY_ALLOW_DEV_HEADERS/);
    await expect(
      build({ NODE_ENV: "production", RELAY_AUTH: "dev-headers" }),
    ).rejects.toBeInstanceOf(ConfigurationError);
    const forced = await build({ NODE_ENV: "production", RELAY_ALLOW_DEV_HEADERS: "true" });
    expect(forced.name).toBe("dev-headers");
  });

  it("builds api-key from a keys file and refuses it without one", async () => {
    const file = join(directory, "keys.json");
    await createApiKey({ file, userId: "alice" });
    expect((await build({ RELAY_AUTH: "api-key", RELAY_API_KEYS_FILE: file })).name).toBe(
      "api-key",
    );
    await expect(build({ RELAY_AUTH: "api-key" })).rejects.toThrow(/RELAY_API_KEYS_FILE/);
  });

  it("builds jwt from exactly one of a secret and a JWKS URL", async () => {
    const secret = "x".repeat(32);
    expect((await build({ RELAY_AUTH: "jwt", RELAY_JWT_SECRET: secret })).name).toBe("jwt");
    expect(
      (await build({ RELAY_AUTH: "jwt", RELAY_JWKS_URL: "https://issuer.test/jwks" })).name,
    ).toBe("jwt");
    await expect(build({ RELAY_AUTH: "jwt" })).rejects.toThrow(/exactly one/);
    await expect(
      build({ RELAY_AUTH: "jwt", RELAY_JWT_SECRET: secret, RELAY_JWKS_URL: "https://i.test/j" }),
    ).rejects.toThrow(/exactly one/);
    await expect(build({ RELAY_AUTH: "jwt", RELAY_JWT_SECRET: "short" })).rejects.toThrow(
      /RELAY_JWT_SECRET: must be at least 32 bytes/,
    );
  });

  it("reads a comma-separated audience list", async () => {
    const secret = "x".repeat(32);
    const authenticator = await build({
      RELAY_AUTH: "jwt",
      RELAY_JWT_SECRET: secret,
      RELAY_JWT_AUDIENCE: "billing, wasm-relay",
    });
    const { SignJWT } = await import("jose");
    const sign = (aud: string) =>
      new SignJWT({ sub: "alice", aud })
        .setProtectedHeader({ alg: "HS256" })
        .setExpirationTime("1m")
        .sign(new TextEncoder().encode(secret));
    const identity = await authenticator.authenticate({
      authorization: `Bearer ${await sign("wasm-relay")}`,
    });
    expect(identity.userId).toBe("alice");
    await expect(
      authenticator.authenticate({ authorization: `Bearer ${await sign("reports")}` }),
    ).rejects.toThrow(/aud/);
  });

  it("counts empty values as unset", () => {
    const config = loadServerConfig({
      RELAY_AUTH: "",
      RELAY_AUTHORIZER: " ",
      RELAY_AUTHORIZER_TIMEOUT: "",
      RELAY_JWT_CLOCK_TOLERANCE: "",
    });
    expect(config).toMatchObject({
      RELAY_AUTH: "dev-headers",
      RELAY_AUTHORIZER: "allow-all",
      RELAY_AUTHORIZER_TIMEOUT: 1000,
      RELAY_JWT_CLOCK_TOLERANCE: 30,
    });
  });

  it("names bad values of the variables", () => {
    expect(() => loadServerConfig({ RELAY_AUTH: "basic" })).toThrow(/RELAY_AUTH must be/);
    expect(() => loadServerConfig({ RELAY_ALLOW_DEV_HEADERS: "maybe" })).toThrow(
      /RELAY_ALLOW_DEV_HEADERS must be true or false/,
    );
    expect(() => loadServerConfig({ RELAY_JWKS_URL: "ftp://x" })).toThrow(/RELAY_JWKS_URL/);
    expect(() => loadServerConfig({ RELAY_JWT_CLOCK_TOLERANCE: "3600" })).toThrow(/at most 300/);
  });
});
