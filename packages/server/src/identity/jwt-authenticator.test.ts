import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpProblem } from "../http/http-problem.js";
import { createJwtAuthenticator } from "./jwt-authenticator.js";

const SECRET = "a-test-secret-of-at-least-32-bytes-long!";
const secretKey = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

function hs256(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256", ...header }).sign(secretKey);
}

const valid = {
  sub: "alice",
  sid: "session-1",
  roles: ["admin"],
  iss: "https://issuer.test",
  aud: "wasm-relay",
};

async function outcome(authenticator: ReturnType<typeof createJwtAuthenticator>, token: string) {
  try {
    return await authenticator.authenticate({
      authorization: `Bearer ${token}`,
      user_id: "mallory",
    });
  } catch (error) {
    if (error instanceof HttpProblem) return error;
    throw error;
  }
}

function expectRefused(result: unknown, status = 401): HttpProblem {
  expect(result).toBeInstanceOf(HttpProblem);
  const problem = result as HttpProblem;
  expect(problem.problem.status).toBe(status);
  if (status === 401)
    expect(problem.headers["WWW-Authenticate"]).toContain('error="invalid_token"');
  return problem;
}

describe("jwt authenticator with an HS256 secret", () => {
  const authenticator = createJwtAuthenticator({
    secret: SECRET,
    issuer: "https://issuer.test",
    audience: "wasm-relay",
    clockToleranceSeconds: 30,
  });

  it("maps sub, sid and roles, ignoring identity headers", async () => {
    const token = await hs256({ ...valid, exp: now() + 60 });
    expect(await outcome(authenticator, token)).toEqual({
      userId: "alice",
      sessionId: "session-1",
      roles: ["admin"],
    });
  });

  it("refuses expired, wrong-issuer, wrong-audience, unsigned and tampered tokens with 401", async () => {
    const good = await hs256({ ...valid, exp: now() + 60 });
    const [header, payload, signature] = good.split(".");
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...valid, sub: "mallory", exp: now() + 60 }),
    ).toString("base64url");
    const flipped = `${signature!.slice(0, -2)}${signature!.endsWith("AA") ? "BB" : "AA"}`;
    const cases: [string, string][] = [
      [await hs256({ ...valid, exp: now() - 120 }), "expired"],
      [await hs256({ ...valid, iss: "https://evil.test", exp: now() + 60 }), "iss"],
      [await hs256({ ...valid, aud: "another-service", exp: now() + 60 }), "aud"],
      [new UnsecuredJWT({ ...valid, exp: now() + 60 }).encode(), "algorithm"],
      [`${header}.${forgedPayload}.${signature}`, "signature"],
      [`${header}.${payload}.${flipped}`, "signature"],
      [await hs256({ ...valid, exp: now() + 60 }, { alg: "HS512" }), "algorithm"],
      [await hs256({ ...valid }), "exp"],
      [await hs256({ ...valid, sub: undefined, exp: now() + 60 }), "sub"],
      [await hs256({ ...valid, roles: [1, 2], exp: now() + 60 }), "roles claim"],
      ["not.a.jwt", "malformed"],
    ];
    for (const [token, detail] of cases) {
      const problem = expectRefused(await outcome(authenticator, token));
      expect(problem.problem.detail, token).toContain(detail);
    }
  });

  it("tolerates clock skew within the bound and no more", async () => {
    expect(await outcome(authenticator, await hs256({ ...valid, exp: now() - 20 }))).toMatchObject({
      userId: "alice",
    });
    expectRefused(await outcome(authenticator, await hs256({ ...valid, exp: now() - 40 })));
    expectRefused(
      await outcome(authenticator, await hs256({ ...valid, nbf: now() + 120, exp: now() + 600 })),
    );
  });

  it("accepts any of several audiences", async () => {
    const several = createJwtAuthenticator({ secret: SECRET, audience: ["billing", "wasm-relay"] });
    const token = await hs256({ sub: "bob", aud: "wasm-relay", exp: now() + 60 });
    expect(await outcome(several, token)).toMatchObject({ userId: "bob" });
    const other = await hs256({ sub: "bob", aud: "reports", exp: now() + 60 });
    expectRefused(await outcome(several, other));
  });

  it("reads roles from a dotted claim or a space-separated string", async () => {
    const nested = createJwtAuthenticator({ secret: SECRET, rolesClaim: "realm_access.roles" });
    const token = await hs256({ sub: "bob", realm_access: { roles: ["batch"] }, exp: now() + 60 });
    expect(await outcome(nested, token)).toEqual({ userId: "bob", roles: ["batch"] });
    const scoped = createJwtAuthenticator({ secret: SECRET, rolesClaim: "scope" });
    const spaced = await hs256({ sub: "bob", scope: "read write", exp: now() + 60 });
    expect(await outcome(scoped, spaced)).toMatchObject({ roles: ["read", "write"] });
  });

  it("refuses a short secret, and neither or both of secret and JWKS", () => {
    expect(() => createJwtAuthenticator({ secret: "short" })).toThrow(/32 bytes/);
    expect(() => createJwtAuthenticator({})).toThrow(/exactly one/);
    expect(() =>
      createJwtAuthenticator({ secret: SECRET, jwksUrl: "http://127.0.0.1/jwks" }),
    ).toThrow(/exactly one/);
  });
});

describe("jwt authenticator with a JWKS on loopback", () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: CryptoKey;
  let publicPem: string;
  let requests = 0;

  beforeAll(async () => {
    const pair = await generateKeyPair("ES256", { extractable: true });
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "key-1", alg: "ES256", use: "sig" };
    publicPem = JSON.stringify(jwk);
    server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const es256 = (claims: Record<string, unknown>, kid = "key-1") =>
    new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid }).sign(privateKey);

  it("verifies tokens signed by a key of the set, fetching the set once", async () => {
    const authenticator = createJwtAuthenticator({ jwksUrl, audience: "wasm-relay" });
    const before = requests;
    for (let i = 0; i < 3; i += 1) {
      const token = await es256({ sub: "carol", aud: "wasm-relay", exp: now() + 60 });
      expect(await outcome(authenticator, token)).toEqual({ userId: "carol", roles: [] });
    }
    expect(requests - before).toBe(1);
  });

  it("refuses an HS256 token keyed with the public key (algorithm confusion) and unknown kids", async () => {
    const authenticator = createJwtAuthenticator({ jwksUrl });
    const confused = await new SignJWT({ sub: "mallory", exp: now() + 60 })
      .setProtectedHeader({ alg: "HS256", kid: "key-1" })
      .sign(new TextEncoder().encode(publicPem));
    expect(expectRefused(await outcome(authenticator, confused)).problem.detail).toContain(
      "algorithm",
    );
    const stranger = await generateKeyPair("ES256");
    const unknown = await new SignJWT({ sub: "mallory", exp: now() + 60 })
      .setProtectedHeader({ alg: "ES256", kid: "key-2" })
      .sign(stranger.privateKey);
    expectRefused(await outcome(authenticator, unknown));
  });

  it("answers 503, not 401, when the key set cannot be fetched", async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, "127.0.0.1", resolve));
    const port = (down.address() as AddressInfo).port;
    await new Promise((resolve) => down.close(resolve));
    const authenticator = createJwtAuthenticator({ jwksUrl: `http://127.0.0.1:${port}/jwks` });
    const problem = expectRefused(
      await outcome(authenticator, await es256({ sub: "carol", exp: now() + 60 })),
      503,
    );
    expect(problem.headers["Retry-After"]).toBe("5");
  });
});
