import { readFile } from "node:fs/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { loadServerConfig, serverEnvironmentSchema } from "../../src/config/server-config.js";

const ROOT = new URL("../../../../", import.meta.url);
const schemaNames = Object.keys(serverEnvironmentSchema.shape).sort();

/** Rows of the variable table: name → default cell. */
function tableRows(markdown: string): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of markdown.split("\n")) {
    const match = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|\s*([^|]*?)\s*\|/.exec(line);
    if (match) rows.set(match[1]!, match[2]!.trim());
  }
  return rows;
}

let documented: Map<string, string>;
let environmentExample: string;

beforeAll(async () => {
  documented = tableRows(await readFile(new URL("docs/configuration.md", ROOT), "utf8"));
  environmentExample = await readFile(new URL(".env.example", ROOT), "utf8");
});

describe("docs/configuration.md", () => {
  it("documents every variable of the configuration schema and no other", () => {
    const missing = schemaNames.filter((name) => !documented.has(name));
    const stale = [...documented.keys()].filter((name) => !schemaNames.includes(name));
    expect(missing, "add a row to docs/configuration.md and a line to .env.example").toEqual([]);
    expect(stale, "remove these rows: the schema no longer has them").toEqual([]);
  });

  it("states each default the schema applies", () => {
    const defaults = loadServerConfig({}) as Record<string, unknown>;
    for (const name of schemaNames) {
      const value = defaults[name];
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
        expect(documented.get(name), name).toBe(`\`${String(value)}\``);
      } else if (Array.isArray(value) || (value !== null && typeof value === "object")) {
        expect(documented.get(name), name).toBe("none");
      } else {
        expect(documented.get(name), `${name} has no default`).not.toMatch(/^`/);
      }
    }
  });
});

describe(".env.example", () => {
  const assignments = () =>
    [...environmentExample.matchAll(/^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((match) => ({
      active: match[1] === undefined,
      name: match[2]!,
      value: match[3]!,
    }));

  it("lists every variable once and no stale one", () => {
    const names = assignments().map((assignment) => assignment.name);
    expect([...names].sort()).toEqual(schemaNames);
  });

  it("is a valid configuration as written, and with every commented default switched on", () => {
    const active = Object.fromEntries(
      assignments()
        .filter((assignment) => assignment.active)
        .map((assignment) => [assignment.name, assignment.value]),
    );
    expect(Object.keys(active).length).toBeGreaterThan(0);
    expect(() => loadServerConfig(active)).not.toThrow();
    const everything = Object.fromEntries(
      assignments().map((assignment) => [assignment.name, assignment.value]),
    );
    expect(loadServerConfig(everything)).toEqual(loadServerConfig({}));
  });
});
