// Session wire messages: round trips, and untrusted bytes never crash.
#include "session/session_codec.h"

#include <gtest/gtest.h>

namespace tranche {
namespace {

session_info sample() {
  session_info s;
  s.id = "s-0a1b2c3d";
  s.name = "explore";
  s.state = session_state::culled;
  s.reason = "idle for 20m (its idle timeout)";
  s.node = 3;
  s.endpoint = "127.0.0.1:41873";
  s.requester = "ann@box";
  s.created_unix_ms = 1;
  s.ended_unix_ms = 2;
  s.idle_since_unix_ms = 3;
  s.expires_unix_ms = 4;
  s.idle_timeout_ms = 1'200'000;
  s.statements = 9;
  return s;
}

void expect_same(const session_info& a, const session_info& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.state, b.state);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.node, b.node);
  EXPECT_EQ(a.endpoint, b.endpoint);
  EXPECT_EQ(a.requester, b.requester);
  EXPECT_EQ(a.created_unix_ms, b.created_unix_ms);
  EXPECT_EQ(a.ended_unix_ms, b.ended_unix_ms);
  EXPECT_EQ(a.idle_since_unix_ms, b.idle_since_unix_ms);
  EXPECT_EQ(a.expires_unix_ms, b.expires_unix_ms);
  EXPECT_EQ(a.idle_timeout_ms, b.idle_timeout_ms);
  EXPECT_EQ(a.statements, b.statements);
}

TEST(SessionCodec, RoundTrips) {
  auto bytes = encode_session_info(sample());
  auto back = decode_session_info(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  expect_same(*back, sample());
  auto list = encode_session_list({sample(), sample()});
  auto l = decode_session_list(list.data(), list.size());
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->size(), 2u);
  expect_same((*l)[1], sample());
  session_request r{{"n", 5000, 2}, "bo@x"};
  auto rb = encode_session_request(r);
  auto rr = decode_session_request(rb.data(), rb.size());
  ASSERT_TRUE(rr.ok());
  EXPECT_EQ(rr->options.name, "n");
  EXPECT_EQ(rr->options.idle_timeout_ms, 5000);
  EXPECT_EQ(rr->options.node, 2u);
  EXPECT_EQ(rr->requester, "bo@x");
}

TEST(SessionCodec, KernelConfigNeedsItsFields) {
  kernel_config c;
  c.session_id = "s-1";
  c.launch_secret = "ab";
  c.token_digest = "cd";
  auto half = encode_kernel_config(c);
  EXPECT_TRUE(decode_kernel_config(half.data(), half.size(), false).ok());
  auto whole = decode_kernel_config(half.data(), half.size());
  EXPECT_TRUE(absl::IsInvalidArgument(whole.status()));
  c.cluster = "h:1";
  c.http_address = "127.0.0.1:0";
  c.work_dir = "/tmp/x";
  c.max_result_rows = 7;
  auto full = encode_kernel_config(c);
  auto back = decode_kernel_config(full.data(), full.size());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->max_result_rows, 7);
  EXPECT_EQ(back->work_dir, "/tmp/x");
  c.session_id.clear();
  auto none = encode_kernel_config(c);
  EXPECT_FALSE(decode_kernel_config(none.data(), none.size(), false).ok());
}

TEST(SessionCodec, EveryCorruptionIsAnErrorNotACrash) {
  const auto good = encode_session_info(sample());
  for (size_t i = 0; i < good.size(); ++i)
    for (int delta : {1, 0x80}) {
      auto bad = good;
      bad[i] = static_cast<char>(bad[i] + delta);
      auto r = decode_session_info(bad.data(), bad.size());
      if (!r.ok())
        EXPECT_NE(r.status().message().find("malformed session record"), std::string::npos);
    }
  EXPECT_FALSE(decode_session_info(good.data(), good.size() - 3).ok());
  EXPECT_FALSE(decode_session_list(nullptr, 0).ok());
}

}  // namespace
}  // namespace tranche
