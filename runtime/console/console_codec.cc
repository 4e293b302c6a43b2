// Implementation of the console codec (see console_codec.h).
#include "console/console_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "console/capnp_frame.h"
#include "schemas/console.capnp.h"

namespace tranche {
namespace {

static_assert(static_cast<int>(program_state::cancelled) ==
              static_cast<int>(wire::ProgramState::CANCELLED));
static_assert(static_cast<int>(portion_state::done) == static_cast<int>(wire::PortionState::DONE));

void fill(wire::ProgramInfo::Builder b, const program_info& p) {
  b.setId(p.id);
  b.setState(static_cast<wire::ProgramState>(p.state));
  b.setQueue(text(p.queue));
  b.setPriority(p.priority);
  b.setSubmitter(text(p.submitter));
  b.setText(text(p.text));
  b.setSubmittedUnixMs(p.submitted_unix_ms);
  b.setEndedUnixMs(p.ended_unix_ms);
  b.setWallSeconds(p.wall_seconds);
  b.setSlotSeconds(p.slot_seconds);
  b.setSlotsHeld(p.slots_held);
  b.setError(text(p.error));
  auto ps = b.initPortions(static_cast<unsigned>(p.portions.size()));
  for (size_t i = 0; i < p.portions.size(); ++i) {
    const portion_info& q = p.portions[i];
    auto o = ps[i];
    o.setId(q.id);
    o.setName(text(q.name));
    auto in = o.initInputs(static_cast<unsigned>(q.inputs.size()));
    for (size_t k = 0; k < q.inputs.size(); ++k) in.set(k, q.inputs[k]);
    o.setState(static_cast<wire::PortionState>(q.state));
    o.setTasksDone(q.tasks_done);
    o.setTasksTotal(q.tasks_total);
    o.setSlotsHeld(q.slots_held);
    o.setPeakSlots(q.peak_slots);
    o.setSlotSeconds(q.slot_seconds);
    o.setStarted(q.started);
    o.setFinished(q.finished);
    o.setRetries(q.retries);
    o.setSpilledBytes(q.spilled_bytes);
  }
  auto cs = b.initCapacity(static_cast<unsigned>(p.capacity.size()));
  for (size_t i = 0; i < p.capacity.size(); ++i) {
    cs[i].setAt(p.capacity[i].at);
    cs[i].setSlots(p.capacity[i].slots);
  }
}

absl::StatusOr<program_info> read(wire::ProgramInfo::Reader r) {
  program_info p;
  p.id = r.getId();
  const auto state = static_cast<unsigned>(r.getState());
  if (state > static_cast<unsigned>(program_state::cancelled))
    return absl::InvalidArgumentError(absl::StrCat("program ", p.id, ": unknown state ", state));
  p.state = static_cast<program_state>(state);
  p.queue = str(r.getQueue());
  p.priority = r.getPriority();
  p.submitter = str(r.getSubmitter());
  p.text = str(r.getText());
  p.submitted_unix_ms = r.getSubmittedUnixMs();
  p.ended_unix_ms = r.getEndedUnixMs();
  p.wall_seconds = r.getWallSeconds();
  p.slot_seconds = r.getSlotSeconds();
  p.slots_held = r.getSlotsHeld();
  p.error = str(r.getError());
  for (auto o : r.getPortions()) {
    portion_info q;
    q.id = o.getId();
    q.name = str(o.getName());
    for (int32_t in : o.getInputs()) q.inputs.push_back(in);
    const auto ps = static_cast<unsigned>(o.getState());
    if (ps > static_cast<unsigned>(portion_state::done))
      return absl::InvalidArgumentError(
          absl::StrCat("program ", p.id, " portion ", q.id, ": unknown state ", ps));
    q.state = static_cast<portion_state>(ps);
    q.tasks_done = o.getTasksDone();
    q.tasks_total = o.getTasksTotal();
    q.slots_held = o.getSlotsHeld();
    q.peak_slots = o.getPeakSlots();
    q.slot_seconds = o.getSlotSeconds();
    q.started = o.getStarted();
    q.finished = o.getFinished();
    q.retries = o.getRetries();
    q.spilled_bytes = o.getSpilledBytes();
    p.portions.push_back(std::move(q));
  }
  for (auto c : r.getCapacity()) p.capacity.push_back({c.getAt(), c.getSlots()});
  return p;
}

}  // namespace

std::vector<char> encode_program_info(const program_info& p) {
  capnp::MallocMessageBuilder mb;
  fill(mb.initRoot<wire::ProgramInfo>(), p);
  return flat(mb);
}

absl::StatusOr<program_info> decode_program_info(const char* data, size_t size) {
  return with_reader<wire::ProgramInfo>(data, size, "program record",
                                        [](wire::ProgramInfo::Reader r) { return read(r); });
}

std::vector<char> encode_program_list(const std::vector<program_info>& ps) {
  capnp::MallocMessageBuilder mb;
  auto list = mb.initRoot<wire::ProgramList>().initPrograms(static_cast<unsigned>(ps.size()));
  for (size_t i = 0; i < ps.size(); ++i) fill(list[i], ps[i]);
  return flat(mb);
}

absl::StatusOr<std::vector<program_info>> decode_program_list(const char* data, size_t size) {
  return with_reader<wire::ProgramList>(
      data, size, "program list",
      [](wire::ProgramList::Reader r) -> absl::StatusOr<std::vector<program_info>> {
        std::vector<program_info> out;
        for (auto p : r.getPrograms()) {
          auto info = read(p);
          if (!info.ok()) return info.status();
          out.push_back(*std::move(info));
        }
        return out;
      });
}

std::vector<char> encode_node_list(const std::vector<node_info>& ns) {
  capnp::MallocMessageBuilder mb;
  auto list = mb.initRoot<wire::NodeList>().initNodes(static_cast<unsigned>(ns.size()));
  for (size_t i = 0; i < ns.size(); ++i) {
    auto o = list[i];
    o.setId(ns[i].id);
    o.setDraining(ns[i].draining);
    o.setSlots(ns[i].registered.slots);
    o.setFreeSlots(ns[i].free.slots);
    o.setMemory(ns[i].registered.memory);
    o.setFreeMemory(ns[i].free.memory);
    o.setLeases(ns[i].leases);
  }
  return flat(mb);
}

absl::StatusOr<std::vector<node_info>> decode_node_list(const char* data, size_t size) {
  return with_reader<wire::NodeList>(
      data, size, "node list",
      [](wire::NodeList::Reader r) -> absl::StatusOr<std::vector<node_info>> {
        std::vector<node_info> out;
        for (auto o : r.getNodes()) {
          node_info n;
          n.id = o.getId();
          n.draining = o.getDraining();
          n.registered = {o.getSlots(), o.getMemory()};
          n.free = {o.getFreeSlots(), o.getFreeMemory()};
          n.leases = o.getLeases();
          out.push_back(n);
        }
        return out;
      });
}

std::vector<char> encode_metrics(const std::vector<metric_sample>& samples) {
  capnp::MallocMessageBuilder mb;
  auto list = mb.initRoot<wire::MetricList>().initSamples(static_cast<unsigned>(samples.size()));
  for (size_t i = 0; i < samples.size(); ++i) {
    list[i].setName(text(samples[i].name));
    auto labels = list[i].initLabels(static_cast<unsigned>(samples[i].labels.size()));
    for (size_t k = 0; k < samples[i].labels.size(); ++k) {
      labels[k].setName(text(samples[i].labels[k].first));
      labels[k].setValue(text(samples[i].labels[k].second));
    }
    list[i].setValue(samples[i].value);
  }
  return flat(mb);
}

absl::StatusOr<std::vector<metric_sample>> decode_metrics(const char* data, size_t size) {
  return with_reader<wire::MetricList>(
      data, size, "metrics",
      [](wire::MetricList::Reader r) -> absl::StatusOr<std::vector<metric_sample>> {
        std::vector<metric_sample> out;
        for (auto s : r.getSamples()) {
          metric_sample m;
          m.name = str(s.getName());
          for (auto l : s.getLabels()) m.labels.emplace_back(str(l.getName()), str(l.getValue()));
          m.value = s.getValue();
          out.push_back(std::move(m));
        }
        return out;
      });
}

}  // namespace tranche
