// Peer (c): node:http + the Extism JS SDK (@extism/extism). Assembles calculator-plugin.wat (the
// calculator's main(a, b) written against the Extism kernel) with wabt, creates ONE plug-in at
// start and calls its `main` once per request with the body's `inputs` as JSON text ("[a,b]").
// The SDK's default (foreground) plug-in runs the call synchronously on this thread, so calls never
// overlap; each call leaves its input and output blocks in the plug-in's memory, released by
// `plugin.reset()` after the output is read (without it they accumulate request after request).
// Usage: node extism-server.mjs — listens on a free loopback port and prints "listening on <url>" on stderr.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import createPlugin from "@extism/extism";
import wabt from "wabt";

/** Assembles the plug-in's WAT text to WebAssembly bytes (throws with wabt's message if invalid). */
async function assemblePlugin() {
  const source = await readFile(new URL("./calculator-plugin.wat", import.meta.url), "utf8");
  const toolkit = await wabt();
  const parsed = toolkit.parseWat("calculator-plugin.wat", source);
  try {
    parsed.validate();
    return parsed.toBinary({}).buffer;
  } finally {
    parsed.destroy();
  }
}

const plugin = await createPlugin({ wasm: [{ data: await assemblePlugin() }] }, { useWasi: false });

const server = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", async () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      response.writeHead(400, { "Content-Type": "application/json" }).end('{"error":"bad json"}');
      return;
    }
    let output;
    try {
      output = Number((await plugin.call("main", JSON.stringify(body.inputs))).text());
    } catch (error) {
      response
        .writeHead(400, { "Content-Type": "application/json" })
        .end(JSON.stringify({ error: String(error.message) }));
      return;
    } finally {
      await plugin.reset();
    }
    const answer = JSON.stringify({ success: true, output });
    response.writeHead(200, { "Content-Type": "application/json" }).end(answer);
  });
});
server.listen(0, "127.0.0.1", () => {
  console.error(`extism-server: listening on http://127.0.0.1:${server.address().port}`);
});
