// The notebook page (actors/notebook_page.h) in headless Chromium against a
// fake kernel serving it: a statement run through the page's #run= hook
// shows its rows as a table.result, data as text (never as HTML), an error
// as .error, and a refused token as a clear message. The screenshot is kept
// in build/test-artifacts/notebook.png.
#include <gtest/gtest.h>

#include "../cluster/process_util.h"
#include "fake_kernel.h"

namespace {

namespace fs = std::filesystem;
using namespace tranche_test;

class NotebookPage : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists("/usr/bin/chromium"))
      GTEST_SKIP() << "chromium is not installed (tools/setup installs it)";
    ASSERT_TRUE(k_.ok());
  }

  // The page's address with this fragment, quoted for the shell.
  std::string url(const std::string& fragment) const {
    return "'http://127.0.0.1:" + std::to_string(k_.port()) + "/#" + fragment + "'";
  }

  // Chromium, bounded by run()'s timeout, with a profile of its own.
  std::string chromium() const {
    return "env HOME=" + dir_.path().string() +
           " chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
           "--disable-background-networking --disable-component-update --disable-sync "
           "--user-data-dir=" +
           (dir_.path() / "chromium").string() +
           " --window-size=1100,700 --virtual-time-budget=5000 ";
  }

  std::string dom(const std::string& fragment) const {
    auto [rc, out] = run(chromium() + "--dump-dom " + url(fragment) + " 2>/dev/null");
    EXPECT_EQ(rc, 0);
    return out;
  }

  fake_kernel k_{0ms};  // statements end at once: the page's timers run in virtual time
  temp_dir dir_;
};

TEST_F(NotebookPage, RunsACellAndShowsItsRowsAsText) {
  const std::string d = dom("token=" + kToken + "&run=SELECT%20a%2C%20b%2C%20c%20FROM%20t");
  ASSERT_EQ(k_.codes(), std::vector<std::string>{"SELECT a, b, c FROM t"}) << d;
  EXPECT_NE(d.find("<table class=\"result\">"), std::string::npos) << d;
  EXPECT_NE(d.find("<th>a</th><th>b</th><th>c</th>"), std::string::npos) << d;
  EXPECT_NE(d.find("<td class=\"num\">1</td><td>x</td><td class=\"num\">1.5</td>"),
            std::string::npos)
      << d;
  // The value <b>x</b> is text in a cell, escaped in the DOM, never an element.
  EXPECT_NE(d.find("<td>&lt;b&gt;x&lt;/b&gt;</td>"), std::string::npos) << d;
  EXPECT_EQ(d.find("<b>x</b>"), std::string::npos) << d;
  EXPECT_NE(d.find("<td class=\"null\">NULL</td>"), std::string::npos) << d;
  EXPECT_NE(d.find("(3 rows"), std::string::npos) << d;
  EXPECT_NE(d.find("class=\"cell\" data-state=\"available\""), std::string::npos) << d;
  EXPECT_NE(d.find("[1]"), std::string::npos) << "the execution count: " << d;
  EXPECT_NE(d.find("id=\"state\" data-state=\"idle\""), std::string::npos) << d;
  // Running the last cell added an empty one.
  EXPECT_NE(d.find("class=\"cell\" data-state=\"new\""), std::string::npos) << d;
  EXPECT_NE(d.find("<div id=\"message\"></div>"), std::string::npos) << "no complaint: " << d;

  const fs::path artifacts = fs::path(TRANCHE_BIN_DIR).parent_path() / "test-artifacts";
  fs::create_directories(artifacts);
  fs::remove(artifacts / "notebook.png");
  EXPECT_EQ(
      run(chromium() + "--screenshot=" + (artifacts / "notebook.png").string() + " " +
          url("token=" + kToken + "&run=SELECT%20a%2C%20b%2C%20c%20FROM%20t") + " > /dev/null 2>&1")
          .first,
      0);
  EXPECT_GT(fs::file_size(artifacts / "notebook.png"), 10'000u);
}

TEST_F(NotebookPage, AnErrorOutputHasClassError) {
  const std::string d = dom("token=" + kToken + "&run=SELECT%201%2F0");
  EXPECT_NE(d.find("class=\"cell\" data-state=\"error\""), std::string::npos) << d;
  EXPECT_NE(d.find("<div class=\"error\">error: line 1, column 8: division by zero</div>"),
            std::string::npos)
      << d;
  EXPECT_EQ(d.find("<table class=\"result\">"), std::string::npos) << d;
}

TEST_F(NotebookPage, ARefusedOrMissingTokenIsSaid) {
  std::string d = dom("token=trs_" + std::string(64, 'f') + "&run=SELECT%201");
  EXPECT_NE(d.find("The session refused the token (401)"), std::string::npos) << d;
  EXPECT_TRUE(k_.codes().empty());
  d = dom("");
  EXPECT_NE(d.find("No session token"), std::string::npos) << d;
}

}  // namespace
