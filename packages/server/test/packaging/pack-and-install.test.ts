// The four packages as a stranger gets them: `npm pack` of each into a temporary directory, then
// `npm install` of the tarballs into a fresh project under os.tmpdir(), outside the workspace, so
// nothing resolves from the repository's node_modules. One install serves every check: publint
// and import/require of every entry of all four packages, the client in Node (ESM and CJS) and
// bundled for a browser, core embedded with a custom executor, and the server started with
// `npx relay-server` running the bundled glyph://calculator@quantum.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const execFileAsync = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL("../../../..", import.meta.url));

/** The published packages, in dependency order. */
const PACKAGES = ["core", "sandbox", "queue", "server", "client"] as const;

/** Longest the pack and the install of the tarballs (with their dependencies) may take. @unit milliseconds */
const INSTALL_TIMEOUT = 240_000;

/** What `npm pack --json` reports of one tarball. */
interface PackReport {
  name: string;
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}

/**
 * The environment of the child processes: the test's own, without what an enclosing `npm test`
 * or workspace run sets (`npm_config_workspace`, `npm_package_*`, `NODE_PATH`…), which would
 * point npm or Node back at the repository. Registry, cache and proxy settings stay.
 */
function isolatedEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const kept =
    /^npm_config_(registry|cache|userconfig|globalconfig|https?_proxy|proxy|noproxy|strict_ssl|cafile)$/i;
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(name) && !kept.test(name)) continue;
    if (name === "NODE_PATH" || name === "NODE_OPTIONS" || name === "INIT_CWD") continue;
    if (/^(REDIS_|RELAY_)/.test(name) || name === "PORT" || name === "HOST") continue;
    environment[name] = value;
  }
  return { ...environment, ...extra };
}

/** Runs a command to completion; on failure the error carries its output. */
async function run(command: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, {
      cwd,
      env: isolatedEnvironment(),
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${command} ${args.join(" ")} failed in ${cwd}: ${failed.message}\n${failed.stderr ?? ""}\n${failed.stdout ?? ""}`,
    );
  }
}

/** Runs a Node program from the project directory, as an ES module or a CommonJS script. */
function node(project: string, format: "esm" | "cjs", program: string): Promise<string> {
  const args = format === "esm" ? ["--input-type=module", "-e", program] : ["-e", program];
  return run(process.execPath, args, project).then((output) => output.trim());
}

let workspace: string;
let project: string;
const packs = new Map<string, PackReport>();

beforeAll(async () => {
  const started = performance.now();
  workspace = await mkdtemp(join(tmpdir(), "wasm-relay-install-"));
  const tarballs = join(workspace, "tarballs");
  project = join(workspace, "project");
  await mkdir(tarballs);
  await mkdir(project);

  const packOutput = await run(
    "npm",
    [
      "pack",
      ...PACKAGES.map((name) => `./packages/${name}`),
      "--pack-destination",
      tarballs,
      "--json",
      "--loglevel=error",
    ],
    repositoryRoot,
  );
  for (const report of JSON.parse(packOutput) as PackReport[]) packs.set(report.name, report);

  await writeFile(
    join(project, "package.json"),
    `${JSON.stringify({ name: "wasm-relay-install-check", version: "0.0.0", private: true }, null, 2)}\n`,
  );
  await run(
    "npm",
    [
      "install",
      ...[...packs.values()].map((report) => join(tarballs, report.filename)),
      "--no-audit",
      "--no-fund",
      "--prefer-offline",
      "--loglevel=error",
    ],
    project,
  );
  const sizes = [...packs.values()].map(
    (report) =>
      `${report.name} ${report.size} B packed, ${report.unpackedSize} B unpacked, ${report.entryCount} files`,
  );
  console.info(
    `packed and installed in ${Math.round(performance.now() - started)} ms:\n  ${sizes.join("\n  ")}`,
  );
}, INSTALL_TIMEOUT);

afterAll(async () => {
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

describe("the packed packages, installed outside the workspace", () => {
  it("pack all four, the server with its example modules and without test files", () => {
    expect([...packs.keys()].sort()).toEqual(PACKAGES.map((name) => `@wasm-relay/${name}`).sort());
    const serverFiles = packs.get("@wasm-relay/server")!.files.map((file) => file.path);
    expect(serverFiles).toContain("dist/modules/glyphs.json");
    expect(serverFiles).toContain("dist/modules/calculator.wasm");
    // The command is ESM (bin/relay-server.js imports dist/cli.js): no CommonJS copy ships.
    expect(serverFiles.filter((path) => path.startsWith("dist/cli.cjs"))).toEqual([]);
    for (const report of packs.values()) {
      expect(report.files.filter((file) => /(^|\/)(test|src)\/|\.test\./.test(file.path))).toEqual(
        [],
      );
    }
  });

  it("install from the tarballs alone: every @wasm-relay package is a copy inside the project", async () => {
    const projectRoot = await realpath(project);
    for (const name of PACKAGES) {
      const installed = await realpath(join(project, "node_modules", "@wasm-relay", name));
      expect(relative(projectRoot, installed).split(sep)[0]).toBe("node_modules");
    }
    const resolved = await node(
      project,
      "cjs",
      `console.log(require.resolve("@wasm-relay/server"))`,
    );
    expect(resolved.startsWith(projectRoot)).toBe(true);
  });

  it("are publishable: public, and depending on no @wasm-relay package but these four", async () => {
    const published = new Set(PACKAGES.map((name) => `@wasm-relay/${name}`));
    for (const name of PACKAGES) {
      const manifest = JSON.parse(
        await readFile(join(project, "node_modules", "@wasm-relay", name, "package.json"), "utf8"),
      ) as {
        private?: boolean;
        publishConfig?: { access?: string };
        dependencies?: Record<string, string>;
        peerDependencies?: Record<string, string>;
      };
      expect(manifest.private, name).toBeUndefined();
      expect(manifest.publishConfig?.access, name).toBe("public");
      const internal = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
      expect(
        internal.filter(
          (dependency) => dependency.startsWith("@wasm-relay/") && !published.has(dependency),
        ),
        name,
      ).toEqual([]);
    }
  });

  it("install one multiformats major version", async () => {
    const listing = JSON.parse(
      await run("npm", ["ls", "multiformats", "--all", "--json"], project),
    );
    const versions = new Set<string>();
    const visit = (
      dependencies: Record<string, { version?: string; dependencies?: object }> = {},
    ) => {
      for (const [name, entry] of Object.entries(dependencies)) {
        if (name === "multiformats" && entry.version) versions.add(entry.version.split(".")[0]!);
        visit(entry.dependencies as Record<string, { version?: string }>);
      }
    };
    visit(listing.dependencies);
    expect([...versions]).toHaveLength(1);
  });

  it.each(PACKAGES)("@wasm-relay/%s passes publint as installed", async (name) => {
    const packageDirectory = join(project, "node_modules", "@wasm-relay", name);
    const { messages, pkg } = await publint({
      pkgDir: packageDirectory,
      level: "warning",
      pack: false,
    });
    expect(messages.map((message) => formatMessage(message, pkg))).toEqual([]);
  });

  it("load every entry of every package with import and with require, with the same exports", async () => {
    const specifiers: string[] = [];
    for (const name of PACKAGES) {
      const manifest = JSON.parse(
        await readFile(join(project, "node_modules", "@wasm-relay", name, "package.json"), "utf8"),
      ) as { exports: Record<string, unknown> };
      for (const subpath of Object.keys(manifest.exports)) {
        if (subpath !== "./package.json") specifiers.push(`@wasm-relay/${name}${subpath.slice(1)}`);
      }
    }
    const collect = (load: string) => `
      const result = {};
      for (const specifier of ${JSON.stringify(specifiers)}) {
        try {
          const loaded = ${load};
          result[specifier] = Object.keys(loaded).filter((key) => key !== "default" && key !== "__esModule").sort();
        } catch (error) {
          result[specifier] = "error: " + error.message.split("\\n")[0];
        }
      }
      console.log(JSON.stringify(result));`;
    const esm = JSON.parse(await node(project, "esm", collect("await import(specifier)")));
    const cjs = JSON.parse(
      await node(project, "cjs", `(async () => {${collect("require(specifier)")}})()`),
    );
    // The testing helpers are vitest suites: without their optional peer vitest they say so.
    expect(esm["@wasm-relay/core/testing"]).toMatch(/error: .*vitest/);
    expect(cjs["@wasm-relay/core/testing"]).toMatch(/error: .*vitest/);
    delete esm["@wasm-relay/core/testing"];
    delete cjs["@wasm-relay/core/testing"];
    for (const [specifier, names] of Object.entries(esm)) {
      expect(names, specifier).toBeInstanceOf(Array);
      expect((names as string[]).length, specifier).toBeGreaterThan(0);
    }
    expect(cjs).toEqual(esm);
    expect(Object.keys(esm)).toEqual(
      expect.arrayContaining(["@wasm-relay/client", "@wasm-relay/server"]),
    );
  });

  it("load the client in Node with import and with require", async () => {
    const program = (load: string) => `${load}
      const relay = client.createClient({ baseUrl: "http://127.0.0.1:1" });
      console.log([typeof relay.execute, typeof relay.events, typeof client.RelayError].join(","));`;
    await expect(
      node(project, "esm", program(`import * as client from "@wasm-relay/client";`)),
    ).resolves.toBe("function,function,function");
    await expect(
      node(project, "cjs", program(`const client = require("@wasm-relay/client");`)),
    ).resolves.toBe("function,function,function");
  });

  it("bundle the client for a browser with no node:* import, all of it from the project", async () => {
    const entry = join(project, "browser-entry.js");
    await writeFile(
      entry,
      `import { createClient } from "@wasm-relay/client";\nglobalThis.relay = createClient({ baseUrl: location.origin });\n`,
    );
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: project,
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => input.startsWith("node:"))).toEqual([]);
    expect(inputs.filter((input) => input.startsWith(".."))).toEqual([]);
    expect(inputs.some((input) => input.startsWith("node_modules/@wasm-relay/client/dist/"))).toBe(
      true,
    );
    expect(result.outputFiles[0]!.text).not.toMatch(/["'`]node:[a-z]/);
  });

  it("embed core with a custom executor and memory stores, as ESM and as CommonJS", async () => {
    const program = (load: string) => `${load}
      const resolver = core.createMemoryModuleResolver();
      const executor = {
        async execute(task) {
          return { success: true, output: { answer: 42, inputs: task.inputs }, gasUsed: null, durationMs: 0 };
        },
      };
      const relay = core.createRelay({
        executor,
        resolver,
        stores: { rateLimit: core.createMemoryRateLimitStore(), idempotency: core.createMemoryIdempotencyStore() },
      });
      resolver.add(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(async (cid) => {
        const outcome = await relay.execute({ cid, inputs: [5, 3] }, { userId: "embedder", roles: [] });
        console.log(JSON.stringify({ kind: outcome.kind, output: outcome.response?.output }));
      });`;
    const expected = { kind: "executed", output: { answer: 42, inputs: [5, 3] } };
    const esm = await node(project, "esm", program(`import * as core from "@wasm-relay/core";`));
    expect(JSON.parse(esm)).toEqual(expected);
    const cjs = await node(project, "cjs", program(`const core = require("@wasm-relay/core");`));
    expect(JSON.parse(cjs)).toEqual(expected);
  });

  it("start the server with npx relay-server and run glyph://calculator@quantum on [5, 3]", async () => {
    const server: ChildProcess = spawn("npx", ["--no-install", "relay-server"], {
      cwd: project,
      env: isolatedEnvironment({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "warn" }),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let output = "";
    server.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    server.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "listening on" within 60 s:\n${output}`)),
          60_000,
        );
        const look = () => {
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        };
        server.stdout?.on("data", look);
        server.stderr?.on("data", look);
        server.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`relay-server exited with ${code} before listening:\n${output}`));
        });
      });
      const response = await fetch(`${url}/intent/execute-wasm`, {
        method: "POST",
        headers: { "content-type": "application/json", user_id: "stranger", session_id: "s1" },
        body: JSON.stringify({ cid: "glyph://calculator@quantum", inputs: [5, 3] }),
      });
      const body = (await response.json()) as { output?: unknown };
      expect(response.status, JSON.stringify(body)).toBe(200);
      expect(body.output).toBe(8);
    } finally {
      if (server.exitCode === null && server.pid !== undefined) {
        const exited = once(server, "exit");
        process.kill(-server.pid, "SIGTERM");
        await exited;
      }
    }
  });
});
