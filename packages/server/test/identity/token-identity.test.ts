import { mkdtemp, rm } from "node:fs/promises";
import { get, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSseDecoder } from "@wasm-relay/core/sse";
import { SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../src/identity/create-api-key.js";
import { startRelayServer } from "../../src/relay-server.js";

const SECRET = "an-end-to-end-secret-of-32-bytes-or-more";
const ISSUER = "https://issuer.test";
const AUDIENCE = "wasm-relay";

/** How each token authenticator is set up and how a token for a user is made. */
interface Scheme {
  name: "api-key" | "jwt";
  env: () => Promise<Record<string, string>>;
  token: (user: string, roles?: string[]) => Promise<string>;
}

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), "relay-token-identity-"));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

const apiKeyScheme: Scheme = {
  name: "api-key",
  env: async () => ({ RELAY_AUTH: "api-key", RELAY_API_KEYS_FILE: join(directory, "keys.json") }),
  // Keys made after start-up are picked up by the server's reload check (2 s); make them first.
  token: async (user, roles = []) =>
    (await createApiKey({ file: join(directory, "keys.json"), userId: user, roles })).key,
};

const jwtScheme: Scheme = {
  name: "jwt",
  env: async () => ({
    RELAY_AUTH: "jwt",
    RELAY_JWT_SECRET: SECRET,
    RELAY_JWT_ISSUER: ISSUER,
    RELAY_JWT_AUDIENCE: AUDIENCE,
  }),
  token: (user, roles = []) =>
    new SignJWT({ roles, sid: `session-of-${user}` })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(user)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(SECRET)),
};

describe.each([apiKeyScheme, jwtScheme])("with RELAY_AUTH=$name", (scheme) => {
  let relay: Awaited<ReturnType<typeof startRelayServer>>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const roles: Record<string, string[]> = { batcher: ["batch"], root: ["admin"] };
    for (const user of ["alice", "bob", "carol", "dave", "frank", "grace", "batcher", "root"]) {
      tokens[user] = await scheme.token(user, roles[user]);
    }
    relay = await startRelayServer({
      env: {
        ...(await scheme.env()),
        RELAY_WORKERS: "1",
        RELAY_RATE_LIMIT: "3",
        RELAY_RATE_LIMIT_BY_ROLE: "batch=6",
      },
    });
  });
  afterAll(async () => {
    await relay?.close();
  });

  async function execute(
    token: string | undefined,
    forgedUser: string,
    inputs: number[],
    extraHeaders: Record<string, string> = {},
  ) {
    const response = await fetch(`${relay.url}/intent/execute-wasm`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        user_id: forgedUser,
        session_id: "forged-session",
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...extraHeaders,
      },
      body: JSON.stringify({ cid: "glyph://calculator@quantum", inputs }),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  it("counts a forged user_id against the token's user: its rate limit, and its role's", async () => {
    for (let i = 0; i < 3; i += 1) {
      expect((await execute(tokens.alice, `someone-else-${i}`, [i, 0])).status).toBe(200);
    }
    const limited = await execute(tokens.alice, "someone-else-3", [3, 0]);
    expect(limited.status).toBe(429);
    // bob claiming to be alice is still bob, whose budget is untouched.
    expect((await execute(tokens.bob, "alice", [1, 1])).status).toBe(200);
    // The batch role raises the limit to 6.
    for (let i = 0; i < 6; i += 1) {
      expect((await execute(tokens.batcher, "alice", [i, 0])).status).toBe(200);
    }
    expect((await execute(tokens.batcher, "alice", [6, 0])).status).toBe(429);
  });

  it("scopes idempotency keys to the token's user, whatever user_id says", async () => {
    const key = { "Idempotency-Key": `${scheme.name}-shared-key` };
    const first = await execute(tokens.carol, "dave", [1, 2], key);
    expect(first.body).toMatchObject({ success: true, output: 3 });
    // dave's own use of the key is his: executed, not replayed, not a mismatch.
    const dave = await execute(tokens.dave, "carol", [4, 4], key);
    expect(dave.status).toBe(200);
    expect(dave.body).toMatchObject({ output: 8 });
    expect(dave.headers.get("idempotent-replayed")).toBeNull();
    // carol, whatever she claims, replays her own.
    const replay = await execute(tokens.carol, "mallory", [1, 2], key);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first.body);
  });

  it("streams to each token's user only its own events; an admin sees all", async () => {
    const frank = await openEvents(tokens.frank!, "grace");
    const grace = await openEvents(tokens.grace!, "frank");
    const root = await openEvents(tokens.root!, "frank");
    try {
      const own = await execute(tokens.frank, "grace", [10, 1]);
      await frank.until(own.body.request_id as string);
      const other = await execute(tokens.grace, "frank", [20, 2]);
      await grace.until(other.body.request_id as string);
      const ownAgain = await execute(tokens.frank, "grace", [30, 3]);
      await frank.until(ownAgain.body.request_id as string);
      expect(frank.requestIds()).not.toContain(other.body.request_id);
      expect(grace.requestIds()).not.toContain(own.body.request_id);
      expect(grace.requestIds()).toContain(other.body.request_id);
      await root.until(ownAgain.body.request_id as string);
      expect(root.requestIds()).toEqual(
        expect.arrayContaining([own.body.request_id, other.body.request_id]),
      );
    } finally {
      frank.close();
      grace.close();
      root.close();
    }
  });

  it("answers 401 with WWW-Authenticate to identity headers without a token", async () => {
    for (const path of ["/intent/execute-wasm", "/intent/execute-wasm/events"]) {
      const response = await fetch(`${relay.url}${path}`, {
        method: path.endsWith("events") ? "GET" : "POST",
        headers: { user_id: "alice", "Content-Type": "application/json" },
        ...(path.endsWith("events") ? {} : { body: "{}" }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="wasm-relay"');
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(await response.json()).toMatchObject({
        status: 401,
        title: "Authentication required",
      });
    }
  });

  async function openEvents(token: string, forgedUser: string) {
    // node:http rather than fetch: destroying the request closes the socket at once, so the
    // server sees the subscriber leave (an aborted fetch may keep its socket until keep-alive ends).
    const events: { request_id?: string; type?: string }[] = [];
    const waiters = new Set<() => void>();
    const decoder = createSseDecoder((message) => {
      events.push(JSON.parse(message.data));
      for (const wake of waiters) wake();
    });
    const request = get(`${relay.url}/intent/execute-wasm/events`, {
      headers: { Authorization: `Bearer ${token}`, user_id: forgedUser },
    });
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      request.once("response", resolve).once("error", reject);
    });
    expect(response.statusCode).toBe(200);
    response.setEncoding("utf8");
    response.on("data", (chunk: string) => decoder.feed(chunk));
    response.on("error", () => undefined);
    return {
      requestIds: () => [...new Set(events.map((event) => event.request_id))],
      until: (requestId: string) =>
        new Promise<void>((resolve, reject) => {
          const check = () => {
            if (events.some((e) => e.request_id === requestId && e.type === "execution_complete")) {
              waiters.delete(check);
              clearTimeout(timer);
              resolve();
            }
          };
          const timer = setTimeout(() => {
            waiters.delete(check);
            reject(new Error(`no execution_complete for ${requestId}`));
          }, 5000);
          waiters.add(check);
          check();
        }),
      close: () => request.destroy(),
    };
  }
});

describe("refused tokens over HTTP", () => {
  it("answers 401 to unknown API keys and to expired, wrong-issuer, wrong-audience, unsigned and tampered JWTs", async () => {
    const file = join(directory, "http-keys.json");
    const { key } = await createApiKey({ file, userId: "alice" });
    const keyRelay = await startRelayServer({
      env: { RELAY_AUTH: "api-key", RELAY_API_KEYS_FILE: file, RELAY_WORKERS: "1" },
    });
    const jwtRelay = await startRelayServer({
      env: { ...(await jwtScheme.env()), RELAY_WORKERS: "1" },
    });
    try {
      const post = (url: string, token: string) =>
        fetch(`${url}/intent/execute-wasm`, {
          method: "POST",
          headers: {
            Authorization: `Bearer ${token}`,
            user_id: "alice",
            "Content-Type": "application/json",
          },
          body: JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [1, 1] }),
        });
      expect((await post(keyRelay.url, key)).status).toBe(200);
      const unknown = await post(keyRelay.url, `${key.slice(0, -4)}AAAA`);
      expect(unknown.status).toBe(401);
      expect(unknown.headers.get("www-authenticate")).toContain('error="invalid_token"');

      const secret = new TextEncoder().encode(SECRET);
      const sign = (claims: Record<string, unknown>, expiresAt: number | string = "5m") =>
        new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: "alice", ...claims })
          .setProtectedHeader({ alg: "HS256" })
          .setExpirationTime(expiresAt)
          .sign(secret);
      const good = await sign({});
      const [header, , signature] = good.split(".");
      const tampered = `${header}.${Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: "root", roles: ["admin"], exp: Math.floor(Date.now() / 1000) + 300 })).toString("base64url")}.${signature}`;
      expect((await post(jwtRelay.url, good)).status).toBe(200);
      for (const token of [
        await sign({}, Math.floor(Date.now() / 1000) - 3600),
        await sign({ iss: "https://elsewhere.test" }),
        await sign({ aud: "another-api" }),
        new UnsecuredJWT({ iss: ISSUER, aud: AUDIENCE, sub: "alice" })
          .setExpirationTime("5m")
          .encode(),
        tampered,
      ]) {
        const response = await post(jwtRelay.url, token);
        expect(response.status).toBe(401);
        expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
      }
    } finally {
      await keyRelay.close();
      await jwtRelay.close();
    }
  });
});
