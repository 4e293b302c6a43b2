// Fuzz target: the SQL front end. Every input is a statement text:
// parse_statement classifies and parses it; a query (and the query of a COPY
// or of a CREATE TEMP VIEW / TABLE) is compiled against a fixed catalog (the
// eight TPC-H tables plus t(key, price, quantity, shipdate, flag)) whose files
// do not exist, so the binder's size estimates fall back to defaults and
// nothing is read. A compiled tree must survive encode_logical ->
// decode_logical (the decoder checks what the executors rely on, so a
// disagreement is a binder bug).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plan/plan_codec.h"
#include "sql/sql.h"
#include "sql/statement.h"

namespace {

using tranche::field;
using tranche::table_info;
using tranche::type_id;

constexpr type_id I = type_id::int64, D = type_id::float64, S = type_id::string,
                  T = type_id::date;

class fuzz_catalog : public tranche::catalog {
 public:
  fuzz_catalog() {
    add("region", {{"r_regionkey", I}, {"r_name", S}, {"r_comment", S}});
    add("nation", {{"n_nationkey", I}, {"n_name", S}, {"n_regionkey", I}, {"n_comment", S}});
    add("supplier", {{"s_suppkey", I},
                     {"s_name", S},
                     {"s_address", S},
                     {"s_nationkey", I},
                     {"s_phone", S},
                     {"s_acctbal", D},
                     {"s_comment", S}});
    add("customer", {{"c_custkey", I},
                     {"c_name", S},
                     {"c_address", S},
                     {"c_nationkey", I},
                     {"c_phone", S},
                     {"c_acctbal", D},
                     {"c_mktsegment", S},
                     {"c_comment", S}});
    add("part", {{"p_partkey", I},
                 {"p_name", S},
                 {"p_mfgr", S},
                 {"p_brand", S},
                 {"p_type", S},
                 {"p_size", I},
                 {"p_container", S},
                 {"p_retailprice", D},
                 {"p_comment", S}});
    add("partsupp", {{"ps_partkey", I},
                     {"ps_suppkey", I},
                     {"ps_availqty", I},
                     {"ps_supplycost", D},
                     {"ps_comment", S}});
    add("orders", {{"o_orderkey", I},
                   {"o_custkey", I},
                   {"o_orderstatus", S},
                   {"o_totalprice", D},
                   {"o_orderdate", T},
                   {"o_orderpriority", S},
                   {"o_clerk", S},
                   {"o_shippriority", I},
                   {"o_comment", S}});
    add("lineitem", {{"l_orderkey", I},
                     {"l_partkey", I},
                     {"l_suppkey", I},
                     {"l_linenumber", I},
                     {"l_quantity", D},
                     {"l_extendedprice", D},
                     {"l_discount", D},
                     {"l_tax", D},
                     {"l_returnflag", S},
                     {"l_linestatus", S},
                     {"l_shipdate", T},
                     {"l_commitdate", T},
                     {"l_receiptdate", T},
                     {"l_shipinstruct", S},
                     {"l_shipmode", S},
                     {"l_comment", S}});
    add("t", {{"key", I}, {"price", D}, {"quantity", I}, {"shipdate", T}, {"flag", S},
              {"ok", type_id::boolean}});
  }

  absl::StatusOr<table_info> lookup(std::string_view name) const override {
    for (const table_info& t : tables_)
      if (t.name == name) return t;
    return absl::NotFoundError("no such table");
  }
  std::vector<std::string> names() const override {
    std::vector<std::string> out;
    for (const table_info& t : tables_) out.push_back(t.name);
    return out;
  }

 private:
  void add(std::string name, std::vector<field> fields) {
    table_info t;
    t.files = {"/nonexistent/tranche-fuzz/" + name + "/part-0.csv"};
    t.name = std::move(name);
    t.columns.fields = std::move(fields);
    tables_.push_back(std::move(t));
  }
  std::vector<table_info> tables_;
};

void compile(std::string_view text) {
  static const fuzz_catalog cat;
  auto r = tranche::compile_sql(text, cat);
  static const bool verbose = std::getenv("TRANCHE_FUZZ_VERBOSE") != nullptr;
  if (verbose)
    std::fprintf(stderr, "compile_sql: %s\n",
                 r.ok() ? "OK" : std::string(r.status().message()).substr(0, 300).c_str());
  if (!r.ok()) {
    if (r.status().message().empty()) std::abort();  // errors say what and where
    return;
  }
  if (!*r) std::abort();
  std::vector<char> bytes = tranche::encode_logical(**r);
  auto back = tranche::decode_logical(bytes.data(), bytes.size());
  if (!back.ok()) {
    std::fprintf(stderr, "compiled tree does not decode: %s\n",
                 std::string(back.status().message()).c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto st = tranche::sql::parse_statement(text);
  if (!st.ok()) {
    if (std::getenv("TRANCHE_FUZZ_VERBOSE"))
      std::fprintf(stderr, "parse_statement: %s\n",
                   std::string(st.status().message()).substr(0, 300).c_str());
    return 0;
  }
  if (auto* q = std::get_if<tranche::sql::select_statement>(&*st)) {
    compile(q->text);
  } else if (auto* c = std::get_if<tranche::sql::copy_to>(&*st)) {
    compile(c->query);
  } else if (auto* v = std::get_if<tranche::sql::create_temp_view>(&*st)) {
    compile(v->query);
  } else if (auto* t = std::get_if<tranche::sql::create_temp_table>(&*st)) {
    compile(t->query);
  }
  return 0;
}
