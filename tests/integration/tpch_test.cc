// TPC-H queries 1, 3, 4, 5, 6, 10, 12, 14, 18 and 19 at scale 0.01 (or
// $TRANCHE_TPCH_SCALE: tools/tpch-check runs 0.1) on an embedded 2-node cluster, each compared with sqlite3's answer over the same
// generated files (floats to 1e-9 relative). Every query runs twice: with the
// planner's default choice between broadcast and shuffle joins, and with
// broadcast turned off so that every join between multi-task sides shuffles.
// After each, the ledger must be whole.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "io/tpch_gen.h"
#include "io/tpch_queries.h"
#include "oracle.h"
#include "tranche/client.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;
using testing::oracle_table;

struct table_def {
  const char* name;
  const char* create;
  std::vector<std::string> columns;
};

const std::vector<table_def>& tpch_tables() {
  static const auto* t = new std::vector<table_def>{
      {"region", "CREATE TABLE region(r_regionkey INTEGER, r_name TEXT, r_comment TEXT)",
       {"r_regionkey", "r_name", "r_comment"}},
      {"nation",
       "CREATE TABLE nation(n_nationkey INTEGER, n_name TEXT, n_regionkey INTEGER, n_comment TEXT)",
       {"n_nationkey", "n_name", "n_regionkey", "n_comment"}},
      {"supplier",
       "CREATE TABLE supplier(s_suppkey INTEGER, s_name TEXT, s_address TEXT, s_nationkey "
       "INTEGER, s_phone TEXT, s_acctbal REAL, s_comment TEXT)",
       {"s_suppkey", "s_name", "s_address", "s_nationkey", "s_phone", "s_acctbal", "s_comment"}},
      {"customer",
       "CREATE TABLE customer(c_custkey INTEGER, c_name TEXT, c_address TEXT, c_nationkey "
       "INTEGER, c_phone TEXT, c_acctbal REAL, c_mktsegment TEXT, c_comment TEXT)",
       {"c_custkey", "c_name", "c_address", "c_nationkey", "c_phone", "c_acctbal", "c_mktsegment",
        "c_comment"}},
      {"part",
       "CREATE TABLE part(p_partkey INTEGER, p_name TEXT, p_mfgr TEXT, p_brand TEXT, p_type TEXT, "
       "p_size INTEGER, p_container TEXT, p_retailprice REAL, p_comment TEXT); "
       "CREATE INDEX part_partkey ON part(p_partkey)",
       {"p_partkey", "p_name", "p_mfgr", "p_brand", "p_type", "p_size", "p_container",
        "p_retailprice", "p_comment"}},
      {"partsupp",
       "CREATE TABLE partsupp(ps_partkey INTEGER, ps_suppkey INTEGER, ps_availqty INTEGER, "
       "ps_supplycost REAL, ps_comment TEXT)",
       {"ps_partkey", "ps_suppkey", "ps_availqty", "ps_supplycost", "ps_comment"}},
      {"orders",
       "CREATE TABLE orders(o_orderkey INTEGER, o_custkey INTEGER, o_orderstatus TEXT, "
       "o_totalprice REAL, o_orderdate TEXT, o_orderpriority TEXT, o_clerk TEXT, o_shippriority "
       "INTEGER, o_comment TEXT)",
       {"o_orderkey", "o_custkey", "o_orderstatus", "o_totalprice", "o_orderdate",
        "o_orderpriority", "o_clerk", "o_shippriority", "o_comment"}},
      {"lineitem",
       "CREATE TABLE lineitem(l_orderkey INTEGER, l_partkey INTEGER, l_suppkey INTEGER, "
       "l_linenumber INTEGER, l_quantity INTEGER, l_extendedprice REAL, l_discount REAL, l_tax "
       "REAL, l_returnflag TEXT, l_linestatus TEXT, l_shipdate TEXT, l_commitdate TEXT, "
       "l_receiptdate TEXT, l_shipinstruct TEXT, l_shipmode TEXT, l_comment TEXT); "
       "CREATE INDEX lineitem_orderkey ON lineitem(l_orderkey); "
       "CREATE INDEX lineitem_partkey ON lineitem(l_partkey)",
       {"l_orderkey", "l_partkey", "l_suppkey", "l_linenumber", "l_quantity", "l_extendedprice",
        "l_discount", "l_tax", "l_returnflag", "l_linestatus", "l_shipdate", "l_commitdate",
        "l_receiptdate", "l_shipinstruct", "l_shipmode", "l_comment"}},
  };
  return *t;
}

class Tpch : public ::testing::TestWithParam<int> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(fs::temp_directory_path() / ("tranche-tpch-" + std::to_string(getpid())));
    tpch_options o;
    o.scale = 0.01;
    if (const char* s = std::getenv("TRANCHE_TPCH_SCALE")) o.scale = std::atof(s);
    o.files = 3;  // several scan tasks per big table
    auto files = generate_tpch(*dir_, o);
    ASSERT_TRUE(files.ok()) << files.status().message();
    expected_ = new std::map<int, std::vector<std::vector<std::string>>>();
  }

  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete expected_;
  }

  static std::vector<table_binding> bindings() {
    std::vector<table_binding> out;
    for (const auto& t : tpch_tables())
      out.push_back({t.name, *dir_ + "/" + t.name + "/*.csv"});
    return out;
  }

  static const std::vector<std::vector<std::string>>& expected(int q) {
    auto it = expected_->find(q);
    if (it != expected_->end()) return it->second;
    std::vector<oracle_table> tables;
    for (const auto& t : tpch_tables()) {
      std::vector<std::string> files;
      for (auto& e : fs::directory_iterator(*dir_ + "/" + t.name)) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      tables.push_back({t.name, t.create, files, t.columns});
    }
    std::string sql = tpch_query_sqlite(q);
    while (!sql.empty() && (sql.back() == '\n' || sql.back() == ';')) sql.pop_back();
    return (*expected_)[q] = testing::sqlite_rows(tables, sql);
  }

  static void run(int q, int64_t broadcast_bytes) {
    cluster_options co;
    co.nodes = 2;
    co.slots_per_node = 2;
    co.split_bytes = 1 << 20;  // lineitem's ~7 MB become several scan tasks
    co.memory_per_node = 1ll << 30;
    co.memory_per_task = 64ll << 20;
    co.broadcast_bytes = broadcast_bytes;
    auto cl = cluster::start_local(co);
    ASSERT_TRUE(cl.ok()) << cl.status().message();
    auto r = (*cl)->run_sql(tpch_query(q), bindings());
    ASSERT_TRUE(r.ok()) << "Q" << q << ": " << r.status().message();
    const auto& want = expected(q);
    ASSERT_FALSE(want.empty()) << "sqlite3 returned nothing for Q" << q;
    auto diff = testing::compare_rows(want, testing::result_rows(*r), /*ordered=*/true);
    EXPECT_EQ(diff, "") << "Q" << q;
    auto l = (*cl)->ledger();
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(l->leases, 0);
    EXPECT_EQ(l->free_slots, l->registered_slots);
  }

  static std::string* dir_;
  static std::map<int, std::vector<std::vector<std::string>>>* expected_;
};

std::string* Tpch::dir_ = nullptr;
std::map<int, std::vector<std::vector<std::string>>>* Tpch::expected_ = nullptr;

TEST_P(Tpch, MatchesSqliteWithBroadcastJoins) { run(GetParam(), 32ll << 20); }

TEST_P(Tpch, MatchesSqliteWithShuffleJoins) { run(GetParam(), 0); }

INSTANTIATE_TEST_SUITE_P(Queries, Tpch, ::testing::ValuesIn(tpch_query_numbers()),
                         [](const ::testing::TestParamInfo<int>& i) {
                           return "Q" + std::to_string(i.param);
                         });

}  // namespace
}  // namespace tranche
