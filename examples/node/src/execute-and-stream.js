// Executes a module on a wasm-relay server and streams its events, with @wasm-relay/client.
//
//   RELAY_URL=http://127.0.0.1:3000 node src/execute-and-stream.js 5 3
//
// Environment: RELAY_URL (default http://127.0.0.1:3000), RELAY_USER (the dev identity header
// user_id; default "example-user"), RELAY_API_KEY (sent as a bearer token instead, when set).
import { createClient, RelayError } from "@wasm-relay/client";

const baseUrl = process.env.RELAY_URL ?? "http://127.0.0.1:3000";
const [left = "5", right = "3"] = process.argv.slice(2);
const relay = createClient({
  baseUrl,
  ...(process.env.RELAY_API_KEY
    ? { apiKey: process.env.RELAY_API_KEY }
    : { headers: { user_id: process.env.RELAY_USER ?? "example-user", session_id: "example" } }),
});

try {
  const health = await relay.health();
  console.log(`relay ${baseUrl} is ${health.status}`);

  // 1. Execute, receiving this execution's events while the answer is awaited.
  const result = await relay.execute(
    { cid: "glyph://calculator@quantum", inputs: [Number(left), Number(right)] },
    { onEvent: (event) => console.log(`event ${event.type}`) },
  );
  if (!result.success) {
    console.log(`failed ${result.error.code}: ${result.error.message}`);
    process.exitCode = 1;
  } else {
    console.log(`output ${JSON.stringify(result.output)}`);
    console.log(
      `gas ${result.gas_used} duration ${result.duration} ms request ${result.request_id}`,
    );
  }

  // 2. Stream the events of that request again: a late subscriber to one request id gets its
  //    latest run from the start, and the stream ends after the terminal event.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 5_000);
  for await (const event of relay.events({
    requestId: result.request_id,
    signal: controller.signal,
  })) {
    console.log(`streamed ${event.type}`);
  }
  clearTimeout(timer);
} catch (error) {
  // Refusals are typed: RateLimitError (429), PermissionDeniedError (403), ValidationError (400)…
  if (error instanceof RelayError) console.error(`${error.name}: ${error.message}`);
  else console.error(error);
  process.exitCode = 1;
}
