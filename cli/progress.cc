#include "progress.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "command.h"

namespace quiver::cli {

namespace {
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);
constexpr int kBarWidth = 20;
}  // namespace

Progress::Progress(std::string label, int64_t total_bytes)
    : label_(std::move(label)),
      total_bytes_(total_bytes),
      enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { Finish(); }

void Progress::Update(int64_t rows, int64_t bytes) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  Draw(rows, bytes);
}

void Progress::Draw(int64_t rows, int64_t bytes) {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string line = label_;
  if (total_bytes_ > 0 && bytes >= 0) {
    double fraction = std::clamp(static_cast<double>(bytes) / static_cast<double>(total_bytes_), 0.0, 1.0);
    int filled = static_cast<int>(fraction * kBarWidth);
    char pct[8];
    std::snprintf(pct, sizeof(pct), "%3d%%", static_cast<int>(fraction * 100));
    line += "  [" + std::string(filled, '#') + std::string(kBarWidth - filled, ' ') + "] " + pct;
  }
  line += "  " + FormatCount(rows) + " rows  " + FormatRate(rows, seconds);
  // \r back to the start, \033[K erases what a longer previous line left.
  std::fprintf(stderr, "\r%s\033[K", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
  if (!drawn_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace quiver::cli
