// `quiver serve` as a child process, for the tests that talk to the binary
// (tests/lancedb_remote_test.cc, tests/serve_test.cc).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <regex>
#include <string>
#include <vector>

namespace quiver::testing {

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

// The port in the banner `quiver serve` prints when it listens
// ("... on http://127.0.0.1:PORT (...)"), or "" when there is none.
inline std::string BannerUrl(const std::string& banner) {
  std::smatch m;
  if (!std::regex_search(banner, m, std::regex("(https?://[^ ]+:[0-9]+)"))) return "";
  return m[1].str();
}

}  // namespace quiver::testing
