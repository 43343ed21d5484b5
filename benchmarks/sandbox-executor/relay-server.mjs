// The relay (memory stores) with a sandbox executor built here, inline runs on or off
// (INLINE=0 | 1), for relay-ab.mjs. Prints "listening on <url>" on stderr.
import { createSandboxExecutor } from "@wasm-relay/sandbox";
import { createRelayServer, loadServerConfig } from "@wasm-relay/server";

const environment = process.env;
const config = loadServerConfig(environment);
const executor = createSandboxExecutor({
  workers: config.RELAY_WORKERS,
  ...(environment.INLINE === "0" ? { inline: false } : {}),
});
const relay = await createRelayServer(config, { executor });
const url = await relay.listen();
process.on("SIGTERM", () => relay.close().then(() => process.exit(0)));
console.error(`listening on ${url}`);
