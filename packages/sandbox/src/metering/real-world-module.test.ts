import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { meter } from "./meter.js";

// sql.js: SQLite compiled to WebAssembly by Emscripten, run through its own JavaScript glue
// with the metered bytes handed in as `wasmBinary`.
const require = createRequire(import.meta.url);
type Database = { exec(sql: string): { values: unknown[][] }[]; close(): void };
type SqlJs = { Database: new () => Database };

/** Loads a fresh copy of the glue (it caches its module) around the given bytes. */
function initSqlJs(config: { wasmBinary: Uint8Array }): Promise<SqlJs> {
  delete require.cache[require.resolve("sql.js")];
  const load = require("sql.js") as (options: { wasmBinary: Uint8Array }) => Promise<SqlJs>;
  return load(config);
}
const original = new Uint8Array(readFileSync(require.resolve("sql.js/dist/sql-wasm.wasm")));

const QUERIES = [
  "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT count(*), sum(i * i % 97), max(i) FROM n",
  "CREATE TABLE t(a INTEGER, b TEXT); INSERT INTO t SELECT value, printf('row %d', value * 7) FROM (WITH RECURSIVE v(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM v WHERE value < 500) SELECT value FROM v); SELECT count(*), group_concat(b, ',') FROM (SELECT b FROM t WHERE a % 50 = 0 ORDER BY a DESC)",
  "SELECT hex(zeroblob(2)), upper('métered'), 7 / 2.0, typeof(1e308 * 10)",
];

async function runQueries(wasmBinary: Uint8Array): Promise<unknown[]> {
  const SQL = await initSqlJs({ wasmBinary });
  const database = new SQL.Database();
  try {
    return QUERIES.map((query) => database.exec(query).map((result) => result.values));
  } finally {
    database.close();
  }
}

describe("a real-world module (sql.js) through its own glue", () => {
  it("gives identical query results metered and unmetered", async () => {
    const metered = meter(original);
    expect(metered.bytes.length).toBeGreaterThan(original.length);
    const expected = await runQueries(original);
    const actual = await runQueries(metered.bytes);
    expect(actual).toEqual(expected);
    expect(JSON.stringify(expected)).toContain("20000");
  });

  it("really runs the metered bytes: a small budget stops SQLite", async () => {
    const starved = meter(original, { initialGas: 10_000n });
    await expect(runQueries(starved.bytes)).rejects.toThrow();
  });
});
