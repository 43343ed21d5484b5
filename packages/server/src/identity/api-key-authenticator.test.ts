import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HttpProblem } from "../http/http-problem.js";
import { createApiKeyAuthenticator } from "./api-key-authenticator.js";
import { ApiKeyFileError } from "./api-key-file.js";
import { createApiKey, revokeApiKey } from "./create-api-key.js";

let directory: string;
let file: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "relay-api-keys-"));
  file = join(directory, "keys.json");
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<HttpProblem> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HttpProblem);
  return error as HttpProblem;
}

describe("api-key authenticator", () => {
  it("maps a key to its user and roles, ignoring identity headers", async () => {
    const { key } = await createApiKey({ file, userId: "alice", roles: ["admin", "batch"] });
    const authenticator = await createApiKeyAuthenticator({ file });
    const identity = await authenticator.authenticate({
      authorization: `Bearer ${key}`,
      user_id: "mallory",
      session_id: "forged",
    });
    expect(identity).toEqual({ userId: "alice", roles: ["admin", "batch"] });
    expect(authenticator.name).toBe("api-key");
  });

  it("stores only the hash of the key", async () => {
    const { key, entry } = await createApiKey({ file, userId: "alice" });
    const text = await readFile(file, "utf8");
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(-43));
    expect(text).toContain(entry.sha256);
  });

  it("answers 401 with a Bearer challenge for a missing, foreign, malformed, unknown or near-miss key", async () => {
    const { key } = await createApiKey({ file, userId: "alice" });
    const authenticator = await createApiKeyAuthenticator({ file });
    const nearMiss = `${key.slice(0, -1)}${key.endsWith("A") ? "B" : "A"}`;
    const cases: [Record<string, string>, string, boolean][] = [
      [{ user_id: "alice" }, "send Authorization", false],
      [{ authorization: `Basic ${Buffer.from("alice:x").toString("base64")}` }, "Bearer", false],
      [{ authorization: "Bearer not-a-key" }, "malformed API key", true],
      [{ authorization: `Bearer wrk_000000000000_${"A".repeat(43)}` }, "unknown", true],
      [{ authorization: `Bearer ${nearMiss}` }, "unknown", true],
    ];
    for (const [headers, detail, invalidToken] of cases) {
      const problem = await refusal(authenticator.authenticate(headers));
      expect(problem.problem.status).toBe(401);
      expect(problem.problem.detail).toContain(detail);
      expect(problem.headers["WWW-Authenticate"]).toMatch(/^Bearer realm="wasm-relay"/);
      expect(problem.headers["WWW-Authenticate"]?.includes('error="invalid_token"')).toBe(
        invalidToken,
      );
    }
  });

  it("picks up created and revoked keys without a restart", async () => {
    const first = await createApiKey({ file, userId: "alice" });
    const authenticator = await createApiKeyAuthenticator({ file, reloadIntervalMs: 1 });
    const second = await createApiKey({ file, userId: "bob" });
    await revokeApiKey(file, first.entry.id);
    // The first call after the interval starts the reload; later calls see its result.
    await expect
      .poll(
        async () =>
          authenticator.authenticate({ authorization: `Bearer ${second.key}` }).then(
            (identity) => identity.userId,
            () => "refused",
          ),
        { timeout: 2000, interval: 20 },
      )
      .toBe("bob");
    await refusal(authenticator.authenticate({ authorization: `Bearer ${first.key}` }));
  });

  it("keeps the previous keys when the file turns malformed", async () => {
    const { key } = await createApiKey({ file, userId: "alice" });
    const messages: string[] = [];
    const authenticator = await createApiKeyAuthenticator({
      file,
      reloadIntervalMs: 1,
      log: (message) => messages.push(message),
    });
    await writeFile(file, "{ not json");
    // Requests trigger the reload check; poll with requests until the failure is reported.
    await expect
      .poll(
        async () => {
          await authenticator.authenticate({ authorization: `Bearer ${key}` });
          return messages.length;
        },
        { timeout: 2000, interval: 5 },
      )
      .toBeGreaterThan(0);
    expect(messages[0]).toContain("not reloaded");
    const identity = await authenticator.authenticate({ authorization: `Bearer ${key}` });
    expect(identity.userId).toBe("alice");
  });

  it("refuses to start on a missing or malformed keys file, naming the entry", async () => {
    await expect(createApiKeyAuthenticator({ file })).rejects.toBeInstanceOf(ApiKeyFileError);
    await writeFile(
      file,
      JSON.stringify({
        keys: [{ id: "0123456789ab", sha256: "xyz", user_id: "alice", roles: [] }],
      }),
    );
    await expect(createApiKeyAuthenticator({ file })).rejects.toThrow(/keys\[0\]\.sha256/);
  });
});
