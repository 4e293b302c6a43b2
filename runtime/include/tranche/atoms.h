// The message atoms of tranche's actors and of the client SDK's messages
// (CAF 0.17 atoms: at most 10 characters).
#pragma once

#include <caf/all.hpp>

namespace tranche {

using register_atom = caf::atom_constant<caf::atom("register")>;
using request_atom = caf::atom_constant<caf::atom("request")>;
using grant_atom = caf::atom_constant<caf::atom("grant")>;
using yield_atom = caf::atom_constant<caf::atom("yield")>;
using transfer_atom = caf::atom_constant<caf::atom("transfer")>;
using shrink_atom = caf::atom_constant<caf::atom("shrink")>;
using ledger_atom = caf::atom_constant<caf::atom("ledger")>;
using run_atom = caf::atom_constant<caf::atom("run")>;
using fetch_atom = caf::atom_constant<caf::atom("fetch")>;
using drop_atom = caf::atom_constant<caf::atom("drop")>;
using task_done_atom = caf::atom_constant<caf::atom("taskdone")>;
using plan_atom = caf::atom_constant<caf::atom("plan")>;
using explain_atom = caf::atom_constant<caf::atom("explain")>;
using submit_atom = caf::atom_constant<caf::atom("submit")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using portion_done_atom = caf::atom_constant<caf::atom("pdone")>;
using portion_fail_atom = caf::atom_constant<caf::atom("pfail")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using result_atom = caf::atom_constant<caf::atom("result")>;
using done_atom = caf::atom_constant<caf::atom("done")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using hello_atom = caf::atom_constant<caf::atom("hello")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using connect_atom = caf::atom_constant<caf::atom("connect")>;
using node_atom = caf::atom_constant<caf::atom("node")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using refused_atom = caf::atom_constant<caf::atom("refused")>;
using preempt_atom = caf::atom_constant<caf::atom("preempt")>;
using revoke_atom = caf::atom_constant<caf::atom("revoke")>;
using set_queue_atom = caf::atom_constant<caf::atom("setqueue")>;
using drop_queue_atom = caf::atom_constant<caf::atom("dropqueue")>;
using queues_atom = caf::atom_constant<caf::atom("queues")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using suspend_atom = caf::atom_constant<caf::atom("suspend")>;
using nodes_atom = caf::atom_constant<caf::atom("nodes")>;
using programs_atom = caf::atom_constant<caf::atom("programs")>;
using program_atom = caf::atom_constant<caf::atom("program")>;
using planned_atom = caf::atom_constant<caf::atom("planned")>;
using admin_atom = caf::atom_constant<caf::atom("admin")>;
using metrics_atom = caf::atom_constant<caf::atom("metrics")>;
// Sessions (tranche/session.h).
using session_create_atom = caf::atom_constant<caf::atom("snew")>;
using sessions_atom = caf::atom_constant<caf::atom("sessions")>;
using session_atom = caf::atom_constant<caf::atom("session")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using agent_atom = caf::atom_constant<caf::atom("agent")>;
using launch_atom = caf::atom_constant<caf::atom("launch")>;
using kill_atom = caf::atom_constant<caf::atom("kill")>;
using exited_atom = caf::atom_constant<caf::atom("exited")>;
using busy_atom = caf::atom_constant<caf::atom("busy")>;
using kernel_down_atom = caf::atom_constant<caf::atom("kdown")>;

}  // namespace tranche
