// Cancellation on a head and two workers (tranched processes): from the SDK,
// by Ctrl-C in `tranche sql`, and by the client going away (kill -9). Each
// must end the program, free all its capacity (the ledger whole again) and
// leave no output (a COPY's target never appears). The bounds here are
// generous (shared, noisy machines); tranche-bench cancel measures the time.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "../integration/cancel_util.h"
#include "daemon_fixture.h"

namespace {

namespace fs = std::filesystem;
using namespace tranche_test;
using namespace std::chrono_literals;

class Cancel : public ::testing::Test {
 protected:
  void SetUp() override {
    // Many files: many short scan tasks, so the program is surely still
    // running when its first task has finished.
    ASSERT_EQ(run(bin("tranche") + " gen sample --rows 600000 --files 48 --out " +
                  (c_.dir() / "t").string() + " > /dev/null")
                  .first,
              0);
    ASSERT_TRUE(c_.start(2)) << slurp(c_.head_log());
    auto sdk = tranche::cluster::connect(c_.address(), c_.key());
    ASSERT_TRUE(sdk.ok()) << sdk.status();
    sdk_ = *std::move(sdk);
  }

  std::string copy_sql() const {
    return "COPY (SELECT key, flag, sum(quantity) AS q FROM t GROUP BY key, flag) TO '" +
           out().string() + "'";
  }
  fs::path out() const { return c_.dir() / "out"; }
  std::vector<tranche::table_binding> tables() const {
    return {{"t", (c_.dir() / "t").string() + "/*.csv"}};
  }

  // Starts `tranche sql --events` on the cluster with the COPY and waits for
  // its first finished task; its pid (stderr goes to err.txt).
  pid_t start_cli() {
    const std::string cmd = "exec " + bin("tranche") + " sql --events --cluster " + c_.address() +
                            " --secret-file " + c_.key() + " --table 't=" +
                            (c_.dir() / "t").string() + "/*.csv' \"" + copy_sql() + "\" > " +
                            (c_.dir() / "out.txt").string() + " 2> " + err().string();
    pid_t pid = spawn({"/bin/sh", "-c", cmd});
    EXPECT_TRUE(wait_for(err(), "task done")) << slurp(err());
    return pid;
  }
  fs::path err() const { return c_.dir() / "err.txt"; }

  void expect_freed_and_no_output() {
    tranche::ledger_totals l;
    EXPECT_TRUE(daemon_cluster::ledger_whole(*sdk_, 10s, &l))
        << l.free_slots << "/" << l.registered_slots << " slots free, " << l.leases << " leases, "
        << l.queued << " queued";
    EXPECT_FALSE(fs::exists(out())) << "a cancelled COPY left its target";
    // And the cluster goes on: the next program runs.
    auto r = sdk_->run_sql("SELECT count(*) AS n FROM t", tables());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->batches.at(0).columns.at(0)->i64()[0], 600000);
  }

  daemon_cluster c_{"tranche-cancel"};
  std::unique_ptr<tranche::cluster> sdk_;
};

TEST_F(Cancel, FromTheSdkEndsTheProgramAndFreesItsCapacity) {
  caf::scoped_actor self{sdk_->system()};
  auto id = sdk_->submit(copy_sql(), tables(), caf::actor_cast<caf::actor>(self));
  ASSERT_TRUE(id.ok()) << id.status();
  auto outcome = tranche::testing::cancel_when_running(*sdk_, *id, self);
  ASSERT_EQ(outcome.ended_before, "not done") << "the program ended before it could be cancelled";
  EXPECT_EQ(outcome.error, "cancelled");
  expect_freed_and_no_output();
}

TEST_F(Cancel, RunSqlStopsWhenItsStopTokenIsRequested) {
  std::stop_source stop;
  auto r = sdk_->run_sql(
      copy_sql(), tables(),
      [&](const tranche::progress_event& e) {
        if (e.kind == tranche::progress_kind::task_finished) stop.request_stop();
      },
      {}, stop.get_token());
  ASSERT_FALSE(r.ok()) << "the program finished although its stop was requested";
  EXPECT_TRUE(absl::IsCancelled(r.status())) << r.status();
  expect_freed_and_no_output();
}

TEST_F(Cancel, CtrlCInTheCliCancelsTheProgramAndExits130) {
  const pid_t cli = start_cli();
  ASSERT_GT(cli, 0);
  kill(cli, SIGINT);
  EXPECT_EQ(wait_exit(cli, 20s), 130) << slurp(err());
  const std::string e = slurp(err());
  EXPECT_NE(e.find("tranche: cancelling the program"), std::string::npos) << e;
  EXPECT_NE(e.find("tranche: cancelled"), std::string::npos) << e;
  EXPECT_EQ(slurp(c_.dir() / "out.txt"), "") << "a cancelled program printed a result";
  expect_freed_and_no_output();
}

TEST_F(Cancel, AClientThatGoesAwayHasItsProgramEnded) {
  const pid_t cli = start_cli();
  ASSERT_GT(cli, 0);
  kill(cli, SIGKILL);
  EXPECT_EQ(wait_exit(cli, 10s), -1);
  expect_freed_and_no_output();
}

}  // namespace
