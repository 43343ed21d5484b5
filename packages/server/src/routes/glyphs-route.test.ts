import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { allowAllAuthorizer, createMemoryGlyphRegistry } from "@wasm-relay/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  createMemoryFunctionSettingsStore,
  type FunctionSettingsStore,
  FunctionSettingsStoreFullError,
} from "../functions/function-settings-store.js";
import { HttpProblem } from "../http/http-problem.js";
import { writeProblem } from "../http/write-answer.js";
import { createDevHeadersAuthenticator } from "../identity/dev-headers-authenticator.js";
import type { LayeredModuleResolver } from "../modules/layered-module-resolver.js";
import { publishGlyphRoute } from "./glyphs-route.js";

// A syntactically valid CIDv1 (raw); the fake resolver answers it for itself.
const CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy";

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.close();
    await once(server, "close");
  }
});

/** The route alone on a server, with a memory registry and the given settings store. */
async function serve(functionSettings: FunctionSettingsStore) {
  const registry = createMemoryGlyphRegistry();
  const resolver = {
    registry,
    resolve: async (cid: string) => ({ cid }),
  } as unknown as LayeredModuleResolver;
  const handler = publishGlyphRoute({
    resolver,
    authenticator: createDevHeadersAuthenticator(),
    authorizer: allowAllAuthorizer,
    maxBodyBytes: 64 * 1024,
    functionSettings,
    functionSettingsMax: 1,
  });
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://relay");
    const [, , name = "", tag = ""] = url.pathname.split("/");
    const signal = new AbortController().signal;
    Promise.resolve(handler({ request, response, url, parameters: { name, tag }, signal })).catch(
      (error: unknown) => {
        if (error instanceof HttpProblem) writeProblem(response, error.problem, error.headers);
        else writeProblem(response, { type: "x", title: "unexpected", status: 500, error: "x" });
      },
    );
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const publish = (name: string, tag: string, body: Record<string, unknown>) =>
    fetch(`${base}/glyphs/${name}/${tag}`, {
      method: "PUT",
      headers: { user_id: "owner", "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  return { registry, publish };
}

describe("PUT /glyphs/{name}/{tag} with a full function settings store", () => {
  it("refuses with 507 before publishing when the store has no room", async () => {
    const store = createMemoryFunctionSettingsStore(1);
    const { registry, publish } = await serve(store);
    expect((await publish("calc", "1", { cid: CID, function: {} })).status).toBe(201);
    const refused = await publish("calc", "2", { cid: CID, function: { anonymous: true } });
    expect(refused.status).toBe(507);
    expect(await refused.json()).toMatchObject({
      type: "https://wasm-relay.dev/problems/function-settings-full",
      status: 507,
      max_entries: 1,
      detail: expect.stringContaining("nothing was published"),
    });
    expect(await registry.lookup("calc", "2")).toBeUndefined();
  });

  it("answers the same 507, not a 500, when set still finds the store full (a race)", async () => {
    const memory = createMemoryFunctionSettingsStore(1);
    const racing: FunctionSettingsStore = {
      ...memory,
      // Another publication takes the last room between the check and the write.
      hasRoom: async () => true,
      set: async () => {
        throw new FunctionSettingsStoreFullError(1);
      },
    };
    const { publish } = await serve(racing);
    const answer = await publish("calc", "1", { cid: CID, function: { anonymous: true } });
    expect(answer.status).toBe(507);
    expect(await answer.json()).toMatchObject({
      type: "https://wasm-relay.dev/problems/function-settings-full",
      max_entries: 1,
      detail: expect.stringContaining("glyph://calc@1 was published without function settings"),
    });
  });
});
