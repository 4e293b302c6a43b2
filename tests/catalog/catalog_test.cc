// Tests of the persistent table catalog (runtime/catalog/): the SQLite store
// on its own (round trip, reopen, drop, two stores on one file, foreign and
// corrupt files), the DDL executor's results and positioned errors, and the
// binder's view of the store (LOCATION expanded at each lookup).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "catalog/ddl.h"
#include "catalog/store_catalog.h"
#include "catalog/table_store.h"
#include "plan/planner.h"
#include "sql/statement.h"

namespace tranche {
namespace {

namespace fs = std::filesystem;

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tranche-catalog-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string db() const { return (dir_ / "catalog.db").string(); }
  std::string data(const std::string& name) const { return (dir_ / "data" / name).string(); }
  void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

  std::unique_ptr<table_store> open_store() {
    auto s = table_store::open(db());
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? *std::move(s) : nullptr;
  }

  absl::StatusOr<batch> run(table_store& store, const std::string& sql) {
    auto stmt = sql::parse_statement(sql);
    if (!stmt.ok()) return stmt.status();
    return execute_ddl(*stmt, store);
  }
  // The single "result" cell of a CREATE or DROP.
  std::string message(table_store& store, const std::string& sql) {
    auto r = run(store, sql);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status();
    if (!r.ok() || r->rows != 1) return "";
    return to_string(r->get(0, 0));
  }
  std::string error(table_store& store, const std::string& sql) {
    auto r = run(store, sql);
    EXPECT_FALSE(r.ok()) << sql;
    return r.ok() ? "" : std::string(r.status().message());
  }

  stored_table sample_table(const std::string& name) {
    stored_table t;
    t.name = name;
    t.location = data("*.csv");
    t.format = "csv";
    t.header = true;
    t.delimiter = '|';
    t.columns = {{"id", type_id::int64, "INTEGER"},
                 {"price", type_id::float64, "DECIMAL(15,2)"},
                 {"day", type_id::date, "DATE"}};
    return t;
  }

  fs::path dir_;
};

TEST_F(CatalogTest, StoreRoundTripAndReopen) {
  {
    auto store = open_store();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->create(sample_table("orders")).ok());
    ASSERT_TRUE(store->create(sample_table("Lineitem")).ok());
  }
  auto store = open_store();  // a new process would see the same
  ASSERT_TRUE(store);
  auto all = store->list();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "Lineitem");  // by name, ignoring case
  EXPECT_EQ((*all)[1].name, "orders");
  auto t = store->get("ORDERS");
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t->has_value());
  const stored_table& o = **t;
  EXPECT_EQ(o.name, "orders");
  EXPECT_EQ(o.location, data("*.csv"));
  EXPECT_EQ(o.format, "csv");
  EXPECT_TRUE(o.header);
  EXPECT_EQ(o.delimiter, '|');
  EXPECT_GT(o.created_at, 0);
  EXPECT_EQ(o.columns, sample_table("orders").columns);
  EXPECT_FALSE(store->get("missing")->has_value());
}

TEST_F(CatalogTest, StoreRefusesDuplicatesAndDropsByAnyCase) {
  auto store = open_store();
  ASSERT_TRUE(store->create(sample_table("orders")).ok());
  auto dup = store->create(sample_table("ORDERS"));
  EXPECT_TRUE(absl::IsAlreadyExists(dup)) << dup;
  EXPECT_EQ(dup.message(), "table \"orders\" already exists");
  EXPECT_TRUE(store->drop("Orders").ok());
  EXPECT_TRUE(absl::IsNotFound(store->drop("orders")));
  EXPECT_TRUE(store->list()->empty());
  // Its columns went with it: a new table of that name starts clean.
  stored_table again = sample_table("orders");
  again.columns.resize(1);
  ASSERT_TRUE(store->create(again).ok());
  EXPECT_EQ((*store->get("orders"))->columns.size(), 1u);
}

TEST_F(CatalogTest, TwoStoresOnOneFileSeeEachOther) {
  auto a = open_store();
  auto b = open_store();
  ASSERT_TRUE(a && b);
  // Writers on two threads, each through its own connection.
  std::thread ta([&] {
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(a->create(sample_table("a" + std::to_string(i))).ok());
  });
  std::thread tb([&] {
    for (int i = 0; i < 20; ++i) EXPECT_TRUE(b->create(sample_table("b" + std::to_string(i))).ok());
  });
  ta.join();
  tb.join();
  EXPECT_EQ(a->list()->size(), 40u);
  EXPECT_EQ(b->list()->size(), 40u);
  ASSERT_TRUE(a->drop("b7").ok());
  EXPECT_FALSE(b->get("b7")->has_value());
  EXPECT_TRUE(absl::IsAlreadyExists(b->create(sample_table("A3"))));
}

TEST_F(CatalogTest, CorruptOrForeignFilesAreClearErrors) {
  write(db(), std::string(4096, 'x'));  // not a database at all
  auto garbage = table_store::open(db());
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.status().message().find("catalog " + db()), std::string::npos)
      << garbage.status();
  EXPECT_NE(garbage.status().message().find("not a database"), std::string::npos)
      << garbage.status();

  fs::remove(db());
  sqlite3* raw = nullptr;  // another application's SQLite file
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "CREATE TABLE notes (x TEXT)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  auto foreign = table_store::open(db());
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.status().message(),
            "catalog " + db() + ": not a tranche catalog (an SQLite file holding other tables)");

  fs::remove(db());
  ASSERT_TRUE(open_store());  // a valid catalog, then a newer tranche's version
  ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "PRAGMA user_version = 7", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  auto newer = table_store::open(db());
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.status().message(),
            "catalog " + db() +
                ": schema version 7 was written by a newer tranche (this one reads up to 1)");

  auto missing_dir = table_store::open((dir_ / "no" / "such" / "dir" / "c.db").string());
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_NE(missing_dir.status().message().find("cannot open"), std::string::npos);
}

TEST_F(CatalogTest, CreateChecksFilesAndHeaderAtOnce) {
  write(data("a.csv"), "id|price|day\n1|2.5|2024-01-02\n");
  auto store = open_store();
  const std::string loc = data("*.csv");
  EXPECT_EQ(message(*store,
                    "CREATE EXTERNAL TABLE t (id INTEGER, price DECIMAL(15,2), day DATE) "
                    "LOCATION '" +
                        loc + "' FORMAT CSV HEADER DELIMITER '|'"),
            "created table \"t\" (3 columns, 1 file)");
  EXPECT_EQ(error(*store, "CREATE EXTERNAL TABLE T (id INT) LOCATION '" + loc + "' FORMAT CSV"),
            "line 1, column 23: table \"t\" already exists");
  EXPECT_EQ(message(*store, "CREATE EXTERNAL TABLE IF NOT EXISTS T (id INT) LOCATION '" + loc +
                                "' FORMAT CSV"),
            "table \"t\" already exists; nothing done (IF NOT EXISTS)");
  EXPECT_EQ(
      error(*store,
            "CREATE EXTERNAL TABLE u (id INT) LOCATION '" + data("none-*.csv") + "' FORMAT CSV"),
      "line 1, column 43: table \"u\": LOCATION '" + data("none-*.csv") + "' matches no file");
  EXPECT_EQ(error(*store, "CREATE EXTERNAL TABLE u (id INT, price DOUBLE) LOCATION '" + loc +
                              "' FORMAT CSV HEADER DELIMITER '|'"),
            "line 1, column 23: table \"u\" declares 2 columns but the header of " + data("a.csv") +
                " has 3 fields");
  EXPECT_EQ(error(*store, "CREATE EXTERNAL TABLE u (id INT) LOCATION '" + loc +
                              "' FORMAT CSV DELIMITER '|'"),
            "line 1, column 23: table \"u\" declares 1 column but the first row of " +
                data("a.csv") + " has 3 fields (without HEADER the files have no header row)");
  // Columnar files carry a schema: a CSV file is not one.
  EXPECT_EQ(
      error(*store, "CREATE EXTERNAL TABLE c (id INT) LOCATION '" + loc + "' FORMAT COLUMNAR"),
      "line 1, column 43: table \"c\": " + data("a.csv") +
          ": not a tranche columnar file (no TRCOLUMN header)");
  EXPECT_FALSE(*store->get("c"));
}

TEST_F(CatalogTest, DropShowDescribeResults) {
  write(data("a.csv"), "1,x\n");
  auto store = open_store();
  const std::string loc = data("a.csv");
  ASSERT_EQ(message(*store,
                    "CREATE EXTERNAL TABLE orders (o_id BIGINT, o_note CHAR(10)) "
                    "LOCATION '" +
                        loc + "' FORMAT CSV"),
            "created table \"orders\" (2 columns, 1 file)");
  auto shown = run(*store, "SHOW TABLES");
  ASSERT_TRUE(shown.ok());
  ASSERT_EQ(shown->rows, 1u);
  EXPECT_EQ(shown->schema.fields[0].name, "name");
  EXPECT_EQ(shown->schema.fields[1].name, "format");
  EXPECT_EQ(shown->schema.fields[2].name, "location");
  EXPECT_EQ(row_of(*shown, 0), (std::vector<value>{"orders", "csv", loc}));
  auto described = run(*store, "DESCRIBE ORDERS");
  ASSERT_TRUE(described.ok());
  ASSERT_EQ(described->rows, 2u);
  EXPECT_EQ(row_of(*described, 0), (std::vector<value>{"o_id", "BIGINT", "BIGINT"}));
  EXPECT_EQ(row_of(*described, 1), (std::vector<value>{"o_note", "VARCHAR", "CHAR(10)"}));
  EXPECT_EQ(error(*store, "DESCRIBE ordrs"),
            "line 1, column 10: unknown table \"ordrs\" (did you mean \"orders\"?)");
  EXPECT_EQ(error(*store, "DROP TABLE nope"), "line 1, column 12: unknown table \"nope\"");
  EXPECT_EQ(message(*store, "DROP TABLE IF EXISTS nope"),
            "table \"nope\" does not exist; nothing done (IF EXISTS)");
  EXPECT_EQ(message(*store, "drop table Orders"), "dropped table \"orders\"");
  auto empty = run(*store, "SHOW TABLES");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->rows, 0u);
  EXPECT_EQ(empty->schema.size(), 3u);  // no rows, still the columns
}

TEST_F(CatalogTest, BinderViewExpandsLocationAtEachLookup) {
  auto store = open_store();
  stored_table t = sample_table("orders");
  t.location = data("part-*.csv");
  ASSERT_TRUE(store->create(t).ok());
  store_catalog cat(*store);
  auto none = cat.lookup("orders");
  EXPECT_TRUE(absl::IsFailedPrecondition(none.status())) << none.status();
  EXPECT_EQ(none.status().message(), "no file matches its LOCATION '" + data("part-*.csv") + "'");
  write(data("part-1.csv"), "id|price|day\n");
  write(data("part-0.csv"), "id|price|day\n");
  auto found = cat.lookup("ORDERS");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->files, (std::vector<std::string>{data("part-0.csv"), data("part-1.csv")}));
  EXPECT_EQ(found->columns.fields[1], (field{"price", type_id::float64}));
  EXPECT_EQ(found->format.delimiter, '|');
  EXPECT_TRUE(found->format.header);
  EXPECT_TRUE(absl::IsNotFound(cat.lookup("other").status()));
  EXPECT_EQ(cat.names(), std::vector<std::string>{"orders"});

  stored_table c = sample_table("cols");
  c.format = "columnar";
  ASSERT_TRUE(store->create(c).ok());
  auto columnar = cat.lookup("cols");
  ASSERT_TRUE(columnar.ok()) << columnar.status();
  EXPECT_TRUE(columnar->format.columnar);
}

TEST_F(CatalogTest, LocationNamingADirectoryReadsItsVisibleFiles) {
  fs::create_directories(dir_ / "data" / "t");
  write(data("t/b.csv"), "1\n");
  write(data("t/a.csv"), "1\n");
  write(data("t/_SUCCESS"), "");
  write(data("t/.hidden"), "");
  EXPECT_EQ(expand_location(data("t")),
            (std::vector<std::string>{data("t/a.csv"), data("t/b.csv")}));
  EXPECT_TRUE(expand_location(data("nothing*")).empty());
}

TEST_F(CatalogTest, BindingsShadowStoredTables) {
  write(data("bound.csv"), "k,v\n1,2\n");
  write(data("a.csv"), "id|price|day\n");
  auto store = open_store();
  ASSERT_TRUE(store->create(sample_table("t")).ok());
  ASSERT_TRUE(store->create(sample_table("only_stored")).ok());
  binding_catalog bound;
  ASSERT_TRUE(bound.bind("T", data("bound.csv")).ok());
  store_catalog stored(*store);
  layered_catalog cat(bound, &stored);
  auto t = cat.lookup("t");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->files, std::vector<std::string>{data("bound.csv")});
  EXPECT_EQ(t->columns.size(), 2u);
  auto s = cat.lookup("only_stored");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->columns.size(), 3u);
  EXPECT_EQ(cat.names().size(), 3u);
}

TEST(CsvFirstRecord, CountsFieldsWithQuotes) {
  const auto path = fs::temp_directory_path() / ("tranche-first-" + std::to_string(getpid()));
  std::ofstream(path) << "\xEF\xBB\xBF"
                         "a,\"b,c\",\"d\"\"e\"\r\n1,2,3\n";
  EXPECT_EQ(*csv_first_record_width(path.string(), ','), 3u);
  std::ofstream(path, std::ios::trunc) << "";
  EXPECT_EQ(*csv_first_record_width(path.string(), ','), 0u);
  fs::remove(path);
  EXPECT_TRUE(absl::IsNotFound(csv_first_record_width(path.string(), ',').status()));
}

}  // namespace
}  // namespace tranche
