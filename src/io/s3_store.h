// S3ObjectStore: an ObjectStore over an S3 bucket prefix (s3://bucket/db),
// for AWS S3 and S3-compatible services (Ceph RGW, MinIO, R2), spoken over
// libcurl with Signature Version 4 (io/sigv4.h).
//
// How the contract of io/object_store.h maps onto S3:
//  - Read / ReadRange are GETs (ranged: `Range: bytes=a-b`), Head a HEAD,
//    List a paginated ListObjectsV2, DeletePrefix batched DeleteObjects
//    (1,000 keys a request).
//  - Put is one PutObject, atomic by S3's own guarantee.
//  - PutIfAbsent is a PutObject with `If-None-Match: *`: the service lets
//    exactly one of racing writers create the key and answers the others
//    412, which becomes AlreadyExists. The commit protocol stands on this.
//    Before the first one, the store checks once that the endpoint honours
//    the header (a probe object written twice); an endpoint that does not is
//    refused with NotSupported unless the config's single_writer is set,
//    in which case PutIfAbsent is a HEAD then a PUT and only one process may
//    write.
//  - OpenWriter buffers up to multipart_part_size; a larger object becomes a
//    multipart upload whose parts go up in parallel (upload_concurrency per
//    writer), completed at Close and aborted on failure or Abort().
//  - Delete is a HEAD (for the NotFound the contract asks) then a DELETE.
//  - RenamePrefix copies on the server, then deletes (S3 has no rename).
//
// Every request is retried with exponential backoff and full jitter on
// connection failures, timeouts, 5xx, 429 and 409 (a conditional write still
// in progress), up to max_retries. A retried PutIfAbsent that meets 412 reads
// the object back: if it holds exactly our bytes, the first attempt landed
// and the call succeeds, so a timeout never turns our own commit into a
// conflict (nor a conflict into a double commit). Connections are kept
// alive and reused across requests (a pool of curl handles).
//
// Errors name the operation, key, bucket and the service's code and message:
// `S3 GET "t/_versions/1.manifest" in s3://b/db: 403 SignatureDoesNotMatch
// (...)`. A missing bucket is NotFound naming the bucket.
//
// Thread-safety: thread-safe. An ObjectWriter is used by one thread at a time.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "io/object_store.h"
#include "io/s3_config.h"

namespace quiver {

class S3ObjectStore : public ObjectStore, public std::enable_shared_from_this<S3ObjectStore> {
 public:
  // Opens the store; makes no request until the first operation.
  static Result<std::shared_ptr<S3ObjectStore>> Open(S3Config config);
  ~S3ObjectStore() override;

  Result<BufferPtr> Read(std::string_view key) override;
  Result<BufferPtr> ReadRange(std::string_view key, uint64_t offset, uint64_t length) override;
  Result<ObjectMeta> Head(std::string_view key) override;
  Status Put(std::string_view key, std::string_view data) override;
  Status PutIfAbsent(std::string_view key, std::string_view data) override;
  Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view key) override;
  Result<std::vector<ObjectMeta>> List(std::string_view prefix) override;
  // A delimiter listing: one request per 1,000 folders, whatever they hold.
  Result<std::vector<std::string>> ListFolders(std::string_view prefix) override;
  Status Delete(std::string_view key) override;
  Status DeletePrefix(std::string_view prefix) override;
  // Server-side copies (CopyObject, several in flight; objects over 5 GiB,
  // CopyObject's limit, go through memory), then one batch delete of the
  // originals: an interruption leaves duplicates, never a loss.
  Status RenamePrefix(std::string_view from, std::string_view to) override;
  std::string uri() const override;

  // Creates the bucket (tests and first-time set-up); OK if it exists and
  // is ours.
  Status CreateBucket();
  // Whether the endpoint honours `If-None-Match: *` (probes once, as the
  // first PutIfAbsent does).
  Result<bool> SupportsConditionalWrites();

  const S3Config& config() const { return config_; }
  // HTTP requests sent so far, retries included (for tests of retry paths).
  uint64_t requests_sent() const { return requests_sent_.load(); }

  struct Http;  // the curl side, in s3_store.cc

 private:
  class Writer;
  explicit S3ObjectStore(S3Config config);

  // The object key in the bucket for a store key.
  std::string FullKey(std::string_view key) const { return config_.prefix + std::string(key); }
  Status PutObject(std::string_view key, std::string_view data, bool if_absent, bool retried_ok);
  // ListObjectsV2 under `prefix`, one level deep (delimiter "/") or all of
  // it, following continuation tokens; `on_page` gets each answer's XML.
  Status ListPages(std::string_view prefix, bool one_level,
                   const std::function<void(std::string_view page)>& on_page);
  // Batch deletes (1,000 keys per request); errors name `prefix`.
  Status DeleteObjects(const std::vector<ObjectMeta>& objects, std::string_view prefix);
  // Copies `from` to `to` inside the bucket without downloading it.
  Status CopyObject(std::string_view from, std::string_view to);

  S3Config config_;
  std::unique_ptr<Http> http_;
  std::atomic<uint64_t> requests_sent_{0};
  std::mutex probe_mu_;
  bool probed_ = false;  // only a definite answer is kept; errors probe again
  bool conditional_writes_ = false;
};

}  // namespace quiver
