// Implementation of the console's JSON shapes (see console_json.h).
#include "console/console_json.h"

namespace tranche {
namespace {

void limit(json_writer& w, int64_t v) {
  if (v == kUnlimited)
    w.null();
  else
    w.value(v);
}

void seconds_or_null(json_writer& w, double v) {
  if (v < 0)
    w.null();
  else
    w.value(v);
}

}  // namespace

void write_json(json_writer& w, const program_info& p, bool details) {
  w.begin_object();
  w.key("id").value(p.id);
  w.key("state").value(to_string(p.state));
  w.key("queue").value(p.queue);
  w.key("priority").value(p.priority);
  w.key("submitter").value(p.submitter);
  w.key("text").value(p.text);
  w.key("submitted_unix_ms").value(p.submitted_unix_ms);
  w.key("ended_unix_ms");
  if (p.ended_unix_ms == 0)
    w.null();
  else
    w.value(p.ended_unix_ms);
  w.key("wall_seconds").value(p.wall_seconds);
  w.key("slot_seconds").value(p.slot_seconds);
  w.key("slots_held").value(p.slots_held);
  w.key("error");
  if (p.error.empty())
    w.null();
  else
    w.value(p.error);
  if (details) {
    w.key("portions").begin_array();
    for (const auto& q : p.portions) {
      w.begin_object();
      w.key("id").value(q.id);
      w.key("name").value(q.name);
      w.key("inputs").begin_array();
      for (int32_t in : q.inputs) w.value(in);
      w.end_array();
      w.key("state").value(to_string(q.state));
      w.key("tasks_done").value(q.tasks_done);
      w.key("tasks_total").value(q.tasks_total);
      w.key("slots_held").value(q.slots_held);
      w.key("peak_slots").value(q.peak_slots);
      w.key("slot_seconds").value(q.slot_seconds);
      w.key("started");
      seconds_or_null(w, q.started);
      w.key("finished");
      seconds_or_null(w, q.finished);
      w.key("retries").value(q.retries);
      w.key("spilled_bytes").value(q.spilled_bytes);
      w.end_object();
    }
    w.end_array();
    w.key("capacity").begin_array();
    for (const auto& c : p.capacity) {
      w.begin_object();
      w.key("at").value(c.at);
      w.key("slots").value(c.slots);
      w.end_object();
    }
    w.end_array();
  }
  w.end_object();
}

void write_json(json_writer& w, const node_info& n) {
  w.begin_object();
  w.key("id").value(n.id);
  w.key("state").value(n.draining ? "draining" : "up");
  w.key("slots").value(n.registered.slots);
  w.key("free_slots").value(n.free.slots);
  w.key("memory").value(n.registered.memory);
  w.key("free_memory").value(n.free.memory);
  w.key("leases").value(n.leases);
  w.end_object();
}

void write_json(json_writer& w, const session_info& s) {
  auto ms = [&](const char* key, int64_t v) {
    if (v > 0)
      w.key(key).value(v);
    else
      w.key(key).null();
  };
  w.begin_object();
  w.key("id").value(s.id);
  w.key("name").value(s.name);
  w.key("state").value(std::string(to_string(s.state)));
  w.key("reason").value(s.reason);
  w.key("node").value(s.node);
  w.key("endpoint").value(s.endpoint);
  w.key("requester").value(s.requester);
  ms("created_unix_ms", s.created_unix_ms);
  ms("ended_unix_ms", s.ended_unix_ms);
  ms("idle_since_unix_ms", s.idle_since_unix_ms);
  ms("expires_unix_ms", s.expires_unix_ms);
  w.key("idle_timeout_s").value(s.idle_timeout_ms / 1000);
  w.key("statements").value(s.statements);
  w.end_object();
}

void write_json(json_writer& w, const queue_status& q) {
  w.begin_object();
  w.key("name").value(q.config.name);
  w.key("weight").value(q.config.weight);
  w.key("min_slots").value(q.config.minimum.slots);
  w.key("min_memory").value(q.config.minimum.memory);
  w.key("max_slots");
  limit(w, q.config.cap.slots);
  w.key("max_memory");
  limit(w, q.config.cap.memory);
  w.key("max_waiting");
  limit(w, q.config.max_waiting);
  w.key("used_slots").value(q.used.slots);
  w.key("used_memory").value(q.used.memory);
  w.key("waiting_programs").value(q.waiting_programs);
  w.key("requests").value(q.requests);
  w.key("share").value(q.share);
  w.end_object();
}

node_totals totals(const std::vector<node_info>& nodes) {
  node_totals t;
  for (const auto& n : nodes) {
    t.registered.slots += n.registered.slots;
    t.registered.memory += n.registered.memory;
    t.free.slots += n.free.slots;
    t.free.memory += n.free.memory;
    t.leases += n.leases;
    t.draining += n.draining ? 1 : 0;
  }
  return t;
}

void write_status_json(json_writer& w, const std::vector<node_info>& nodes,
                       const std::vector<queue_status>& queues,
                       const std::vector<program_info>& programs) {
  const node_totals t = totals(nodes);
  w.begin_object();
  w.key("slots").value(t.registered.slots);
  w.key("free_slots").value(t.free.slots);
  w.key("memory").value(t.registered.memory);
  w.key("free_memory").value(t.free.memory);
  w.key("leases").value(t.leases);
  w.key("nodes").begin_array();
  for (const auto& n : nodes) write_json(w, n);
  w.end_array();
  w.key("queues").begin_array();
  for (const auto& q : queues) write_json(w, q);
  w.end_array();
  w.key("running").begin_array();
  for (const auto& p : programs)
    if (!has_ended(p.state)) write_json(w, p, false);
  w.end_array();
  w.end_object();
}

}  // namespace tranche
