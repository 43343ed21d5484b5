// Builds the example modules from source into dist/: one .wasm per source (src/*.wat with wabt,
// src/assembly/*.ts with AssemblyScript) and a glyphs.json that maps name@tag to the CIDv1 (raw)
// of the built bytes. Deterministic: same sources and toolchain versions, same CIDs.
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { rawCid } from "@wasm-relay/core";
import asc from "assemblyscript/asc";
import createWabt from "wabt";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sourceDir = join(root, "src");
// `node scripts/build.mjs [outputDir]`: dist/ by default; tests rebuild elsewhere to compare CIDs.
const outputDir = process.argv[2] ? resolve(process.argv[2]) : join(root, "dist");

const wabt = await createWabt();
await rm(outputDir, { recursive: true, force: true });
await mkdir(outputDir, { recursive: true });

const cids = new Map();
for (const file of (await readdir(sourceDir)).sort()) {
  if (!file.endsWith(".wat")) continue;
  const text = await readFile(join(sourceDir, file), "utf8");
  const parsed = wabt.parseWat(file, text);
  const { buffer } = parsed.toBinary({ log: false, write_debug_names: false });
  parsed.destroy();
  const bytes = new Uint8Array(buffer);
  const name = file.replace(/\.wat$/, ".wasm");
  await writeFile(join(outputDir, name), bytes);
  cids.set(file, await rawCid(bytes));
}

// AssemblyScript WASI commands: stub runtime (a command runs once, no GC needed), no `env.abort`
// import (an assertion traps instead), optimized; no source map or debug names, so the bytes
// depend only on the source and the compiler version.
const assemblyDir = join(sourceDir, "assembly");
for (const file of (await readdir(assemblyDir)).sort()) {
  if (!file.endsWith(".ts")) continue;
  const name = file.replace(/\.ts$/, ".wasm");
  const outFile = join(outputDir, name);
  const { error, stderr } = await asc.main([
    join(assemblyDir, file),
    "--outFile",
    outFile,
    "--runtime",
    "stub",
    "--optimizeLevel",
    "3",
    "--shrinkLevel",
    "0",
    "--use",
    "abort=",
  ]);
  if (error) throw new Error(`asc failed on ${file}: ${error.message}\n${stderr.toString()}`);
  cids.set(`assembly/${file}`, await rawCid(new Uint8Array(await readFile(outFile))));
}

const sourceGlyphs = JSON.parse(await readFile(join(sourceDir, "glyphs.json"), "utf8"));
const glyphs = {};
for (const [glyph, source] of Object.entries(sourceGlyphs)) {
  const cid = cids.get(source);
  if (!cid) throw new Error(`glyphs.json names ${source}, which was not built`);
  glyphs[glyph] = cid;
}
await writeFile(join(outputDir, "glyphs.json"), `${JSON.stringify(glyphs, null, 2)}\n`);
console.log(`built ${cids.size} modules into ${outputDir}`);
