# What the head tells its console (tranchectl, the SDK's nodes()/programs(),
# later the HTTP API) and keeps as history: programs with their portions and
# the capacity they held over time, and the nodes of the ledger. Mirrors
# tranche/console.h; console/console_codec.cc converts and validates.
@0x8e4404b67dbd142f;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("tranche::wire");

# Mirrors program_state; new states go at the end.
enum ProgramState {
  planning @0;
  running @1;
  succeeded @2;
  failed @3;
  cancelled @4;
}

# Mirrors portion_state.
enum PortionState {
  waiting @0;
  running @1;
  done @2;
}

struct PortionInfo {
  id @0 :Int32;
  name @1 :Text;
  inputs @2 :List(Int32);
  state @3 :PortionState;
  tasksDone @4 :Int32;
  tasksTotal @5 :Int32;
  slotsHeld @6 :Int32;
  peakSlots @7 :Int32;
  slotSeconds @8 :Float64;
  started @9 :Float64;       # seconds since the program was submitted; -1: not yet
  finished @10 :Float64;     # the same; -1: not yet
  retries @11 :Int32;        # tasks run again after a transient failure
  spilledBytes @12 :UInt64;
}

# The capacity a program held: after the change at `at` seconds since it was
# submitted, it held `slots` leases.
struct CapacitySample {
  at @0 :Float64;
  slots @1 :Int32;
}

struct ProgramInfo {
  id @0 :UInt64;
  state @1 :ProgramState;
  queue @2 :Text;
  priority @3 :Int32;
  submitter @4 :Text;
  text @5 :Text;              # the SQL, cut at 4 KiB
  submittedUnixMs @6 :Int64;
  endedUnixMs @7 :Int64;      # 0: not ended
  wallSeconds @8 :Float64;    # so far, while it runs
  slotSeconds @9 :Float64;
  slotsHeld @10 :Int32;
  error @11 :Text;
  portions @12 :List(PortionInfo);
  capacity @13 :List(CapacitySample);
}

struct ProgramList {
  programs @0 :List(ProgramInfo);
}

struct NodeInfo {
  id @0 :UInt64;
  draining @1 :Bool;
  slots @2 :Int64;
  freeSlots @3 :Int64;
  memory @4 :Int64;
  freeMemory @5 :Int64;
  leases @6 :Int64;
}

struct NodeList {
  nodes @0 :List(NodeInfo);
}

# One Prometheus sample: the head's broker and job manager report theirs
# (metrics_atom) and the HTTP endpoint renders them (console/metrics.h).
struct MetricSample {
  name @0 :Text;
  labels @1 :List(Label);
  value @2 :Float64;

  struct Label {
    name @0 :Text;
    value @1 :Text;
  }
}

struct MetricList {
  samples @0 :List(MetricSample);
}
