// A kernel's statements (see statement_book.h).
#include "session/statement_book.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "console/json.h"

namespace tranche {

std::string_view to_string(statement_state s) {
  switch (s) {
    case statement_state::waiting:
      return "waiting";
    case statement_state::running:
      return "running";
    case statement_state::available:
      return "available";
    case statement_state::error:
      return "error";
    case statement_state::cancelled:
      return "cancelled";
  }
  return "unknown";
}

int64_t statement_book::add(std::string code, double now) {
  statement_record r;
  r.id = next_++;
  r.code = std::move(code);
  r.submitted = now;
  auto& h = history_[std::string(absl::StripAsciiWhitespace(r.code))];
  if (h.code.empty()) h.code = std::string(absl::StripAsciiWhitespace(r.code));
  ++h.runs;
  h.last_id = r.id;
  h.last_state = r.state;
  records_.push_back(std::move(r));
  while (records_.size() > keep_ && has_ended(records_.front().state)) records_.pop_front();
  return next_ - 1;
}

const statement_record* statement_book::find(int64_t id) const {
  for (const auto& r : records_)
    if (r.id == id) return &r;
  return nullptr;
}

std::optional<statement_record> statement_book::start_next(double now) {
  for (auto& r : records_)
    if (r.state == statement_state::waiting) {
      r.state = statement_state::running;
      r.started = now;
      return r;
    }
  return std::nullopt;
}

bool statement_book::finish(int64_t id, statement_state state, std::string output_json,
                            double now) {
  for (auto& r : records_) {
    if (r.id != id) continue;
    if (has_ended(r.state)) return false;
    r.state = state;
    r.completed = now;
    if (r.started == 0) r.started = now;
    r.output_json = std::move(output_json);
    auto h = history_.find(std::string(absl::StripAsciiWhitespace(r.code)));
    if (h != history_.end() && h->second.last_id == id) h->second.last_state = state;
    return true;
  }
  return false;
}

bool statement_book::busy() const {
  return std::any_of(records_.begin(), records_.end(),
                     [](const statement_record& r) { return !has_ended(r.state); });
}

std::vector<statement_record> statement_book::list() const {
  return std::vector<statement_record>(records_.begin(), records_.end());
}

std::vector<statement_history_entry> statement_book::history() const {
  std::vector<statement_history_entry> out;
  for (const auto& [code, h] : history_) out.push_back(h);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.runs != b.runs ? a.runs > b.runs : a.last_id > b.last_id;
  });
  return out;
}

namespace {

void write_cell(json_writer& w, const column& c, type_id t, size_t i) {
  if (c.is_null(i)) {
    w.null();
    return;
  }
  switch (t) {
    case type_id::int64:
      w.value(c.i64()[i]);
      break;
    case type_id::float64:
      w.value(c.f64()[i]);
      break;
    case type_id::boolean:
      w.value(c.b()[i] != 0);
      break;
    case type_id::date:
      w.value(format_date(c.i64()[i]));
      break;
    default:
      w.value(c.str(i));
      break;
  }
}

void write_header(json_writer& w, const schema& columns) {
  w.key("columns").begin_array();
  for (const auto& f : columns.fields) w.value(f.name);
  w.end_array();
  w.key("types").begin_array();
  for (const auto& f : columns.fields) w.value(type_name(f.type));
  w.end_array();
}

}  // namespace

std::string result_output_json(const schema& columns, const std::vector<batch>& batches,
                               uint64_t row_count, int64_t max_rows) {
  json_writer w;
  w.begin_object().key("status").value("ok");
  write_header(w, columns);
  w.key("rows").begin_array();
  int64_t kept = 0;
  for (const auto& b : batches)
    for (size_t i = 0; i < b.rows && kept < max_rows; ++i, ++kept) {
      w.begin_array();
      for (size_t c = 0; c < b.columns.size(); ++c)
        write_cell(w, *b.columns[c], columns.fields[c].type, i);
      w.end_array();
    }
  w.end_array();
  w.key("row_count").value(static_cast<int64_t>(row_count));
  w.key("truncated").value(static_cast<uint64_t>(kept) < row_count);
  w.key("error").null();
  w.end_object();
  return w.str();
}

std::string error_output_json(statement_state state, std::string_view message) {
  json_writer w;
  w.begin_object().key("status").value(state == statement_state::cancelled ? "cancelled" : "error");
  w.key("columns").begin_array().end_array();
  w.key("types").begin_array().end_array();
  w.key("rows").begin_array().end_array();
  w.key("row_count").value(int64_t{0});
  w.key("truncated").value(false);
  w.key("error").value(message);
  w.end_object();
  return w.str();
}

std::string statement_json(const statement_record& s) {
  json_writer w;
  w.begin_object();
  w.key("id").value(s.id);
  w.key("code").value(s.code);
  w.key("state").value(std::string(to_string(s.state)));
  w.key("submitted").value(s.submitted);
  if (s.started > 0)
    w.key("started").value(s.started);
  else
    w.key("started").null();
  if (s.completed > 0)
    w.key("completed").value(s.completed);
  else
    w.key("completed").null();
  if (s.output_json.empty())
    w.key("output").null();
  else
    w.key("output").raw(s.output_json);
  w.end_object();
  return w.str();
}

}  // namespace tranche
