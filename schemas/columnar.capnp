# tranche's columnar file (.tcol): what `tranche convert` writes and columnar
# scans read (runtime/io/columnar.h). A file is
#
#   header   16 bytes: "TRCOLUMN", uint32 version (1), uint32 0 (LE)
#   batches  one unpacked, framed Cap'n Proto message per batch (ColumnarBatch),
#            each starting at a multiple of 8
#   footer   one framed message (ColumnarFooter): schema, each batch's place and
#            statistics, total rows
#   trailer  16 bytes: uint64 footer length in bytes (LE), "TRCOLEND"
#
# Values are stored as raw little-endian byte blobs (Data) rather than typed
# lists so that a reader copies a column out with one memcpy.
@0xb69e9dd4fe4a16d8;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("tranche::wire");

using Batch = import "batch.capnp";

struct ColumnChunk {
  # By the field's type:
  #   int64, date  `values`: 8 bytes per row, int64 LE (dates: days since 1970-01-01)
  #   float64      `values`: 8 bytes per row, IEEE double LE
  #   boolean      `values`: 1 byte per row, 0 or 1
  #   string       `offsets`: rows + 1 uint32 LE into `chars`, first 0, non-decreasing
  # `valid`: empty = no NULLs; else one byte per row, 0 = NULL (the value
  # bytes of a NULL row are present and unspecified).
  values @0 :Data;
  offsets @1 :Data;
  chars @2 :Data;
  valid @3 :Data;
}

struct ColumnarBatch {
  rows @0 :UInt64;
  columns @1 :List(ColumnChunk);  # one per schema field, in schema order
}

struct ColumnStats {
  # Every non-NULL value v of the batch's column satisfies min <= v <= max,
  # when hasMinMax. int64, date and boolean (0/1) use minInt/maxInt; float64
  # minFloat/maxFloat (hasMinMax is false when the batch holds a NaN); string
  # minText/maxText, compared bytewise: minText is a prefix of the least
  # value (at most 64 bytes); maxText is the greatest value, or, when that is
  # longer than 64 bytes, its 64-byte prefix "incremented" (trailing 0xFF
  # dropped, last byte + 1), which exceeds every string with that prefix.
  nulls @0 :UInt64;
  hasMinMax @1 :Bool;
  minInt @2 :Int64;
  maxInt @3 :Int64;
  minFloat @4 :Float64;
  maxFloat @5 :Float64;
  minText @6 :Data;
  maxText @7 :Data;
}

struct BatchInfo {
  offset @0 :UInt64;  # byte offset of the batch's message in the file
  length @1 :UInt64;  # its length in bytes (a multiple of 8)
  rows @2 :UInt64;
  stats @3 :List(ColumnStats);  # one per schema field
}

struct ColumnarFooter {
  schema @0 :Batch.Schema;
  totalRows @1 :UInt64;
  rowsPerBatch @2 :UInt64;  # the writer's batch size (the last batch may be smaller)
  batches @3 :List(BatchInfo);
}
