// Renders a plan for `tranche sql --explain`.
#include <algorithm>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "plan/plan.h"

namespace tranche {
namespace {

std::string fields_of(const schema& s) {
  std::vector<std::string> parts;
  for (const auto& f : s.fields)
    parts.push_back(absl::StrCat(f.name, " ", std::string(type_name(f.type))));
  return absl::StrJoin(parts, ", ");
}

std::string agg_text(const aggregate_call& a, const schema& in) {
  std::string name = absl::AsciiStrToLower(agg_fn_name(a.fn));
  if (a.fn == agg_fn::count_star) return name;
  if (a.fn == agg_fn::count_distinct)
    return absl::StrCat("count(distinct ", to_string(*a.arg, &in), ")");
  return absl::StrCat(name, "(", to_string(*a.arg, &in), ")");
}

std::string bytes_text(int64_t b) {
  if (b >= (1ll << 30) && b % (1ll << 30) == 0) return absl::StrCat(b >> 30, " GiB");
  if (b >= (1ll << 20)) return absl::StrCat(b >> 20, " MiB");
  return absl::StrCat(b, " B");
}

}  // namespace

std::string explain(const plan& p) {
  std::ostringstream o;
  o << "plan: " << p.portions.size() << " portion" << (p.portions.size() == 1 ? "" : "s")
    << "; result: " << fields_of(p.result) << "\n";
  for (const auto& por : p.portions) {
    o << "portion " << por.id << " \"" << por.name << "\": " << por.tasks << " task"
      << (por.tasks == 1 ? "" : "s") << ", asks up to " << por.tasks << " slot"
      << (por.tasks == 1 ? "" : "s") << " x " << bytes_text(por.memory_per_task)
      << "; runnable when " << (por.inputs.empty() ? "submitted" : "its inputs are complete")
      << "\n";
    if (por.source == source_kind::scan) {
      uint64_t bytes = 0;
      std::vector<std::string> files;
      for (const auto& t : por.task_splits)
        for (const auto& s : t) {
          bytes += s.length;
          if (files.empty() || files.back() != s.path) files.push_back(s.path);
        }
      std::vector<std::string> cols;
      for (int c : por.columns) cols.push_back(por.file_schema.fields[c].name);
      // A columnar split's offset and length count batches, not bytes.
      const std::string size = por.format.columnar
                                   ? absl::StrCat(bytes, " batch", bytes == 1 ? "" : "es")
                                   : bytes_text(static_cast<int64_t>(bytes));
      o << "  source: scan " << (por.format.columnar ? "columnar" : "CSV") << ", " << files.size()
        << " file" << (files.size() == 1 ? "" : "s") << ", " << size << " in " << por.tasks
        << " split"
        << (por.tasks == 1 ? "" : "s") << "; columns " << absl::StrJoin(cols, ", ") << "\n";
    } else {
      std::vector<std::string> ins;
      for (int i : por.inputs) {
        bool builds = false;
        for (const auto& s : por.steps)
          builds = builds || (s.kind == step_kind::hash_join && s.build_input == i);
        if (!builds) ins.push_back(absl::StrCat("portion ", i));
      }
      o << "  source: shuffle read from " << absl::StrJoin(ins, ", ")
        << " (each task fetches its partition from every upstream task)\n";
    }
    schema in = por.input_schema;
    for (const auto& s : por.steps) {
      switch (s.kind) {
        case step_kind::filter:
          o << "  filter " << to_string(*s.predicate, &in) << "\n";
          break;
        case step_kind::project: {
          std::vector<std::string> parts;
          for (size_t i = 0; i < s.exprs.size(); ++i) {
            std::string e = to_string(*s.exprs[i], &in);
            parts.push_back(e == s.output.fields[i].name
                                ? e
                                : absl::StrCat(e, " AS ", s.output.fields[i].name));
          }
          o << "  project " << absl::StrJoin(parts, ", ") << "\n";
          break;
        }
        case step_kind::partial_aggregate: {
          std::vector<std::string> keys, aggs;
          for (const auto& k : s.exprs) keys.push_back(to_string(*k, &in));
          for (const auto& a : s.aggregates) aggs.push_back(agg_text(a, in));
          o << "  partial aggregate by [" << absl::StrJoin(keys, ", ")
            << "]: " << absl::StrJoin(aggs, ", ") << "\n";
          break;
        }
        case step_kind::final_aggregate:
          o << "  final aggregate by " << s.num_keys << " key" << (s.num_keys == 1 ? "" : "s")
            << " -> " << fields_of(s.output) << "\n";
          break;
        case step_kind::sort: {
          std::vector<std::string> keys;
          for (const auto& k : s.keys)
            keys.push_back(absl::StrCat(in.fields[k.column].name, k.ascending ? " ASC" : " DESC",
                                        k.nulls_first ? " NULLS FIRST" : " NULLS LAST"));
          o << "  sort " << absl::StrJoin(keys, ", ");
          if (s.limit >= 0) o << " (top " << s.limit << ")";
          o << "\n";
          break;
        }
        case step_kind::limit:
          o << "  limit " << s.limit << "\n";
          break;
        case step_kind::single_row:
          o << "  single row (a scalar subquery's value)\n";
          break;
        case step_kind::write:
          o << "  write one " << (s.file_format.columnar ? "columnar" : "CSV")
            << " file per task to " << s.path << "\n";
          break;
        case step_kind::hash_join: {
          const bool broadcast =
              std::find(por.broadcast_inputs.begin(), por.broadcast_inputs.end(),
                        s.build_input) != por.broadcast_inputs.end();
          std::vector<std::string> keys;
          for (size_t k = 0; k < s.probe_keys.size(); ++k)
            keys.push_back(absl::StrCat(in.fields[s.probe_keys[k]].name, " = ",
                                        s.build_schema.fields[s.build_keys[k]].name));
          schema both = in;
          for (const auto& f : s.build_schema.fields) both.fields.push_back(f);
          o << "  hash join (" << join_type_name(s.join) << ") with portion " << s.build_input
            << (broadcast ? " broadcast" : " by partition") << " on "
            << (keys.empty() ? std::string("no keys (every pair)") : absl::StrJoin(keys, " AND "));
          if (s.predicate) o << " where " << to_string(*s.predicate, &both);
          o << "\n";
          break;
        }
      }
      in = s.output;
    }
    if (por.sink == sink_kind::hash) {
      std::vector<std::string> keys;
      for (int k : por.partition_keys) keys.push_back(por.output.fields[k].name);
      o << "  sink: hash(" << absl::StrJoin(keys, ", ") << ") into " << por.partitions
        << " partitions\n";
    } else {
      o << "  sink: single partition" << (&por == &p.portions.back() ? " (the result)" : "")
        << "\n";
    }
  }
  return o.str();
}

}  // namespace tranche
