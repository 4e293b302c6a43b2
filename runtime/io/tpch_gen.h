// `tranche gen tpch`: a deterministic TPC-H-shaped data set for the SQL
// benchmarks and tests. Same options, same bytes (the rows do not depend on
// the number of files). It writes out_dir/<table>/part-NNN.csv, comma
// separated with a header row, for the eight tables of the TPC-H
// specification (section 1.4), with its lowercase column names:
//
//   region   r_regionkey r_name r_comment                                  5 rows
//   nation   n_nationkey n_name n_regionkey n_comment                     25 rows
//   supplier s_suppkey s_name s_address s_nationkey s_phone s_acctbal
//            s_comment                                              10,000 x SF
//   customer c_custkey c_name c_address c_nationkey c_phone c_acctbal
//            c_mktsegment c_comment                                150,000 x SF
//   part     p_partkey p_name p_mfgr p_brand p_type p_size p_container
//            p_retailprice p_comment                               200,000 x SF
//   partsupp ps_partkey ps_suppkey ps_availqty ps_supplycost ps_comment
//                                                                  4 per part
//   orders   o_orderkey o_custkey o_orderstatus o_totalprice o_orderdate
//            o_orderpriority o_clerk o_shippriority o_comment    1,500,000 x SF
//   lineitem l_orderkey l_partkey l_suppkey l_linenumber l_quantity
//            l_extendedprice l_discount l_tax l_returnflag l_linestatus
//            l_shipdate l_commitdate l_receiptdate l_shipinstruct l_shipmode
//            l_comment                                   1..7 per order (~6 M x SF)
//
// Counts are rounded, at least 1. Keys, word lists, value ranges and derived
// fields follow section 4.2.3 (keys are 1-based, nation and region keys
// 0-based; dates YYYY-MM-DD; money and rates with two decimals, e.g. 1234.56,
// 0.05). Order keys are sparse as in dbgen: 1..8, 33..40, 65..72, ...
//
// Deviations from dbgen: the pseudo-random streams differ (splitmix64, one
// stream per row), so the values are not dbgen's; comments are substrings of
// a 2 MiB pool of sentences from a simplified version of the spec's grammar
// (phrases like "special ... requests" occur naturally), quoted per RFC 4180
// when they hold a comma; addresses are alphanumeric; exactly the suppliers
// with index % 2000 == 7 (resp. 1007) have "Customer ... Complaints" (resp.
// "Customer ... Recommends") in s_comment, 5 x SF each as in the spec. At
// scales below ~0.0004 (fewer than 4 suppliers) the spec's supplier formula
// repeats (ps_partkey, ps_suppkey) pairs; we keep the formula.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace tranche {

struct tpch_options {
  double scale = 1;  // the scale factor SF, > 0
  uint64_t seed = 0;
  // Files per big table (lineitem, orders, partsupp, part, customer); 0 picks
  // enough that each is at most ~32 MB. Never more files than rows.
  int files = 0;
};

// Row counts of the scaled tables (partsupp is 4 x part; lineitem has 1..7
// rows per order, drawn from the seed).
struct tpch_counts {
  uint64_t supplier, customer, part, orders;
};
[[nodiscard]] tpch_counts tpch_row_counts(double scale);

// Writes every table under out_dir (creating directories; stale part-*.csv
// files in the table directories are removed first) and returns the paths
// written, table by table in the order above.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> generate_tpch(const std::string& out_dir,
                                                                     const tpch_options& opts);

}  // namespace tranche
