#include "testing.h"

#include <cstdlib>
#include <filesystem>
#include <random>

namespace quiver::testing {

TempDir::TempDir() {
  std::random_device rd;
  auto base = std::filesystem::temp_directory_path();
  for (;;) {
    auto candidate = base / ("quiver-test-" + std::to_string(rd()));
    std::error_code ec;
    if (std::filesystem::create_directory(candidate, ec)) {
      path_ = candidate.string();
      return;
    }
  }
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string SharedDataPath(const std::string& relative) {
  const char* root = std::getenv("QUIVER_SHARED_DATA");
  std::filesystem::path p = std::filesystem::path(root ? root : "../shared/data") / relative;
  std::error_code ec;
  return std::filesystem::exists(p, ec) ? p.string() : std::string();
}

}  // namespace quiver::testing
