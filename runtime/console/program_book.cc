// Implementation of the program book (see program_book.h).
#include "console/program_book.h"

#include "auth/session_token.h"

#include <algorithm>

namespace tranche {

std::string_view to_string(program_state s) {
  switch (s) {
    case program_state::planning:
      return "planning";
    case program_state::running:
      return "running";
    case program_state::succeeded:
      return "succeeded";
    case program_state::failed:
      return "failed";
    case program_state::cancelled:
      return "cancelled";
  }
  return "unknown";
}

std::string_view to_string(portion_state s) {
  switch (s) {
    case portion_state::waiting:
      return "waiting";
    case portion_state::running:
      return "running";
    case portion_state::done:
      return "done";
  }
  return "unknown";
}

namespace {

// At most `max` bytes of `s`, not cutting a UTF-8 sequence.
std::string_view cut(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace

void program_book::submitted(uint64_t id, std::string queue, int32_t priority,
                             std::string submitter, std::string_view text, int64_t unix_ms) {
  entry e;
  e.info.id = id;
  e.info.queue = std::move(queue);
  e.info.priority = priority;
  e.info.submitter = std::move(submitter);
  // A session token pasted into a statement stays out of the console and
  // the history file.
  const std::string redacted = redact_tokens(text);
  e.info.text = std::string(cut(redacted, kMaxText));
  e.info.submitted_unix_ms = unix_ms;
  programs_[id] = std::move(e);
  max_id_ = std::max(max_id_, id);
}

void program_book::planned(uint64_t id, std::vector<portion_info> portions) {
  auto it = programs_.find(id);
  if (it == programs_.end() || has_ended(it->second.info.state)) return;
  it->second.info.portions = std::move(portions);
  it->second.clocks.assign(it->second.info.portions.size(), {});
  it->second.info.state = program_state::running;
}

void program_book::progress(const progress_event& e) {
  auto it = programs_.find(e.program);
  if (it == programs_.end() || has_ended(it->second.info.state)) return;
  entry& en = it->second;
  if (e.portion < 0 || static_cast<size_t>(e.portion) >= en.info.portions.size()) return;
  portion_info& p = en.info.portions[e.portion];
  portion_clock& clock = en.clocks[e.portion];
  if (e.tasks_total > 0) p.tasks_total = e.tasks_total;
  p.tasks_done = std::max(p.tasks_done, e.tasks_done);
  p.spilled_bytes = std::max(p.spilled_bytes, e.spilled_bytes);
  switch (e.kind) {
    case progress_kind::portion_started:
      p.state = portion_state::running;
      if (p.started < 0) p.started = e.at;
      break;
    case progress_kind::portion_finished:
      p.state = portion_state::done;
      p.finished = e.at;
      break;
    case progress_kind::task_retried:
      ++p.retries;
      break;
    default:
      break;
  }
  if (e.slots_held != p.slots_held) {
    p.slot_seconds += p.slots_held * std::max(0.0, e.at - clock.since);
    clock.since = e.at;
    p.slots_held = std::max(0, e.slots_held);
    p.peak_slots = std::max(p.peak_slots, p.slots_held);
    sample(en, e.at);
  }
}

void program_book::sample(entry& e, double at) {
  int32_t total = 0;
  for (const auto& p : e.info.portions) total += p.slots_held;
  e.info.slots_held = total;
  auto& s = e.info.capacity;
  if (!s.empty() && s.back().slots == total) return;
  if (!s.empty() && s.back().at == at) {
    s.back().slots = total;
  } else {
    s.push_back({at, total});
  }
  if (s.size() > std::max<size_t>(opts_.max_samples, 4)) {
    // Keep the first, every other one after it, and the last.
    std::vector<capacity_sample> kept;
    kept.reserve(s.size() / 2 + 2);
    for (size_t i = 0; i + 1 < s.size(); i += 2) kept.push_back(s[i]);
    kept.push_back(s.back());
    s = std::move(kept);
  }
}

void program_book::ended(uint64_t id, const std::string& error, int64_t unix_ms) {
  auto it = programs_.find(id);
  if (it == programs_.end() || has_ended(it->second.info.state)) return;
  entry& en = it->second;
  program_info& info = en.info;
  info.ended_unix_ms = std::max(unix_ms, info.submitted_unix_ms);
  info.wall_seconds = static_cast<double>(info.ended_unix_ms - info.submitted_unix_ms) / 1000.0;
  info.error = error;
  if (error.empty())
    info.state = program_state::succeeded;
  else if (error == "cancelled" || error == "the client went away")
    info.state = program_state::cancelled;
  else
    info.state = program_state::failed;
  // Whatever was still held was returned at the end.
  for (size_t i = 0; i < info.portions.size(); ++i) {
    portion_info& p = info.portions[i];
    p.slot_seconds += p.slots_held * std::max(0.0, info.wall_seconds - en.clocks[i].since);
    p.slots_held = 0;
  }
  if (info.slots_held != 0) sample(en, info.wall_seconds);
  info.slot_seconds = 0;
  for (const auto& p : info.portions) info.slot_seconds += p.slot_seconds;
  ended_order_.push_back(id);
  forget_old();
}

void program_book::restore(program_info p) {
  if (!has_ended(p.state) || programs_.count(p.id) != 0) return;
  const uint64_t id = p.id;
  max_id_ = std::max(max_id_, id);
  entry e;
  e.clocks.assign(p.portions.size(), {});
  e.info = std::move(p);
  programs_[id] = std::move(e);
  // Kept in the order of their ends, as if they had ended here.
  auto pos = std::upper_bound(ended_order_.begin(), ended_order_.end(), id,
                              [&](uint64_t a, uint64_t b) {
                                return programs_.at(a).info.ended_unix_ms <
                                       programs_.at(b).info.ended_unix_ms;
                              });
  ended_order_.insert(pos, id);
  forget_old();
}

void program_book::forget_old() {
  while (ended_order_.size() > opts_.keep_ended) {
    programs_.erase(ended_order_.front());
    ended_order_.pop_front();
  }
}

program_info program_book::view(const entry& e, int64_t now_unix_ms, bool details) const {
  program_info out;
  if (details) {
    out = e.info;
  } else {  // everything but the portions and the samples
    const program_info& i = e.info;
    out.id = i.id;
    out.state = i.state;
    out.queue = i.queue;
    out.priority = i.priority;
    out.submitter = i.submitter;
    out.text = i.text;
    out.submitted_unix_ms = i.submitted_unix_ms;
    out.ended_unix_ms = i.ended_unix_ms;
    out.wall_seconds = i.wall_seconds;
    out.slot_seconds = i.slot_seconds;
    out.slots_held = i.slots_held;
    out.error = i.error;
  }
  if (!has_ended(e.info.state)) {
    const double now =
        std::max<double>(0, static_cast<double>(now_unix_ms - e.info.submitted_unix_ms) / 1000.0);
    out.wall_seconds = now;
    out.slot_seconds = 0;
    for (size_t i = 0; i < e.info.portions.size(); ++i) {
      const portion_info& p = e.info.portions[i];
      const double s = p.slot_seconds + p.slots_held * std::max(0.0, now - e.clocks[i].since);
      out.slot_seconds += s;
      if (details) out.portions[i].slot_seconds = s;
    }
  }
  return out;
}

std::vector<program_info> program_book::list(int64_t now_unix_ms, bool details) const {
  std::vector<program_info> out;
  out.reserve(programs_.size());
  for (auto it = programs_.rbegin(); it != programs_.rend(); ++it)
    out.push_back(view(it->second, now_unix_ms, details));
  return out;
}

std::optional<program_info> program_book::find(uint64_t id, int64_t now_unix_ms) const {
  auto it = programs_.find(id);
  if (it == programs_.end()) return std::nullopt;
  return view(it->second, now_unix_ms, true);
}

}  // namespace tranche
