// Tests of generate_tpch (runtime/io/tpch_gen.cc): file layout, headers and
// row counts at SF 0.01, determinism, the key relations between the tables
// and the spec's value rules, all checked by reading the files back with the
// CSV reader and the types it infers.
#include "io/tpch_gen.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>

#include "io/csv.h"
#include "test_util.h"

namespace tranche {
namespace {

using testing_util::read_bytes;
using testing_util::temp_dir;

const std::vector<std::string> kTables = {"region", "nation",   "supplier", "customer",
                                          "part",   "partsupp", "orders",   "lineitem"};

struct table {
  schema sch;
  testing_util::rows rows;
  int col(const std::string& name) const {
    const int c = sch.find(name);
    EXPECT_GE(c, 0) << name;
    return c;
  }
};

std::vector<std::string> files_of(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  return files;
}

// Every file of one table, read with the schema inferred from its first file.
table read_table(const std::string& out, const std::string& name) {
  table t;
  const auto files = files_of(out + "/" + name);
  EXPECT_FALSE(files.empty()) << name;
  if (files.empty()) return t;
  auto sch = infer_csv_schema(files[0], {});
  EXPECT_TRUE(sch.ok()) << sch.status();
  if (!sch.ok()) return t;
  t.sch = *sch;
  std::vector<file_split> splits;
  for (const auto& f : files) splits.push_back({f, 0, std::filesystem::file_size(f)});
  auto rows = testing_util::read_splits(splits, t.sch, testing_util::all_columns(t.sch));
  EXPECT_TRUE(rows.ok()) << rows.status();
  if (rows.ok()) t.rows = std::move(*rows);
  return t;
}

int64_t i64(const value& v) { return std::get<int64_t>(v); }
double f64(const value& v) { return std::get<double>(v); }
int64_t day(const value& v) { return std::get<date_value>(v).days; }
const std::string& str(const value& v) { return std::get<std::string>(v); }
int64_t cents(const value& v) { return std::llround(f64(v) * 100); }

// One SF 0.01 data set (3 files per big table), shared by the tests below.
class TpchGen : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new temp_dir;
    tpch_options opts;
    opts.scale = 0.01;
    opts.files = 3;
    auto paths = generate_tpch(dir_->path(), opts);
    ASSERT_TRUE(paths.ok()) << paths.status();
    paths_ = new std::vector<std::string>(*paths);
    tables_ = new std::map<std::string, table>;
    for (const auto& name : kTables) (*tables_)[name] = read_table(dir_->path(), name);
  }
  static void TearDownTestSuite() {
    delete tables_;
    delete paths_;
    delete dir_;
  }
  static const table& t(const std::string& name) { return tables_->at(name); }

  static temp_dir* dir_;
  static std::vector<std::string>* paths_;
  static std::map<std::string, table>* tables_;
};
temp_dir* TpchGen::dir_ = nullptr;
std::vector<std::string>* TpchGen::paths_ = nullptr;
std::map<std::string, table>* TpchGen::tables_ = nullptr;

TEST_F(TpchGen, FilesHeadersAndTypes) {
  // Small tables get one file, big ones --files; paths come table by table.
  ASSERT_EQ(paths_->size(), 3u + 5 * 3);
  EXPECT_EQ(paths_->front(), dir_->file("region/part-000.csv"));
  EXPECT_EQ(paths_->back(), dir_->file("lineitem/part-002.csv"));
  EXPECT_EQ(files_of(dir_->file("orders")).size(), 3u);
  const std::string text = read_bytes(dir_->file("lineitem/part-001.csv"));
  EXPECT_EQ(text.substr(0, text.find('\n') + 1),
            "l_orderkey,l_partkey,l_suppkey,l_linenumber,l_quantity,l_extendedprice,l_discount,"
            "l_tax,l_returnflag,l_linestatus,l_shipdate,l_commitdate,l_receiptdate,"
            "l_shipinstruct,l_shipmode,l_comment\n");
  EXPECT_EQ(text.back(), '\n');

  using enum type_id;
  auto types = [](const table& tb) {
    std::vector<type_id> v;
    for (const auto& f : tb.sch.fields) v.push_back(f.type);
    return v;
  };
  EXPECT_EQ(types(t("region")), (std::vector<type_id>{int64, string, string}));
  EXPECT_EQ(types(t("nation")), (std::vector<type_id>{int64, string, int64, string}));
  EXPECT_EQ(types(t("supplier")),
            (std::vector<type_id>{int64, string, string, int64, string, float64, string}));
  EXPECT_EQ(types(t("customer")),
            (std::vector<type_id>{int64, string, string, int64, string, float64, string, string}));
  EXPECT_EQ(types(t("part")), (std::vector<type_id>{int64, string, string, string, string, int64,
                                                    string, float64, string}));
  EXPECT_EQ(types(t("partsupp")), (std::vector<type_id>{int64, int64, int64, float64, string}));
  EXPECT_EQ(types(t("orders")), (std::vector<type_id>{int64, int64, string, float64, date, string,
                                                      string, int64, string}));
  EXPECT_EQ(types(t("lineitem")),
            (std::vector<type_id>{int64, int64, int64, int64, int64, float64, float64, float64,
                                  string, string, date, date, date, string, string, string}));
  EXPECT_EQ(t("orders").sch.fields[4].name, "o_orderdate");
  EXPECT_EQ(t("customer").sch.fields[6].name, "c_mktsegment");
}

TEST_F(TpchGen, RowCountsScale) {
  EXPECT_EQ(t("region").rows.size(), 5u);
  EXPECT_EQ(t("nation").rows.size(), 25u);
  EXPECT_EQ(t("supplier").rows.size(), 100u);
  EXPECT_EQ(t("customer").rows.size(), 1500u);
  EXPECT_EQ(t("part").rows.size(), 2000u);
  EXPECT_EQ(t("partsupp").rows.size(), 8000u);
  EXPECT_EQ(t("orders").rows.size(), 15000u);
  EXPECT_GT(t("lineitem").rows.size(), 57000u);  // 4 per order on average
  EXPECT_LT(t("lineitem").rows.size(), 63000u);
  const tpch_counts c = tpch_row_counts(0.00001);
  EXPECT_EQ(c.supplier, 1u);
  EXPECT_EQ(c.orders, 15u);
}

TEST_F(TpchGen, KeysRelateAsInTheSpec) {
  const auto& nation = t("nation").rows;
  EXPECT_EQ(str(nation[24][1]), "UNITED STATES");
  EXPECT_EQ(i64(nation[24][2]), 1);
  EXPECT_EQ(str(t("region").rows[4][1]), "MIDDLE EAST");
  for (const auto& r : nation) EXPECT_TRUE(i64(r[2]) >= 0 && i64(r[2]) < 5);
  for (const char* tb : {"supplier", "customer"}) {
    for (const auto& r : t(tb).rows) {
      ASSERT_TRUE(i64(r[3]) >= 0 && i64(r[3]) < 25) << tb;
      ASSERT_EQ(str(r[4]).substr(0, str(r[4]).find('-')), std::to_string(i64(r[3]) + 10));
    }
  }
  std::set<std::pair<int64_t, int64_t>> partsupp;
  for (const auto& r : t("partsupp").rows) {
    ASSERT_TRUE(i64(r[1]) >= 1 && i64(r[1]) <= 100);
    partsupp.insert({i64(r[0]), i64(r[1])});
  }
  EXPECT_EQ(partsupp.size(), 8000u);  // the pairs are distinct
  // Part 1's suppliers by the spec's formula: (p + i*(S/4 + (p-1)/S)) % S + 1.
  for (int64_t i = 0; i < 4; ++i) EXPECT_TRUE(partsupp.count({1, (1 + i * 25) % 100 + 1}));

  std::map<int64_t, int64_t> lines_of;  // order key -> lines seen
  int64_t index = 0;
  for (const auto& r : t("orders").rows) {
    // dbgen's sparse keys: 1..8, 33..40, ...
    ASSERT_EQ(i64(r[0]), index / 8 * 32 + index % 8 + 1);
    ++index;
    ASSERT_TRUE(i64(r[1]) >= 1 && i64(r[1]) <= 1500 && i64(r[1]) % 3 != 0) << i64(r[1]);
    lines_of[i64(r[0])] = 0;
  }
  for (const auto& r : t("lineitem").rows) {
    auto it = lines_of.find(i64(r[0]));
    ASSERT_NE(it, lines_of.end()) << i64(r[0]);
    ASSERT_EQ(i64(r[3]), ++it->second);  // l_linenumber is 1..n in order
    ASSERT_TRUE(partsupp.count({i64(r[1]), i64(r[2])})) << i64(r[1]) << "," << i64(r[2]);
  }
  for (const auto& [key, n] : lines_of) ASSERT_TRUE(n >= 1 && n <= 7) << key;
}

TEST_F(TpchGen, ValuesFollowTheSpec) {
  const int64_t start = days_from_civil(1992, 1, 1), current = days_from_civil(1995, 6, 17),
                last = days_from_civil(1998, 8, 2);
  auto retail = [](int64_t p) { return 90000 + (p / 10) % 20001 + 100 * (p % 1000); };
  for (const auto& r : t("part").rows) {
    ASSERT_EQ(cents(r[7]), retail(i64(r[0])));
    const std::string& name = str(r[1]);
    ASSERT_EQ(std::count(name.begin(), name.end(), ' '), 4) << name;
    ASSERT_EQ(str(r[2]).substr(0, 13), "Manufacturer#");
    ASSERT_EQ(str(r[3]).substr(0, 7), std::string("Brand#") + str(r[2]).back());
    ASSERT_TRUE(i64(r[5]) >= 1 && i64(r[5]) <= 50);
  }
  for (const auto& r : t("customer").rows) {
    ASSERT_TRUE(cents(r[5]) >= -99999 && cents(r[5]) <= 999999);
    ASSERT_EQ(str(r[1]).size(), 18u);  // Customer#000000042
  }
  std::map<int64_t, const std::vector<value>*> orders;
  for (const auto& r : t("orders").rows) {
    ASSERT_TRUE(day(r[4]) >= start && day(r[4]) <= last);
    ASSERT_EQ(i64(r[7]), 0);
    orders[i64(r[0])] = &r;
  }
  struct sums {
    double total = 0;
    int f = 0, o = 0;
  };
  std::map<int64_t, sums> by_order;
  std::set<std::string> flags, modes;
  for (const auto& r : t("lineitem").rows) {
    const auto& o = *orders.at(i64(r[0]));
    const int64_t qty = i64(r[4]), ship = day(r[10]), commit = day(r[11]), receipt = day(r[12]);
    ASSERT_TRUE(qty >= 1 && qty <= 50);
    ASSERT_EQ(cents(r[5]), qty * retail(i64(r[1])));
    ASSERT_TRUE(cents(r[6]) >= 0 && cents(r[6]) <= 10);
    ASSERT_TRUE(cents(r[7]) >= 0 && cents(r[7]) <= 8);
    ASSERT_TRUE(ship - day(o[4]) >= 1 && ship - day(o[4]) <= 121);
    ASSERT_TRUE(commit - day(o[4]) >= 30 && commit - day(o[4]) <= 90);
    ASSERT_TRUE(receipt - ship >= 1 && receipt - ship <= 30);
    const std::string& flag = str(r[8]);
    ASSERT_TRUE(receipt <= current ? (flag == "R" || flag == "A") : flag == "N") << flag;
    ASSERT_EQ(str(r[9]), ship > current ? "O" : "F");
    flags.insert(flag);
    modes.insert(str(r[14]));
    sums& s = by_order[i64(r[0])];
    s.total += f64(r[5]) * (1 + f64(r[7])) * (1 - f64(r[6]));
    (str(r[9]) == "F" ? s.f : s.o)++;
  }
  EXPECT_EQ(flags, (std::set<std::string>{"A", "N", "R"}));
  EXPECT_EQ(modes.size(), 7u);
  std::set<std::string> statuses;
  for (const auto& [key, s] : by_order) {
    const auto& o = *orders.at(key);
    ASSERT_NEAR(f64(o[3]), s.total, 0.0051) << key;
    ASSERT_EQ(str(o[2]), s.o == 0 ? "F" : s.f == 0 ? "O" : "P") << key;
    statuses.insert(str(o[2]));
  }
  EXPECT_EQ(statuses, (std::set<std::string>{"F", "O", "P"}));
}

TEST_F(TpchGen, CommentsCarryTheQueriesPhrases) {
  size_t special_requests = 0;
  for (const auto& r : t("orders").rows) {
    const std::string& c = str(r[8]);
    ASSERT_EQ(c.find('"'), std::string::npos);
    const size_t s = c.find("special");
    if (s != std::string::npos && c.find("requests", s) != std::string::npos) ++special_requests;
  }
  EXPECT_GT(special_requests, 0u);  // Q13
  EXPECT_LT(special_requests, 15000u / 10);
  // Q16: supplier index 7 (key 8) complains; comments with commas are quoted.
  const std::string& c = str(t("supplier").rows[7][6]);
  EXPECT_EQ(c.substr(0, 9), "Customer ");
  EXPECT_NE(c.find(" Complaints "), std::string::npos);
  EXPECT_NE(read_bytes(dir_->file("lineitem/part-000.csv")).find(",\""), std::string::npos);
}

std::string all_rows(const std::string& out, const std::string& name) {
  std::string rows;
  for (const auto& f : files_of(out + "/" + name)) {
    const std::string text = read_bytes(f);
    rows += text.substr(text.find('\n') + 1);
  }
  return rows;
}

TEST(TpchGenRuns, SameScaleAndSeedGiveSameBytes) {
  temp_dir dir;
  tpch_options opts;
  opts.scale = 0.002;
  auto a = generate_tpch(dir.file("a"), opts);
  auto b = generate_tpch(dir.file("b"), opts);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(a->size(), 8u);  // one file per table at this scale
  for (size_t i = 0; i < a->size(); ++i) EXPECT_EQ(read_bytes((*a)[i]), read_bytes((*b)[i]));
  // The split into files changes nothing but the layout; a rerun replaces
  // the old files.
  opts.files = 2;
  ASSERT_TRUE(generate_tpch(dir.file("b"), opts).ok());
  EXPECT_EQ(files_of(dir.file("b/orders")).size(), 2u);
  for (const auto& name : kTables)
    EXPECT_EQ(all_rows(dir.file("a"), name), all_rows(dir.file("b"), name)) << name;
  opts.seed = 1;
  ASSERT_TRUE(generate_tpch(dir.file("c"), opts).ok());
  EXPECT_NE(all_rows(dir.file("a"), "lineitem"), all_rows(dir.file("c"), "lineitem"));
}

TEST(TpchGenRuns, RejectsBadScales) {
  temp_dir dir;
  for (double sf : {0.0, -1.0, 1000.5, std::nan("")}) {
    tpch_options opts;
    opts.scale = sf;
    EXPECT_EQ(generate_tpch(dir.path(), opts).status().code(), absl::StatusCode::kInvalidArgument)
        << sf;
  }
}

}  // namespace
}  // namespace tranche
