# What a client submits and the head plans: bound scalar expressions, aggregate
# calls, sort keys, the CSV format, the logical program tree, and `Program`
# (SQL text or a dataflow tree, plus table bindings). Mirrors exec/expr.h and
# plan/logical.h; plan/logical_codec.cc converts and validates. Every kind
# keeps all of its in-memory fields (not a union per kind) so a round trip is
# exact; the decoder checks the fields each kind uses.
@0xf0a4e9817f632037;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("tranche::wire");

using Batch = import "batch.capnp";

# Mirrors expr_op; new ops go at the end (the ordinal is the wire value).
enum ExprOp {
  column @0;
  literal @1;
  add @2;
  sub @3;
  mul @4;
  div @5;
  mod @6;
  neg @7;
  eq @8;
  ne @9;
  lt @10;
  le @11;
  gt @12;
  ge @13;
  and @14;
  or @15;
  not @16;
  isNull @17;
  isNotNull @18;
  cast @19;
  case @20;          # args: WHEN/THEN pairs, then an optional ELSE
  like @21;          # args: string, text literal pattern
  inList @22;        # args: value, then literals of its type
  addDays @23;       # args: date, int64
  addMonths @24;     # args: date, int64
  extractYear @25;
  extractMonth @26;
  extractDay @27;
  substring @28;     # args: string, int64 start[, int64 length]
}

# A nullable scalar. Dates are days since 1970-01-01.
struct Value {
  union {
    null @0 :Void;
    int64 @1 :Int64;
    float64 @2 :Float64;
    bool @3 :Bool;
    text @4 :Text;
    date @5 :Int64;
  }
}

struct Expr {
  op @0 :ExprOp;
  type @1 :Batch.TypeId;    # result type
  index @2 :Int32 = -1;     # column: input column, >= 0
  literal @3 :Value;        # literal: NULL or a value of `type`
  args @4 :List(Expr);      # operands: 0, 1 (neg, not, is null, cast, extract*) or 2;
                            # any number for case, inList, substring
}

enum AggFn {
  countStar @0;
  count @1;
  sum @2;
  min @3;
  max @4;
  avg @5;
  countDistinct @6;  # the partial state is the argument value (see exec/agg_state.h)
}

struct AggregateCall {
  fn @0 :AggFn;
  arg @1 :Expr;             # absent exactly for countStar
  type @2 :Batch.TypeId;    # result type
  name @3 :Text;            # output column name
}

struct SortKey {
  column @0 :Int32;
  ascending @1 :Bool = true;
  nullsFirst @2 :Bool = false;
}

# How a table's files are stored: CSV, or tranche's columnar files.
struct CsvFormat {
  delimiter @0 :UInt8 = 44;  # ','
  header @1 :Bool = true;
  columnar @2 :Bool;         # .tcol files (io/columnar.h); the CSV fields do not apply
}

enum LogicalKind {
  scan @0;
  filter @1;
  project @2;
  aggregate @3;
  sort @4;
  limit @5;
  join @6;       # inputs: left, right
  unionAll @7;   # inputs: two or more of one schema
  singleRow @8;  # a scalar subquery's one row
}

enum LogicalJoinType {
  inner @0;
  left @1;
  semi @2;
  anti @3;
  antiNullAware @4;
}

struct LogicalNode {
  kind @0 :LogicalKind;
  output @1 :Batch.Schema;
  inputs @2 :List(LogicalNode);  # 0 for scan, 2 for join, 2+ for unionAll, 1 otherwise

  # scan
  table @3 :Text;
  files @4 :List(Text);
  tableSchema @5 :Batch.Schema;
  columns @6 :List(Int32);       # indices into tableSchema
  format @7 :CsvFormat;

  # filter; join: the condition besides the keys, over left ++ right columns
  predicate @8 :Expr;

  # project: one per output column
  exprs @9 :List(Expr);

  # aggregate: output = group keys, then aggregates
  groupKeys @10 :List(Expr);
  aggregates @11 :List(AggregateCall);

  # sort
  keys @12 :List(SortKey);

  # limit
  limit @13 :Int64 = -1;

  # join: key columns of the left and of the right input, pairwise equal
  joinType @14 :LogicalJoinType;
  leftKeys @15 :List(Int32);
  rightKeys @16 :List(Int32);
}

# A table the program reads: `glob` names its files.
struct TableBinding {
  name @0 :Text;
  glob @1 :Text;
  delimiter @2 :UInt8 = 44;
  header @3 :Bool = true;
  columnar @4 :Bool;         # .tcol files (io/columnar.h); delimiter and header do not apply
}

# A temporary view of the submitting session: `sql` is a query that the
# program (and later views) may name as a table.
struct ViewBinding {
  name @0 :Text;
  sql @1 :Text;
}

# What a client submits.
struct Program {
  union {
    sql @0 :Text;
    dataflow @1 :LogicalNode;
  }
  tables @2 :List(TableBinding);
  queue @3 :Text;            # the broker queue it runs in; empty: "default"
  priority @4 :Int32 = 0;    # higher first, within and across queues
  submitter @5 :Text;        # who submitted it (user@host), as the console shows it
  views @6 :List(ViewBinding);  # the submitting session's temporary views, in creation order
}
