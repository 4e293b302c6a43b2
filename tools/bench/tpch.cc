// `tranche-bench tpch`: seconds per TPC-H query (tpch_queries.h) on an
// embedded cluster using all cores of this machine, next to DuckDB's seconds
// for the same query over the same CSV files in the same run (the peer
// tools/bench/peers/duckdb_tpch.mjs, when its node_modules are installed),
// the ratio, a cross-check of the two engines' results, and the CSV scan
// throughput per core (a query that parses all 16 columns of lineitem).
// Called from main.cc; ends with one line of key=value pairs.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "io/tpch_gen.h"
#include "io/tpch_queries.h"
#include "tranche/client.h"

namespace tranche::bench {
namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

constexpr const char* kUsage =
    "usage: tranche-bench tpch [--scale SF] [--dir DIR] [--queries 1,3,6] [--runs N]\n"
    "                          [--nodes N] [--slots S] [--memory-per-task BYTES]\n"
    "  --scale SF   TPC-H scale factor, > 0 (default 1)\n"
    "  --dir DIR    data directory (default /tmp/tranche-bench-tpch-sf<SF>); generated\n"
    "               when DIR/lineitem is missing, reused otherwise\n"
    "  --queries    query numbers, comma separated (default: all of tpch_query_numbers())\n"
    "  --runs N     runs per query; the best is reported, for both engines (default 1)\n"
    "  --nodes N    executor nodes of the embedded cluster (default 1)\n"
    "  --slots S    slots in total (default: the machine's cores); DuckDB gets S threads\n";

constexpr const char* kTables[] = {"region",   "nation", "supplier", "customer",
                                   "part",     "partsupp", "orders", "lineitem"};

// Parses all 16 columns of lineitem (the planner prunes columns a query does
// not read, so every one appears in an aggregate).
constexpr const char* kScanSql =
    "select count(*), max(l_orderkey), max(l_partkey), max(l_suppkey), max(l_linenumber), "
    "max(l_quantity), max(l_extendedprice), max(l_discount), max(l_tax), max(l_returnflag), "
    "max(l_linestatus), max(l_shipdate), max(l_commitdate), max(l_receiptdate), "
    "max(l_shipinstruct), max(l_shipmode), max(l_comment) from lineitem";

int usage(const std::string& msg) {
  if (!msg.empty()) std::cerr << "tpch: " << msg << "\n";
  std::cerr << kUsage;
  return 2;
}

struct options {
  double scale = 1;
  std::string dir;
  std::vector<int> queries;
  int runs = 1;
  int nodes = 1;
  int slots = 0;
  int64_t memory_per_task = 0;  // 0: cluster_options' default
};

bool parse_int(const std::string& s, int64_t lo, int64_t hi, int64_t* out) {
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || errno != 0 || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

// Returns an empty string on success, else the usage error.
std::string parse_options(const std::vector<std::string>& args, options* o) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    static const char* const known[] = {"--scale", "--dir",   "--queries",        "--runs",
                                        "--nodes", "--slots", "--memory-per-task"};
    if (std::find(std::begin(known), std::end(known), a) == std::end(known))
      return "unknown option " + a;
    if (i + 1 >= args.size()) return a + " needs a value";
    const std::string& v = args[++i];
    int64_t n = 0;
    if (a == "--scale") {
      char* end = nullptr;
      o->scale = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(o->scale > 0) || o->scale > 1000)
        return "--scale needs a number in (0, 1000], got \"" + v + "\"";
    } else if (a == "--dir") {
      if (v.empty()) return "--dir needs a directory";
      o->dir = v;
    } else if (a == "--queries") {
      o->queries.clear();
      for (absl::string_view part : absl::StrSplit(v, ',', absl::SkipEmpty())) {
        const std::string p(part);
        const auto& known = tpch_query_numbers();
        if (!parse_int(p, 1, 22, &n) ||
            std::find(known.begin(), known.end(), static_cast<int>(n)) == known.end())
          return "--queries: no query \"" + p + "\" (available: " +
                 absl::StrJoin(tpch_query_numbers(), ",") + ")";
        o->queries.push_back(static_cast<int>(n));
      }
      if (o->queries.empty()) return "--queries needs at least one query number";
    } else if (a == "--runs") {
      if (!parse_int(v, 1, 100, &n)) return "--runs needs an integer in 1..100";
      o->runs = static_cast<int>(n);
    } else if (a == "--nodes") {
      if (!parse_int(v, 1, 64, &n)) return "--nodes needs an integer in 1..64";
      o->nodes = static_cast<int>(n);
    } else if (a == "--slots") {
      if (!parse_int(v, 1, 1024, &n)) return "--slots needs an integer in 1..1024";
      o->slots = static_cast<int>(n);
    } else if (a == "--memory-per-task") {
      if (!parse_int(v, 1 << 20, std::numeric_limits<int64_t>::max(), &n))
        return "--memory-per-task needs a byte count >= 1048576";
      o->memory_per_task = n;
    }
  }
  if (o->queries.empty()) o->queries = tpch_query_numbers();
  if (o->slots == 0) o->slots = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (o->slots < o->nodes) return "--slots must be at least --nodes";
  if (o->dir.empty()) o->dir = absl::StrFormat("/tmp/tranche-bench-tpch-sf%g", o->scale);
  return "";
}

// One engine's best run of one query: seconds, result rows, and the first
// numeric (integer or double) cell of the first row, NaN when none.
struct measurement {
  double seconds = std::numeric_limits<double>::infinity();
  uint64_t rows = 0;
  double first = std::nan("");
  bool ok = false;
  uint64_t spilled_bytes = 0;  // by the tasks' operators, over the lease
};

double first_numeric(const query_result& r) {
  for (const batch& b : r.batches) {
    if (b.rows == 0) continue;
    for (size_t c = 0; c < b.columns.size(); ++c) {
      const value v = b.get(0, c);
      if (const auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
      if (const auto* d = std::get_if<double>(&v)) return *d;
    }
    break;
  }
  return std::nan("");
}

uint64_t dir_bytes(const fs::path& dir) {
  uint64_t bytes = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".csv") bytes += e.file_size();
  return bytes;
}

int64_t physical_memory() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page : int64_t{8} << 30;
}

// Runs the DuckDB peer over the same files with the query texts written to
// `qdir` (q<N>.sql); returns its measurement per query name ("Q1", "scan"),
// empty when the peer is not installed or fails.
std::map<std::string, measurement> duckdb_peer(const options& o, const std::string& qdir,
                                               const std::vector<std::string>& names,
                                               std::string* absent_reason) {
  const std::string peers = std::string(TRANCHE_SOURCE_DIR) + "/tools/bench/peers";
  std::map<std::string, measurement> out;
  if (!fs::exists(peers + "/node_modules/@duckdb/node-api")) {
    *absent_reason = "node_modules missing; run tools/bench/peers/setup";
    return out;
  }
  const std::string cmd = absl::StrFormat("node '%s/duckdb_tpch.mjs' '%s' %d %d '%s' %s", peers,
                                          o.dir, o.slots, o.runs, qdir, absl::StrJoin(names, ","));
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    *absent_reason = "could not start node";
    return out;
  }
  // Lines: "<name> <seconds> <rows> <first numeric or nan>", or "<name> error <text>".
  char line[4096];
  while (std::fgets(line, sizeof line, p)) {
    std::istringstream in(line);
    std::string name, secs, rows, first;
    in >> name >> secs;
    if (secs == "error") {
      std::string rest;
      std::getline(in, rest);
      std::cout << absl::StrFormat("warning: duckdb %s failed:%s", name, rest) << "\n";
      continue;
    }
    in >> rows >> first;
    measurement m;
    m.seconds = std::strtod(secs.c_str(), nullptr);
    m.rows = std::strtoull(rows.c_str(), nullptr, 10);
    m.first = first == "nan" ? std::nan("") : std::strtod(first.c_str(), nullptr);
    m.ok = !in.fail();
    if (m.ok) out[name] = m;
  }
  const int rc = pclose(p);
  if (out.empty()) *absent_reason = absl::StrFormat("peer failed (exit status %d)", rc);
  return out;
}

// Runs `sql` `runs` times on the cluster and keeps the fastest run.
measurement run_tranche(cluster& cl, const std::string& name, const std::string& sql,
                        const std::vector<table_binding>& tables, int runs) {
  measurement best;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = clock_type::now();
    auto r = cl.run_sql(sql, tables);
    const double secs = std::chrono::duration<double>(clock_type::now() - t0).count();
    if (!r.ok()) {
      std::cout << absl::StrFormat("warning: tranche %s failed: %s\n", name,
                                   std::string(r.status().message()));
      return measurement{};
    }
    if (r->rows == 0) std::cout << absl::StrFormat("warning: tranche %s returned no rows\n", name);
    if (secs < best.seconds) {
      best.seconds = secs;
      best.rows = r->rows;
      best.first = first_numeric(*r);
      best.ok = true;
      // Each portion's last task_finished event carries its total.
      std::map<int32_t, uint64_t> spilled;
      for (const auto& e : r->events)
        if (e.kind == progress_kind::task_finished)
          spilled[e.portion] = std::max(spilled[e.portion], e.spilled_bytes);
      best.spilled_bytes = 0;
      for (const auto& [portion, bytes] : spilled) best.spilled_bytes += bytes;
    }
  }
  return best;
}

bool agree(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  if (std::isnan(a) || std::isnan(b)) return false;
  return std::fabs(a - b) <= 1e-6 * std::max({std::fabs(a), std::fabs(b), 1e-300});
}

}  // namespace

int tpch_main(const std::vector<std::string>& args, const std::string& /*bin_dir*/) {
  options o;
  if (const std::string err = parse_options(args, &o); !err.empty()) return usage(err);

  // Data: generated once per directory, reused by later runs.
  if (!fs::exists(fs::path(o.dir) / "lineitem")) {
    const auto t0 = clock_type::now();
    tpch_options to;
    to.scale = o.scale;
    auto files = generate_tpch(o.dir, to);
    if (!files.ok()) {
      std::cerr << "tpch: generating " << o.dir << ": " << files.status().message() << "\n";
      return 1;
    }
    std::cout << absl::StrFormat("generated TPC-H SF %g in %s (%d files) in %.2f s\n", o.scale,
                                 o.dir, files->size(),
                                 std::chrono::duration<double>(clock_type::now() - t0).count());
  }
  std::vector<table_binding> tables;
  for (const char* t : kTables) {
    if (!fs::is_directory(fs::path(o.dir) / t)) {
      std::cerr << "tpch: " << o.dir << "/" << t << " is missing; remove " << o.dir
                << " to regenerate\n";
      return 1;
    }
    tables.push_back({t, o.dir + "/" + t + "/*.csv"});
  }
  const uint64_t lineitem_bytes = dir_bytes(fs::path(o.dir) / "lineitem");

  cluster_options co;
  co.nodes = o.nodes;
  co.slots_per_node = std::max(1, o.slots / o.nodes);
  co.memory_per_node = physical_memory() * 3 / 4 / o.nodes;
  if (o.memory_per_task > 0) co.memory_per_task = o.memory_per_task;
  auto cl = cluster::start_local(co);
  if (!cl.ok()) {
    std::cerr << "tpch: starting the cluster: " << cl.status().message() << "\n";
    return 1;
  }
  const int slots = co.slots_per_node * o.nodes;
  std::cout << absl::StrFormat(
      "TPC-H SF %g in %s (lineitem %.0f MB): %d node(s), %d slots, %d run(s) per query, "
      "best kept\n",
      o.scale, o.dir, lineitem_bytes / 1e6, o.nodes, slots, o.runs);

  // tranche first, DuckDB afterwards: the two never compete for the cores.
  std::map<std::string, measurement> mine;
  std::vector<std::string> names;
  for (int q : o.queries) {
    const std::string name = absl::StrFormat("Q%d", q);
    names.push_back(name);
    mine[name] = run_tranche(**cl, name, tpch_query(q), tables, o.runs);
    // Progress on stderr: a slow query shows itself before the table below.
    std::cerr << absl::StrFormat("  (%s tranche %.3f s)\n", name, mine[name].seconds);
  }
  mine["scan"] = run_tranche(**cl, "scan", kScanSql, tables, o.runs);

  // The peer reads the query texts from files: SQLite's spelling (dates as
  // string literals), which DuckDB casts to DATE against a DATE column.
  const fs::path qdir = fs::temp_directory_path() / absl::StrFormat("tranche-bench-tpch-%d", getpid());
  fs::create_directories(qdir);
  for (int q : o.queries) std::ofstream(qdir / absl::StrFormat("Q%d.sql", q)) << tpch_query_sqlite(q);
  std::ofstream(qdir / "scan.sql") << kScanSql;
  std::vector<std::string> peer_names = names;
  peer_names.push_back("scan");
  std::string absent;
  auto duck = duckdb_peer(o, qdir.string(), peer_names, &absent);
  std::error_code ec;
  fs::remove_all(qdir, ec);
  const bool have_peer = !duck.empty();
  if (!have_peer) std::cout << "duckdb peer absent (" << absent << "): tranche's numbers only\n";

  std::string kv = absl::StrFormat("scale=%g slots=%d nodes=%d runs=%d", o.scale, slots, o.nodes,
                                   o.runs);
  double max_ratio = 0, log_sum = 0;
  int ratios = 0, failed = 0;
  uint64_t spilled_total = 0;
  for (int q : o.queries) {
    const std::string name = absl::StrFormat("Q%d", q);
    const measurement& t = mine[name];
    if (!t.ok) ++failed;
    const std::string tsecs = t.ok ? absl::StrFormat("%.3f", t.seconds) : "failed";
    std::string line = absl::StrFormat("%-4s tranche %7s s", name, tsecs);
    if (t.ok) kv += absl::StrFormat(" q%d_s=%.3f", q, t.seconds);
    auto d = duck.find(name);
    if (have_peer && d != duck.end()) {
      line += absl::StrFormat("  duckdb %7.3f s", d->second.seconds);
      kv += absl::StrFormat(" q%d_duckdb_s=%.3f", q, d->second.seconds);
      if (t.ok) {
        const double ratio = t.seconds / d->second.seconds;
        line += absl::StrFormat("  ratio %5.2f", ratio);
        kv += absl::StrFormat(" q%d_ratio=%.2f", q, ratio);
        max_ratio = std::max(max_ratio, ratio);
        log_sum += std::log(ratio);
        ++ratios;
      }
    }
    if (t.ok) line += absl::StrFormat("  rows %d", t.rows);
    if (t.ok && t.spilled_bytes > 0) {
      line += absl::StrFormat("  spilled %.1f MiB", static_cast<double>(t.spilled_bytes) / (1 << 20));
      spilled_total += t.spilled_bytes;
    }
    std::cout << line << std::endl;
    if (t.ok && have_peer && d != duck.end()) {
      if (t.rows != d->second.rows)
        std::cout << absl::StrFormat("warning: %s rows differ: tranche %d, duckdb %d\n", name,
                                     t.rows, d->second.rows);
      else if (!agree(t.first, d->second.first))
        std::cout << absl::StrFormat(
            "warning: %s first numeric value of row 1 differs: tranche %.10g, duckdb %.10g\n",
            name, t.first, d->second.first);
    }
  }

  const measurement& scan = mine["scan"];
  double per_core = 0;
  if (scan.ok) {
    per_core = lineitem_bytes / scan.seconds / slots / 1e6;
    std::string line = absl::StrFormat(
        "scan tranche %7.3f s  (all 16 columns of lineitem, %.0f MB: %.0f MB/s, %.1f MB/s per core)",
        scan.seconds, lineitem_bytes / 1e6, lineitem_bytes / scan.seconds / 1e6, per_core);
    auto d = duck.find("scan");
    if (have_peer && d != duck.end()) {
      line += absl::StrFormat("  duckdb %.3f s (%.1f MB/s per core)", d->second.seconds,
                              lineitem_bytes / d->second.seconds / slots / 1e6);
      kv += absl::StrFormat(" scan_duckdb_s=%.3f", d->second.seconds);
    }
    std::cout << line << std::endl;
    kv += absl::StrFormat(" scan_s=%.3f", scan.seconds);
  } else {
    ++failed;
  }
  if (ratios > 0)
    kv += absl::StrFormat(" max_ratio=%.2f geomean_ratio=%.2f", max_ratio,
                          std::exp(log_sum / ratios));
  if (!have_peer) kv += " duckdb=absent";
  kv += absl::StrFormat(" csv_scan_mb_per_s_per_core=%.1f spilled_mib=%.1f failed=%d", per_core,
                        static_cast<double>(spilled_total) / (1 << 20), failed);
  std::cout << kv << "\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace tranche::bench
