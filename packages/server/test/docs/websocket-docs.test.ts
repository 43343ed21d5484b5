import { readFile } from "node:fs/promises";
import {
  clientMessageSchemas,
  serverMessageSchemas,
  WEBSOCKET_CLOSE_CODES,
} from "@wasm-relay/core";
import { describe, expect, it } from "vitest";
import { websocketEnvironmentShape } from "../../src/websocket/websocket-environment.js";

const ROOT = new URL("../../../../", import.meta.url);

describe("docs/websocket.md", () => {
  it("documents every message of the schemas, every close code and every RELAY_WS_ variable", async () => {
    const text = await readFile(new URL("docs/websocket.md", ROOT), "utf8");
    const rows = (text.match(/^\| `?([a-z_]+|\d{4})`? \|/gm) ?? []).map((row) =>
      row.replace(/[|`\s]/g, ""),
    );
    for (const type of [
      ...Object.keys(clientMessageSchemas),
      ...Object.keys(serverMessageSchemas),
    ]) {
      expect(rows, `message ${type}`).toContain(type);
    }
    for (const code of Object.values(WEBSOCKET_CLOSE_CODES)) {
      expect(rows, `close code ${code}`).toContain(String(code));
    }
    for (const name of Object.keys(websocketEnvironmentShape)) {
      expect(text, name).toContain(`| \`${name}\` |`);
    }
  });
});
