import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRelayServer } from "../../src/relay-server.js";

const SECRET = "a-claims-test-secret-of-at-least-32-bytes";

function token(claims: Record<string, unknown>, subject?: string): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m");
  if (subject !== undefined) jwt.setSubject(subject);
  return jwt.sign(new TextEncoder().encode(SECRET));
}

/** Every character of a header value Node's `writeHead` accepts, and nothing outside ASCII. */
const SAFE_HEADER = /^[\x20-\x7e]*$/;

describe("JWT claims that would break a header (issue 12, item 8)", () => {
  let relay: Awaited<ReturnType<typeof startRelayServer>>;
  beforeAll(async () => {
    relay = await startRelayServer({
      env: { RELAY_AUTH: "jwt", RELAY_JWT_SECRET: SECRET, RELAY_WORKERS: "1" },
    });
  });
  afterAll(async () => {
    await relay?.close();
  });

  async function health(): Promise<number> {
    return (await fetch(`${relay.url}/intent/execute-wasm/health`)).status;
  }

  const badTokens: Array<[string, () => Promise<string>]> = [
    ["an empty sub", () => token({}, "")],
    ["a sub of 300 characters", () => token({}, "a".repeat(300))],
    ["a sub holding a control character", () => token({}, "mallory\u0007")],
    ["a sub holding a line break", () => token({}, "mallory\r\nX-Injected: 1")],
    ["a sub outside ASCII", () => token({}, "mällory–ü")],
    ["a sub that is not a string", () => token({ sub: 42 })],
    ["a sid holding a control character", () => token({ sid: "s\u0000" }, "alice")],
    ["a sid outside ASCII", () => token({ sid: "sessión" }, "alice")],
    ["a role holding a control character", () => token({ roles: ["admin\n"] }, "alice")],
    ["a role of 300 characters", () => token({ roles: ["r".repeat(300)] }, "alice")],
  ];

  it.each(badTokens)("%s is a 401 problem and the server stays up", async (_name, make) => {
    const response = await fetch(`${relay.url}/intent/execute-wasm`, {
      method: "POST",
      headers: { authorization: `Bearer ${await make()}`, "content-type": "application/json" },
      body: JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [1, 2] }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const challenge = response.headers.get("www-authenticate") ?? "";
    expect(challenge).toMatch(/^Bearer realm="wasm-relay", error="invalid_token"/);
    expect(challenge).toMatch(SAFE_HEADER);
    const problem = (await response.json()) as { status: number; detail: string };
    expect(problem.status).toBe(401);
    expect(await health()).toBe(200);
  });

  it("a good token still authenticates", async () => {
    const response = await fetch(`${relay.url}/intent/execute-wasm`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await token({ roles: ["a", "b"], sid: "s-1" }, "auth0|alice@example.com")}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [1, 2] }),
    });
    expect(response.status).toBe(200);
  });
});
