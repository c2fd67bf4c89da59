// LanceDB's own Node client against `quiver serve`: starts the quiver binary
// (QUIVER_BIN) as a server on a free loopback port and runs
// tests/node/lancedb_remote.mjs, which drives @lancedb/lancedb in remote mode
// (hostOverride) against it and in embedded mode against a local directory
// through the same scenario, comparing every answer (its header lists what).
// Then stops the server with SIGTERM, as a service manager would.
//
// Skips when node, the npm packages (scripts/install_bench_peers.sh) or the
// quiver binary are missing.
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "serve_process.h"
#include "test_files.h"
#include "testing.h"

namespace quiver {
namespace {

using quiver::testing::ReadFile;
using quiver::testing::ShellQuote;

TEST(LanceDbRemoteTest, LanceDbClientGetsTheAnswersOfTheEmbeddedLibrary) {
  const char* bin = std::getenv("QUIVER_BIN");
  if (bin == nullptr || *bin == '\0') GTEST_SKIP() << "QUIVER_BIN is not set";
  const std::string source = QUIVER_SOURCE_DIR;
  if (std::system("node --version >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "node is not installed (scripts/setup.sh installs it)";
  }
  if (!std::filesystem::exists(source + "/bench/node/node_modules/@lancedb/lancedb/package.json")) {
    GTEST_SKIP() << "@lancedb/lancedb is not installed in bench/node: run scripts/install_bench_peers.sh";
  }

  testing::TempDir dir;
  testing::ServeProcess server(bin, {dir.Join("db"), "--port", "0", "--api-key", "secret-key"},
                               dir.Join("serve.err"));
  ASSERT_TRUE(server.started());
  const std::string banner = server.ReadLine();
  const std::string url = testing::BannerUrl(banner);
  ASSERT_FALSE(url.empty()) << "banner: " << banner << "\n" << ReadFile(dir.Join("serve.err"));

  const std::string out = dir.Join("node.out");
  const std::string cmd = "node " + ShellQuote(source + "/tests/node/lancedb_remote.mjs") + " --url " +
                          ShellQuote(url) + " --api-key secret-key --local-dir " +
                          ShellQuote(dir.Join("lance")) + " --trace >" + ShellQuote(out) + " 2>&1";
  const int status = std::system(cmd.c_str());
  const std::string report = ReadFile(out);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << report;
  // The scenario ran to its end: the summary line counts the steps.
  EXPECT_NE(report.find("\"failed\":0"), std::string::npos) << report;

  EXPECT_EQ(server.Terminate(), 0) << ReadFile(dir.Join("serve.err"));
  EXPECT_NE(server.ReadLine().find("stopped"), std::string::npos);
  EXPECT_NE(ReadFile(dir.Join("serve.err")).find("stopping"), std::string::npos);
}

}  // namespace
}  // namespace quiver
