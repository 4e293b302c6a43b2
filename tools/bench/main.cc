// tranche-bench: every benchmark of the project, one subcommand each. Each
// ends its output with one line of key=value pairs.
//   tranche-bench groupby [--rows N] [--files F] [--dir DIR] [--nodes N]
//   tranche-bench dispatch ...   (dispatch.cc)
//   tranche-bench shuffle ...    (shuffle.cc)
//   tranche-bench utilization ... (utilization.cc; --broker-only: utilization_sim.cc)
//   tranche-bench tpch ...       (tpch.cc)
//   tranche-bench session ...    (session.cc)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "io/sample_gen.h"
#include "tranche/client.h"

namespace tranche::bench {
int dispatch_main(const std::vector<std::string>& args, const std::string& bin_dir);
int shuffle_main(const std::vector<std::string>& args, const std::string& bin_dir);
int utilization_main(const std::vector<std::string>& args, const std::string& bin_dir);
int tpch_main(const std::vector<std::string>& args, const std::string& bin_dir);
int chaos_main(const std::vector<std::string>& args, const std::string& bin_dir);
int cancel_main(const std::vector<std::string>& args, const std::string& bin_dir);
int session_main(const std::vector<std::string>& args, const std::string& bin_dir);
}

namespace {

// Runs the DuckDB peer (tools/bench/peers, installed by its `setup`) over the
// same files; returns seconds per query name, empty when the peer is absent.
std::map<std::string, double> duckdb_peer(const std::string& glob, unsigned threads) {
  const std::string peers = std::string(TRANCHE_SOURCE_DIR) + "/tools/bench/peers";
  std::map<std::string, double> out;
  if (!std::filesystem::exists(peers + "/node_modules/@duckdb/node-api")) return out;
  const std::string cmd = "node " + peers + "/duckdb_groupby.mjs '" + glob + "' " +
                          std::to_string(threads) + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char name[64];
  double secs = 0;
  long rows = 0;
  while (std::fscanf(p, "%63s %lf %ld", name, &secs, &rows) == 3) out[name] = secs;
  pclose(p);
  return out;
}

int groupby(const std::vector<std::string>& args) {
  uint64_t rows = 10'000'000;
  int files = 16, nodes = 1;
  std::string dir = "/tmp/tranche-bench-groupby";
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--rows")
      rows = std::stoull(args[i + 1]);
    else if (args[i] == "--files")
      files = std::stoi(args[i + 1]);
    else if (args[i] == "--dir")
      dir = args[i + 1];
    else if (args[i] == "--nodes")
      nodes = std::stoi(args[i + 1]);
    else {
      std::cerr << "groupby: unknown option " << args[i] << "\n";
      return 2;
    }
  }
  const std::string data = absl::StrFormat("%s/r%d-f%d", dir, rows, files);
  const std::string marker = data + "/.complete";
  if (!std::filesystem::exists(marker)) {
    auto t0 = std::chrono::steady_clock::now();
    tranche::sample_options so;
    so.rows = rows;
    so.files = files;
    auto r = tranche::generate_sample(data, so);
    if (!r.ok()) {
      std::cerr << r.status().message() << "\n";
      return 1;
    }
    std::ofstream(marker) << "ok\n";
    std::cout << absl::StrFormat(
        "generated %d rows in %d files in %.2f s\n", rows, files,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  uint64_t bytes = 0;
  for (auto& e : std::filesystem::directory_iterator(data))
    if (e.path().extension() == ".csv") bytes += e.file_size();

  tranche::cluster_options co;
  co.nodes = nodes;
  auto cl = tranche::cluster::start_local(co);
  if (!cl.ok()) return 1;
  std::vector<tranche::table_binding> tables{{"t", data + "/*.csv"}};
  const std::vector<std::pair<std::string, std::string>> queries = {
      {"by_flag", "SELECT flag, sum(price), avg(quantity), count(*) FROM t GROUP BY flag"},
      {"by_key", "SELECT key, sum(price), avg(quantity), count(*) FROM t GROUP BY key"},
  };
  double total = 0;
  std::string kv;
  for (const auto& [name, sql] : queries) {
    auto r = (*cl)->run_sql(sql, tables);
    if (!r.ok()) {
      std::cerr << name << ": " << r.status().message() << "\n";
      return 1;
    }
    total += r->seconds;
    std::cout << absl::StrFormat("%-8s %8.3f s  %12.0f rows/s  %.0f MB/s  (%d result rows)\n", name,
                                 r->seconds, rows / r->seconds, bytes / r->seconds / 1e6, r->rows);
    kv += absl::StrFormat(" %s_seconds=%.3f %s_rows_per_s=%.0f", name, r->seconds, name,
                          rows / r->seconds);
  }
  const unsigned cores = std::thread::hardware_concurrency();
  auto duck = duckdb_peer(data + "/*.csv", cores);
  std::string peer_kv = " duckdb=absent(run tools/bench/peers/setup)";
  if (duck.count("by_flag") && duck.count("by_key")) {
    const double duck_total = duck["by_flag"] + duck["by_key"];
    std::cout << absl::StrFormat(
        "duckdb   by_flag %.3f s, by_key %.3f s (same files, %d threads)\n", duck["by_flag"],
        duck["by_key"], cores);
    peer_kv = absl::StrFormat(
        " duckdb_by_flag_seconds=%.3f duckdb_by_key_seconds=%.3f "
        "duckdb_total_seconds=%.3f ratio_to_duckdb=%.2f",
        duck["by_flag"], duck["by_key"], duck_total, total / duck_total);
  }
  std::cout << absl::StrFormat("rows=%d files=%d bytes=%d cores=%d%s total_seconds=%.3f%s\n", rows,
                               files, bytes, cores, kv, total, peer_kv);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr
        << "usage: tranche-bench groupby [--rows N] [--files F] [--dir DIR] [--nodes N]\n"
           "       tranche-bench dispatch [--tasks N] [--window W] [--policy sharing|stealing]\n"
           "       tranche-bench shuffle [--rows N] [--files F] [--slots S] [--block-memory SIZE]\n"
           "       tranche-bench utilization [--nodes N] [--slots S] [--seed S] [--programs N] "
           "[--load F]\n"
           "       tranche-bench utilization --broker-only ...\n"
           "       tranche-bench tpch [--scale SF] [--dir DIR] [--queries 1,3,6] [--runs N] "
           "[--nodes N] [--slots S]\n"
           "       tranche-bench chaos [--rounds N] [--seconds S] [--rows N] [--seed S]\n"
           "       tranche-bench cancel [--rounds N] [--rows N] [--files F]\n"
           "       tranche-bench session [--rounds N]\n";
    return 2;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "groupby") return groupby(args);
  if (cmd == "dispatch")
    return tranche::bench::dispatch_main(
        args, std::filesystem::canonical("/proc/self/exe").parent_path().string());
  if (cmd == "shuffle")
    return tranche::bench::shuffle_main(
        args, std::filesystem::canonical("/proc/self/exe").parent_path().string());
  if (cmd == "utilization")
    return tranche::bench::utilization_main(
        args, std::filesystem::canonical("/proc/self/exe").parent_path().string());
  if (cmd == "tpch")
    return tranche::bench::tpch_main(
        args, std::filesystem::canonical("/proc/self/exe").parent_path().string());
  if (cmd == "chaos")
    return tranche::bench::chaos_main(
        args, std::filesystem::canonical("/proc/self/exe").parent_path().string());
  if (cmd == "session")
    return tranche::bench::session_main(
        args, std::filesystem::canonical("/proc/self/exe").parent_path().string());
  if (cmd == "cancel")
    return tranche::bench::cancel_main(
        args, std::filesystem::canonical("/proc/self/exe").parent_path().string());
  std::cerr << "tranche-bench: unknown benchmark " << cmd << "\n";
  return 2;
}
