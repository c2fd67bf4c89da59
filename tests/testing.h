// Helpers shared by every test binary: scratch directories and the location
// of the shared real-data sets.
#pragma once

#include <string>

namespace quiver::testing {

// A fresh directory under the system temp dir, removed (recursively) when
// the object goes away.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Path of a file in the shared data folder (QUIVER_SHARED_DATA, set by the
// build to ../shared/data), or "" when it is absent. Tests call
// QUIVER_SKIP_IF_NO_DATA(path) so a missing data set skips with a reason.
std::string SharedDataPath(const std::string& relative);

}  // namespace quiver::testing

#define QUIVER_SKIP_IF_NO_DATA(path)                                                  \
  do {                                                                                \
    if ((path).empty()) GTEST_SKIP() << "shared data set absent (../shared/data); skipping"; \
  } while (0)
