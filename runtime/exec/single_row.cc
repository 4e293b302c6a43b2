// The single-row operator (operators.h): what a scalar subquery yields.
#include "absl/strings/str_cat.h"
#include "exec/operators.h"

namespace tranche {
namespace {

class single_row_operator final : public physical_operator {
 public:
  explicit single_row_operator(schema output) : output_(std::move(output)) {}

  absl::Status push(batch in, const emit_fn& emit) override {
    rows_ += in.rows;
    if (rows_ > 1)
      return absl::InvalidArgumentError(
          "more than one row returned by a subquery used as an expression");
    if (in.rows == 0) return absl::OkStatus();
    return emit(std::move(in));
  }

  absl::Status finish(const emit_fn& emit) override {
    if (rows_ > 0) return absl::OkStatus();
    std::vector<value> nulls(output_.size());
    return emit(make_batch(output_, {nulls}));
  }

 private:
  schema output_;
  size_t rows_ = 0;
};

}  // namespace

operator_ptr make_single_row(schema output) {
  return std::make_unique<single_row_operator>(std::move(output));
}

}  // namespace tranche
