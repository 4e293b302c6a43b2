# A columnar data batch as it crosses a process boundary (block fetches,
# results to clients) or is stored (spilled blocks). One list per column.
@0xb7d3c1a2e4f50611;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("tranche::wire");

enum TypeId {
  int64 @0;
  float64 @1;
  boolean @2;
  string @3;
  date @4;
}

struct Field {
  name @0 :Text;
  type @1 :TypeId;
}

struct Schema {
  fields @0 :List(Field);
}

struct Column {
  # Exactly one of the value lists is set, by type. Dates are days since
  # 1970-01-01 in `ints`. Strings: `offsets` has rows + 1 entries into `chars`.
  ints @0 :List(Int64);
  floats @1 :List(Float64);
  bools @2 :Data;          # one byte per row, 0 or 1
  offsets @3 :List(UInt32);
  chars @4 :Data;
  valid @5 :Data;          # empty = no NULLs; else one byte per row, 0 = NULL
}

struct Batch {
  schema @0 :Schema;
  rows @1 :UInt64;
  columns @2 :List(Column);
}
