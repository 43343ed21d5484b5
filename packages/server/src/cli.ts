#!/usr/bin/env node
import { ConfigurationError, loadServerConfig } from "./config/server-config.js";
import { runKeysCommand } from "./identity/keys-command.js";
import { runModulesCommand } from "./modules/modules-command.js";
import { runWorkerCommand } from "./queue/worker-command.js";
import { createRelayServer } from "./relay-server.js";

const USAGE = `usage:
  relay-server                 start the server (configured by RELAY_* environment variables,
                               see docs/configuration.md; Ctrl-C or SIGTERM stops it)
  relay-server keys …          manage the API keys of RELAY_AUTH=api-key (relay-server keys --help)
  relay-server modules …       store and name WebAssembly modules (relay-server modules --help)
  relay-server worker          run queued executions of RELAY_EXECUTOR=queue relays
                               (relay-server worker --help; see docs/scaling.md)
  relay-server help | --help | -h   show this text`;

async function main(): Promise<void> {
  const [command] = process.argv.slice(2);
  if (command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (command === "keys") {
    process.exitCode = await runKeysCommand(process.argv.slice(3), process.env);
    return;
  }
  if (command === "modules") {
    process.exitCode = await runModulesCommand(process.argv.slice(3), process.env);
    return;
  }
  if (command === "worker") {
    // Exits explicitly: a closed worker leaves nothing to do, whatever handle lingers.
    process.exit(await runWorkerCommand(process.argv.slice(3), process.env));
  }
  if (command !== undefined) {
    process.stderr.write(`relay-server: unknown command ${JSON.stringify(command)}\n${USAGE}\n`);
    process.exitCode = 64;
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
