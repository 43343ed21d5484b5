import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApiKeyAuthenticator } from "./api-key-authenticator.js";
import { runKeysCommand } from "./keys-command.js";

let directory: string;
let file: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "relay-keys-command-"));
  file = join(directory, "keys.json");
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function run(args: string[], environment: Record<string, string> = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runKeysCommand(args, environment, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

describe("relay-server keys", () => {
  it("create prints a working key once and stores only its hash, owner-readable", async () => {
    const created = await run(["create", "--user", "alice", "--roles", "admin, batch"], {
      RELAY_API_KEYS_FILE: file,
    });
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^wrk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toContain("shown once");
    expect(created.stderr).not.toContain(key);
    expect(await readFile(file, "utf8")).not.toContain(key);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const authenticator = await createApiKeyAuthenticator({ file });
    expect(await authenticator.authenticate({ authorization: `Bearer ${key}` })).toEqual({
      userId: "alice",
      roles: ["admin", "batch"],
    });
  });

  it("list shows ids and users, never keys; revoke removes one", async () => {
    const key = (await run(["create", "--user", "alice", "--file", file])).stdout.trim();
    await run(["create", "--user", "bob", "--file", file, "--label", "ci"]);
    const listed = await run(["list", "--file", file]);
    expect(listed.stdout.split("\n").filter(Boolean)).toHaveLength(2);
    expect(listed.stdout).toContain("alice");
    expect(listed.stdout).not.toContain(key.slice(-43));
    const id = key.slice(4, 16);
    expect((await run(["revoke", id, "--file", file])).code).toBe(0);
    expect((await run(["list", "--file", file])).stdout).not.toContain("alice");
    expect((await run(["revoke", id, "--file", file])).code).toBe(1);
  });

  it.each([
    [["create"], "--user ID is required"],
    [["create", "--user", "bad user!"], "invalid user"],
    [["create", "--user", "alice", "--roles", "a b"], "invalid role"],
    [["frobnicate"], "unknown command"],
    [["create", "--user", "alice", "--colour", "red"], "Unknown option"],
  ])("%j fails with a clear message", async (args, message) => {
    const result = await run([...args, "--file", file]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
    expect(result.stdout).toBe("");
  });

  it("needs a file", async () => {
    const result = await run(["create", "--user", "alice"]);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain("RELAY_API_KEYS_FILE");
  });
});
