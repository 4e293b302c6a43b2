// Tests of the catalog statements' parser (sql/statement.h): what each DDL
// form yields, that queries pass through untouched, and that every error
// names what is wrong and where.
#include <gtest/gtest.h>

#include "statement_test_util.h"

namespace tranche::sql {
namespace {

TEST(Statement, QueriesPassThroughUntouched) {
  for (const char* q : {"SELECT a FROM t", "  select 1 from t;",
                        "WITH x AS (SELECT a FROM t) "
                        "SELECT a FROM x"}) {
    auto s = parse_as<select_statement>(q);
    EXPECT_EQ(s.text, q);
  }
  // Not a DDL word: the query parser reports it, as before.
  EXPECT_TRUE(std::holds_alternative<select_statement>(*parse_statement("INSERT INTO t")));
}

TEST(Statement, CreateExternalTableWithTpchTypes) {
  auto c = parse_as<create_external_table>(
      "CREATE EXTERNAL TABLE lineitem (\n"
      "  l_orderkey INTEGER, l_quantity DECIMAL(15,2), l_returnflag CHAR(1),\n"
      "  l_comment VARCHAR(44), l_shipdate DATE, l_ok BOOLEAN, l_x DOUBLE PRECISION,\n"
      "  l_s STRING, l_b BIGINT)\n"
      "LOCATION '/data/lineitem/*.csv' FORMAT CSV HEADER DELIMITER '|';");
  EXPECT_EQ(c.name, "lineitem");
  EXPECT_FALSE(c.if_not_exists);
  ASSERT_EQ(c.columns.size(), 9u);
  EXPECT_EQ(c.columns[0].type, type_id::int64);
  EXPECT_EQ(c.columns[0].declared, "INTEGER");
  EXPECT_EQ(c.columns[1].type, type_id::float64);
  EXPECT_EQ(c.columns[1].declared, "DECIMAL(15,2)");
  EXPECT_EQ(c.columns[2].type, type_id::string);
  EXPECT_EQ(c.columns[2].declared, "CHAR(1)");
  EXPECT_EQ(c.columns[3].declared, "VARCHAR(44)");
  EXPECT_EQ(c.columns[4].type, type_id::date);
  EXPECT_EQ(c.columns[5].type, type_id::boolean);
  EXPECT_EQ(c.columns[6].declared, "DOUBLE PRECISION");
  EXPECT_EQ(c.columns[7].type, type_id::string);
  EXPECT_EQ(c.columns[8].type, type_id::int64);
  EXPECT_EQ(c.columns[2].pos.line, 2);
  EXPECT_EQ(c.columns[2].pos.column, 49);
  EXPECT_EQ(c.location, "/data/lineitem/*.csv");
  EXPECT_EQ(c.location_pos.line, 5);
  EXPECT_EQ(c.location_pos.column, 10);
  EXPECT_EQ(c.format, "csv");
  EXPECT_TRUE(c.header);
  EXPECT_EQ(c.delimiter, '|');
}

TEST(Statement, CreateClausesInAnyOrderAndDefaults) {
  auto c = parse_as<create_external_table>(
      "create external table if not exists \"Odd Name\" (a int) format csv location 'x.csv'");
  EXPECT_TRUE(c.if_not_exists);
  EXPECT_EQ(c.name, "Odd Name");
  EXPECT_FALSE(c.header);
  EXPECT_EQ(c.delimiter, ',');
  auto col = parse_as<create_external_table>(
      "CREATE EXTERNAL TABLE t (a INT) LOCATION '/d/*.tcol' FORMAT COLUMNAR");
  EXPECT_EQ(col.format, "columnar");
}

TEST(Statement, DropShowDescribe) {
  auto d = parse_as<drop_table>("DROP TABLE IF EXISTS orders;");
  EXPECT_TRUE(d.if_exists);
  EXPECT_EQ(d.name, "orders");
  EXPECT_EQ(d.name_pos.column, 22);
  EXPECT_FALSE(parse_as<drop_table>("drop table orders").if_exists);
  parse_as<show_tables>("SHOW TABLES");
  EXPECT_EQ(parse_as<describe_table>("DESCRIBE orders").name, "orders");
  EXPECT_EQ(parse_as<describe_table>("DESCRIBE TABLE orders").name, "orders");
  EXPECT_EQ(parse_as<describe_table>("desc orders;").name, "orders");
  EXPECT_EQ(parse_as<describe_table>("DESCRIBE table").name, "table");
}

TEST(Statement, ErrorsNameWhatAndWhere) {
  EXPECT_EQ(error_of("CREATE EXTERNAL TABLE t (a BLOB) LOCATION 'x' FORMAT CSV"),
            "line 1, column 28: unknown type \"BLOB\" for column \"a\"");
  EXPECT_EQ(error_of("CREATE EXTERNAL TABLE t (a INT, b DATE, A INT) LOCATION 'x' FORMAT CSV"),
            "line 1, column 41: duplicate column \"A\" in table \"t\"");
  EXPECT_EQ(error_of("CREATE TABLE t (a INT)"),
            "line 1, column 1: only CREATE EXTERNAL TABLE (a set of files named by LOCATION) "
            "and, in a session, CREATE TEMPORARY TABLE name AS <query> are supported");
  EXPECT_EQ(error_of("CREATE EXTERNAL TABLE t (a INT) FORMAT CSV"),
            "line 1, column 43: expected LOCATION 'glob', got end of input");
  EXPECT_EQ(error_of("CREATE EXTERNAL TABLE t (a INT) LOCATION 'x'"),
            "line 1, column 45: expected FORMAT CSV or FORMAT COLUMNAR, got end of input");
  EXPECT_EQ(error_of("CREATE EXTERNAL TABLE t (a INT) LOCATION 'x' FORMAT PARQUET"),
            "line 1, column 53: expected CSV or COLUMNAR, got \"PARQUET\"");
  EXPECT_EQ(error_of("CREATE EXTERNAL TABLE t (a INT) LOCATION 'x' FORMAT CSV DELIMITER '||'"),
            "line 1, column 67: DELIMITER must be one character other than a quote or a line "
            "break, got '||'");
  EXPECT_EQ(error_of("CREATE EXTERNAL TABLE t (a INT) LOCATION 'x' FORMAT COLUMNAR HEADER"),
            "line 1, column 62: HEADER applies to FORMAT CSV only");
  EXPECT_EQ(error_of("CREATE EXTERNAL TABLE t (a INT) LOCATION 'x' LOCATION 'y' FORMAT CSV"),
            "line 1, column 46: LOCATION is given twice");
  EXPECT_EQ(error_of("CREATE EXTERNAL TABLE t (a VARCHAR(0)) LOCATION 'x' FORMAT CSV"),
            "line 1, column 36: expected a positive length, got \"0\"");
  EXPECT_EQ(error_of("CREATE EXTERNAL TABLE t (a DECIMAL(1,2,3)) LOCATION 'x' FORMAT CSV"),
            "line 1, column 40: DECIMAL takes at most 2 parameters");
  EXPECT_EQ(error_of("CREATE EXTERNAL TABLE db.t (a INT) LOCATION 'x' FORMAT CSV"),
            "line 1, column 23: qualified names are not supported: table name \"db\" is a "
            "single name");
  EXPECT_EQ(error_of("CREATE EXTERNAL TABLE t () LOCATION 'x' FORMAT CSV"),
            "line 1, column 26: expected column name, got \")\"");
  EXPECT_EQ(error_of("DROP TABLE IF orders"), "line 1, column 15: expected EXISTS, got \"orders\"");
  EXPECT_EQ(error_of("DROP TABLE t extra"),
            "line 1, column 14: expected end of statement, got \"extra\"");
  EXPECT_EQ(error_of("SHOW TABLE"),
            "line 1, column 6: expected TABLES, SETTINGS or VIEWS, got \"TABLE\"");
  EXPECT_EQ(error_of("DESCRIBE"), "line 1, column 9: expected table name, got end of input");
  EXPECT_EQ(error_of("CREATE EXTERNAL TABLE t (a INT) LOCATION '' FORMAT CSV"),
            "line 1, column 42: LOCATION is empty");
}

TEST(Statement, TypeMapping) {
  EXPECT_EQ(*map_declared_type("integer"), type_id::int64);
  EXPECT_EQ(*map_declared_type("numeric"), type_id::float64);
  EXPECT_EQ(*map_declared_type("text"), type_id::string);
  EXPECT_FALSE(map_declared_type("timestamp").ok());
}

}  // namespace
}  // namespace tranche::sql
