import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { AuthorizationAction, AuthorizationRequest } from "@wasm-relay/core";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { policyDocumentSchema } from "../../src/authorization/policy-document.js";
import { createPolicyFileAuthorizer } from "../../src/authorization/policy-file-authorizer.js";

const securityDocument = fileURLToPath(new URL("../../../../docs/security.md", import.meta.url));

/** The first YAML block of docs/security.md's `policy-file` section. */
async function examplePolicy() {
  const text = await readFile(securityDocument, "utf8");
  const section = text.slice(text.indexOf("### `policy-file`"));
  const block = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error("docs/security.md: no YAML example under ### `policy-file`");
  return createPolicyFileAuthorizer(policyDocumentSchema.parse(parse(block[1]!)));
}

const ask = (action: AuthorizationAction, resource: string): AuthorizationRequest => ({
  user_id: "ada",
  roles: [],
  action,
  resource,
  context: {},
});

describe("docs/security.md's policy-file example", () => {
  it("lets a caller run a calculator and then follow it on the event stream", async () => {
    const authorizer = await examplePolicy();
    expect(
      await authorizer.authorize(ask("execute_wasm", "glyph://calculator@quantum")),
    ).toMatchObject({ allowed: true });
    // The stream asks read_events on `*` (all of the caller's executions) or on one request_id.
    for (const scope of ["*", "0f".repeat(32)]) {
      expect(await authorizer.authorize(ask("read_events", scope)), scope).toMatchObject({
        allowed: true,
      });
    }
  });

  it("still denies what it says it denies", async () => {
    const authorizer = await examplePolicy();
    expect(await authorizer.authorize(ask("execute_wasm", "glyph://spin@forever"))).toMatchObject({
      allowed: false,
    });
  });
});
