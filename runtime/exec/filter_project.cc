// The streaming operators from exec/operators.h: filter, project and limit.
// Task pipelines build them through make_filter / make_project / make_limit;
// each handles a whole batch per call and never buffers.
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "exec/column_util.h"
#include "exec/operators.h"

namespace tranche {
namespace {

class filter_op final : public physical_operator {
 public:
  explicit filter_op(expr_ptr predicate) : predicate_(std::move(predicate)) {}

  absl::Status push(batch in, const emit_fn& emit) override {
    if (in.rows == 0) return absl::OkStatus();
    if (!predicate_ || predicate_->type != type_id::boolean)
      return invalid("filter predicate must be BOOLEAN");
    auto r = evaluate(*predicate_, in);
    if (!r.ok()) return r.status();
    const column& mask = **r;
    const size_t n = in.rows;
    // Branch-free selection: always write the index, advance only on TRUE.
    sel_.resize(n);
    uint32_t* sel = sel_.data();
    const uint8_t* keep = mask.b().data();
    size_t k = 0;
    if (!mask.has_nulls()) {
      for (size_t i = 0; i < n; ++i) {
        sel[k] = static_cast<uint32_t>(i);
        k += keep[i] & 1;
      }
    } else {
      const uint8_t* valid = mask.valid().data();
      for (size_t i = 0; i < n; ++i) {
        sel[k] = static_cast<uint32_t>(i);
        k += keep[i] & valid[i] & 1;
      }
    }
    if (k == 0) return absl::OkStatus();
    if (k == n) return emit(std::move(in));  // every row passes: no copy
    sel_.resize(k);
    return emit(take(in, sel_));
  }

  absl::Status finish(const emit_fn&) override { return absl::OkStatus(); }

 private:
  expr_ptr predicate_;
  std::vector<uint32_t> sel_;
};

class project_op final : public physical_operator {
 public:
  project_op(std::vector<expr_ptr> exprs, schema output)
      : exprs_(std::move(exprs)), output_(std::move(output)) {}

  absl::Status push(batch in, const emit_fn& emit) override {
    if (exprs_.size() != output_.size())
      return invalid("project: ", std::to_string(exprs_.size()), " expressions for ",
                     std::to_string(output_.size()) + " output columns");
    if (in.rows == 0) return absl::OkStatus();
    batch out;
    out.schema = output_;
    out.rows = in.rows;
    out.columns.reserve(exprs_.size());
    for (size_t i = 0; i < exprs_.size(); ++i) {
      if (exprs_[i]->type != output_.fields[i].type)
        return invalid("project: output column \"", output_.fields[i].name,
                       "\" does not match its expression's type");
      auto c = evaluate(*exprs_[i], in);
      if (!c.ok()) return c.status();
      out.columns.push_back(*std::move(c));
    }
    return emit(std::move(out));
  }

  absl::Status finish(const emit_fn&) override { return absl::OkStatus(); }

 private:
  std::vector<expr_ptr> exprs_;
  schema output_;
};

class limit_op final : public physical_operator {
 public:
  // A negative n is the plan's "no limit" sentinel: pass everything.
  explicit limit_op(int64_t n) : remaining_(n < 0 ? SIZE_MAX : static_cast<size_t>(n)) {}

  absl::Status push(batch in, const emit_fn& emit) override {
    if (remaining_ == 0 || in.rows == 0) return absl::OkStatus();
    if (in.rows <= remaining_) {
      remaining_ -= in.rows;
      return emit(std::move(in));
    }
    const size_t k = remaining_;
    remaining_ = 0;
    batch out;
    out.schema = std::move(in.schema);
    out.rows = k;
    for (const auto& c : in.columns) out.columns.push_back(slice(c, 0, k));
    return emit(std::move(out));
  }

  absl::Status finish(const emit_fn&) override { return absl::OkStatus(); }

 private:
  size_t remaining_;
};

}  // namespace

operator_ptr make_filter(expr_ptr predicate) {
  return std::make_unique<filter_op>(std::move(predicate));
}

operator_ptr make_project(std::vector<expr_ptr> exprs, schema output) {
  return std::make_unique<project_op>(std::move(exprs), std::move(output));
}

operator_ptr make_limit(int64_t n) { return std::make_unique<limit_op>(n); }

}  // namespace tranche
