// Implementation of tranchectl's rendering (see render.h).
#include "ctl/render.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "console/console_json.h"
#include "daemon/config.h"

namespace tranche::ctl {
namespace {

// Columns padded to their widest cell; the last column is not padded.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> w;
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) {
      if (w.size() <= c) w.resize(c + 1, 0);
      w[c] = std::max(w[c], r[c].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line.append(w[c] - r[c].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

// One line of a program's text, at most `max` characters.
std::string one_line(const std::string& text, size_t max) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (out.size() > max) {
    out.resize(max > 3 ? max - 3 : 0);
    out += "...";
  }
  return out;
}

std::string mem(int64_t bytes) {
  if (bytes == 0) return "0B";
  if (bytes >= (int64_t{1} << 30)) return absl::StrFormat("%.1fGiB", bytes / double(1 << 30));
  if (bytes >= (int64_t{1} << 20)) return absl::StrFormat("%.0fMiB", bytes / double(1 << 20));
  return format_size(bytes);
}

std::string limit(int64_t v) { return v == kUnlimited ? "-" : std::to_string(v); }

// The capacity a program held over time, as a line of `width` block
// characters (one column per equal slice of its wall time; the slice's
// highest count) and the scale.
std::string sparkline(const program_info& p, size_t width) {
  if (p.capacity.empty() || p.wall_seconds <= 0) return "";
  int32_t peak = 0;
  for (const auto& s : p.capacity) peak = std::max(peak, s.slots);
  if (peak == 0) return "";
  static const char* kBars[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  std::string out;
  size_t k = 0;
  int32_t held = 0;
  for (size_t col = 0; col < width; ++col) {
    const double from = p.wall_seconds * col / width, to = p.wall_seconds * (col + 1) / width;
    int32_t high = held;
    while (k < p.capacity.size() && p.capacity[k].at < to) {
      held = p.capacity[k].slots;
      high = std::max(high, held);
      ++k;
    }
    (void)from;
    out += kBars[(high * 8 + peak - 1) / peak];
  }
  return absl::StrCat("|", out, "| peak ", peak, " slots over ", format_seconds(p.wall_seconds));
}

}  // namespace

std::string format_seconds(double s) {
  if (s < 1) return absl::StrCat(static_cast<int64_t>(std::lround(s * 1000)), "ms");
  if (s < 60) return absl::StrFormat("%.1fs", s);
  const auto t = static_cast<int64_t>(s);
  if (t < 3600) return absl::StrFormat("%dm%02ds", t / 60, t % 60);
  return absl::StrFormat("%dh%02dm", t / 3600, (t / 60) % 60);
}

std::string render_nodes(const std::vector<node_info>& nodes) {
  std::vector<std::vector<std::string>> rows{
      {"NODE", "STATE", "SLOTS", "FREE", "MEMORY", "FREE MEMORY", "LEASES"}};
  for (const auto& n : nodes)
    rows.push_back({std::to_string(n.id), n.draining ? "draining" : "up",
                    std::to_string(n.registered.slots), std::to_string(n.free.slots),
                    mem(n.registered.memory), mem(n.free.memory), std::to_string(n.leases)});
  return table(rows);
}

std::string render_sessions(const std::vector<session_info>& sessions, int64_t now_unix_ms) {
  std::vector<std::vector<std::string>> rows{
      {"ID", "NAME", "STATE", "NODE", "ENDPOINT", "REQUESTER", "AGE", "STATEMENTS", "REASON"}};
  for (const auto& s : sessions) {
    const int64_t end = s.ended_unix_ms > 0 ? s.ended_unix_ms : now_unix_ms;
    rows.push_back({s.id, s.name.empty() ? "-" : one_line(s.name, 24),
                    std::string(to_string(s.state)), std::to_string(s.node),
                    s.endpoint.empty() ? "-" : s.endpoint,
                    s.requester.empty() ? "-" : s.requester,
                    format_seconds(static_cast<double>(end - s.created_unix_ms) / 1000),
                    std::to_string(s.statements), s.reason.empty() ? "-" : one_line(s.reason, 60)});
  }
  return table(rows);
}

std::string render_session(const session_info& s, int64_t now_unix_ms) {
  auto since = [&](int64_t t) {
    return format_seconds(static_cast<double>(now_unix_ms - t) / 1000) + " ago";
  };
  std::vector<std::vector<std::string>> rows{
      {"session", s.id},
      {"name", s.name.empty() ? "-" : s.name},
      {"state", std::string(to_string(s.state))},
      {"node", std::to_string(s.node)},
      {"endpoint", s.endpoint.empty() ? "-" : s.endpoint},
      {"requester", s.requester.empty() ? "-" : s.requester},
      {"created", since(s.created_unix_ms)},
      {"idle timeout", format_seconds(static_cast<double>(s.idle_timeout_ms) / 1000)},
      {"statements", std::to_string(s.statements)}};
  if (s.idle_since_unix_ms > 0) rows.push_back({"idle since", since(s.idle_since_unix_ms)});
  if (s.ended_unix_ms > 0)
    rows.push_back({"ended", since(s.ended_unix_ms)});
  else
    rows.push_back({"expires in", format_seconds(static_cast<double>(s.expires_unix_ms -
                                                                     now_unix_ms) / 1000)});
  if (!s.reason.empty()) rows.push_back({"reason", s.reason});
  return table(rows);
}

std::string sessions_json(const std::vector<session_info>& sessions) {
  json_writer w;
  w.begin_array();
  for (const auto& s : sessions) write_json(w, s);
  w.end_array();
  return w.str() + "\n";
}

std::string session_json(const session_info& s) {
  json_writer w;
  write_json(w, s);
  return w.str() + "\n";
}

std::string render_programs(const std::vector<program_info>& programs) {
  std::vector<std::vector<std::string>> rows{
      {"ID", "STATE", "QUEUE", "SUBMITTER", "WALL", "SLOT-SECONDS", "HELD", "PROGRAM"}};
  for (const auto& p : programs)
    rows.push_back({std::to_string(p.id), std::string(to_string(p.state)), p.queue,
                    p.submitter.empty() ? "-" : p.submitter, format_seconds(p.wall_seconds),
                    absl::StrFormat("%.1f", p.slot_seconds), std::to_string(p.slots_held),
                    one_line(p.text, 48)});
  return table(rows);
}

std::string render_program(const program_info& p) {
  std::string out = absl::StrCat("program ", p.id, ": ", std::string(to_string(p.state)), "\n");
  absl::StrAppend(&out, "  queue ", p.queue, ", priority ", p.priority, ", submitted by ",
                  p.submitter.empty() ? "-" : p.submitter, "\n");
  absl::StrAppend(&out, "  wall ", format_seconds(p.wall_seconds), ", ",
                  absl::StrFormat("%.1f", p.slot_seconds), " slot-seconds, ", p.slots_held,
                  " slots held now\n");
  if (!p.text.empty()) absl::StrAppend(&out, "  ", one_line(p.text, 200), "\n");
  if (!p.error.empty()) absl::StrAppend(&out, "  error: ", p.error, "\n");
  if (!p.portions.empty()) {
    out += "\n";
    std::vector<std::vector<std::string>> rows{
        {"PORTION", "STATE", "TASKS", "SLOTS", "PEAK", "SLOT-SECONDS", "RETRIES", "INPUTS", "NAME"}};
    for (const auto& q : p.portions) {
      std::string inputs;
      for (int32_t in : q.inputs) absl::StrAppend(&inputs, inputs.empty() ? "" : ",", in);
      rows.push_back({std::to_string(q.id), std::string(to_string(q.state)),
                      absl::StrCat(q.tasks_done, "/", q.tasks_total), std::to_string(q.slots_held),
                      std::to_string(q.peak_slots), absl::StrFormat("%.1f", q.slot_seconds),
                      std::to_string(q.retries), inputs.empty() ? "-" : inputs, q.name});
    }
    out += table(rows);
  }
  if (auto line = sparkline(p, 60); !line.empty())
    absl::StrAppend(&out, "\ncapacity held ", line, "\n");
  return out;
}

std::string render_queues(const std::vector<queue_status>& queues) {
  std::vector<std::vector<std::string>> rows{{"QUEUE", "WEIGHT", "MIN SLOTS", "MAX SLOTS",
                                              "MAX WAITING", "USED SLOTS", "USED MEMORY",
                                              "WAITING", "SHARE"}};
  for (const auto& q : queues)
    rows.push_back({q.config.name, absl::StrFormat("%g", q.config.weight),
                    std::to_string(q.config.minimum.slots), limit(q.config.cap.slots),
                    limit(q.config.max_waiting), std::to_string(q.used.slots), mem(q.used.memory),
                    std::to_string(q.waiting_programs), absl::StrFormat("%.2f", q.share)});
  return table(rows);
}

std::string render_status(const cluster_view& v, size_t width) {
  const node_totals t = totals(v.nodes);
  const capacity &reg = t.registered, &fr = t.free;
  const int64_t leases = t.leases, draining = t.draining;
  int64_t waiting = 0;
  for (const auto& q : v.queues) waiting += q.waiting_programs;
  std::vector<program_info> running;
  for (const auto& p : v.programs)
    if (!has_ended(p.state)) running.push_back(p);
  std::string out = absl::StrCat(
      "nodes ", v.nodes.size(), draining ? absl::StrCat(" (", draining, " draining)") : "",
      "   slots ", reg.slots - fr.slots, " used / ", fr.slots, " free   memory ",
      mem(reg.memory - fr.memory), " used / ", mem(fr.memory), " free   leases ", leases, "\n");
  absl::StrAppend(&out, "programs ", running.size(), " running, ", waiting,
                  " waiting for capacity, ", v.programs.size() - running.size(), " ended\n\n");
  out += render_nodes(v.nodes) + "\n" + render_queues(v.queues) + "\n";
  if (running.empty()) {
    out += "no program is running\n";
  } else {
    out += render_programs(running);
  }
  if (width == 0) return out;
  std::string cut;
  size_t start = 0;
  while (start < out.size()) {
    size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    cut += out.substr(start, std::min(end - start, width)) + "\n";
    start = end + 1;
  }
  return cut;
}

std::string status_json(const cluster_view& v) {
  json_writer w;
  write_status_json(w, v.nodes, v.queues, v.programs);
  return w.str();
}

}  // namespace tranche::ctl
