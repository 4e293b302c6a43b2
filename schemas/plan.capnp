# The physical plan as it crosses a process boundary: portions (pipelines run
# as tasks), the whole plan, and what the head sends an executor to run one
# task (`TaskSpec`) and gets back (`TaskResult`). Mirrors plan/plan.h and
# plan/task.h; plan/plan_codec.cc converts and validates.
@0xc174eb6e41db6845;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("tranche::wire");

using Batch = import "batch.capnp";
using Program = import "program.capnp";
using Expr = Program.Expr;
using AggregateCall = Program.AggregateCall;
using SortKey = Program.SortKey;
using CsvFormat = Program.CsvFormat;

# Lines starting inside [offset, offset + length) of `path`.
struct FileSplit {
  path @0 :Text;
  offset @1 :UInt64;
  length @2 :UInt64;
}

enum StepKind {
  filter @0;
  project @1;
  partialAggregate @2;
  finalAggregate @3;
  sort @4;
  limit @5;
  hashJoin @6;
  singleRow @7;
  write @8;
}

enum JoinType {
  inner @0;
  left @1;
  semi @2;
  anti @3;
  antiNullAware @4;
}

struct PipelineStep {
  kind @0 :StepKind;
  output @1 :Batch.Schema;
  predicate @2 :Expr;                    # filter
  exprs @3 :List(Expr);                  # project; partialAggregate: group keys
  aggregates @4 :List(AggregateCall);    # partial/final aggregate
  numKeys @5 :Int32;                     # finalAggregate
  keys @6 :List(SortKey);                # sort
  limit @7 :Int64 = -1;                  # sort (top-N) and limit
  # hashJoin: `predicate` is the residual over the flowing ++ build columns
  joinType @8 :JoinType;
  probeKeys @9 :List(Int32);             # columns of the flowing rows
  buildKeys @10 :List(Int32);            # columns of buildSchema
  buildSchema @11 :Batch.Schema;
  buildInput @12 :Int32 = -1;            # the portion whose blocks are the build side
  # write: the staging directory the task's file goes to, and its format
  path @13 :Text;
  fileFormat @14 :CsvFormat;
}

enum SourceKind {
  scan @0;
  shuffle @1;
}

enum SinkKind {
  hash @0;
  single @1;
}

struct PortionSpec {
  id @0 :Int32;
  name @1 :Text;

  source @2 :SourceKind;
  # scan
  fileSchema @3 :Batch.Schema;
  columns @4 :List(Int32);
  format @5 :CsvFormat;
  taskSplits @6 :List(List(FileSplit));  # one entry per task
  # upstream portions (shuffle reads and join build sides)
  inputs @7 :List(Int32);                # ids of upstream portions
  inputSchema @8 :Batch.Schema;

  steps @9 :List(PipelineStep);
  output @10 :Batch.Schema;

  sink @11 :SinkKind = single;
  partitionKeys @12 :List(Int32);        # hash: columns of `output`
  partitions @13 :Int32 = 1;

  tasks @14 :Int32 = 1;
  memoryPerTask @15 :Int64 = 67108864;
  broadcastInputs @16 :List(Int32);      # inputs every task reads whole (one partition)
}

struct Plan {
  portions @0 :List(PortionSpec);  # topological order; the last is the result
  result @1 :Batch.Schema;
}

# One block an executor holds: what `task` of `portion` of `program` wrote
# for `partition`, on `node`.
struct BlockRef {
  node @0 :UInt64;
  program @1 :UInt64;
  portion @2 :UInt32;
  task @3 :UInt32;
  partition @4 :UInt32;
}

struct TaskSpec {
  programId @0 :UInt64;
  portion @1 :PortionSpec;
  task @2 :UInt32;
  inputBlocks @3 :List(BlockRef);
}

struct TaskResult {
  rows @0 :UInt64;
  bytes @1 :UInt64;
  partitions @2 :List(UInt64);  # rows per output partition
  spilledBytes @3 :UInt64;      # written to spill files by the task's operators
}
