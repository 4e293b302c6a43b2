// DuckDB peer for `tranche-bench tpch` (tools/bench/tpch.cc): runs the same
// TPC-H queries straight over the same CSV files (DIR/<table>/*.csv, written
// by tranche's generator, tpch_gen.h) with the given thread count. Views, not
// tables: every query reads and parses the CSV files again, as tranche does.
//
// Usage: node duckdb_tpch.mjs DIR THREADS RUNS QDIR NAME[,NAME...]
//   QDIR/<NAME>.sql holds each query's text (SQLite's spelling: dates as
//   'YYYY-MM-DD' literals, which DuckDB casts to DATE against a DATE column).
// Prints one line per query, the best of RUNS:
//   "<NAME> <seconds> <rows> <first numeric cell of row 1, or nan>"
// or "<NAME> error <message>".
import { readFileSync } from 'node:fs';
import { DuckDBInstance, DuckDBDecimalValue } from '@duckdb/node-api';

const [dir, threads, runs, qdir, names] = process.argv.slice(2);
if (!dir || !threads || !runs || !qdir || !names) {
  console.error('usage: node duckdb_tpch.mjs DIR THREADS RUNS QDIR NAME[,NAME...]');
  process.exit(2);
}

// Column types given up front (auto-detection is slower and would guess
// differently from tranche): BIGINT for keys and integers, DOUBLE for money
// and rates, DATE for dates, VARCHAR otherwise.
const I = 'BIGINT', D = 'DOUBLE', T = 'DATE', S = 'VARCHAR';
const tables = {
  region: [['r_regionkey', I], ['r_name', S], ['r_comment', S]],
  nation: [['n_nationkey', I], ['n_name', S], ['n_regionkey', I], ['n_comment', S]],
  supplier: [['s_suppkey', I], ['s_name', S], ['s_address', S], ['s_nationkey', I],
             ['s_phone', S], ['s_acctbal', D], ['s_comment', S]],
  customer: [['c_custkey', I], ['c_name', S], ['c_address', S], ['c_nationkey', I],
             ['c_phone', S], ['c_acctbal', D], ['c_mktsegment', S], ['c_comment', S]],
  part: [['p_partkey', I], ['p_name', S], ['p_mfgr', S], ['p_brand', S], ['p_type', S],
         ['p_size', I], ['p_container', S], ['p_retailprice', D], ['p_comment', S]],
  partsupp: [['ps_partkey', I], ['ps_suppkey', I], ['ps_availqty', I], ['ps_supplycost', D],
             ['ps_comment', S]],
  orders: [['o_orderkey', I], ['o_custkey', I], ['o_orderstatus', S], ['o_totalprice', D],
           ['o_orderdate', T], ['o_orderpriority', S], ['o_clerk', S], ['o_shippriority', I],
           ['o_comment', S]],
  lineitem: [['l_orderkey', I], ['l_partkey', I], ['l_suppkey', I], ['l_linenumber', I],
             ['l_quantity', I], ['l_extendedprice', D], ['l_discount', D], ['l_tax', D],
             ['l_returnflag', S], ['l_linestatus', S], ['l_shipdate', T], ['l_commitdate', T],
             ['l_receiptdate', T], ['l_shipinstruct', S], ['l_shipmode', S], ['l_comment', S]],
};

const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await db.connect();
for (const [name, cols] of Object.entries(tables)) {
  const spec = cols.map(([c, t]) => `'${c}': '${t}'`).join(', ');
  await con.run(`CREATE VIEW ${name} AS SELECT * FROM read_csv('${dir}/${name}/*.csv', ` +
                `header=true, columns={${spec}})`);
}

function firstNumeric(row) {
  for (const v of row ?? []) {
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof DuckDBDecimalValue) return v.toDouble();
  }
  return NaN;
}

for (const name of names.split(',')) {
  const sql = readFileSync(`${qdir}/${name}.sql`, 'utf8');
  let best = Infinity, rows = 0, first = NaN;
  try {
    for (let i = 0; i < Number(runs); ++i) {
      const t0 = process.hrtime.bigint();
      const reader = await con.runAndReadAll(sql);
      const all = reader.getRows();
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      if (secs < best) {
        best = secs;
        rows = all.length;
        first = firstNumeric(all[0]);
      }
    }
  } catch (e) {
    console.log(`${name} error ${String(e.message ?? e).split('\n')[0]}`);
    continue;
  }
  console.log(`${name} ${best.toFixed(4)} ${rows} ${Number.isNaN(first) ? 'nan' : first}`);
}
