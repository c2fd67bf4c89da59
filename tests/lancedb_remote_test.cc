// LanceDB's own Node client against `quiver serve`: starts the quiver binary
// (QUIVER_BIN) as a server on a free loopback port and runs
// tests/node/lancedb_remote.mjs, which drives @lancedb/lancedb in remote mode
// (hostOverride) against it and in embedded mode against a local directory
// through the same scenario, comparing every answer (its header lists what).
// Then stops the server with SIGTERM, as a service manager would.
//
// Skips when node, the npm packages (scripts/install_bench_peers.sh) or the
// quiver binary are missing.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "testing.h"

namespace quiver {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ShellQuote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// `quiver serve` as a child process: its stdout is read up to the line that
// names the port; stderr goes to a file.
class ServeProcess {
 public:
  ServeProcess(const std::string& bin, const std::vector<std::string>& args, const std::string& err_path) {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (err >= 0) dup2(err, STDERR_FILENO);
      close(out[0]);
      std::vector<char*> argv = {const_cast<char*>(bin.c_str()), const_cast<char*>("serve")};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    stdout_ = fdopen(out[0], "r");
  }

  ~ServeProcess() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ != nullptr) fclose(stdout_);
  }

  // The next line the server printed ("" at the end of its output).
  std::string ReadLine() {
    if (stdout_ == nullptr) return "";
    char buf[4096];
    if (fgets(buf, sizeof buf, stdout_) == nullptr) return "";
    return buf;
  }

  // Sends SIGTERM and waits; the exit code (-1 when it did not exit normally).
  int Terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  bool started() const { return pid_ > 0 && stdout_ != nullptr; }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  FILE* stdout_ = nullptr;
};

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
  ServeProcess server(bin, {dir.Join("db"), "--port", "0", "--api-key", "secret-key"}, dir.Join("serve.err"));
  ASSERT_TRUE(server.started());
  const std::string banner = server.ReadLine();
  std::smatch m;
  ASSERT_TRUE(std::regex_search(banner, m, std::regex("http://127\\.0\\.0\\.1:([0-9]+)")))
      << "banner: " << banner << "\n" << ReadFile(dir.Join("serve.err"));
  const std::string url = "http://127.0.0.1:" + m[1].str();

  const std::string out = dir.Join("node.out");
  const std::string cmd = "node " + ShellQuote(source + "/tests/node/lancedb_remote.mjs") + " --url " +
                          ShellQuote(url) + " --api-key secret-key --local-dir " + ShellQuote(dir.Join("lance")) +
                          " --trace >" + ShellQuote(out) + " 2>&1";
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
