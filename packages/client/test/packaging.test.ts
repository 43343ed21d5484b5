import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageDirectory = fileURLToPath(new URL("..", import.meta.url));

/** Budget of the default browser build, ky and eventsource-parser included. @unit bytes */
const BROWSER_BUDGET = 12_000;
/** Budget of the WebSocket session, loaded by `client.connect()` on first use. @unit bytes */
const WEBSOCKET_CHUNK_BUDGET = 4_000;

/** Runs a Node program from the package directory, where the package can import itself. */
async function node(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: packageDirectory });
  return stdout.trim();
}

describe("packaging (built dist)", () => {
  it("passes publint", async () => {
    const { messages, pkg } = await publint({ pkgDir: packageDirectory, level: "warning" });
    expect(messages.map((message) => formatMessage(message, pkg))).toEqual([]);
  });

  it("loads with import, both entries", async () => {
    const output = await node([
      "--input-type=module",
      "-e",
      `import * as client from "@wasm-relay/client";
       import { schemaValidator } from "@wasm-relay/client/validation";
       const relay = client.createClient({ baseUrl: "http://127.0.0.1:1" });
       console.log([typeof relay.execute, typeof relay.events, typeof client.RelayError.isInstance,
         typeof schemaValidator.validate].join(","));`,
    ]);
    expect(output).toBe("function,function,function,function");
  });

  it("loads with require, both entries", async () => {
    const output = await node([
      "-e",
      `const client = require("@wasm-relay/client");
       const { schemaValidator } = require("@wasm-relay/client/validation");
       const relay = client.createClient({ baseUrl: "http://127.0.0.1:1" });
       console.log([typeof relay.execute, typeof relay.modules.upload, typeof client.TimeoutError,
         typeof schemaValidator.validate].join(","));`,
    ]);
    expect(output).toBe("function,function,function,function");
  });

  it("recognises errors across two copies of the package (CommonJS and ESM)", async () => {
    const output = await node([
      "--input-type=module",
      "-e",
      `import { createRequire } from "node:module";
       import * as esm from "@wasm-relay/client";
       const cjs = createRequire(import.meta.url)("@wasm-relay/client");
       const foreign = new cjs.RateLimitError("429", { status: 429, retryAfter: 1000 });
       console.log(JSON.stringify({
         sameClass: esm.RateLimitError === cjs.RateLimitError,
         instanceOf: foreign instanceof esm.RateLimitError,
         isRateLimit: esm.RateLimitError.isInstance(foreign),
         isRelay: esm.RelayError.isInstance(foreign),
         isServer: esm.ServerError.isInstance(foreign),
       }));`,
    ]);
    expect(JSON.parse(output)).toEqual({
      sameClass: false,
      instanceOf: false,
      isRateLimit: true,
      isRelay: true,
      isServer: false,
    });
  });

  it(`keeps the browser build under ${BROWSER_BUDGET} bytes min+gzip, without zod or Node built-ins`, async () => {
    // As a browser app's bundler builds it: `client.connect()`'s session is a chunk loaded on use.
    const result = await build({
      entryPoints: [`${packageDirectory}/dist/index.js`],
      bundle: true,
      splitting: true,
      outdir: "out",
      minify: true,
      format: "esm",
      platform: "browser",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    const entry = result.outputFiles.find((file) => file.path.endsWith("/out/index.js"));
    const chunks = result.outputFiles.filter((file) => file !== entry && file.path.endsWith(".js"));
    const session = chunks.find((file) => file.text.includes("connection_init"));
    expect(session, "the WebSocket session is a chunk of its own").toBeDefined();
    expect(entry?.text.includes("connection_init")).toBe(false);
    // `ws` is for Node: the browser build never includes it.
    expect(inputs.some((input) => input.includes("/ws/"))).toBe(false);
    const sessionGzipped = gzipSync(session!.contents, { level: 9 }).byteLength;
    console.info(
      `WebSocket session chunk: ${sessionGzipped} bytes min+gzip (budget ${WEBSOCKET_CHUNK_BUDGET})`,
    );
    expect(sessionGzipped).toBeLessThanOrEqual(WEBSOCKET_CHUNK_BUDGET);
    expect(inputs.some((input) => input.includes("/zod/"))).toBe(false);
    expect(inputs.some((input) => input.includes("/ky/"))).toBe(true);
    expect(inputs.some((input) => input.includes("/eventsource-parser/"))).toBe(true);
    expect(inputs.filter((input) => input.startsWith("node:"))).toEqual([]);
    const gzipped = gzipSync(entry!.contents, { level: 9 }).byteLength;
    console.info(`browser build: ${gzipped} bytes min+gzip (budget ${BROWSER_BUDGET})`);
    expect(gzipped).toBeLessThanOrEqual(BROWSER_BUDGET);
  });
});
