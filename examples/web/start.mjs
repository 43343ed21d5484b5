// Builds the page and serves it from a relay on the embedded defaults: open the printed URL.
import { startRelayServer } from "@wasm-relay/server";
import { buildWebExample } from "./build.mjs";

const staticDir = await buildWebExample();
const port = Number(process.env.PORT ?? 3000);
const relay = await startRelayServer({ port, host: process.env.HOST ?? "127.0.0.1", staticDir });
console.log(`wasm-relay web example: ${relay.url}/`);
const stop = async () => {
  await relay.close();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
