// The benchmark programs, built from source in this folder: WAT with wabt, sha256.ts with
// AssemblyScript. Shared by run.mjs and by the sandbox's tests (metered = unmetered results).
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";
import createWabt from "wabt";

const folder = new URL("./programs/", import.meta.url);

/**
 * Every program: its name, module bytes (numeric ABI, `main(n)`), the input used by the
 * benchmark (a few hundred milliseconds unmetered) and a smaller one for tests.
 */
export const PROGRAMS = [
  { name: "fib", file: "fib.wat", benchmarkInput: 30, testInput: 20 },
  { name: "nested-loops", file: "loops.wat", benchmarkInput: 6000, testInput: 300 },
  { name: "sieve", file: "sieve.wat", benchmarkInput: 16_000_000, testInput: 100_000 },
  { name: "matmul", file: "matmul.wat", benchmarkInput: 200, testInput: 40 },
  { name: "crc32", file: "crc32.wat", benchmarkInput: 4_000_000, testInput: 100_000 },
  {
    name: "sha256 (AssemblyScript)",
    file: "sha256.ts",
    benchmarkInput: 8_000_000,
    testInput: 50_000,
  },
];

async function compileWat(file) {
  const wabt = await createWabt();
  const parsed = wabt.parseWat(file, await readFile(new URL(file, folder), "utf8"));
  const { buffer } = parsed.toBinary({ log: false, write_debug_names: false });
  parsed.destroy();
  return new Uint8Array(buffer);
}

async function compileAssemblyScript(file) {
  let binary;
  const { error, stderr } = await asc.main(
    [
      fileURLToPath(new URL(file, folder)),
      "--outFile",
      "out.wasm",
      "--optimizeLevel",
      "3",
      "--runtime",
      "stub",
      "--use",
      "abort=",
    ],
    {
      writeFile(name, contents) {
        if (name.endsWith(".wasm")) binary = new Uint8Array(contents);
      },
    },
  );
  if (error || !binary) throw new Error(`asc failed on ${file}: ${error?.message}\n${stderr}`);
  return binary;
}

/** Builds every program; resolves to `{ name, bytes, benchmarkInput, testInput }[]`. */
export async function loadPrograms() {
  return Promise.all(
    PROGRAMS.map(async (program) => ({
      name: program.name,
      benchmarkInput: program.benchmarkInput,
      testInput: program.testInput,
      bytes: program.file.endsWith(".ts")
        ? await compileAssemblyScript(program.file)
        : await compileWat(program.file),
    })),
  );
}
