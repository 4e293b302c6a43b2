// The job manager actor (see job_manager.h).
#include "actors/job_manager.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "absl/strings/str_cat.h"
#include "actors/job.h"
#include "console/console_codec.h"
#include "console/program_book.h"
#include "daemon/config.h"
#include "daemon/log.h"
#include "plan/program_codec.h"

namespace tranche {
namespace {

int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct job_manager_state {
  job_manager_config cfg;
  std::map<uint64_t, job_actor> running;  // by program id, until the job ends
  // Every live job by program id, for the console's book: what a job
  // reports is taken from that job alone.
  std::map<uint64_t, caf::actor_addr> jobs;
  std::unique_ptr<program_book> book;
  // Counts since the job manager started, for /metrics.
  uint64_t submitted = 0, tasks_finished = 0, task_retries = 0, tasks_speculated = 0;
  std::map<std::string, uint64_t> ended;  // by state
  double slot_seconds = 0;                // of the programs ended
  std::shared_ptr<const capacity_policy> policy;
  uint64_t next_program = 1;
  static inline const char* name = "job-manager";
};

using job_manager_ptr = job_manager_actor::stateful_pointer<job_manager_state>;

// Marks the program ended in the book, and stores it in the history.
void end_program(job_manager_ptr self, uint64_t program, const std::string& error) {
  const int64_t now = unix_ms();
  auto& st = self->state;
  st.book->ended(program, error, now);
  auto p = st.book->find(program, now);
  if (!p || !has_ended(p->state)) return;
  ++st.ended[std::string(to_string(p->state))];
  st.slot_seconds += p->slot_seconds;
  if (!st.cfg.history) return;
  if (auto s = st.cfg.history->save(*p, now); !s.ok()) log_warn("history", std::string(s.message()));
}

job_manager_actor::behavior_type job_manager_impl(job_manager_ptr self, job_manager_config cfg) {
  self->state.cfg = std::move(cfg);
  self->state.book = std::make_unique<program_book>(
      program_book::options{self->state.cfg.keep_programs, 1024});
  if (auto& h = self->state.cfg.history) {
    if (auto past = h->load(unix_ms()); past.ok()) {
      for (auto& p : *past) self->state.book->restore(std::move(p));
      if (h->skipped() > 0)
        log_warn("history", absl::StrCat(h->skipped(), " stored programs did not decode"));
    } else {
      log_warn("history", std::string(past.status().message()));
    }
    if (auto max = h->max_id(); max.ok())
      self->state.next_program = std::max(self->state.next_program, *max + 1);
    self->state.next_program =
        std::max(self->state.next_program, self->state.book->max_id() + 1);
  }
  self->set_down_handler([=](const caf::down_msg& dm) {
    std::erase_if(self->state.running,
                  [&](const auto& kv) { return kv.second.address() == dm.source; });
    for (auto it = self->state.jobs.begin(); it != self->state.jobs.end(); ++it) {
      if (it->second != dm.source) continue;
      // A job always reports its end first; this is for one that could not.
      end_program(self, it->first, "the program's job stopped unexpectedly");
      self->state.jobs.erase(it);
      break;
    }
  });
  // Whether the current message comes from the job of `program`.
  auto from_job = [=](uint64_t program) {
    auto it = self->state.jobs.find(program);
    const auto& sender = self->current_sender();
    return it != self->state.jobs.end() && sender &&
           it->second == caf::actor_cast<caf::actor_addr>(sender);
  };
  // The daemon and the SDK check the name before; a bad one here means per-portion.
  if (auto p = make_policy(self->state.cfg.policy); p.ok()) self->state.policy = *std::move(p);
  return {
      [=](submit_atom, std::vector<char>& program, caf::actor listener) -> uint64_t {
        auto& st = self->state;
        job_context ctx;
        ctx.program = st.next_program++;
        ++st.submitted;
        if (st.cfg.max_program_bytes > 0 &&
            program.size() > static_cast<size_t>(st.cfg.max_program_bytes)) {
          std::string error = absl::StrCat("the program is ", program.size(),
                                           " bytes; this cluster accepts at most ",
                                           format_size(st.cfg.max_program_bytes),
                                           " (max-program-size)");
          st.book->submitted(ctx.program, kDefaultQueue, 0, "", "", unix_ms());
          end_program(self, ctx.program, error);
          caf::anon_send(listener, done_atom::value, ctx.program, std::move(error));
          return ctx.program;
        }
        // Its queue and priority; a program that does not decode fails when planned.
        if (auto req = decode_program(program.data(), program.size()); req.ok()) {
          ctx.options = req->options;
          st.book->submitted(ctx.program, req->options.queue, req->options.priority,
                             req->submitter, req->sql, unix_ms());
        } else {
          st.book->submitted(ctx.program, kDefaultQueue, 0, "", "", unix_ms());
        }
        ctx.observer = self;
        ctx.program_bytes = std::move(program);
        ctx.policy = st.policy;
        ctx.retry = st.cfg.retry;
        ctx.max_result_bytes = st.cfg.max_result_bytes;
        ctx.parallelism = st.cfg.parallelism;
        ctx.listener = std::move(listener);
        ctx.broker = st.cfg.broker;
        ctx.planner = st.cfg.planner;
        ctx.directory = st.cfg.directory;
        const uint64_t id = ctx.program;
        auto job = spawn_job(self->system(), std::move(ctx));  // the job ends itself
        self->monitor(job);
        st.running.emplace(id, job);
        st.jobs.emplace(id, job.address());
        return id;
      },
      [=](planned_atom, uint64_t program, const std::vector<char>& bytes) {
        if (!from_job(program)) return;
        if (auto p = decode_program_info(bytes.data(), bytes.size()); p.ok())
          self->state.book->planned(program, std::move(p->portions));
      },
      [=](progress_atom, const progress_event& e) {
        if (!from_job(e.program)) return;
        auto& st = self->state;
        st.book->progress(e);
        if (e.kind == progress_kind::task_finished) ++st.tasks_finished;
        if (e.kind == progress_kind::task_retried) ++st.task_retries;
        if (e.kind == progress_kind::task_speculated) ++st.tasks_speculated;
      },
      [=](metrics_atom) {
        const auto& st = self->state;
        std::vector<metric_sample> m;
        int64_t planning = 0, running = 0;
        for (const auto& p : st.book->list(unix_ms())) {
          if (p.state == program_state::planning) ++planning;
          if (p.state == program_state::running) ++running;
        }
        m.push_back({"tranche_programs", {{"state", "planning"}}, static_cast<double>(planning)});
        m.push_back({"tranche_programs", {{"state", "running"}}, static_cast<double>(running)});
        m.push_back({"tranche_programs_submitted_total", {}, static_cast<double>(st.submitted)});
        for (const char* state : {"succeeded", "failed", "cancelled"}) {
          auto it = st.ended.find(state);
          m.push_back({"tranche_programs_ended_total", {{"state", state}},
                       static_cast<double>(it == st.ended.end() ? 0 : it->second)});
        }
        m.push_back({"tranche_tasks_finished_total", {}, static_cast<double>(st.tasks_finished)});
        m.push_back({"tranche_task_retries_total", {}, static_cast<double>(st.task_retries)});
        m.push_back(
            {"tranche_tasks_speculated_total", {}, static_cast<double>(st.tasks_speculated)});
        m.push_back({"tranche_program_slot_seconds_total", {}, st.slot_seconds});
        return encode_metrics(m);
      },
      [=](done_atom, uint64_t program, const std::string& error) {
        if (!from_job(program)) return;
        end_program(self, program, error);
        self->state.jobs.erase(program);
      },
      [=](programs_atom) { return encode_program_list(self->state.book->list(unix_ms())); },
      [=](program_atom, uint64_t program) -> std::tuple<std::vector<char>, std::string> {
        auto p = self->state.book->find(program, unix_ms());
        if (!p) return {std::vector<char>{}, absl::StrCat("no program ", program, " is known")};
        return {encode_program_info(*p), std::string{}};
      },
      [=](cancel_atom, uint64_t program) {
        auto it = self->state.running.find(program);
        if (it == self->state.running.end()) return false;
        self->send(it->second, cancel_atom::value);
        self->state.running.erase(it);  // ending: a second cancel finds nothing
        return true;
      },
      [=](explain_atom, const std::vector<char>& program)
          -> caf::typed_response_promise<std::string, std::string> {
        auto rp = self->make_response_promise<std::string, std::string>();
        auto plan = [=](int32_t parallelism) mutable {
          self->request(self->state.cfg.planner, std::chrono::seconds(300), plan_atom::value,
                        program, parallelism)
              .then([=](const std::vector<char>&, const std::string& text, const std::string& error,
                        const std::vector<std::vector<char>>&) mutable { rp.deliver(text, error); },
                    [=](const caf::error& err) mutable {
                      rp.deliver(std::string{}, self->system().render(err));
                    });
        };
        if (self->state.cfg.parallelism > 0) {
          plan(self->state.cfg.parallelism);
        } else {  // as a submitted program would be planned: the cluster's slots
          self->request(self->state.cfg.broker, std::chrono::seconds(10), ledger_atom::value)
              .then(
                  [=](const std::vector<int64_t>& t) mutable {
                    plan(static_cast<int32_t>(std::max<int64_t>(1, t.at(0))));
                  },
                  [=](const caf::error&) mutable { plan(0); });
        }
        return rp;
      },
  };
}

}  // namespace

job_manager_actor spawn_job_manager(caf::actor_system& sys, job_manager_config cfg) {
  return sys.spawn(job_manager_impl, std::move(cfg));
}

}  // namespace tranche
