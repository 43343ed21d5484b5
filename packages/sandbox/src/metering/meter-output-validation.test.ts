import { describe, expect, it, vi } from "vitest";
import { wat } from "../../test/wat.js";
import { InvalidModuleError } from "../binary/invalid-module-error.js";
import { meter } from "./meter.js";

// A rewriter that breaks its output: meter must refuse it rather than hand it back.
vi.mock("./rewrite-module.js", () => ({
  rewriteModule: (bytes: Uint8Array) => {
    const broken = bytes.slice();
    broken[broken.length - 2] = 0x6a; // `local.get 0` becomes `local.get 106`: no such local
    return { bytes: broken, gasExportName: "__relay_gas", refillImport: undefined };
  },
}));

describe("meter: the output is validated", () => {
  it("throws InvalidModuleError naming the engine's reason instead of returning an invalid module", () => {
    const valid = wat(`(module (func (export "main") (param i32) (result i32) (local.get 0)))`);
    expect(WebAssembly.validate(valid)).toBe(true);
    expect(() => meter(valid)).toThrow(InvalidModuleError);
    expect(() => meter(valid)).toThrow(/metering produced an invalid module/);
  });
});
