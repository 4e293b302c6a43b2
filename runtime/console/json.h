// Writing JSON: the console's `-o json`, and the head's HTTP API. A writer
// that puts commas and colons where they belong; strings are escaped, and a
// number that JSON cannot hold (NaN, infinity) is written as null.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tranche {

// `s` as a JSON string literal, quotes included.
[[nodiscard]] std::string json_string(std::string_view s);

class json_writer {
 public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view k);
  json_writer& value(std::string_view s);
  json_writer& value(const char* s) { return value(std::string_view(s)); }
  json_writer& value(const std::string& s) { return value(std::string_view(s)); }
  json_writer& value(int64_t v);
  json_writer& value(uint64_t v);
  json_writer& value(int32_t v) { return value(static_cast<int64_t>(v)); }
  json_writer& value(double v);
  json_writer& value(bool v);
  json_writer& null();
  // A value already written as JSON (e.g. another writer's output).
  json_writer& raw(std::string_view json);

  [[nodiscard]] const std::string& str() const { return out_; }

 private:
  void separate();
  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace tranche
