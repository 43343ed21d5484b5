import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageRoot = fileURLToPath(new URL("..", import.meta.url));
const calculator = fileURLToPath(
  new URL("../../../examples/modules/dist/calculator.wasm", import.meta.url),
);

const program = (load: string) => `
${load}
const bytes = new Uint8Array(require("node:fs").readFileSync(${JSON.stringify(calculator)}));
const executor = sandbox.createSandboxExecutor({ workers: 1 });
executor.execute({ requestId: "r", module: { cid: "c", bytes }, inputs: [5, 3],
  policy: { max_memory: 65536, max_gas: 1000000, max_time: 2000 } })
  .then(async (result) => { console.log(JSON.stringify(result.output)); await executor.close(); });
`;

describe("the built package", () => {
  it("passes publint", () => {
    const output = execFileSync("npx", ["publint", "--strict"], {
      cwd: packageRoot,
      encoding: "utf8",
    });
    expect(output).not.toMatch(/Errors:|Warnings:/);
  });

  it("runs a module when loaded with require (CJS dist)", () => {
    const output = execFileSync(
      process.execPath,
      ["-e", program('const sandbox = require("@wasm-relay/sandbox");')],
      { cwd: packageRoot, encoding: "utf8" },
    );
    expect(output.trim()).toBe("8");
  });

  it("runs a module when loaded with import (ESM dist)", () => {
    const output = execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        program(
          'import { createRequire } from "node:module"; const require = createRequire(import.meta.url); const sandbox = await import("@wasm-relay/sandbox");',
        ),
      ],
      { cwd: packageRoot, encoding: "utf8" },
    );
    expect(output.trim()).toBe("8");
  });
});
