// S3ObjectStore's HTTP behaviour against a scripted fake endpoint: retries,
// backoff limits, the retried conditional PUT, endpoints without
// conditional writes, signing, unreachable hosts. (The ObjectStore contract
// itself runs against a real S3 server in store_conformance_test.cc, and the
// S3-specific paths against it below.)

#include "io/s3_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "io/s3_test_util.h"
#include "io/sigv4.h"
#include "io/store_test_util.h"

namespace quiver {
namespace {

using io_testing::Pattern;
using io_testing::ReadString;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A tiny in-memory S3 on 127.0.0.1 (GET, HEAD, PUT with If-None-Match,
// DELETE) with scripted failures: each queued status is answered, instead of
// doing the request, to the next request.
class FakeS3 {
 public:
  FakeS3() {
    auto handle = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
    server_.Get(".*", handle);
    server_.Put(".*", handle);
    server_.Delete(".*", handle);
    server_.Post(".*", handle);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeS3() {
    server_.stop();
    thread_.join();
  }

  S3Config Config(int max_retries = 3) const {
    S3Config config;
    config.bucket = "bucket";
    config.prefix = "db/";
    config.endpoint = "http://127.0.0.1:" + std::to_string(port_);
    config.path_style = true;
    config.credentials = {"AKTEST", "SECRET", ""};
    config.credentials_source = "test";
    config.max_retries = max_retries;
    config.retry_base_delay = std::chrono::milliseconds(1);
    return config;
  }
  std::shared_ptr<S3ObjectStore> Store(S3Config config) { return *S3ObjectStore::Open(std::move(config)); }

  // The next requests get these statuses (with an S3 error body).
  void FailNext(std::vector<int> statuses) {
    std::lock_guard<std::mutex> lock(mu_);
    for (int s : statuses) failures_.push_back({s, false});
  }
  // The next request is performed, then answered with `status`: a lost answer.
  void LoseAnswerOfNext(int status) {
    std::lock_guard<std::mutex> lock(mu_);
    failures_.push_back({status, true});
  }
  void IgnoreConditionalWrites() { ignore_if_none_match_ = true; }
  void Set(const std::string& key, const std::string& value) {
    std::lock_guard<std::mutex> lock(mu_);
    objects_["/bucket/db/" + key] = value;
  }
  int requests() const { return requests_.load(); }
  int bad_signatures() const { return bad_signatures_.load(); }

 private:
  void Handle(const httplib::Request& req, httplib::Response& res) {
    requests_.fetch_add(1);
    // What a signature must cover: the payload hash matches the body.
    std::string hash = req.get_header_value("x-amz-content-sha256");
    if (req.get_header_value("Authorization").find("AWS4-HMAC-SHA256 Credential=AKTEST/") != 0 ||
        hash != sigv4::Sha256Hex(req.body)) {
      bad_signatures_.fetch_add(1);
    }
    std::unique_lock<std::mutex> lock(mu_);
    bool lose_answer = false;
    int lost_status = 0;
    if (!failures_.empty()) {
      auto [status, after] = failures_.front();
      failures_.pop_front();
      if (!after) {
        res.status = status;
        res.set_content("<Error><Code>SlowDown</Code><Message>scripted failure</Message></Error>",
                        "application/xml");
        return;
      }
      lose_answer = true;
      lost_status = status;
    }
    const std::string& path = req.path;
    if (req.method == "GET" || req.method == "HEAD") {
      auto it = objects_.find(path);
      if (it == objects_.end()) {
        res.status = 404;
        res.set_content("<Error><Code>NoSuchKey</Code></Error>", "application/xml");
      } else {
        res.set_content(it->second, "application/octet-stream");
      }
    } else if (req.method == "PUT") {
      if (req.has_header("If-None-Match") && !ignore_if_none_match_ && objects_.count(path)) {
        res.status = 412;
        res.set_content("<Error><Code>PreconditionFailed</Code></Error>", "application/xml");
      } else {
        objects_[path] = req.body;
      }
    } else if (req.method == "DELETE") {
      objects_.erase(path);
      res.status = 204;
    }
    if (lose_answer) {
      res.status = lost_status;
      res.set_content("<Error><Code>InternalError</Code></Error>", "application/xml");
    }
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::deque<std::pair<int, bool>> failures_;
  std::map<std::string, std::string> objects_;
  std::atomic<bool> ignore_if_none_match_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> bad_signatures_{0};
};

TEST(S3StoreFakeTest, RetriesServerErrorsAndThrottlingThenSucceeds) {
  FakeS3 fake;
  auto store = fake.Store(fake.Config());
  fake.Set("k", "hello");
  fake.FailNext({503, 500, 429});
  EXPECT_EQ(ReadString(*store, "k"), "hello");
  EXPECT_EQ(store->requests_sent(), 4u);
  EXPECT_EQ(fake.bad_signatures(), 0);
}

TEST(S3StoreFakeTest, GivesUpAfterMaxRetriesWithTheServiceError) {
  FakeS3 fake;
  auto store = fake.Store(fake.Config(/*max_retries=*/2));
  fake.Set("k", "hello");
  fake.FailNext({503, 503, 503, 503});
  Status st = store->Read("k").status();
  EXPECT_TRUE(st.IsIOError()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("503 SlowDown"));
  EXPECT_THAT(st.message(), HasSubstr("\"k\""));
  EXPECT_EQ(store->requests_sent(), 3u);
}

TEST(S3StoreFakeTest, ClientErrorsAreNotRetried) {
  FakeS3 fake;
  auto store = fake.Store(fake.Config());
  fake.FailNext({403});
  Status st = store->Read("k").status();
  EXPECT_THAT(st.message(), HasSubstr("403"));
  EXPECT_THAT(st.message(), HasSubstr("check the credentials"));
  EXPECT_EQ(store->requests_sent(), 1u);
}

TEST(S3StoreFakeTest, RetriedConditionalPutWhoseFirstAttemptLandedSucceeds) {
  FakeS3 fake;
  auto store = fake.Store(fake.Config());
  ASSERT_TRUE(store->SupportsConditionalWrites().value());
  // The PUT lands but its answer is lost; the retry meets 412 on our own bytes.
  fake.LoseAnswerOfNext(500);
  Status st = store->PutIfAbsent("v/1.manifest", "ours");
  EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(ReadString(*store, "v/1.manifest"), "ours");

  // Someone else's object is a conflict, retried or not.
  fake.Set("v/2.manifest", "theirs");
  fake.FailNext({500});
  EXPECT_TRUE(store->PutIfAbsent("v/2.manifest", "ours").IsAlreadyExists());
  EXPECT_EQ(ReadString(*store, "v/2.manifest"), "theirs");
}

TEST(S3StoreFakeTest, EndpointWithoutConditionalWritesIsRefusedUnlessSingleWriter) {
  FakeS3 fake;
  fake.IgnoreConditionalWrites();
  auto store = fake.Store(fake.Config());
  EXPECT_FALSE(store->SupportsConditionalWrites().value());
  Status st = store->PutIfAbsent("v/1.manifest", "x");
  EXPECT_TRUE(st.IsNotSupported()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("single_writer=true"));
  EXPECT_EQ(ReadString(*store, "v/1.manifest").substr(0, 10), "<NotFound:");
  EXPECT_TRUE(store->Put("plain", "y").ok()) << "plain writes still work";

  S3Config single = fake.Config();
  single.single_writer = true;
  auto writer = fake.Store(single);
  EXPECT_TRUE(writer->PutIfAbsent("v/1.manifest", "x").ok());
  EXPECT_TRUE(writer->PutIfAbsent("v/1.manifest", "x").IsAlreadyExists());
}

TEST(S3StoreFakeTest, UnreachableEndpointIsAClearIOError) {
  S3Config config;
  config.bucket = "b";
  config.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  config.path_style = true;
  config.credentials = {"k", "s", ""};
  config.max_retries = 1;
  config.retry_base_delay = std::chrono::milliseconds(1);
  auto store = *S3ObjectStore::Open(config);
  Status st = store->Read("k").status();
  EXPECT_TRUE(st.IsIOError()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("127.0.0.1:1"));
  EXPECT_EQ(store->requests_sent(), 2u);
}

// ---- Against the test run's real S3 server ----

TEST(S3StoreTest, LargeWritersUseParallelMultipartUploads) {
  QUIVER_SKIP_IF_NO_S3();
  io_testing::S3TestPrefix prefix("multipart");
  auto options = prefix.options();
  options["multipart_part_size"] = std::to_string(5 << 20);
  options["upload_concurrency"] = "3";
  auto config = ResolveS3Config(prefix.uri(), options);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto store = *S3ObjectStore::Open(*config);
  const std::string data = Pattern((17 << 20) + 123, 5);  // 4 parts, the last short
  auto writer = store->OpenWriter("big/object");
  ASSERT_TRUE(writer.ok());
  for (size_t pos = 0; pos < data.size(); pos += 1 << 20) {
    ASSERT_TRUE((*writer)->Append(std::string_view(data).substr(pos, 1 << 20)).ok());
  }
  EXPECT_TRUE(store->Head("big/object").status().IsNotFound()) << "nothing visible before Close";
  Status closed = (*writer)->Close();
  ASSERT_TRUE(closed.ok()) << closed.ToString();
  EXPECT_EQ(ReadString(*store, "big/object"), data);
  // A ranged read across the part boundary.
  auto range = store->ReadRange("big/object", (5 << 20) - 10, 20);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ((*range)->view(), std::string_view(data).substr((5 << 20) - 10, 20));

  // An aborted multipart writer leaves nothing.
  auto aborted = store->OpenWriter("big/aborted");
  ASSERT_TRUE((*aborted)->Append(std::string_view(data).substr(0, 11 << 20)).ok());
  (*aborted)->Abort();
  EXPECT_TRUE(store->Head("big/aborted").status().IsNotFound());
}

TEST(S3StoreTest, ListPaginatesAndDeletePrefixBatches) {
  QUIVER_SKIP_IF_NO_S3();
  io_testing::S3TestPrefix prefix("paging");
  auto store = prefix.store();
  // More keys than one ListObjectsV2 page holds (1,000).
  constexpr int kKeys = 1010;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kKeys; i += 8) {
        char key[32];
        std::snprintf(key, sizeof(key), "many/%05d", i);
        if (!store->Put(key, "x").ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  auto listed = store->List("many/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), static_cast<size_t>(kKeys));
  EXPECT_EQ(listed->front().key, "many/00000");
  EXPECT_EQ(listed->back().key, "many/01009");
  EXPECT_GT(listed->front().mtime_ms, 1600000000000);
  ASSERT_TRUE(store->DeletePrefix("many/").ok());
  EXPECT_TRUE(store->List("many/")->empty());
}

TEST(S3StoreTest, ListFoldersAndRenamePrefixStayOnTheServer) {
  QUIVER_SKIP_IF_NO_S3();
  io_testing::S3TestPrefix prefix("folders");
  auto store = prefix.store();
  for (const char* key : {"t1/a", "t1/b/c", "t2/x", "top"}) ASSERT_TRUE(store->Put(key, key).ok());
  ASSERT_TRUE(store->Put("t1/big", Pattern(3 << 20, 9)).ok());
  // One delimiter listing, however many objects the folders hold.
  uint64_t before = store->requests_sent();
  auto folders = store->ListFolders("");
  ASSERT_TRUE(folders.ok()) << folders.status().ToString();
  EXPECT_THAT(*folders, ElementsAre("t1", "t2"));
  EXPECT_EQ(store->requests_sent() - before, 1u);
  EXPECT_THAT(*store->ListFolders("t1/"), ElementsAre("b"));

  // Rename: two listings, a server-side copy per object, one batch delete;
  // no object's bytes travel (a download and upload would be 2 requests
  // per object, plus a HEAD per delete).
  before = store->requests_sent();
  Status renamed = store->RenamePrefix("t1/", "t3/");
  ASSERT_TRUE(renamed.ok()) << renamed.ToString();
  EXPECT_EQ(store->requests_sent() - before, 2u + 3u + 1u);
  EXPECT_EQ(ReadString(*store, "t3/b/c"), "t1/b/c");
  EXPECT_EQ(ReadString(*store, "t3/big"), Pattern(3 << 20, 9));
  EXPECT_TRUE(store->Head("t1/a").status().IsNotFound());
  EXPECT_THAT(*store->ListFolders(""), ElementsAre("t2", "t3"));
}

TEST(S3StoreTest, VirtualHostedAddressingReachesTheSameBucket) {
  QUIVER_SKIP_IF_NO_S3();
  io_testing::S3TestPrefix prefix("vhost");
  // The test server answers "<bucket>.localhost" as the bucket's host.
  auto options = prefix.options();
  std::string& endpoint = options["aws_endpoint"];
  const size_t host = endpoint.find("127.0.0.1");
  if (host == std::string::npos) GTEST_SKIP() << "endpoint " << endpoint << " is not on 127.0.0.1";
  endpoint.replace(host, 9, "localhost");
  options["virtual_hosted_style_request"] = "true";
  auto config = ResolveS3Config(prefix.uri(), options);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_FALSE(config->path_style);
  auto vhost = *S3ObjectStore::Open(*config);
  ASSERT_TRUE(vhost->Put("dir/one", "written virtual-hosted").ok());
  ASSERT_TRUE(vhost->PutIfAbsent("dir/two", "2").ok());
  EXPECT_TRUE(vhost->PutIfAbsent("dir/two", "again").IsAlreadyExists());
  // The path-style store sees the same objects, and the other way round.
  auto path = prefix.store();
  EXPECT_EQ(ReadString(*path, "dir/one"), "written virtual-hosted");
  ASSERT_TRUE(path->Put("dir/three", "written path-style").ok());
  auto range = vhost->ReadRange("dir/three", 8, 4);
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  EXPECT_EQ((*range)->view(), "path");
  auto listed = vhost->List("dir/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(listed->size(), 3u);
  ASSERT_TRUE(vhost->DeletePrefix("dir/").ok());
  EXPECT_TRUE(path->List("dir/")->empty());
}

TEST(S3StoreTest, BadCredentialsAndMissingBucketAreClearErrors) {
  QUIVER_SKIP_IF_NO_S3();
  io_testing::S3TestPrefix prefix("errors");
  auto options = prefix.options();
  options["aws_secret_access_key"] = "wrong-secret";
  auto wrong = *S3ObjectStore::Open(*ResolveS3Config(prefix.uri(), options));
  Status denied = wrong->Put("k", "v");
  EXPECT_TRUE(denied.IsIOError()) << denied.ToString();
  EXPECT_THAT(denied.message(), HasSubstr("403"));
  EXPECT_THAT(denied.message(), HasSubstr("SignatureDoesNotMatch"));

  auto missing = *S3ObjectStore::Open(*ResolveS3Config("s3://no-such-bucket-quiver/db", prefix.options()));
  Status st = missing->Put("k", "v");
  EXPECT_TRUE(st.IsNotFound()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("bucket \"no-such-bucket-quiver\" does not exist"));
  EXPECT_TRUE(missing->List("").status().IsNotFound());
}

TEST(S3StoreTest, RealServerHonoursConditionalWrites) {
  QUIVER_SKIP_IF_NO_S3();
  io_testing::S3TestPrefix prefix("probe");
  auto store = prefix.store();
  auto supported = store->SupportsConditionalWrites();
  ASSERT_TRUE(supported.ok()) << supported.status().ToString();
  EXPECT_TRUE(*supported);
  EXPECT_TRUE(store->List("")->empty()) << "the probe object is removed and never listed";
}

}  // namespace
}  // namespace quiver
