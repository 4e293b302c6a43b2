// Fuzz target: every Cap'n Proto decoder at the process edge. The first input
// byte (mod 7) picks the decoder, the rest is the message (passed unaligned
// and exactly sized, as bytes arrive from the network):
//   0 decode_program      1 decode_logical   2 decode_portion   3 decode_plan
//   4 decode_task         5 decode_task_result                  6 decode_batch
// What decodes must re-encode, and the re-encoded bytes must decode again.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "io/batch_codec.h"
#include "plan/plan_codec.h"
#include "plan/program_codec.h"

namespace {

template <typename Decode, typename Encode>
void round_trip(const char* what, const char* data, size_t size, Decode decode, Encode encode) {
  auto first = decode(data, size);
  if (!first.ok()) {
    if (first.status().message().empty()) std::abort();
    return;
  }
  std::vector<char> bytes = encode(*first);
  auto second = decode(bytes.data(), bytes.size());
  if (!second.ok()) {
    std::fprintf(stderr, "%s: re-encoded message does not decode: %s\n", what,
                 std::string(second.status().message()).c_str());
    std::abort();
  }
  if (encode(*second) != bytes) {
    std::fprintf(stderr, "%s: the second round trip changed the bytes\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tranche;
  if (size < 1) return 0;
  const int which = data[0] % 7;
  const char* msg = reinterpret_cast<const char*>(data + 1);
  const size_t n = size - 1;
  switch (which) {
    case 0:
      round_trip("program", msg, n, decode_program,
                 [](const program_request& p) { return encode_program(p); });
      break;
    case 1:
      round_trip("logical", msg, n, decode_logical,
                 [](const logical_ptr& p) { return encode_logical(*p); });
      break;
    case 2:
      round_trip("portion", msg, n, decode_portion,
                 [](const portion_spec& p) { return encode_portion(p); });
      break;
    case 3:
      round_trip("plan", msg, n, decode_plan, [](const plan& p) { return encode_plan(p); });
      break;
    case 4:
      round_trip("task", msg, n, decode_task, [](const task_spec& t) { return encode_task(t); });
      break;
    case 5:
      round_trip("task result", msg, n, decode_task_result,
                 [](const task_result& r) { return encode_task_result(r); });
      break;
    case 6: {
      auto b = decode_batch(msg, n);
      if (b.ok()) fuzz::check_batch(*b);
      round_trip("batch", msg, n, decode_batch, [](const batch& b) { return encode_batch(b); });
      break;
    }
  }
  return 0;
}
