// `tranche`, the client CLI: runs SQL programs on an embedded local cluster
// or on a running one (over TLS with --tls-*), and generates sample and
// TPC-H-shaped data.
// Exit codes: 0 success, 1 the program failed (one message on stderr), 2 bad
// usage, 130 cancelled with Ctrl-C.
// A program running longer than 1 s shows its portions' progress on stderr
// when stderr is a terminal (never when it is piped, nor with --events).
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/convert.h"
#include "cli/interrupt.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "cli/session_cmd.h"
#include "cli/shell.h"
#include "daemon/config.h"
#include "io/sample_gen.h"
#include "io/tpch_gen.h"
#include "tranche/client.h"

namespace {

constexpr const char* kUsage = R"(usage:
  tranche sql [options] "SELECT ..."      run a SQL program
  tranche sql [options] -f FILE.sql
  tranche gen sample [--rows N] [--files F] [--seed S] --out DIR
  tranche gen tpch --scale SF [--seed S] [--files F] --out DIR
                                          TPC-H's 8 tables as DIR/<table>/part-NNN.csv
  tranche convert --from 'GLOB' --to DIR [--delimiter C] [--no-header] [--rows-per-batch N]
                                          CSV files -> DIR/<name>.tcol columnar files
  tranche session create [--name N] [--idle-timeout D] [--node N] [--token-file F]
  tranche session list | show ID | stop ID   (each with --cluster, --secret-file, -o json;
                                          `tranche session` alone prints their usage)
                                          interactive sessions on a cluster of daemons
  tranche shell (--session ID | --endpoint HOST:PORT) [--token-file F]
                                          an interactive SQL prompt on a session

sql options:
  --cluster HOST:PORT  run on a running cluster through its head daemon
  --secret-file F      the cluster secret for --cluster (or TRANCHE_SECRET_FILE)
  --tls-certificate F  with --cluster: this client's certificate, signed by the cluster CA
                       (or TRANCHE_TLS_CERTIFICATE)
  --tls-key F          its private key (or TRANCHE_TLS_KEY)
  --tls-ca F           the cluster CA's certificate (or TRANCHE_TLS_CA); TLS needs all three
  --local N            run on an embedded cluster of N executor nodes (default 1)
  --slots S            task slots per node (default: the machine's cores / N)
  --table NAME=GLOB    bind a table to CSV files with a header row (repeatable)
  --delimiter C        field delimiter of the tables' files (default ,)
  --format F           table (default), csv or json
  --queue NAME         the broker queue to run in (default: default)
  --priority N         higher runs first and may take capacity back from lower (default 0)
  --policy P           embedded cluster: per-portion (default) or whole-program
  --memory-per-task M  embedded cluster: each task's memory lease, e.g. 64MiB (default
                       256MiB); joins, aggregates and sorts past it spill to disk
  --spill-dir DIR      embedded cluster: where they spill (default $TMPDIR or /tmp)
  --catalog FILE       embedded cluster: the table catalog (default $TRANCHE_HOME/catalog.db,
                       else ~/.tranche/catalog.db); a running cluster's is on its head
  --explain            print the plan (portions, tasks, partitioning, capacity asked)
  --events             print each portion's capacity and progress events on stderr
  -f FILE              read the program from FILE
)";

int usage_error(const std::string& msg) {
  std::cerr << "tranche: " << msg << "\n" << kUsage;
  return 2;
}

int fail(const std::string& msg) {
  std::cerr << "tranche: error: " << msg << "\n";
  return 1;
}

bool parse_u64(const std::string& s, uint64_t* out) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 18)
    return false;
  *out = std::stoull(s);
  return true;
}

// `gen tpch --scale SF [--seed S] [--files F] --out DIR`
int cmd_gen_tpch(const std::vector<std::string>& args) {
  tranche::tpch_options opts;
  std::string out;
  bool scale = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    uint64_t v = 0;
    if (a == "--scale") {
      char* end = nullptr;
      const std::string s = i + 1 < args.size() ? args[++i] : "";
      const double sf = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0' || !(sf > 0 && sf <= 1000))
        return usage_error("--scale needs a number in (0, 1000], got \"" + s + "\"");
      opts.scale = sf;
      scale = true;
    } else if (a == "--seed") {
      if (i + 1 >= args.size() || !parse_u64(args[++i], &v))
        return usage_error("--seed needs a non-negative integer");
      opts.seed = v;
    } else if (a == "--files") {
      if (i + 1 >= args.size() || !parse_u64(args[++i], &v) || v == 0 || v > 10000)
        return usage_error("--files needs an integer in 1..10000");
      opts.files = static_cast<int>(v);
    } else if (a == "--out") {
      if (i + 1 >= args.size()) return usage_error("--out needs a directory");
      out = args[++i];
    } else {
      return usage_error("gen tpch: unknown option " + a);
    }
  }
  if (!scale) return usage_error("gen tpch: --scale SF is required");
  if (out.empty()) return usage_error("gen tpch: --out DIR is required");
  auto files = tranche::generate_tpch(out, opts);
  if (!files.ok()) return fail(std::string(files.status().message()));
  std::cout << "wrote 8 tables in " << files->size() << " files to " << out
            << "/<table>/part-*.csv\n";
  return 0;
}

int cmd_gen(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "tpch") return cmd_gen_tpch(args);
  if (args.empty() || args[0] != "sample") return usage_error("gen: expected 'sample' or 'tpch'");
  tranche::sample_options opts;
  std::string out;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next = [&](uint64_t* v) { return i + 1 < args.size() && parse_u64(args[++i], v); };
    uint64_t v = 0;
    if (a == "--rows") {
      if (!next(&v)) return usage_error("--rows needs a non-negative integer");
      opts.rows = v;
    } else if (a == "--files") {
      if (!next(&v) || v == 0 || v > 10000)
        return usage_error("--files needs an integer in 1..10000");
      opts.files = static_cast<int>(v);
    } else if (a == "--seed") {
      if (!next(&v)) return usage_error("--seed needs a non-negative integer");
      opts.seed = v;
    } else if (a == "--out") {
      if (i + 1 >= args.size()) return usage_error("--out needs a directory");
      out = args[++i];
    } else {
      return usage_error("gen sample: unknown option " + a);
    }
  }
  if (out.empty()) return usage_error("gen sample: --out DIR is required");
  auto files = tranche::generate_sample(out, opts);
  if (!files.ok()) return fail(std::string(files.status().message()));
  std::cout << "wrote " << opts.rows << " rows in " << files->size() << " files to " << out
            << "/part-*.csv\n";
  return 0;
}

// Where an embedded cluster keeps its tables between runs: $TRANCHE_HOME,
// else ~/.tranche (the directory is created on first use). Empty (a catalog
// in memory for this run) when neither variable is set.
std::string default_catalog_path() {
  if (const char* home = std::getenv("TRANCHE_HOME"); home != nullptr && *home != '\0')
    return std::string(home) + "/catalog.db";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::string(home) + "/.tranche/catalog.db";
  return "";
}

int cmd_sql(const std::vector<std::string>& args) {
  tranche::cluster_options copts;
  std::vector<tranche::table_binding> tables;
  std::string format = "table", sql, file, remote;
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v ? v : "");
  };
  std::string secret_file = env("TRANCHE_SECRET_FILE");
  // Flags override the environment, file by file.
  tranche::tls_options tls{env("TRANCHE_TLS_CERTIFICATE"), env("TRANCHE_TLS_KEY"),
                           env("TRANCHE_TLS_CA")};
  bool tls_flags = false;
  char delimiter = ',';
  bool explain = false, events = false, policy_flag = false, catalog_flag = false;
  std::string embedded_flag;  // the last flag that only an embedded cluster takes
  tranche::submit_options submit;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= args.size()) return false;
      *v = args[++i];
      return true;
    };
    std::string v;
    uint64_t n = 0;
    if (a == "--cluster") {
      if (!value(&remote)) return usage_error("--cluster needs HOST:PORT");
    } else if (a == "--secret-file") {
      if (!value(&secret_file)) return usage_error("--secret-file needs a file");
    } else if (a == "--tls-certificate" || a == "--tls-key" || a == "--tls-ca") {
      std::string* field = a == "--tls-certificate" ? &tls.certificate
                           : a == "--tls-key"       ? &tls.key
                                                    : &tls.ca;
      if (!value(field) || field->empty()) return usage_error(a + " needs a file");
      tls_flags = true;
    } else if (a == "--local") {
      if (!value(&v) || !parse_u64(v, &n) || n < 1 || n > 64)
        return usage_error("--local needs a node count in 1..64");
      copts.nodes = static_cast<int>(n);
    } else if (a == "--slots") {
      if (!value(&v) || !parse_u64(v, &n) || n < 1 || n > 1024)
        return usage_error("--slots needs a slot count in 1..1024");
      copts.slots_per_node = static_cast<int>(n);
    } else if (a == "--table") {
      if (!value(&v)) return usage_error("--table needs NAME=GLOB");
      auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
        return usage_error("--table needs NAME=GLOB, got \"" + v + "\"");
      tables.push_back(tranche::table_binding{v.substr(0, eq), v.substr(eq + 1)});
    } else if (a == "--delimiter") {
      if (!value(&v) || v.size() != 1) return usage_error("--delimiter needs one character");
      delimiter = v[0];
    } else if (a == "--format") {
      if (!value(&format) || !tranche::known_format(format))
        return usage_error("--format must be table, csv or json");
    } else if (a == "-f") {
      if (!value(&file)) return usage_error("-f needs a file");
    } else if (a == "--queue") {
      if (!value(&submit.queue) || submit.queue.empty()) return usage_error("--queue needs a name");
    } else if (a == "--priority") {
      char* end = nullptr;
      errno = 0;
      const long p = value(&v) ? std::strtol(v.c_str(), &end, 10) : 0;
      if (v.empty() || *end != '\0' || errno != 0 || p < -1000000 || p > 1000000)
        return usage_error("--priority needs an integer in -1000000..1000000");
      submit.priority = static_cast<int32_t>(p);
    } else if (a == "--policy") {
      if (!value(&copts.policy)) return usage_error("--policy needs per-portion or whole-program");
      policy_flag = true;
    } else if (a == "--memory-per-task") {
      auto size = value(&v) ? tranche::parse_size(v) : absl::InvalidArgumentError("missing");
      if (!size.ok() || *size < (int64_t{1} << 20))
        return usage_error("--memory-per-task needs a size of at least 1MiB, e.g. 64MiB");
      copts.memory_per_task = *size;
      embedded_flag = a;
    } else if (a == "--spill-dir") {
      if (!value(&copts.spill_root) || copts.spill_root.empty())
        return usage_error("--spill-dir needs a directory");
      embedded_flag = a;
    } else if (a == "--catalog") {
      if (!value(&copts.catalog_path) || copts.catalog_path.empty())
        return usage_error("--catalog needs a file");
      catalog_flag = true;
    } else if (a == "--explain") {
      explain = true;
    } else if (a == "--events") {
      events = true;
    } else if (!a.empty() && a[0] == '-') {
      return usage_error("sql: unknown option " + a);
    } else if (sql.empty()) {
      sql = a;
    } else {
      return usage_error("sql: more than one program given (quote the SQL text)");
    }
  }
  if (!file.empty()) {
    if (!sql.empty()) return usage_error("sql: give the program as text or with -f, not both");
    std::ifstream in(file);
    if (!in) return fail(file + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    sql = ss.str();
  }
  if (sql.empty()) return usage_error("sql: no program given");
  for (auto& t : tables) t.delimiter = delimiter;
  if (!remote.empty() && policy_flag)
    return usage_error("--policy sets an embedded cluster's policy; a running cluster's is in its "
                       "head's config");
  if (!remote.empty() && catalog_flag)
    return usage_error(
        "--catalog names an embedded cluster's catalog; a running cluster's is kept by its head "
        "(its `catalog` key)");
  if (!remote.empty() && !embedded_flag.empty())
    return usage_error(embedded_flag + " sets up an embedded cluster; a running cluster's tasks "
                       "get their memory and spill directory from its daemons");
  if (remote.empty() && !catalog_flag) copts.catalog_path = default_catalog_path();
  if (remote.empty()) {
    // The environment may well be set for every command; flags are a mistake.
    if (tls_flags) return usage_error("--tls-certificate, --tls-key and --tls-ca need --cluster");
  } else if (tls.enabled() && (tls.certificate.empty() || tls.key.empty() || tls.ca.empty())) {
    std::string missing;
    for (const auto& [flag, v] :
         {std::pair<const char*, const std::string&>{"--tls-certificate", tls.certificate},
          {"--tls-key", tls.key},
          {"--tls-ca", tls.ca}})
      if (v.empty()) missing += std::string(missing.empty() ? "" : ", ") + flag;
    return usage_error("TLS needs all of --tls-certificate, --tls-key and --tls-ca (missing " +
                       missing + ")");
  }

  // Before the cluster's threads start: they inherit SIGINT blocked.
  tranche::cli::interrupt_watch interrupt;
  auto cluster = remote.empty() ? tranche::cluster::start_local(copts)
                                : tranche::cluster::connect(remote, secret_file, tls);
  if (!cluster.ok()) return fail(std::string(cluster.status().message()));
  if (explain) {
    auto text = (*cluster)->explain(sql, tables);
    if (!text.ok()) return fail(std::string(text.status().message()));
    std::cout << *text;
    return 0;
  }
  // Past 1 s, the portions' progress on stderr when it is a terminal.
  tranche::cli::progress_display progress(events ? -1 : STDERR_FILENO);
  auto r = (*cluster)->run_sql(
      sql, tables,
      [&](const tranche::progress_event& e) {
        if (events)
          std::cerr << to_string(e) << "\n";
        else
          progress.on_event(e);
      },
      submit, interrupt.token());
  progress.finish();
  if (absl::IsCancelled(r.status())) {
    if (!interrupt.token().stop_requested())  // tranchectl cancel, or another client
      return fail("the program was cancelled on the cluster (tranchectl cancel or the SDK)");
    std::cerr << "tranche: cancelled\n";
    return 130;
  }
  if (!r.ok()) return fail(std::string(r.status().message()));
  tranche::print_result(*r, format, std::cout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  if (cmd == "shell") return tranche::cli::run_shell(argc - 1, argv + 1);
  args.erase(args.begin());
  if (cmd == "sql") return cmd_sql(args);
  if (cmd == "gen") return cmd_gen(args);
  if (cmd == "session") return tranche::cli::run_session_command(args);
  if (cmd == "convert") return tranche::cli::cmd_convert(args, kUsage, std::cout, std::cerr);
  return usage_error("unknown command " + cmd);
}
