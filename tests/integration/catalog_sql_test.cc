// The table catalog end to end on an embedded 2-node cluster: CREATE EXTERNAL
// TABLE over generated CSV files, queries by name compared with sqlite3,
// SHOW TABLES / DESCRIBE as ordinary results, DROP, a --table binding that
// shadows a stored table, the catalog file surviving a new cluster, and the
// `tranche` CLI keeping tables between runs (--catalog).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_run.h"
#include "io/columnar.h"
#include "io/csv.h"
#include "oracle.h"
#include "test_cluster.h"
#include "tranche/client.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;
using testing::oracle_table;

class CatalogSql : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("tranche-catalog-it");
    ASSERT_NO_FATAL_FAILURE(testing::make_sample((dir_ / "t").string(), 20000, 3, &sample_files_));
    fs::create_directories(dir_ / "m");
    std::ofstream(dir_ / "m" / "a.csv") << "1|x\n2|y\n";
    start();
  }
  void TearDown() override {
    cluster_.reset();
    testing::remove_temp_dir(dir_);
  }

  void start() {
    cluster_options co = testing::two_node_options(1, 128 << 10);  // several scan tasks
    co.catalog_path = catalog();
    testing::start_cluster(co, cluster_);
  }
  std::string catalog() const { return (dir_ / "state" / "catalog.db").string(); }

  absl::StatusOr<query_result> sql(const std::string& text,
                                   const std::vector<table_binding>& tables = {}) {
    return cluster_->run_sql(text, tables);
  }
  std::vector<std::vector<std::string>> rows(const std::string& text) {
    auto r = sql(text);
    EXPECT_TRUE(r.ok()) << text << "\n" << r.status();
    return r.ok() ? testing::result_rows(*r) : std::vector<std::vector<std::string>>{};
  }
  std::string error(const std::string& text) {
    auto r = sql(text);
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? "" : std::string(r.status().message());
  }
  std::string create_sales() {
    return "CREATE EXTERNAL TABLE sales (key BIGINT, price DECIMAL(15,2), quantity INTEGER, "
           "shipdate DATE, flag CHAR(1)) LOCATION '" +
           (dir_ / "t" / "*.csv").string() + "' FORMAT CSV HEADER";
  }
  std::vector<oracle_table> oracle() const {
    return {testing::sample_oracle_table("t", sample_files_)};
  }

  fs::path dir_;
  std::vector<std::string> sample_files_;
  std::unique_ptr<cluster> cluster_;
};

TEST_F(CatalogSql, CreateThenQueryByNameMatchesSqlite) {
  EXPECT_EQ(
      rows(create_sales()),
      (std::vector<std::vector<std::string>>{{"created table \"sales\" (5 columns, 3 files)"}}));
  auto r =
      sql("SELECT flag, count(*), sum(quantity), avg(price), min(shipdate), max(key) FROM Sales "
          "WHERE shipdate < DATE '1998-09-02' GROUP BY flag ORDER BY flag");
  ASSERT_TRUE(r.ok()) << r.status();
  auto expected = testing::sqlite_rows(
      oracle(),
      "SELECT flag, count(*), sum(quantity), avg(price), min(shipdate), max(key) FROM t "
      "WHERE shipdate < '1998-09-02' GROUP BY flag ORDER BY flag");
  EXPECT_EQ(testing::compare_rows(expected, testing::result_rows(*r), true), "");
  testing::expect_ledger_whole(*cluster_);
}

TEST_F(CatalogSql, DeclaredTypesAreTheSchema) {
  // The same files, read with other types than inference would pick.
  ASSERT_TRUE(sql("CREATE EXTERNAL TABLE s2 (key VARCHAR(20), price DOUBLE, quantity DOUBLE, "
                  "shipdate STRING, flag TEXT) LOCATION '" +
                  (dir_ / "t").string() + "' FORMAT CSV HEADER")
                  .ok());
  auto r = sql("SELECT key, quantity, shipdate FROM s2 LIMIT 1");
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->columns.size(), 3u);
  EXPECT_EQ(r->columns.fields[0].type, type_id::string);
  EXPECT_EQ(r->columns.fields[1].type, type_id::float64);
  EXPECT_EQ(r->columns.fields[2].type, type_id::string);
  // A pipe-delimited table without a header row.
  ASSERT_TRUE(sql("CREATE EXTERNAL TABLE m (id INT, tag VARCHAR) LOCATION '" +
                  (dir_ / "m" / "*.csv").string() + "' FORMAT CSV DELIMITER '|'")
                  .ok());
  EXPECT_EQ(rows("SELECT sum(id), max(tag) FROM m"),
            (std::vector<std::vector<std::string>>{{"3", "y"}}));
  // Files added after CREATE are read by the next query.
  std::ofstream(dir_ / "m" / "b.csv") << "10|z\n";
  EXPECT_EQ(rows("SELECT sum(id), max(tag) FROM m"),
            (std::vector<std::vector<std::string>>{{"13", "z"}}));
  fs::remove(dir_ / "m" / "a.csv");
  fs::remove(dir_ / "m" / "b.csv");
  EXPECT_EQ(error("SELECT count(*) FROM m"),
            "line 1, column 22: table \"m\": no file matches its LOCATION '" +
                (dir_ / "m" / "*.csv").string() + "'");
}

TEST_F(CatalogSql, ShowDescribeDropAsResults) {
  ASSERT_TRUE(sql(create_sales()).ok());
  auto shown = sql("SHOW TABLES");
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_EQ(shown->columns.fields.size(), 3u);
  EXPECT_EQ(
      testing::result_rows(*shown),
      (std::vector<std::vector<std::string>>{{"sales", "csv", (dir_ / "t" / "*.csv").string()}}));
  EXPECT_EQ(rows("DESCRIBE sales"),
            (std::vector<std::vector<std::string>>{{"key", "BIGINT", "BIGINT"},
                                                   {"price", "DOUBLE", "DECIMAL(15,2)"},
                                                   {"quantity", "BIGINT", "INTEGER"},
                                                   {"shipdate", "DATE", "DATE"},
                                                   {"flag", "VARCHAR", "CHAR(1)"}}));
  EXPECT_EQ(error(create_sales()), "line 1, column 23: table \"sales\" already exists");
  EXPECT_EQ(rows("CREATE EXTERNAL TABLE IF NOT EXISTS SALES (x INT) LOCATION 'nowhere' "
                 "FORMAT CSV"),
            (std::vector<std::vector<std::string>>{
                {"table \"sales\" already exists; nothing done (IF NOT EXISTS)"}}));
  auto plan = cluster_->explain("DROP TABLE sales", {});
  EXPECT_FALSE(plan.ok());  // explaining a statement must not run it
  EXPECT_EQ(rows("DROP TABLE sales"),
            (std::vector<std::vector<std::string>>{{"dropped table \"sales\""}}));
  EXPECT_EQ(error("SELECT count(*) FROM sales"), "line 1, column 22: unknown table \"sales\"");
  EXPECT_EQ(error("DROP TABLE sales"), "line 1, column 12: unknown table \"sales\"");
  EXPECT_EQ(rows("DROP TABLE IF EXISTS sales"),
            (std::vector<std::vector<std::string>>{
                {"table \"sales\" does not exist; nothing done (IF EXISTS)"}}));
  auto none = sql("SHOW TABLES");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->rows, 0u);
  EXPECT_EQ(none->columns.fields.size(), 3u);  // the schema still arrives
  testing::expect_ledger_whole(*cluster_);
}

TEST_F(CatalogSql, BindingShadowsStoredTableForThatProgramOnly) {
  ASSERT_TRUE(sql(create_sales()).ok());
  fs::create_directories(dir_ / "b");
  std::ofstream(dir_ / "b" / "x.csv") << "key,v\n1,2\n3,4\n";
  EXPECT_EQ(testing::result_rows(
                *sql("SELECT count(*) FROM SALES", {{"sales", (dir_ / "b" / "*.csv").string()}})),
            (std::vector<std::vector<std::string>>{{"2"}}));
  EXPECT_EQ(rows("SELECT count(*) FROM sales"), (std::vector<std::vector<std::string>>{{"20000"}}));
}

TEST_F(CatalogSql, ErrorsAndColumnarTables) {
  EXPECT_EQ(error("CREATE EXTERNAL TABLE x (a INT) LOCATION '/nonexistent/*.csv' FORMAT CSV"),
            "line 1, column 42: table \"x\": LOCATION '/nonexistent/*.csv' matches no file");
  EXPECT_EQ(error("CREATE EXTERNAL TABLE x (a INT) LOCATION '" + (dir_ / "t").string() +
                  "' FORMAT CSV HEADER"),
            "line 1, column 23: table \"x\" declares 1 column but the header of " +
                sample_files_.front() + " has 5 fields");
  // A columnar copy of the sample table, declared with the file's schema.
  csv_options co;
  auto sch = infer_csv_schema(sample_files_.front(), co);
  ASSERT_TRUE(sch.ok());
  ASSERT_TRUE(
      convert_csv_to_columnar(sample_files_, *sch, (dir_ / "col").string(), convert_options{}).ok());
  EXPECT_NE(error("CREATE EXTERNAL TABLE c (a INT) LOCATION '" + (dir_ / "col").string() +
                  "/*.tcol' FORMAT COLUMNAR")
                .find("expected"),
            std::string::npos);
  ASSERT_TRUE(sql("CREATE EXTERNAL TABLE c (key BIGINT, price DOUBLE, quantity BIGINT, shipdate "
                  "DATE, flag VARCHAR) LOCATION '" +
                  (dir_ / "col").string() + "/*.tcol' FORMAT COLUMNAR")
                  .ok());
  EXPECT_EQ(rows("SHOW TABLES")[0][1], "columnar");
  EXPECT_EQ(rows("SELECT count(*), count(DISTINCT flag) FROM c WHERE quantity >= 0"),
            (std::vector<std::vector<std::string>>{{"20000", "3"}}));
}

TEST_F(CatalogSql, TablesOutliveTheCluster) {
  ASSERT_TRUE(sql(create_sales()).ok());
  cluster_.reset();
  start();
  EXPECT_EQ(rows("SELECT count(*) FROM sales"), (std::vector<std::vector<std::string>>{{"20000"}}));
}

// The CLI keeps an embedded cluster's tables in --catalog between runs.
TEST_F(CatalogSql, CliKeepsTablesBetweenRuns) {
  cluster_.reset();  // the CLI opens the same file
  const std::string cat = "--catalog '" + (dir_ / "cli" / "c.db").string() + "' ";
  auto created = testing::run("sql --format csv " + cat + "\"" + create_sales() + "\"");
  ASSERT_EQ(created.code, 0) << created.err;
  EXPECT_EQ(created.out, "result\n\"created table \"\"sales\"\" (5 columns, 3 files)\"\n");
  EXPECT_EQ(created.err, "");
  auto counted = testing::run("sql --format csv " + cat + "'SELECT count(*) AS n FROM sales'");
  ASSERT_EQ(counted.code, 0) << counted.err;
  EXPECT_EQ(counted.out, "n\n20000\n");
  EXPECT_EQ(counted.err, "");
  auto described = testing::run("sql --format json " + cat + "'DESCRIBE sales'");
  ASSERT_EQ(described.code, 0) << described.err;
  EXPECT_NE(described.out.find("\"declared_type\""), std::string::npos) << described.out;
  auto unknown = testing::run("sql " + cat + "'DROP TABLE nope'");
  EXPECT_EQ(unknown.code, 1);
  EXPECT_NE(unknown.err.find("line 1, column 12: unknown table \"nope\""), std::string::npos)
      << unknown.err;
}

}  // namespace
}  // namespace tranche
