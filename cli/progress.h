// Progress: a one-line progress bar on stderr for long imports, e.g.
//
//   importing data.jsonl  [#########           ]  45%  1,234,567 rows  812k rows/s
//
// It draws only when stderr is a terminal, and at most ten times a second, so
// piping the tool's output or running it in a script prints nothing extra.
// The bar and percentage appear when the total size is known (bytes of an
// input file); otherwise only rows and rows/s are shown.
//
// Thread-safety: Update() may be called from any thread (a table write may
// report progress from its worker threads); Finish() from the owning thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace quiver::cli {

class Progress {
 public:
  // `label` starts the line; `total_bytes` <= 0 when unknown.
  explicit Progress(std::string label, int64_t total_bytes = 0);
  ~Progress();  // calls Finish()
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }

  // Rows taken in so far and, when known, bytes of the input consumed (-1
  // when not known). Redraws when the last draw is more than 100 ms old.
  void Update(int64_t rows, int64_t bytes = -1);

  // Erases the line; later updates draw nothing.
  void Finish();

 private:
  void Draw(int64_t rows, int64_t bytes);

  std::string label_;
  int64_t total_bytes_;
  bool enabled_;
  bool drawn_ = false;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  std::mutex mu_;
};

}  // namespace quiver::cli
