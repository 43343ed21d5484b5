// Peer (a): a bare node:http JSON echo. Parses the body and answers its `inputs` back.
// Usage: node echo-server.mjs — listens on a free loopback port and prints "listening on <url>" on stderr.
import { createServer } from "node:http";

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
    const answer = JSON.stringify({ success: true, output: body.inputs });
    response.writeHead(200, { "Content-Type": "application/json" }).end(answer);
  });
});
server.listen(0, "127.0.0.1", () => {
  console.error(`echo-server: listening on http://127.0.0.1:${server.address().port}`);
});
