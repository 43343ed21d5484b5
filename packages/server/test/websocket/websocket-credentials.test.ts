import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import { afterAll, describe, expect, it } from "vitest";
import { createApiKey } from "../../src/identity/create-api-key.js";
import { startRelayServer } from "../../src/relay-server.js";
import { RawSocket, websocketUrl } from "./raw-socket.js";

const SECRET = "a-websocket-test-secret-of-32-bytes-or-more";
const opened: { close(): Promise<void> }[] = [];
const directories: string[] = [];
afterAll(async () => {
  await Promise.all(opened.map((relay) => relay.close()));
  await Promise.all(
    directories.map((directory) => rm(directory, { recursive: true, force: true })),
  );
});

/** Sends connection_init with `payload` (and upgrade `headers`); the ack or the close. */
async function handshake(url: string, payload: unknown, headers: Record<string, string> = {}) {
  const socket = new RawSocket(websocketUrl(url), headers);
  await socket.opened;
  socket.send({ type: "connection_init", payload });
  const outcome = await Promise.race([
    socket.next((message) => message.type === "connection_ack").then(() => "ack" as const),
    socket.closed,
  ]);
  if (outcome === "ack") {
    // The identity is the credential's: its executions are answered as that user's.
    socket.send({ type: "subscribe", id: "s", request_id: "none" });
    socket.send({ type: "unsubscribe", id: "s" });
    await socket.terminal("s");
    await socket.close();
  }
  return outcome;
}

describe("connection_init credentials, identified as over HTTP", () => {
  it("RELAY_AUTH=jwt: a token in the payload or the upgrade's Authorization header; a bad one is 4401", async () => {
    const relay = await startRelayServer({
      env: { RELAY_AUTH: "jwt", RELAY_JWT_SECRET: SECRET, RELAY_WORKERS: "1" },
    });
    opened.push(relay);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("ws-jwt-user")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(SECRET));
    expect(await handshake(relay.url, { token })).toBe("ack");
    expect(await handshake(relay.url, undefined, { authorization: `Bearer ${token}` })).toBe("ack");
    expect(await handshake(relay.url, { token: `${token}x` })).toMatchObject({ code: 4401 });
    // The development identity is no credential under jwt.
    expect(await handshake(relay.url, { user_id: "alice" })).toMatchObject({ code: 4401 });
    expect(await handshake(relay.url, { token, api_key: "x" })).toMatchObject({
      code: 4401,
      reason: "give token or api_key, not both",
    });
  });

  it("RELAY_AUTH=api-key: an api_key in the payload; an unknown one is 4401", async () => {
    const directory = await mkdtemp(join(tmpdir(), "relay-ws-keys-"));
    directories.push(directory);
    const file = join(directory, "keys.json");
    const { key } = await createApiKey({ file, userId: "ws-key-user", roles: [] });
    const relay = await startRelayServer({
      env: { RELAY_AUTH: "api-key", RELAY_API_KEYS_FILE: file, RELAY_WORKERS: "1" },
    });
    opened.push(relay);
    expect(await handshake(relay.url, { api_key: key })).toBe("ack");
    expect(await handshake(relay.url, { api_key: `${key}0` })).toMatchObject({ code: 4401 });
  });
});
