// The console's objects as JSON (tranchectl -o json; the head's HTTP API):
// one shape per object, documented in the README's console section.
#pragma once

#include <vector>

#include "console/json.h"
#include "tranche/console.h"
#include "tranche/session.h"
#include "tranche/queues.h"

namespace tranche {

// {"id", "state", "queue", "priority", "submitter", "text", "submitted_unix_ms",
//  "ended_unix_ms" (null while running), "wall_seconds", "slot_seconds",
//  "slots_held", "error" (null unless failed or cancelled)}; with details also
//  "portions": [{"id", "name", "inputs", "state", "tasks_done", "tasks_total",
//  "slots_held", "peak_slots", "slot_seconds", "started", "finished",
//  "retries", "spilled_bytes"}] and "capacity": [{"at", "slots"}].
void write_json(json_writer& w, const program_info& p, bool details);
// {"id", "state": "up"|"draining", "slots", "free_slots", "memory",
//  "free_memory", "leases"}
void write_json(json_writer& w, const node_info& n);
// A session (tranche/session.h): id, name, state, reason, node, endpoint,
// requester, times (unix ms; null when not set), idle timeout, statements.
// Never a token: the head does not have it.
void write_json(json_writer& w, const session_info& s);
// {"name", "weight", "min_slots", "min_memory", "max_slots" (null: none),
//  "max_memory", "max_waiting", "used_slots", "used_memory",
//  "waiting_programs", "requests", "share"}
void write_json(json_writer& w, const queue_status& q);
// The nodes' capacity summed (status in text and in JSON).
struct node_totals {
  capacity registered, free;
  int64_t leases = 0, draining = 0;
};
[[nodiscard]] node_totals totals(const std::vector<node_info>& nodes);

// The cluster at a glance (tranchectl status, GET /api/v1/status):
// {"slots", "free_slots", "memory", "free_memory", "leases", "nodes": [...],
//  "queues": [...], "running": [programs not ended, without details]}
void write_status_json(json_writer& w, const std::vector<node_info>& nodes,
                       const std::vector<queue_status>& queues,
                       const std::vector<program_info>& programs);

}  // namespace tranche
