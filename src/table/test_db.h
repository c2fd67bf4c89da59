// The database a table-level test fixture runs against: its scratch
// directory, or, when the test binary runs with QUIVER_TEST_STORE=s3, a fresh
// prefix on the test run's S3 server (io/s3_test_util.h). ctest runs the
// table and query suites both ways (the S3 run's tests are named "s3.*"),
// so every table operation, search and index build that passes on local
// disk is checked on S3 too.
//
//   void SetUp() override {
//     QUIVER_SKIP_IF_TEST_DB_UNAVAILABLE();
//     db_ = *test_db_.Connect();
//   }
#pragma once

#include <memory>
#include <string>

#include "io/object_store.h"
#include "io/s3_test_util.h"
#include "quiver/connection.h"

namespace quiver::testing {

// Whether this run is the S3 one (QUIVER_TEST_STORE=s3).
inline bool TestStoreIsS3() { return ProcessEnv("QUIVER_TEST_STORE").value_or("") == "s3"; }

class TestDb {
 public:
  // `dir`: the fixture's scratch directory, used on local runs.
  explicit TestDb(std::string dir) : dir_(std::move(dir)) {
    if (TestStoreIsS3() && io_testing::S3TestStorageOptions()) {
      s3_ = std::make_unique<io_testing::S3TestPrefix>("table");
    }
  }

  bool s3() const { return s3_ != nullptr; }
  std::string uri() const { return s3_ ? s3_->uri() : dir_; }
  // A new connection to the database (each call a separate one, as two
  // processes would have).
  Result<ConnectionPtr> Connect(ConnectOptions options = {}) const {
    if (s3_) options.storage_options = s3_->options();
    return quiver::Connect(uri(), std::move(options));
  }
  // The database's store, opened on its own (to plant or inspect objects).
  Result<ObjectStorePtr> OpenStore() const {
    OpenStoreOptions options;
    if (s3_) options.storage_options = s3_->options();
    return OpenObjectStore(uri(), options);
  }

 private:
  std::string dir_;
  std::unique_ptr<io_testing::S3TestPrefix> s3_;
};

}  // namespace quiver::testing

#define QUIVER_SKIP_IF_TEST_DB_UNAVAILABLE()                                                      \
  do {                                                                                            \
    if (::quiver::testing::TestStoreIsS3() && !::quiver::io_testing::S3TestStorageOptions()) {    \
      GTEST_SKIP() << "QUIVER_TEST_STORE=s3 but no S3 test server (QUIVER_S3_ENDPOINT is unset)"; \
    }                                                                                             \
  } while (0)

// For the few tests about local files (corrupting one, counting them).
#define QUIVER_SKIP_ON_S3(why)                                                           \
  do {                                                                                   \
    if (::quiver::testing::TestStoreIsS3()) GTEST_SKIP() << "local files only: " << why; \
  } while (0)
