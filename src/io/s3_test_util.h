// The S3 server of the test run, for every test binary that runs against S3.
//
// scripts/test.sh starts a throwaway Ceph RADOS Gateway on 127.0.0.1
// (scripts/s3_server.sh) and exports QUIVER_S3_ENDPOINT, QUIVER_S3_ACCESS_KEY,
// QUIVER_S3_SECRET_KEY and QUIVER_S3_REGION. Without them the S3 tests skip
// with QUIVER_SKIP_IF_NO_S3(), saying why.
//
// Every test gets its own prefix in one shared bucket; an S3TestPrefix
// deletes what was written under it when it goes away.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "io/s3_config.h"
#include "io/s3_store.h"

namespace quiver::io_testing {

inline constexpr const char* kS3TestBucket = "quiver-tests";

// The endpoint's storage options (endpoint, keys, region), or nullopt when
// no test server is configured.
inline std::optional<StorageOptions> S3TestStorageOptions() {
  auto endpoint = ProcessEnv("QUIVER_S3_ENDPOINT");
  if (!endpoint) return std::nullopt;
  return StorageOptions{{"aws_endpoint", *endpoint},
                        {"aws_access_key_id", ProcessEnv("QUIVER_S3_ACCESS_KEY").value_or("")},
                        {"aws_secret_access_key", ProcessEnv("QUIVER_S3_SECRET_KEY").value_or("")},
                        {"aws_region", ProcessEnv("QUIVER_S3_REGION").value_or("us-east-1")}};
}

#define QUIVER_SKIP_IF_NO_S3()                                                                          \
  do {                                                                                                  \
    if (!::quiver::io_testing::S3TestStorageOptions()) {                                                \
      GTEST_SKIP() << "no S3 test server: QUIVER_S3_ENDPOINT is unset (scripts/test.sh starts a local " \
                      "Ceph RADOS Gateway when radosgw is installed)";                                  \
    }                                                                                                   \
  } while (0)

// A fresh prefix s3://quiver-tests/<name>-<unique> on the test server,
// emptied on destruction.
class S3TestPrefix {
 public:
  explicit S3TestPrefix(const std::string& name) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    prefix_ = name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1)) + "-" +
              std::to_string(rd() % 100000);
    auto options = S3TestStorageOptions();
    if (!options) return;
    options_ = *options;
    auto config = ResolveS3Config(std::string("s3://") + kS3TestBucket, options_);
    if (!config.ok()) {
      ADD_FAILURE() << config.status().ToString();
      return;
    }
    auto store = S3ObjectStore::Open(*config);
    if (!store.ok()) {
      ADD_FAILURE() << store.status().ToString();
      return;
    }
    store_ = *store;
    Status created = store_->CreateBucket();
    if (!created.ok()) ADD_FAILURE() << "creating the test bucket: " << created.ToString();
  }
  ~S3TestPrefix() {
    if (store_) (void)store_->DeletePrefix(prefix_ + "/");
  }
  S3TestPrefix(const S3TestPrefix&) = delete;
  S3TestPrefix& operator=(const S3TestPrefix&) = delete;

  // "s3://quiver-tests/<prefix>"
  std::string uri() const { return std::string("s3://") + kS3TestBucket + "/" + prefix_; }
  const StorageOptions& options() const { return options_; }
  // A store rooted at uri(), or nullptr without a test server.
  std::shared_ptr<S3ObjectStore> store() const {
    if (!store_) return nullptr;
    auto config = ResolveS3Config(uri(), options_);
    auto store = S3ObjectStore::Open(*config);
    return store.ok() ? *store : nullptr;
  }

 private:
  std::string prefix_;
  StorageOptions options_;
  std::shared_ptr<S3ObjectStore> store_;  // rooted at the bucket, for cleanup
};

}  // namespace quiver::io_testing
