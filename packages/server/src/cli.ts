#!/usr/bin/env node
import { ConfigurationError, loadServerConfig } from "./config/server-config.js";
import { runKeysCommand } from "./identity/keys-command.js";
import { runModulesCommand } from "./modules/modules-command.js";
import { createRelayServer } from "./relay-server.js";

async function main(): Promise<void> {
  if (process.argv[2] === "keys") {
    process.exitCode = await runKeysCommand(process.argv.slice(3), process.env);
    return;
  }
  if (process.argv[2] === "modules") {
    process.exitCode = await runModulesCommand(process.argv.slice(3), process.env);
    return;
  }
  let config: ReturnType<typeof loadServerConfig>;
  try {
    config = loadServerConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(`relay-server: ${error.message}`);
      process.exit(78);
    }
    throw error;
  }
  const relayServer = await createRelayServer(config);
  const url = await relayServer.listen();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`relay-server: ${signal} received, shutting down`);
    relayServer.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`relay-server: shutdown failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // Announced only once the signal handlers are in place: a supervisor may signal at once.
  console.error(`relay-server: listening on ${url} (POST ${url}/intent/execute-wasm)`);
}

main().catch((error: unknown) => {
  console.error(`relay-server: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
