import { build } from "esbuild";
import { describe, expect, it } from "vitest";

describe("meter is pure", () => {
  it("bundles for the browser platform without any node:* module and meters there", async () => {
    const result = await build({
      entryPoints: [new URL("./meter.ts", import.meta.url).pathname],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      logLevel: "silent",
    });
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s+["']node:|require\(["']node:/);
    // Evaluate the browser bundle and meter a tiny module with it.
    const url = `data:text/javascript;base64,${Buffer.from(code).toString("base64")}`;
    const bundled = (await import(/* @vite-ignore */ url)) as typeof import("./meter.js");
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const metered = bundled.meter(empty);
    expect(WebAssembly.validate(metered.bytes)).toBe(true);
  });
});
