// `quiver serve` as a process: flags from a config file, the refusal to
// serve a public address without a key, and SIGTERM. (The HTTP API itself is
// tested in src/server/http_test.cc, LanceDB's client in
// lancedb_remote_test.cc.)
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "serve_process.h"
#include "test_files.h"
#include "testing.h"

namespace quiver {
namespace {

using quiver::testing::ReadFile;
using quiver::testing::ShellQuote;

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("QUIVER_BIN");
    if (bin == nullptr || *bin == '\0') GTEST_SKIP() << "QUIVER_BIN is not set";
    bin_ = bin;
  }

  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.Join(name)) << text;
    return dir_.Join(name);
  }

  std::string bin_;
  testing::TempDir dir_;
};

TEST_F(ServeTest, ReadsFlagsFromAConfigFileAndTheCommandLineWins) {
  const std::string config = Write("quiver.toml",
                                   "[serve]\n"
                                   "port = 1\n"  // overridden below
                                   "api-key = [\"writer\", \"reader:ro\"]\n"
                                   "query-timeout-ms = 5000\n");
  testing::ServeProcess server(bin_, {dir_.Join("db"), "--config", config, "--port", "0"}, dir_.Join("err"));
  ASSERT_TRUE(server.started());
  const std::string banner = server.ReadLine();
  EXPECT_FALSE(testing::BannerUrl(banner).empty()) << banner << ReadFile(dir_.Join("err"));
  EXPECT_NE(banner.find("(2 API keys)"), std::string::npos) << banner;
  EXPECT_EQ(server.Terminate(), 0) << ReadFile(dir_.Join("err"));
  EXPECT_NE(server.ReadLine().find("stopped"), std::string::npos);
}

TEST_F(ServeTest, BadConfigValuesAreUsageErrors) {
  const std::string config = Write("bad.toml", "[serve]\nmax-body-mb = 0\n");
  const std::string cmd = bin_ + " serve " + dir_.Join("db") + " --config " + config + " >" +
                          dir_.Join("out") + " 2>" + dir_.Join("err");
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2) << ReadFile(dir_.Join("err"));
  EXPECT_NE(ReadFile(dir_.Join("err")).find("max-body-mb"), std::string::npos) << ReadFile(dir_.Join("err"));
}

TEST_F(ServeTest, RefusesAPublicAddressWithoutAKey) {
  const std::string cmd = bin_ + " serve " + dir_.Join("db") + " --host 0.0.0.0 --port 0 >" +
                          dir_.Join("out") + " 2>" + dir_.Join("err");
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(ReadFile(dir_.Join("err")).find("without an API key"), std::string::npos)
      << ReadFile(dir_.Join("err"));
}

TEST_F(ServeTest, PortInUseIsAClearError) {
  testing::ServeProcess first(bin_, {dir_.Join("db"), "--port", "0"}, dir_.Join("err1"));
  const std::string url = testing::BannerUrl(first.ReadLine());
  ASSERT_FALSE(url.empty());
  const std::string port = url.substr(url.rfind(':') + 1);
  const std::string cmd = bin_ + " serve " + dir_.Join("db") + " --port " + port + " >" + dir_.Join("out") +
                          " 2>" + dir_.Join("err");
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(ReadFile(dir_.Join("err")).find(port), std::string::npos) << ReadFile(dir_.Join("err"));
  EXPECT_EQ(first.Terminate(), 0);
}

}  // namespace
}  // namespace quiver
