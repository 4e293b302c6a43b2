// Writes seed inputs for the codecs and columnar fuzz corpora from the real
// encoders: fuzz_gen_corpus OUT_DIR writes OUT_DIR/codecs/* (a selector byte,
// see targets/codecs.cc, then the message) and OUT_DIR/columnar/*.tcol.
// Sources: a tiny TPC-H data set (tranche gen tpch) under OUT_DIR/data, the
// TPC-H queries compiled and planned against it, and the plan codec tests'
// sample objects (every op, node kind and step kind).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "codec_test_util.h"
#include "io/batch_codec.h"
#include "io/columnar.h"
#include "io/csv.h"
#include "io/tpch_gen.h"
#include "io/tpch_queries.h"
#include "plan/plan_codec.h"
#include "plan/planner.h"
#include "plan/program_codec.h"

namespace fs = std::filesystem;
using namespace tranche;

namespace {

std::string out_dir;
int written = 0;

void put(const std::string& dir, const std::string& name, const std::vector<char>& bytes,
         int selector = -1) {
  fs::create_directories(out_dir + "/" + dir);
  std::ofstream f(out_dir + "/" + dir + "/" + name, std::ios::binary);
  if (selector >= 0) f.put(static_cast<char>(selector));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ++written;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_gen_corpus OUT_DIR\n");
    return 2;
  }
  out_dir = argv[1];
  const std::string data = out_dir + "/data";
  tpch_options topts;
  topts.scale = 0.0002;
  topts.files = 1;
  auto files = generate_tpch(data, topts);
  if (!files.ok()) {
    std::fprintf(stderr, "gen tpch: %s\n", std::string(files.status().message()).c_str());
    return 1;
  }
  binding_catalog cat;
  program_request prog;
  for (const char* t :
       {"region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem"}) {
    std::string glob = data + "/" + t + "/*.csv";
    if (auto s = cat.bind(t, glob); !s.ok()) {
      std::fprintf(stderr, "bind %s: %s\n", t, std::string(s.message()).c_str());
      return 1;
    }
    prog.tables.push_back(table_binding{t, glob, ',', true});
  }

  // Codecs from the TPC-H queries: program, logical, plan, portions, tasks.
  for (int q : tpch_query_numbers()) {
    std::string qs = "q" + std::to_string(q);
    prog.sql = tpch_query(q);
    prog.options.priority = q;
    put("sql", "tpch-" + qs + ".sql", std::vector<char>(prog.sql.begin(), prog.sql.end()));
    put("codecs", "program-" + qs, encode_program(prog), 0);
    auto tree = compile_sql(prog.sql, cat);
    if (!tree.ok()) {
      std::fprintf(stderr, "%s: %s\n", qs.c_str(), std::string(tree.status().message()).c_str());
      return 1;
    }
    put("codecs", "logical-" + qs, encode_logical(**tree), 1);
    planner_options popts;
    popts.split_bytes = 64 << 10;
    auto p = make_plan(**tree, popts);
    if (!p.ok()) {
      std::fprintf(stderr, "plan %s: %s\n", qs.c_str(), std::string(p.status().message()).c_str());
      return 1;
    }
    put("codecs", "plan-" + qs, encode_plan(*p), 3);
    for (size_t i = 0; i < p->portions.size(); ++i) {
      const portion_spec& ps = p->portions[i];
      std::string ps_name = qs + "-" + std::to_string(i);
      put("codecs", "portion-" + ps_name, encode_portion(ps), 2);
      task_spec t;
      t.program = 7;
      t.portion = ps;
      t.task = 0;
      for (int in : ps.inputs)
        t.inputs.push_back(block_ref{1, 7, static_cast<uint32_t>(in), 0, 0});
      std::vector<char> bytes = encode_task(t);
      if (!decode_task(bytes.data(), bytes.size()).ok())
        std::fprintf(stderr, "note: task %s does not decode\n", ps_name.c_str());
      put("codecs", "task-" + ps_name, bytes, 4);
    }
  }

  // The codec tests' samples.
  put("codecs", "logical-every-kind", encode_logical(*testing::every_kind_tree()), 1);
  put("codecs", "portion-scan", encode_portion(testing::scan_portion()), 2);
  put("codecs", "portion-shuffle", encode_portion(testing::shuffle_portion()), 2);
  put("codecs", "plan-sample", encode_plan(testing::sample_plan()), 3);
  put("codecs", "task-sample", encode_task(testing::sample_task()), 4);
  task_result tr;
  tr.rows = 1234;
  tr.bytes = 56789;
  tr.partition_rows = {1, 0, 1233};
  tr.spilled_bytes = 4096;
  put("codecs", "task-result", encode_task_result(tr), 5);
  put("codecs", "task-result-empty", encode_task_result(task_result{}), 5);

  // Batches: the first rows of each table, and one with every type and NULLs.
  for (const std::string& f : *files) {
    schema s = *infer_csv_schema(f, csv_options{});
    std::vector<int> cols;
    for (size_t i = 0; i < s.fields.size(); ++i) cols.push_back(static_cast<int>(i));
    csv_options o;
    o.batch_rows = 6;
    auto r = csv_reader::open(file_split{f, 0, fs::file_size(f)}, s, cols, o);
    batch b;
    if (r.ok() && (*r)->next(&b).ok())
      put("codecs", "batch-" + fs::path(f).parent_path().filename().string(), encode_batch(b), 6);
  }
  schema all;
  all.fields = {{"i", type_id::int64},
                {"d", type_id::float64},
                {"b", type_id::boolean},
                {"s", type_id::string},
                {"t", type_id::date}};
  batch mixed = make_batch(all, {{int64_t{-5}, 1.5, true, std::string("a\"b,c"), date_value{9000}},
                                 {value{}, value{}, value{}, value{}, value{}},
                                 {int64_t{1} << 62, -0.0, false, std::string(""), date_value{-1}}});
  put("codecs", "batch-mixed", encode_batch(mixed), 6);

  // Columnar files: small tables in batches of 4 rows, and the mixed batch.
  const std::string tcol = out_dir + "/columnar";
  fs::create_directories(tcol);
  for (const char* t : {"region", "nation", "supplier"}) {
    std::string f = data + "/" + t + "/part-000.csv";
    if (!fs::exists(f)) {
      for (const auto& e : fs::directory_iterator(data + "/" + t)) f = e.path().string();
    }
    schema s = *infer_csv_schema(f, csv_options{});
    convert_options co;
    co.rows_per_batch = 4;
    auto n = convert_csv_to_columnar({f}, s, out_dir + "/tcol-" + t, co);
    if (!n.ok()) {
      std::fprintf(stderr, "convert %s: %s\n", t, std::string(n.status().message()).c_str());
      return 1;
    }
    for (const auto& e : fs::directory_iterator(out_dir + "/tcol-" + t)) {
      fs::copy_file(e.path(), tcol + "/" + std::string(t) + ".tcol",
                    fs::copy_options::overwrite_existing);
      ++written;
    }
    fs::remove_all(out_dir + "/tcol-" + t);
  }
  {
    auto w = columnar_writer::create(tcol + "/mixed.tcol", all, 2);
    if (!w.ok() || !(*w)->append(mixed).ok() || !(*w)->close().ok()) {
      std::fprintf(stderr, "mixed.tcol failed\n");
      return 1;
    }
    ++written;
  }
  fs::remove_all(data);
  std::printf("wrote %d seed files under %s\n", written, out_dir.c_str());
  return 0;
}
