#!/usr/bin/env node
// The `relay-server` command. npm links bins at install time, before anything is built, so the
// bin is this committed file rather than dist/cli.js: it runs the built CLI. In the wasm-relay
// repository, a first run builds the server (and what it depends on) before it starts.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(cli)) {
  const repository = fileURLToPath(new URL("../../../", import.meta.url));
  const turbo = `${repository}node_modules/.bin/turbo`;
  if (existsSync(`${repository}turbo.json`) && existsSync(turbo)) {
    console.error(
      "relay-server: first run in the repository, building @wasm-relay/server and its dependencies (about 1 min)…",
    );
    // Build output goes to stderr, so that `relay-server --help` and friends keep a clean stdout.
    const build = spawnSync(
      turbo,
      ["run", "build", "--filter=@wasm-relay/server...", "--output-logs=new-only"],
      { cwd: repository, stdio: ["ignore", 2, 2] },
    );
    if (build.status !== 0 || !existsSync(cli)) {
      console.error("relay-server: the build failed; see the output above.");
      process.exit(1);
    }
  } else {
    console.error(
      "relay-server: the server is not built (dist/cli.js is missing). Install @wasm-relay/server from npm, or in the wasm-relay repository run `npm start`.",
    );
    process.exit(1);
  }
}
await import(cli.href);
