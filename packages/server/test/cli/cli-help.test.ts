import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageDirectory = fileURLToPath(new URL("../../", import.meta.url));
const root = fileURLToPath(new URL("../../../../", import.meta.url));

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `relay-server ARGS` through the bin npm links, stopping it after 10 s if it keeps running. */
function run(command: string, args: readonly string[]): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: root,
      // A port that is taken would make a wrongly started server fail fast; PORT=0 never is.
      env: { ...process.env, PORT: "0", LOG_LEVEL: "silent", RELAY_WORKERS: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the relay-server command", () => {
  it("package.json's bin is a committed file, so npm can link it before the first build", async () => {
    const manifest = JSON.parse(await readFile(`${packageDirectory}package.json`, "utf8"));
    const bin = manifest.bin["relay-server"];
    expect(bin).not.toMatch(/dist\//);
    expect(existsSync(`${packageDirectory}${bin}`)).toBe(true);
    expect(manifest.files).toContain(bin.replace(/^\.\//, "").split("/")[0]);
  });

  it("`npx relay-server --help` runs from the repository root", { timeout: 30_000 }, async () => {
    const result = await run("npx", ["--no-install", "relay-server", "--help"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^usage:/);
  });

  for (const flag of ["--help", "-h", "help"]) {
    it(`\`relay-server ${flag}\` prints usage on stdout and exits 0 without starting a server`, {
      timeout: 15_000,
    }, async () => {
      const result = await run(process.execPath, [`${packageDirectory}bin/relay-server.js`, flag]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^usage:/);
      expect(result.stdout).toMatch(/relay-server keys/);
      expect(result.stderr).not.toMatch(/listening/);
    });
  }

  for (const subcommand of ["keys", "modules"]) {
    for (const flag of ["--help", "-h", "help"]) {
      it(`\`relay-server ${subcommand} ${flag}\` prints its usage and exits 0`, {
        timeout: 15_000,
      }, async () => {
        const result = await run(process.execPath, [
          `${packageDirectory}bin/relay-server.js`,
          subcommand,
          flag,
        ]);
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toMatch(new RegExp(`^usage:\\n  relay-server ${subcommand} `));
      });
    }
  }

  it("unbuilt outside the repository, the bin says what to do instead of failing obscurely", {
    timeout: 15_000,
  }, async () => {
    const unbuilt = await mkdtemp(join(tmpdir(), "relay-server-unbuilt-"));
    try {
      await mkdir(join(unbuilt, "bin"));
      await copyFile(
        `${packageDirectory}bin/relay-server.js`,
        join(unbuilt, "bin/relay-server.js"),
      );
      const result = await run(process.execPath, [join(unbuilt, "bin/relay-server.js"), "--help"]);
      expect(result.code).toBe(1);
      // Outside the repository there is nothing to build from: it says what to do instead.
      expect(result.stderr).toMatch(/not built/);
      expect(result.stderr).toMatch(/npm start/);
    } finally {
      await rm(unbuilt, { recursive: true, force: true });
    }
  });

  it("an unknown command is a usage error (64), not a started server", {
    timeout: 15_000,
  }, async () => {
    const result = await run(process.execPath, [
      `${packageDirectory}bin/relay-server.js`,
      "serve-me",
    ]);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/unknown command "serve-me"/);
  });
});
