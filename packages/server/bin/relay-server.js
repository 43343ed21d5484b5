#!/usr/bin/env node
// The `relay-server` command. npm links bins at install time, before anything is built, so the
// bin is this committed file rather than dist/cli.js: it runs the built CLI, or says how to build it.
import { existsSync } from "node:fs";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  console.error(
    "relay-server: the server is not built yet (dist/cli.js is missing). In the wasm-relay repository, run\n" +
      "  npx turbo run build --filter=@wasm-relay/server...\n" +
      "(or `npm start`, which builds and then starts the server).",
  );
  process.exit(1);
}
await import(cli.href);
