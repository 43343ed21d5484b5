import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const modulesRoot = fileURLToPath(new URL("../../../examples/modules/", import.meta.url));
// The CIDs every build must produce from the sources in the repository (wabt 1.0.x,
// AssemblyScript 0.28.x). A change to a source or a toolchain shows up here first.
const EXPECTED_GLYPHS = {
  "calculator@quantum": "bafkreig2puuzpq7lbujb5bzuqumynufgzmthphchjc2zu4tnoqokejykva",
  "calculator@latest": "bafkreig2puuzpq7lbujb5bzuqumynufgzmthphchjc2zu4tnoqokejykva",
  "spin@quantum": "bafkreidbtqnsqe7gya3nyss5326gvdpqu2o54qpk77eylae6s34sapxwla",
  "trap@quantum": "bafkreiabix7hyd36z6doebrsyweotki3p56vrbtjdpi4n7pve4xogz7xwe",
  "processor@quantum": "bafkreidods4mith3p7ln3tbwaqnpvb4742hnrc5h5qzdezmazvmjmauepm",
  "greeter@quantum": "bafkreiaklkwlmd7vkndv6osvmzyt5kzphmbiynhqaugscedjirihy5ko5y",
};

const outputDir = mkdtempSync(join(tmpdir(), "wasm-relay-modules-"));
afterAll(() => rmSync(outputDir, { recursive: true, force: true }));

describe("example modules build", () => {
  it("rebuilds processor@quantum from source to the same CID", () => {
    execFileSync(process.execPath, [join(modulesRoot, "scripts/build.mjs"), outputDir], {
      stdio: "pipe",
    });
    const rebuilt = JSON.parse(readFileSync(join(outputDir, "glyphs.json"), "utf8"));
    expect(rebuilt).toMatchObject(EXPECTED_GLYPHS);
  });
});
