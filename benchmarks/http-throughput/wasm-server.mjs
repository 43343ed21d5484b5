// Peer (b): node:http + plain WebAssembly. Instantiates the calculator example module once and
// calls its `main(a, b)` with the body's `inputs` on every request (no metering, no sandbox).
// Usage: node wasm-server.mjs — listens on a free loopback port and prints "listening on <url>" on stderr.
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";

const bytes = await readFile(
  new URL("../../examples/modules/dist/calculator.wasm", import.meta.url),
);
const { instance } = await WebAssembly.instantiate(bytes);
const main = instance.exports.main;

const server = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      response.writeHead(400, { "Content-Type": "application/json" }).end('{"error":"bad json"}');
      return;
    }
    const [left, right] = body.inputs;
    const answer = JSON.stringify({ success: true, output: main(left, right) });
    response.writeHead(200, { "Content-Type": "application/json" }).end(answer);
  });
});
server.listen(0, "127.0.0.1", () => {
  console.error(`wasm-server: listening on http://127.0.0.1:${server.address().port}`);
});
