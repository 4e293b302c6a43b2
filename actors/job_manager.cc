// The job manager actor (see job_manager.h).
#include "actors/job_manager.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "absl/strings/str_cat.h"
#include "actors/job.h"
#include "daemon/config.h"
#include "plan/program_codec.h"

namespace tranche {
namespace {

struct job_manager_state {
  job_manager_config cfg;
  std::map<uint64_t, job_actor> running;  // by program id, until the job ends
  std::shared_ptr<const capacity_policy> policy;
  uint64_t next_program = 1;
  static inline const char* name = "job-manager";
};

using job_manager_ptr = job_manager_actor::stateful_pointer<job_manager_state>;

job_manager_actor::behavior_type job_manager_impl(job_manager_ptr self, job_manager_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([=](const caf::down_msg& dm) {
    std::erase_if(self->state.running,
                  [&](const auto& kv) { return kv.second.address() == dm.source; });
  });
  // The daemon and the SDK check the name before; a bad one here means per-portion.
  if (auto p = make_policy(self->state.cfg.policy); p.ok()) self->state.policy = *std::move(p);
  return {
      [=](submit_atom, std::vector<char>& program, caf::actor listener) -> uint64_t {
        auto& st = self->state;
        job_context ctx;
        ctx.program = st.next_program++;
        if (st.cfg.max_program_bytes > 0 &&
            program.size() > static_cast<size_t>(st.cfg.max_program_bytes)) {
          caf::anon_send(listener, done_atom::value, ctx.program,
                         absl::StrCat("the program is ", program.size(),
                                      " bytes; this cluster accepts at most ",
                                      format_size(st.cfg.max_program_bytes),
                                      " (max-program-size)"));
          return ctx.program;
        }
        // Its queue and priority; a program that does not decode fails when planned.
        if (auto req = decode_program(program.data(), program.size()); req.ok())
          ctx.options = req->options;
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
        return id;
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
