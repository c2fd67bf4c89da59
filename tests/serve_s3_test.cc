// Three `quiver serve` processes on one S3 prefix (the test run's RADOS
// Gateway): writes sent to different servers at the same time all land, each
// as its own version, and a read on any server sees every write acknowledged
// before it started (--read-consistency-ms 0). Servers are stateless; the
// bucket, through conditional PUTs, is the only shared state.

#include <httplib.h>

#include <cstdlib>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/s3_test_util.h"
#include "serve_process.h"
#include "test_files.h"
#include "testing.h"

namespace quiver {
namespace {

using Json = nlohmann::json;

TEST(ServeS3Test, ThreeServersShareOneTableWithoutLosingAWrite) {
  QUIVER_SKIP_IF_NO_S3();
  const char* bin = std::getenv("QUIVER_BIN");
  if (bin == nullptr || *bin == '\0') GTEST_SKIP() << "QUIVER_BIN is not set";
  io_testing::S3TestPrefix prefix("servers");
  const StorageOptions& s3 = prefix.options();
  // The servers take their credentials from the environment, as in a
  // container; the endpoint comes as a storage option.
  setenv("AWS_ACCESS_KEY_ID", s3.at("aws_access_key_id").c_str(), 1);
  setenv("AWS_SECRET_ACCESS_KEY", s3.at("aws_secret_access_key").c_str(), 1);
  setenv("AWS_REGION", s3.at("aws_region").c_str(), 1);

  testing::TempDir dir;
  constexpr int kServers = 3;
  std::vector<std::unique_ptr<testing::ServeProcess>> servers;
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (int i = 0; i < kServers; ++i) {
    servers.push_back(std::make_unique<testing::ServeProcess>(
        bin,
        std::vector<std::string>{prefix.uri(), "--port", "0", "--read-consistency-ms", "0",
                                 "--storage-option", "aws_endpoint=" + s3.at("aws_endpoint")},
        dir.Join("err" + std::to_string(i))));
    const std::string url = testing::BannerUrl(servers.back()->ReadLine());
    ASSERT_FALSE(url.empty()) << testing::ReadFile(dir.Join("err" + std::to_string(i)));
    clients.push_back(std::make_unique<httplib::Client>(url));
  }

  auto post = [&](int server, const std::string& path, const Json& body) {
    auto res = clients[server]->Post(path, body.dump(), "application/json");
    EXPECT_TRUE(res) << "server " << server << " " << path;
    return res ? std::make_pair(res->status, Json::parse(res->body, nullptr, false))
               : std::make_pair(0, Json());
  };
  auto [created, created_body] =
      post(0, "/tables", {{"name", "events"}, {"rows", Json::array({{{"id", 0}, {"server", 0}}})}});
  ASSERT_EQ(created, 201) << created_body.dump();

  // Every server appends at once, several times; every append is acknowledged
  // with its own version.
  constexpr int kAppends = 6;
  std::vector<std::thread> writers;
  std::mutex mu;
  std::vector<int64_t> versions;
  std::atomic<int> failures{0};
  for (int s = 0; s < kServers; ++s) {
    writers.emplace_back([&, s] {
      for (int i = 0; i < kAppends; ++i) {
        Json rows = Json::array({{{"id", 1 + s * 100 + i}, {"server", s}}});
        auto [status, body] = post(s, "/tables/events/rows", {{"rows", rows}});
        if (status != 200) {
          failures.fetch_add(1);
          ADD_FAILURE() << "server " << s << ": " << status << " " << body.dump();
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        versions.push_back(body["version"].get<int64_t>());
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_EQ(failures.load(), 0);
  EXPECT_EQ(std::set<int64_t>(versions.begin(), versions.end()).size(), versions.size())
      << "two acknowledged appends got the same version";

  // Any server, asked after the acknowledgements, counts every row and lists
  // every version.
  const int expected_rows = 1 + kServers * kAppends;
  for (int s = 0; s < kServers; ++s) {
    auto [status, body] = post(s, "/tables/events/count", Json::object());
    ASSERT_EQ(status, 200) << body.dump();
    EXPECT_EQ(body["count"].get<int64_t>(), expected_rows) << "server " << s;
    auto res = clients[s]->Get("/tables/events/versions");
    ASSERT_TRUE(res && res->status == 200);
    Json listed = Json::parse(res->body);
    const Json& list = listed.contains("versions") ? listed["versions"] : listed;
    EXPECT_EQ(static_cast<int>(list.size()), 1 + kServers * kAppends) << "server " << s;
  }

  // A write on one server is visible on the others at once.
  auto [deleted, deleted_body] = post(2, "/tables/events/delete", {{"where", "server = 1"}});
  ASSERT_EQ(deleted, 200) << deleted_body.dump();
  for (int s = 0; s < kServers; ++s) {
    auto [status, body] = post(s, "/tables/events/count", Json::object());
    EXPECT_EQ(body["count"].get<int64_t>(), expected_rows - kAppends) << "server " << s;
  }
  for (auto& server : servers) EXPECT_EQ(server->Terminate(), 0);
}

}  // namespace
}  // namespace quiver
