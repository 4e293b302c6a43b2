// A session's kernel (see kernel.h).
#include "actors/kernel.h"

#include <chrono>
#include <filesystem>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "console/json.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "sql/statement.h"

namespace tranche {
namespace {

double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string lower(std::string s) {
  absl::AsciiStrToLower(&s);
  return s;
}

std::string at(sql::source_pos p, std::string_view message) {
  return absl::StrCat("line ", p.line, ", column ", p.column, ": ", std::string(message));
}

// A one-column answer ("result VARCHAR") for a statement the kernel ran itself.
std::string message_output(const std::string& text) {
  schema s{{{"result", type_id::string}}};
  return result_output_json(s, {make_batch(s, {{value{text}}})}, 1, 1);
}

std::string table_output(const schema& s, const std::vector<std::vector<value>>& rows) {
  return result_output_json(s, {make_batch(s, rows)}, rows.size(),
                            static_cast<int64_t>(rows.size()));
}

std::string duration_text(int64_t ms) {
  if (ms == 0) return "0";
  if (ms % 60'000 == 0) return absl::StrCat(ms / 60'000, "m");
  if (ms % 1000 == 0) return absl::StrCat(ms / 1000, "s");
  return absl::StrCat(ms, "ms");
}

constexpr const char* kSettingNames = "queue, priority, max_rows, statement_timeout";

}  // namespace

kernel_core::kernel_core(cluster& c, const kernel_config& cfg,
                         std::function<void(bool, int64_t)> on_busy)
    : cluster_(c), cfg_(cfg), on_busy_(std::move(on_busy)) {
  settings_.max_rows = cfg_.max_result_rows;
  runner_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

kernel_core::~kernel_core() { shutdown(); }

void kernel_core::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (running_stop_) running_stop_->request_stop();
    for (const auto& s : book_.list())
      if (s.state == statement_state::waiting)
        book_.finish(s.id, statement_state::cancelled,
                     error_output_json(statement_state::cancelled, "the session stopped"),
                     unix_seconds());
  }
  if (runner_.joinable()) {
    runner_.request_stop();
    cv_.notify_all();
    runner_.join();
  }
}

int64_t kernel_core::submit(std::string code) {
  int64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = book_.add(std::move(code), unix_seconds());
  }
  cv_.notify_all();
  return id;
}

absl::StatusOr<std::string> kernel_core::statement(int64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  const statement_record* s = book_.find(id);
  if (s == nullptr) return absl::NotFoundError(absl::StrCat("no statement ", id));
  return statement_json(*s);
}

std::string kernel_core::statements_json() const {
  std::lock_guard<std::mutex> lock(mu_);
  json_writer w;
  w.begin_object().key("total_statements").value(book_.count());
  w.key("statements").begin_array();
  for (const auto& s : book_.list()) w.raw(statement_json(s));
  w.end_array().end_object();
  return w.str();
}

std::string kernel_core::history_json() const {
  std::lock_guard<std::mutex> lock(mu_);
  json_writer w;
  w.begin_object().key("history").begin_array();
  for (const auto& h : book_.history()) {
    w.begin_object();
    w.key("code").value(h.code);
    w.key("runs").value(h.runs);
    w.key("last_id").value(h.last_id);
    w.key("last_state").value(std::string(to_string(h.last_state)));
    w.end_object();
  }
  w.end_array().end_object();
  return w.str();
}

absl::StatusOr<std::string> kernel_core::cancel(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  const statement_record* s = book_.find(id);
  if (s == nullptr) return absl::NotFoundError(absl::StrCat("no statement ", id));
  if (has_ended(s->state))
    return absl::FailedPreconditionError(
        absl::StrCat("statement ", id, " has already ended: ", std::string(to_string(s->state))));
  if (s->state == statement_state::running) {
    if (running_id_ == id && running_stop_) running_stop_->request_stop();
  } else {
    book_.finish(id, statement_state::cancelled,
                 error_output_json(statement_state::cancelled, "cancelled before it started"),
                 unix_seconds());
  }
  json_writer w;
  w.begin_object().key("id").value(id).key("state").value("cancelled").end_object();
  return w.str();
}

bool kernel_core::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return book_.busy();
}

int64_t kernel_core::statements_run() const {
  std::lock_guard<std::mutex> lock(mu_);
  return book_.count();
}

void kernel_core::run(std::stop_token stop) {
  for (;;) {
    statement_record next;
    std::stop_source source;
    {
      std::unique_lock<std::mutex> lock(mu_);
      std::optional<statement_record> s;
      // Idle only once nothing waits: a queue of statements is one busy spell.
      if (reported_busy_ && !book_.busy()) {
        reported_busy_ = false;
        const int64_t n = book_.count();
        lock.unlock();
        if (on_busy_) on_busy_(false, n);
        lock.lock();
      }
      cv_.wait(lock, stop, [&] {
        s = book_.start_next(unix_seconds());
        return s.has_value();
      });
      if (stop.stop_requested()) return;
      next = *s;
      running_id_ = next.id;
      running_stop_ = source;
      if (!reported_busy_) {
        reported_busy_ = true;
        const int64_t n = book_.count();
        lock.unlock();
        if (on_busy_) on_busy_(true, n);
      }
    }
    auto [state, output] = execute(next, source.get_token());
    {
      std::lock_guard<std::mutex> lock(mu_);
      book_.finish(next.id, state, std::move(output), unix_seconds());
      running_id_ = 0;
      running_stop_.reset();
    }
  }
}

absl::StatusOr<query_result> kernel_core::run_program(const std::string& sql,
                                                      std::stop_token cancel,
                                                      std::vector<view_binding> views) {
  submit_options opts;
  opts.queue = settings_.queue;
  opts.priority = settings_.priority;
  opts.views = std::move(views);
  std::vector<table_binding> tables;
  for (const auto& [name, t] : temp_tables_) tables.push_back(t);
  // statement_timeout: a watchdog cancels the program as a user would.
  std::stop_source stopper;
  std::stop_callback forward(cancel, [&] { stopper.request_stop(); });
  bool timed_out = false;
  std::jthread watchdog;
  if (settings_.statement_timeout_ms > 0)
    watchdog = std::jthread([&, ms = settings_.statement_timeout_ms](std::stop_token st) {
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock<std::mutex> lock(m);
      if (!cv.wait_for(lock, st, std::chrono::milliseconds(ms), [] { return false; }) &&
          !st.stop_requested()) {
        timed_out = true;
        stopper.request_stop();
      }
    });
  auto r = cluster_.run_sql(sql, tables, nullptr, opts, stopper.get_token());
  if (watchdog.joinable()) {
    watchdog.request_stop();
    watchdog.join();
  }
  if (!r.ok() && timed_out)
    return absl::DeadlineExceededError(absl::StrCat("the statement ran past statement_timeout (",
                                                    duration_text(settings_.statement_timeout_ms),
                                                    ") and was cancelled"));
  return r;
}

std::pair<statement_state, std::string> kernel_core::outcome(
    const absl::StatusOr<query_result>& r) const {
  if (r.ok())
    return {statement_state::available,
            result_output_json(r->columns, r->batches, r->rows, settings_.max_rows)};
  const statement_state state =
      absl::IsCancelled(r.status()) ? statement_state::cancelled : statement_state::error;
  return {state, error_output_json(state, std::string(r.status().message()))};
}

std::pair<statement_state, std::string> kernel_core::execute(const statement_record& s,
                                                             std::stop_token cancel) {
  auto error = [](const std::string& message) {
    return std::make_pair(statement_state::error,
                          error_output_json(statement_state::error, message));
  };
  auto parsed = sql::parse_statement(s.code);
  if (!parsed.ok()) return error(std::string(parsed.status().message()));
  auto find_view = [&](const std::string& name) {
    for (auto it = views_.begin(); it != views_.end(); ++it)
      if (lower(it->name) == lower(name)) return it;
    return views_.end();
  };

  if (const auto* v = std::get_if<sql::create_temp_view>(&*parsed)) {
    if (temp_tables_.count(lower(v->name)))
      return error(
          at(v->name_pos, absl::StrCat("\"", v->name, "\" is a temporary table of this session")));
    auto existing = find_view(v->name);
    if (existing != views_.end() && !v->or_replace)
      return error(at(v->name_pos,
                      absl::StrCat("view \"", v->name,
                                   "\" already exists (CREATE OR REPLACE TEMP VIEW replaces it)")));
    // Checked by planning it as the cluster will: a query of it that reads nothing.
    std::vector<view_binding> views;
    for (const auto& w : views_)
      if (lower(w.name) != lower(v->name)) views.push_back(w);
    views.push_back({v->name, v->query});
    auto checked = run_program(absl::StrCat("SELECT * FROM ", v->name, " LIMIT 0"), cancel, views);
    if (!checked.ok()) return outcome(checked);
    // A replaced view keeps its place: the views after it may use it.
    const bool replaced = existing != views_.end();
    if (replaced)
      existing->sql = v->query;
    else
      views_.push_back({v->name, v->query});
    return {statement_state::available,
            message_output(absl::StrCat(replaced ? "replaced" : "created",
                                        " temporary view ", v->name))};
  }
  if (const auto* t = std::get_if<sql::create_temp_table>(&*parsed)) {
    const std::string key = lower(t->name);
    if (find_view(t->name) != views_.end())
      return error(
          at(t->name_pos, absl::StrCat("\"", t->name, "\" is a temporary view of this session")));
    if (temp_tables_.count(key) && !t->or_replace)
      return error(at(t->name_pos, absl::StrCat("temporary table \"", t->name,
                                                "\" already exists (CREATE OR REPLACE TEMP TABLE "
                                                "replaces it)")));
    const std::string dir = absl::StrCat(cfg_.work_dir, "/temp/", key, "-", ++temp_seq_);
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(dir).parent_path(), ec);
    // The query keeps its own positions: "COPY (" takes the place of the
    // blanked "CREATE TEMP" before it.
    std::string copy = t->query;
    copy.replace(0, 6, "COPY (");
    absl::StrAppend(&copy, "\n) TO '", dir, "' FORMAT COLUMNAR");
    auto written = run_program(copy, cancel, views_);
    if (!written.ok()) {
      std::filesystem::remove_all(dir, ec);
      return outcome(written);
    }
    // The COPY's rows (file, rows) say how many rows each file holds.
    int64_t rows = 0;
    const int rows_column = written->columns.find("rows");
    for (const auto& b : written->batches)
      if (rows_column >= 0)
        for (size_t i = 0; i < b.rows; ++i) rows += b.columns[rows_column]->i64()[i];
    if (auto old = temp_dirs_.find(key); old != temp_dirs_.end())
      std::filesystem::remove_all(old->second, ec);
    table_binding b;
    b.name = t->name;
    b.glob = dir + "/*.tcol";
    b.columnar = true;
    temp_tables_[key] = b;
    temp_dirs_[key] = dir;
    return {statement_state::available,
            message_output(absl::StrCat("created temporary table ", t->name, " (", rows,
                                        rows == 1 ? " row)" : " rows)"))};
  }
  if (const auto* d = std::get_if<sql::drop_view>(&*parsed)) {
    auto it = find_view(d->name);
    if (it == views_.end()) {
      if (d->if_exists)
        return {statement_state::available, message_output(absl::StrCat("no view ", d->name))};
      return error(at(d->name_pos, absl::StrCat("no temporary view \"", d->name, "\"")));
    }
    views_.erase(it);
    return {statement_state::available,
            message_output(absl::StrCat("dropped temporary view ", d->name))};
  }
  if (const auto* d = std::get_if<sql::drop_table>(&*parsed)) {
    const std::string key = lower(d->name);
    if (temp_tables_.count(key)) {
      std::error_code ec;
      std::filesystem::remove_all(temp_dirs_[key], ec);
      temp_tables_.erase(key);
      temp_dirs_.erase(key);
      return {statement_state::available,
              message_output(absl::StrCat("dropped temporary table ", d->name))};
    }
    return outcome(run_program(s.code, cancel, views_));  // the catalog's table
  }
  if (const auto* set = std::get_if<sql::set_setting>(&*parsed)) {
    const bool reset = lower(set->value) == "default";
    kernel_settings defaults;
    defaults.max_rows = cfg_.max_result_rows;
    if (set->name == "queue") {
      settings_.queue = reset ? defaults.queue : set->value;
    } else if (set->name == "priority") {
      int32_t p = 0;
      if (!reset && !absl::SimpleAtoi(set->value, &p))
        return error(
            at(set->value_pos, absl::StrCat("priority is an integer, not \"", set->value, "\"")));
      settings_.priority = reset ? defaults.priority : p;
    } else if (set->name == "max_rows") {
      int64_t n = 0;
      if (!reset && (!absl::SimpleAtoi(set->value, &n) || n < 1 || n > 10'000'000))
        return error(
            at(set->value_pos,
               absl::StrCat("max_rows is an integer in 1..10000000, not \"", set->value, "\"")));
      settings_.max_rows = reset ? defaults.max_rows : n;
    } else if (set->name == "statement_timeout") {
      int64_t ms = 0;
      if (!reset) {
        auto d = parse_duration_ms(set->value);
        if (!d.ok())
          return error(at(set->value_pos,
                          absl::StrCat("statement_timeout: ", std::string(d.status().message()))));
        ms = *d;
      }
      settings_.statement_timeout_ms = ms;
    } else {
      return error(at(set->name_pos, absl::StrCat("unknown setting \"", set->name,
                                                  "\"; the settings are ", kSettingNames)));
    }
    return {statement_state::available,
            message_output(absl::StrCat("set ", set->name, reset ? " to its default" : ""))};
  }
  if (const auto* r = std::get_if<sql::reset_setting>(&*parsed)) {
    kernel_settings defaults;
    defaults.max_rows = cfg_.max_result_rows;
    if (r->name == "all")
      settings_ = defaults;
    else if (r->name == "queue")
      settings_.queue = defaults.queue;
    else if (r->name == "priority")
      settings_.priority = defaults.priority;
    else if (r->name == "max_rows")
      settings_.max_rows = defaults.max_rows;
    else if (r->name == "statement_timeout")
      settings_.statement_timeout_ms = 0;
    else
      return error(at(r->name_pos, absl::StrCat("unknown setting \"", r->name,
                                                "\"; the settings are ", kSettingNames)));
    return {statement_state::available, message_output(absl::StrCat("reset ", r->name))};
  }
  if (std::holds_alternative<sql::show_settings>(*parsed)) {
    schema sc{
        {{"name", type_id::string}, {"value", type_id::string}, {"meaning", type_id::string}}};
    return {statement_state::available,
            table_output(
                sc, {{value{std::string("queue")}, value{settings_.queue},
                      value{std::string("the broker queue the session's programs run in")}},
                     {value{std::string("priority")}, value{absl::StrCat(settings_.priority)},
                      value{std::string("their priority (higher first)")}},
                     {value{std::string("max_rows")}, value{absl::StrCat(settings_.max_rows)},
                      value{std::string("rows of a result kept and shown")}},
                     {value{std::string("statement_timeout")},
                      value{duration_text(settings_.statement_timeout_ms)},
                      value{std::string("a statement running longer is cancelled (0: never)")}}})};
  }
  if (std::holds_alternative<sql::show_views>(*parsed)) {
    schema sc{
        {{"name", type_id::string}, {"kind", type_id::string}, {"definition", type_id::string}}};
    std::vector<std::vector<value>> rows;
    for (const auto& v : views_)
      rows.push_back({value{v.name}, value{std::string("view")},
                      value{std::string(absl::StripAsciiWhitespace(v.sql))}});
    for (const auto& [key, t] : temp_tables_)
      rows.push_back({value{t.name}, value{std::string("temporary table")}, value{t.glob}});
    return {statement_state::available, table_output(sc, rows)};
  }
  return outcome(run_program(s.code, cancel, views_));
}

}  // namespace tranche
