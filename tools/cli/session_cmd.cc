// `tranche session ...` (see session_cmd.h).
#include "cli/session_cmd.h"

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/session_client.h"
#include "console/json.h"
#include "ctl/render.h"
#include "daemon/config.h"
#include "tranche/client.h"

namespace tranche::cli {
namespace {

constexpr const char* kUsage = R"(usage:
  tranche session create [--name NAME] [--idle-timeout DURATION] [--node N] [--token-file F]
  tranche session list
  tranche session show ID
  tranche session stop ID

options (every command):
  --cluster HOST:PORT  the head daemon (or TRANCHE_CLUSTER)
  --secret-file F      the cluster secret (or TRANCHE_SECRET_FILE)
  --tls-certificate F, --tls-key F, --tls-ca F
                       mutual TLS with the head (or TRANCHE_TLS_CERTIFICATE, _KEY, _CA)
  -o text|json         the output (default text)
create:
  --name NAME          a name shown in lists
  --idle-timeout D     culled after this long idle, e.g. 20m (default: the head's
                       session-idle-timeout)
  --node N             on this node (default: any node with room)
  --token-file F       write the token to F (mode 0600) instead of printing it
)";

int usage(const std::string& msg) {
  std::cerr << "tranche session: " << msg << "\n" << kUsage;
  return 2;
}

int fail(const std::string& msg) {
  std::cerr << "tranche session: error: " << msg << "\n";
  return 1;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Writes the token to a new private file (never replacing one).
absl::Status write_token_file(const std::string& path, const std::string& token) {
  const mode_t old = ::umask(077);
  std::ofstream out(path, std::ios::trunc);
  ::umask(old);
  if (!out) return absl::InvalidArgumentError(absl::StrCat("cannot write the token file ", path));
  ::chmod(path.c_str(), 0600);
  out << token << "\n";
  if (!out.flush()) return absl::InvalidArgumentError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

}  // namespace

int run_session_command(const std::vector<std::string>& args) {
  if (args.empty()) return usage("a command is needed: create, list, show or stop");
  const std::string command = args[0];
  std::string cluster_addr = env("TRANCHE_CLUSTER");
  std::string secret_file = env("TRANCHE_SECRET_FILE");
  tls_options tls{env("TRANCHE_TLS_CERTIFICATE"), env("TRANCHE_TLS_KEY"), env("TRANCHE_TLS_CA")};
  std::string output = "text", token_file;
  session_options opts;
  std::vector<std::string> positional;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--cluster") {
      if (!next(&cluster_addr)) return usage("--cluster needs HOST:PORT");
    } else if (a == "--secret-file") {
      if (!next(&secret_file)) return usage("--secret-file needs a file");
    } else if (a == "--tls-certificate") {
      if (!next(&tls.certificate)) return usage("--tls-certificate needs a file");
    } else if (a == "--tls-key") {
      if (!next(&tls.key)) return usage("--tls-key needs a file");
    } else if (a == "--tls-ca") {
      if (!next(&tls.ca)) return usage("--tls-ca needs a file");
    } else if (a == "-o" || a == "--output") {
      if (!next(&output) || (output != "text" && output != "json"))
        return usage("-o takes text or json");
    } else if (a == "--name" && command == "create") {
      if (!next(&opts.name)) return usage("--name needs a name");
    } else if (a == "--idle-timeout" && command == "create") {
      if (!next(&v)) return usage("--idle-timeout needs a duration, e.g. 20m");
      auto ms = parse_duration_ms(v);
      if (!ms.ok() || *ms <= 0)
        return usage(absl::StrCat("--idle-timeout needs a duration like 20m, got \"", v, "\""));
      opts.idle_timeout_ms = *ms;
    } else if (a == "--node" && command == "create") {
      if (!next(&v) || !absl::SimpleAtoi(v, &opts.node) || opts.node == 0)
        return usage("--node needs a node id (1, 2, ...)");
    } else if (a == "--token-file" && command == "create") {
      if (!next(&token_file)) return usage("--token-file needs a file");
    } else if (!a.empty() && a[0] == '-') {
      return usage(absl::StrCat("unknown option ", a, " for session ", command));
    } else {
      positional.push_back(a);
    }
  }
  const bool needs_id = command == "show" || command == "stop";
  if (command != "create" && command != "list" && !needs_id)
    return usage(absl::StrCat("unknown command \"", command, "\""));
  if (needs_id && positional.size() != 1)
    return usage(absl::StrCat("session ", command, " needs one session id"));
  if (!needs_id && !positional.empty())
    return usage(absl::StrCat("unexpected argument \"", positional[0], "\""));
  if (cluster_addr.empty()) return usage("--cluster HOST:PORT (or TRANCHE_CLUSTER) is needed");

  auto cl = cluster::connect(cluster_addr, secret_file, tls);
  if (!cl.ok()) return fail(std::string(cl.status().message()));

  if (command == "create") {
    auto created = (*cl)->create_session(opts);
    if (!created.ok()) return fail(std::string(created.status().message()));
    const session_info& s = created->info;
    if (!token_file.empty())
      if (auto st = write_token_file(token_file, created->token); !st.ok())
        return fail(std::string(st.message()));
    auto record = write_session_record({s.id, s.endpoint, static_cast<int64_t>(s.node), s.name});
    const std::string notebook = absl::StrCat(
        "http://", s.endpoint, "/#token=", token_file.empty() ? created->token : "TOKEN");
    if (output == "json") {
      json_writer w;
      w.begin_object();
      w.key("id").value(s.id);
      w.key("name").value(s.name);
      w.key("node").value(s.node);
      w.key("endpoint").value(s.endpoint);
      if (token_file.empty())
        w.key("token").value(created->token);
      else
        w.key("token_file").value(token_file);
      w.key("state").value(std::string(to_string(s.state)));
      w.key("notebook").value(notebook);
      w.end_object();
      std::cout << w.str() << "\n";
    } else {
      std::cout << "session " << s.id << " on node " << s.node << ", endpoint " << s.endpoint
                << ", " << to_string(s.state) << "\n";
      if (token_file.empty())
        std::cout << "token " << created->token << " (shown once: only its SHA-256 is kept)\n";
      else
        std::cout << "token written to " << token_file << " (shown nowhere else)\n";
      std::cout << "notebook " << notebook << "\n"
                << "shell    TRANCHE_TOKEN=... tranche shell --session " << s.id << "\n";
    }
    if (!record.ok())
      std::cerr << "tranche session: warning: " << record.status().message()
                << " (tranche shell --session will not find it; use --endpoint)\n";
    return 0;
  }
  if (command == "list") {
    auto ss = (*cl)->sessions();
    if (!ss.ok()) return fail(std::string(ss.status().message()));
    std::cout << (output == "json" ? ctl::sessions_json(*ss)
                                   : ctl::render_sessions(*ss, unix_ms()));
    return 0;
  }
  const std::string& id = positional[0];
  if (command == "show") {
    auto s = (*cl)->session(id);
    if (!s.ok()) return fail(std::string(s.status().message()));
    std::cout << (output == "json" ? ctl::session_json(*s) : ctl::render_session(*s, unix_ms()));
    return 0;
  }
  // stop: asked, then followed to its end (bounded).
  if (auto st = (*cl)->stop_session(id); !st.ok()) return fail(std::string(st.message()));
  absl::StatusOr<session_info> s = absl::UnavailableError("no answer");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  do {
    s = (*cl)->session(id);
    if (!s.ok() || has_ended(s->state)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } while (std::chrono::steady_clock::now() < deadline);
  if (!s.ok()) return fail(std::string(s.status().message()));
  if (output == "json")
    std::cout << ctl::session_json(*s);
  else
    std::cout << "session " << id << " " << to_string(s->state)
              << (s->reason.empty() ? "" : absl::StrCat(": ", s->reason)) << "\n";
  return 0;
}

}  // namespace tranche::cli
