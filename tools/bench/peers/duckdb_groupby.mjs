// DuckDB peer for `tranche-bench groupby`: runs the same two queries straight
// over the same CSV files with the given thread count and prints one line per
// query: "<name> <seconds> <rows>".
import { DuckDBInstance } from '@duckdb/node-api';

const [glob, threads] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads: String(threads || 2) });
const con = await db.connect();
// Column types given up front (DuckDB's fastest way over CSV; auto-detection
// measured 0.4-0.8 s slower per query here).
const src = `read_csv('${glob}', header=true, columns={'key': 'BIGINT', 'price': 'DOUBLE', ` +
    `'quantity': 'BIGINT', 'shipdate': 'DATE', 'flag': 'VARCHAR'})`;
const queries = [
  ['by_flag', `SELECT flag, sum(price), avg(quantity), count(*) FROM ${src} GROUP BY flag`],
  ['by_key', `SELECT key, sum(price), avg(quantity), count(*) FROM ${src} GROUP BY key`],
];
for (const [name, sql] of queries) {
  const t0 = process.hrtime.bigint();
  const reader = await con.runAndReadAll(sql);
  const rows = reader.getRows().length;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${name} ${secs.toFixed(3)} ${rows}`);
}
