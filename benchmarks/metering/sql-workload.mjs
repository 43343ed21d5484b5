// The sql.js workload of the metering benchmark: sql.js's real Emscripten module (sql-wasm.wasm)
// run unmetered or metered, on a 50k-row insert, aggregates and a recursive CTE.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const GLUE = require.resolve("sql.js/dist/sql-wasm.js");

/** The bytes of sql.js's WebAssembly module. */
export const SQL_WASM = new Uint8Array(readFileSync(require.resolve("sql.js/dist/sql-wasm.wasm")));

/** Rows inserted by the workload. */
export const ROWS = 50_000;

/**
 * Loads one independent sql.js (its glue caches one instance per load, so the glue is loaded
 * afresh). With `metered` (from `meter(SQL_WASM, { refillImport })`), the module is instantiated
 * with a refill import handing out `chunk` gas per call; `gasUsed()` then reads what it spent.
 */
export async function loadSql({ metered, chunk = 4_194_304n } = {}) {
  delete require.cache[GLUE];
  const initSqlJs = require(GLUE);
  let instance;
  let granted = 0n;
  const SQL = await initSqlJs({
    instantiateWasm(imports, done) {
      const bytes = metered ? metered.bytes : SQL_WASM;
      if (metered) {
        const { module, name } = metered.refillImport;
        imports[module] = {
          [name]: (counter) => {
            granted += chunk;
            return counter + chunk;
          },
        };
      }
      WebAssembly.instantiate(bytes, imports).then((result) => {
        instance = result.instance;
        done(result.instance, result.module);
      });
      return {};
    },
  });
  const gasUsed = () =>
    metered ? granted - instance.exports[metered.gasExportName].value : undefined;
  return { SQL, gasUsed };
}

/**
 * The workload: a table of ROWS rows inserted through a prepared statement in one transaction,
 * aggregates over it (count, sum, avg, min/max, GROUP BY with ORDER BY), and a recursive CTE
 * (the Collatz lengths of 1..3000). Returns every result, for comparing variants.
 */
export function runWorkload(SQL) {
  const db = new SQL.Database();
  try {
    db.run("CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, v REAL, s TEXT)");
    db.run("BEGIN");
    const insert = db.prepare("INSERT INTO t (k, v, s) VALUES (?, ?, ?)");
    for (let index = 0; index < ROWS; index++) {
      insert.run([(index * 7919) % 1000, (index % 97) * 1.5, `row-${index % 313}`]);
    }
    insert.free();
    db.run("COMMIT");
    const results = [];
    for (const sql of [
      "SELECT count(*), sum(k), avg(v), min(s), max(s) FROM t",
      "SELECT k % 10 AS bucket, count(*), sum(v), max(id) FROM t GROUP BY bucket ORDER BY bucket",
      "SELECT s, count(*) AS n FROM t GROUP BY s ORDER BY n DESC, s LIMIT 5",
      `WITH RECURSIVE collatz(start, x, steps) AS (
         SELECT 1, 1, 0
         UNION ALL
         SELECT start + 1, start + 1, 0 FROM collatz WHERE steps = 0 AND start < 3000
         UNION ALL
         SELECT start, CASE WHEN x % 2 = 0 THEN x / 2 ELSE 3 * x + 1 END, steps + 1
         FROM collatz WHERE x > 1)
       SELECT count(*), max(steps), sum(steps) FROM collatz`,
    ]) {
      results.push(db.exec(sql));
    }
    return JSON.stringify(results);
  } finally {
    db.close();
  }
}
