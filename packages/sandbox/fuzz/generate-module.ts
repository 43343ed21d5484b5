import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { SeededRandom } from "./seeded-random.js";

/**
 * Binaryen feature flags for the generated modules: what Node 20's V8 enables by default and
 * `meter()` accepts — MVP, sign extension, saturating float-to-int, multi-value, bulk memory,
 * reference types (without GC), SIMD and tail calls. Exception handling stays off: Binaryen
 * emits the exnref form (`try_table`), which Node 20 does not validate. Threads stay off too
 * (shared memories would make the runs depend on the host's memory setup).
 */
export const GENERATOR_FEATURES: readonly string[] = [
  "--mvp-features",
  "--enable-sign-ext",
  "--enable-nontrapping-float-to-int",
  "--enable-multivalue",
  "--enable-bulk-memory",
  "--enable-bulk-memory-opt",
  "--enable-reference-types",
  "--enable-simd",
  "--enable-tail-call",
];

/** Smallest and largest amount of random input bytes handed to Binaryen. @unit bytes */
const INPUT_BYTES = { minimum: 256, maximum: 6144 } as const;
/** Wall-clock limit of one wasm-opt run. @unit milliseconds */
const GENERATOR_TIMEOUT_MS = 60_000;

/** Path of the `wasm-opt` program shipped by the `binaryen` npm package (JavaScript, run by node). */
export function wasmOptPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("binaryen/package.json")), "bin", "wasm-opt");
}

/** A generated module and where it came from. */
export interface GeneratedModule {
  seed: number;
  /** Size of the random input. @unit bytes */
  inputBytes: number;
  bytes: Uint8Array<ArrayBuffer>;
}

/**
 * Turns `seed` into random bytes and those into a valid module with Binaryen's
 * `wasm-opt --translate-to-fuzz` (an independent generator: nothing of the metering code).
 * Equal seeds give equal modules for one Binaryen version.
 * @throws Error when wasm-opt fails or exceeds its time limit.
 */
export async function generateModule(seed: number): Promise<GeneratedModule> {
  const random = new SeededRandom(seed);
  const input = random.bytes(random.between(INPUT_BYTES.minimum, INPUT_BYTES.maximum));
  const directory = await mkdtemp(join(tmpdir(), "wasm-relay-fuzz-"));
  try {
    const inputFile = join(directory, "input.bin");
    const outputFile = join(directory, "output.wasm");
    await writeFile(inputFile, input);
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [wasmOptPath(), inputFile, "--translate-to-fuzz", "-o", outputFile, ...GENERATOR_FEATURES],
        { timeout: GENERATOR_TIMEOUT_MS, maxBuffer: 1 << 20 },
        (error, _stdout, stderr) => {
          if (error)
            reject(new Error(`wasm-opt failed for seed ${seed}: ${stderr || error.message}`));
          else resolve();
        },
      );
    });
    const bytes = new Uint8Array(await readFile(outputFile));
    return { seed, inputBytes: input.length, bytes };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
