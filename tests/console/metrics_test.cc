// The head's metrics: the latency histogram, the Prometheus text rendering,
// and the wire form between the actors and the HTTP endpoint.
#include "console/metrics.h"

#include <gtest/gtest.h>

#include "console/console_codec.h"

namespace {

using namespace tranche;

TEST(Metrics, HistogramBucketsAreCumulativeWithInfEqualToCount) {
  latency_histogram h;
  for (double s : {0.0005, 0.003, 0.003, 0.2, 7.0, 500.0}) h.observe(s);
  std::vector<metric_sample> out;
  h.append_to("x_seconds", &out);
  ASSERT_GE(out.size(), 3u);
  EXPECT_EQ(out.front().name, "x_seconds_bucket");
  EXPECT_EQ(out.front().labels.at(0), (std::pair<std::string, std::string>{"le", "0.001"}));
  EXPECT_EQ(out.front().value, 1);
  double last = 0;
  for (size_t i = 0; i + 2 < out.size(); ++i) {
    EXPECT_GE(out[i].value, last);
    last = out[i].value;
  }
  const metric_sample& inf = out[out.size() - 3];
  EXPECT_EQ(inf.labels.at(0).second, "+Inf");
  EXPECT_EQ(inf.value, 6);
  EXPECT_EQ(out[out.size() - 2].name, "x_seconds_sum");
  EXPECT_DOUBLE_EQ(out[out.size() - 2].value, 0.0005 + 0.006 + 0.2 + 7.0 + 500.0);
  EXPECT_EQ(out.back().name, "x_seconds_count");
  EXPECT_EQ(out.back().value, 6);
  EXPECT_EQ(h.count(), 6u);
}

TEST(Metrics, TextGroupsFamiliesWithHelpAndTypeAndEscapesLabels) {
  latency_histogram h;
  h.observe(0.02);
  std::vector<metric_sample> s{{"tranche_node_slots", {{"node", "1"}}, 4},
                               {"tranche_leases", {}, 2},
                               {"tranche_node_slots", {{"node", "2"}}, 8},
                               {"tranche_queue_share", {{"queue", "a\"b\\c\nd"}}, 0.25},
                               {"made_up_metric", {}, 1}};
  h.append_to("tranche_grant_latency_seconds", &s);
  const std::string text = prometheus_text(s);
  EXPECT_NE(text.find("# HELP tranche_node_slots Task slots a node registered.\n"
                      "# TYPE tranche_node_slots gauge\n"
                      "tranche_node_slots{node=\"1\"} 4\n"
                      "tranche_node_slots{node=\"2\"} 8\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tranche_queue_share{queue=\"a\\\"b\\\\c\\nd\"} 0.25\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE made_up_metric untyped\n"), std::string::npos);
  // One TYPE line for the histogram, before its buckets, sum and count.
  const size_t type = text.find("# TYPE tranche_grant_latency_seconds histogram\n");
  ASSERT_NE(type, std::string::npos) << text;
  EXPECT_LT(type, text.find("tranche_grant_latency_seconds_bucket{le=\"0.001\"} 0\n"));
  EXPECT_NE(text.find("tranche_grant_latency_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("tranche_grant_latency_seconds_count 1\n"), std::string::npos);
  EXPECT_EQ(text.find("# TYPE tranche_grant_latency_seconds_bucket"), std::string::npos);
}

TEST(Metrics, RoundTripOnTheWireAndBadBytesAreAnError) {
  std::vector<metric_sample> s{{"a", {{"k", "v"}, {"k2", ""}}, 1.5}, {"b", {}, -3}};
  auto bytes = encode_metrics(s);
  auto back = decode_metrics(bytes.data(), bytes.size());
  ASSERT_TRUE(back.ok()) << back.status();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].labels, s[0].labels);
  EXPECT_EQ((*back)[1].value, -3);
  std::vector<char> junk(24, '\x7f');
  EXPECT_FALSE(decode_metrics(junk.data(), junk.size()).ok());
  EXPECT_FALSE(decode_metrics(junk.data(), 5).ok());
}

}  // namespace
