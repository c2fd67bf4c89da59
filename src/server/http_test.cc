// End-to-end tests of `quiver serve` over real HTTP on 127.0.0.1: a server
// on a free port in this process, a client from cpp-httplib, answers checked
// against the embedded library on the same database.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <random>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "convert/arrow_ipc.h"
#include "quiver/builder.h"
#include "quiver/connection.h"
#include "server/server.h"
#include "testing.h"

namespace quiver::server {
namespace {

using Json = nlohmann::ordered_json;
constexpr int kDim = 8;

std::vector<float> RowVector(int64_t id) {
  std::vector<float> v(kDim);
  std::mt19937 rng(static_cast<uint32_t>(id) * 7919u + 1);
  std::uniform_real_distribution<float> u(-1, 1);
  for (float& x : v) x = u(rng);
  return v;
}

const char* kWords[] = {"wing", "flutter", "boundary", "layer", "shock", "supersonic", "heat", "transfer"};

Json MakeRows(int64_t begin, int64_t end) {
  Json rows = Json::array();
  for (int64_t id = begin; id < end; ++id) {
    std::string text = std::string(kWords[id % 8]) + " " + kWords[(id / 8) % 8] + " " + kWords[(id * 3) % 8];
    rows.push_back(
        {{"id", id}, {"category", id % 3 == 0 ? "a" : "b"}, {"text", text}, {"vector", RowVector(id)}});
  }
  return rows;
}

class HttpTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}) {
    options.db_uri = dir_.path();
    options.port = 0;
    auto created = Server::Create(options);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    server_ = std::move(*created);
    ASSERT_TRUE(server_->Bind().ok());
    thread_ = std::thread([this] { server_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(60);
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
  }

  // POSTs JSON; returns status and parsed body (null when not JSON).
  std::pair<int, Json> Post(const std::string& path, const Json& body, httplib::Headers headers = {}) {
    auto res = client_->Post(path.c_str(), headers, body.dump(), "application/json");
    if (!res) return {-1, Json()};
    return {res->status, Json::parse(res->body, nullptr, false)};
  }
  std::pair<int, Json> Get(const std::string& path, httplib::Headers headers = {}) {
    auto res = client_->Get(path.c_str(), headers);
    if (!res) return {-1, Json()};
    return {res->status, Json::parse(res->body, nullptr, false)};
  }
  void CreateItems(int64_t rows = 200) {
    auto [status, body] = Post("/tables", {{"name", "items"}, {"rows", MakeRows(0, rows)}});
    ASSERT_EQ(status, 201) << body.dump();
  }
  TablePtr Embedded(const std::string& name) {
    auto db = Connect(dir_.path());
    EXPECT_TRUE(db.ok());
    auto table = (*db)->OpenTable(name);
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    return table.ok() ? *table : nullptr;
  }

  testing::TempDir dir_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpTest, HealthOpenApiAndUnknownRoutes) {
  Start();
  auto [status, health] = Get("/health");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(health["status"], "ok");
  auto [s2, doc] = Get("/openapi.json");
  EXPECT_EQ(s2, 200);
  EXPECT_EQ(doc["openapi"], "3.1.0");
  EXPECT_TRUE(doc["paths"].contains("/tables/{name}/search"));
  auto [s3, missing] = Get("/nope");
  EXPECT_EQ(s3, 404);
  EXPECT_NE(missing["error"]["message"].get<std::string>().find("/nope"), std::string::npos);
  // LanceDB routes this server lacks: 501 with a plain-text reason.
  auto res = client_->Post("/v1/table/t/branches/list/", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 501);
  EXPECT_NE(res->body.find("does not support"), std::string::npos);
}

TEST_F(HttpTest, TablesRowsSearchAndChanges) {
  Start();
  CreateItems(200);
  auto [s1, list] = Get("/tables");
  EXPECT_EQ(s1, 200);
  EXPECT_EQ(list["tables"], Json::array({"items"}));
  auto [s2, info] = Get("/tables/items");
  EXPECT_EQ(s2, 200);
  EXPECT_EQ(info["num_rows"], 200);
  EXPECT_EQ(info["version"], 1);
  EXPECT_EQ(info["schema"][3]["type"], "fixed_size_list<float>[8]");
  // Columns inferred from JSON rows keep the rows' key order.
  EXPECT_EQ(info["schema"][0]["name"], "id");
  EXPECT_EQ(info["schema"][1]["name"], "category");

  auto [s3, added] = Post("/tables/items/rows", {{"rows", MakeRows(200, 250)}});
  EXPECT_EQ(s3, 200) << added.dump();
  EXPECT_EQ(added["num_rows_added"], 50);

  // Vector search: equal to the embedded library's answer.
  std::vector<float> q = RowVector(7);
  auto [s4, found] = Post("/tables/items/search", {{"vector", q}, {"limit", 5}, {"where", "category = 'b'"}});
  ASSERT_EQ(s4, 200) << found.dump();
  TablePtr table = Embedded("items");
  auto want = table->Search(q).Where("category = 'b'").Limit(5).ToBatch();
  ASSERT_TRUE(want.ok());
  ASSERT_EQ(found["num_rows"], 5);
  const int64_t* want_ids = (*want)->GetColumn("id")->values<int64_t>();
  const float* want_d = (*want)->GetColumn("_distance")->values<float>();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(found["rows"][i]["id"], want_ids[i]);
    EXPECT_NEAR(found["rows"][i]["_distance"].get<double>(), want_d[i], 1e-6);
    EXPECT_EQ(found["rows"][i]["category"], "b");
  }
  // POST /search names the table in the body.
  auto [s5, same] =
      Post("/search", {{"table", "items"}, {"vector", q}, {"limit", 5}, {"where", "category = 'b'"}});
  EXPECT_EQ(s5, 200);
  EXPECT_EQ(same["rows"], found["rows"]);

  // Full-text and hybrid search after an FTS index.
  auto [s6, idx] = Post("/tables/items/indexes", {{"column", "text"}, {"index_type", "FTS"}});
  ASSERT_EQ(s6, 201) << idx.dump();
  auto [s7, text] =
      Post("/tables/items/search", {{"text", "flutter"}, {"limit", 10}, {"columns", {"id", "text"}}});
  ASSERT_EQ(s7, 200) << text.dump();
  EXPECT_EQ(text["num_rows"], 10);
  for (const Json& row : text["rows"]) {
    EXPECT_NE(row["text"].get<std::string>().find("flutter"), std::string::npos);
    EXPECT_GT(row["_score"].get<double>(), 0);
  }
  auto [s8, hybrid] = Post("/tables/items/search", {{"vector", q}, {"text", "flutter"}, {"limit", 5}});
  ASSERT_EQ(s8, 200) << hybrid.dump();
  EXPECT_EQ(hybrid["num_rows"], 5);

  // Count, update, delete, merge.
  auto [s9, count] = Post("/tables/items/count", {{"where", "category = 'a'"}});
  EXPECT_EQ(s9, 200);
  EXPECT_EQ(count["count"], *table->CountRows("category = 'a'"));
  auto [s10, updated] = Post("/tables/items/update", {{"set", {{"category", "'c'"}}}, {"where", "id < 10"}});
  EXPECT_EQ(s10, 200) << updated.dump();
  EXPECT_EQ(updated["rows_updated"], 10);
  auto [s11, deleted] = Post("/tables/items/delete", {{"where", "id >= 240"}});
  EXPECT_EQ(s11, 200);
  EXPECT_EQ(deleted["num_deleted_rows"], 10);
  Json merge_rows = MakeRows(235, 245);  // 5 exist (235..239), 5 are new
  auto [s12, merged] = Post("/tables/items/merge", {{"on", {"id"}},
                                                    {"rows", merge_rows},
                                                    {"when_matched_update_all", true},
                                                    {"when_not_matched_insert_all", true}});
  EXPECT_EQ(s12, 200) << merged.dump();
  EXPECT_EQ(merged["num_updated_rows"], 5);
  EXPECT_EQ(merged["num_inserted_rows"], 5);
  ASSERT_TRUE(table->Refresh().ok());
  EXPECT_EQ(*table->CountRows(), 245);
  EXPECT_EQ(*table->CountRows("category = 'c'"), 10);

  // Indexes: list and drop.
  auto [s17, indexes] = Get("/tables/items/indexes");
  EXPECT_EQ(s17, 200);
  ASSERT_EQ(indexes["indexes"].size(), 1u);
  EXPECT_EQ(indexes["indexes"][0]["name"], "text_idx");
  auto res = client_->Delete("/tables/items/indexes/text_idx");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(Get("/tables/items/indexes").second["indexes"].size(), 0u);

  // Versions and restore.
  auto [s13, versions] = Get("/tables/items/versions");
  EXPECT_EQ(s13, 200);
  const int64_t latest = versions["versions"].back()["version"];
  auto [s14, old_count] = Post("/tables/items/count", {{"version", 1}});
  EXPECT_EQ(old_count["count"], 200);
  auto [s15, restored] = Post("/tables/items/restore", {{"version", 1}});
  EXPECT_EQ(s15, 200) << restored.dump();
  EXPECT_EQ(restored["version"], latest + 1);
  auto [s16, now] = Post("/tables/items/count", Json::object());
  EXPECT_EQ(now["count"], 200);

  // Drop.
  auto dropped = client_->Delete("/tables/items");
  ASSERT_TRUE(dropped);
  EXPECT_EQ(dropped->status, 200);
  EXPECT_EQ(Get("/tables/items").first, 404);
}

TEST_F(HttpTest, ArrowBodiesAndAnswers) {
  Start();
  // Build a batch with the library, upload it as an LZ4-compressed stream.
  Json rows = MakeRows(0, 100);
  auto [s0, created] = Post("/tables", {{"name", "json_items"}, {"rows", rows}});
  ASSERT_EQ(s0, 201);
  auto batch = Embedded("json_items")->Scan().ToBatch();
  ASSERT_TRUE(batch.ok());
  convert::IpcWriteOptions lz4;
  lz4.compression = convert::IpcCompression::kLz4Frame;
  auto stream = convert::WriteIpcStream((*batch)->schema(), {*batch}, lz4);
  ASSERT_TRUE(stream.ok());
  auto res = client_->Post("/tables?name=arrow_items", *stream, "application/vnd.apache.arrow.stream");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  // Search answered as Arrow.
  httplib::Headers accept = {{"Accept", "application/vnd.apache.arrow.stream"}};
  res = client_->Post("/tables/arrow_items/search", accept,
                      Json{{"vector", RowVector(3)}, {"limit", 3}}.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/vnd.apache.arrow.stream");
  auto answer = convert::ReadIpc(res->body);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(answer->batches.size(), 1u);
  EXPECT_EQ(answer->batches[0]->GetColumn("id")->values<int64_t>()[0], 3);
  EXPECT_EQ(answer->batches[0]->GetColumn("_distance")->values<float>()[0], 0.0f);

  // A truncated Arrow body is a 400 and changes nothing.
  res = client_->Post("/tables/arrow_items/rows", stream->substr(0, stream->size() / 2),
                      "application/vnd.apache.arrow.stream");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("Arrow"), std::string::npos) << res->body;
  EXPECT_EQ(*Embedded("arrow_items")->CountRows(), 100);
  EXPECT_EQ(Embedded("arrow_items")->version(), 1u);
}

TEST_F(HttpTest, BadRequestsAreAnsweredAndChangeNothing) {
  Start();
  CreateItems(20);
  auto res = client_->Post("/tables/items/rows", "{\"rows\": [", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("malformed JSON"), std::string::npos);

  Json wrong_dim = MakeRows(20, 21);
  wrong_dim[0]["vector"] = {1.0, 2.0, 3.0};
  auto [s1, dim] = Post("/tables/items/rows", {{"rows", wrong_dim}});
  EXPECT_EQ(s1, 400);
  EXPECT_NE(dim["error"]["message"].get<std::string>().find("vector"), std::string::npos) << dim.dump();

  auto [s2, bad_vec] = Post("/tables/items/search", {{"vector", {1.0, 2.0}}, {"limit", 3}});
  EXPECT_EQ(s2, 400) << bad_vec.dump();
  auto [s3, bad_filter] = Post("/tables/items/search", {{"where", "id > AND"}, {"limit", 3}});
  EXPECT_EQ(s3, 400);
  EXPECT_NE(bad_filter["error"]["message"].get<std::string>().find("position"), std::string::npos);
  auto [s4, unknown] = Post("/tables/nosuch/search", {{"limit", 3}});
  EXPECT_EQ(s4, 404);
  // Errors do not tell clients where the database lives on the server.
  EXPECT_EQ(unknown.dump().find(dir_.path()), std::string::npos) << unknown.dump();
  EXPECT_NE(unknown["error"]["message"].get<std::string>().find("nosuch"), std::string::npos);
  // Names that could leave the database folder never reach a table.
  auto [s5, traversal] = Get("/tables/..");
  EXPECT_EQ(s5, 400) << traversal.dump();
  EXPECT_EQ(Get("/tables/..%2F..%2Fetc").first, 404);
  EXPECT_EQ(Post("/tables", {{"name", "../x"}, {"rows", MakeRows(0, 1)}}).first, 400);
  auto [s6, empty_name] = Post("/tables", {{"rows", MakeRows(0, 1)}});
  EXPECT_EQ(s6, 400);
  auto [s7, exists] = Post("/tables", {{"name", "items"}, {"rows", MakeRows(0, 1)}});
  EXPECT_EQ(s7, 409);
  auto [s8, not_array] = Post("/tables/items/rows", {{"rows", 5}});
  EXPECT_EQ(s8, 400);

  TablePtr table = Embedded("items");
  EXPECT_EQ(*table->CountRows(), 20);
  EXPECT_EQ(table->version(), 1u);
}

TEST_F(HttpTest, ApiKeysScopesAndRateLimits) {
  ServerOptions o;
  o.api_keys = {{"writer", Scope::kWrite}, {"reader", Scope::kRead}};
  o.rate_limit = 0.01;  // effectively: the burst and then nothing
  o.rate_burst = 6;
  Start(o);
  EXPECT_EQ(Get("/tables").first, 401);  // no key: not counted against any bucket
  EXPECT_EQ(Get("/tables", {{"x-api-key", "nope"}}).first, 401);
  // A large body with a wrong key is refused (and dropped unread), not 413.
  {
    httplib::Client fresh("127.0.0.1", server_->port());
    auto refused =
        fresh.Post("/tables", {{"x-api-key", "nope"}}, std::string(1 << 20, ' '), "application/json");
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401);
  }
  auto [s1, created] = Post("/tables", {{"name", "t"}, {"rows", MakeRows(0, 3)}}, {{"x-api-key", "writer"}});
  EXPECT_EQ(s1, 201) << created.dump();
  EXPECT_EQ(Get("/tables", {{"Authorization", "Bearer reader"}}).first, 200);
  auto [s2, forbidden] = Post("/tables/t/delete", {{"where", "true"}}, {{"x-api-key", "reader"}});
  EXPECT_EQ(s2, 403);
  EXPECT_NE(forbidden["error"]["message"].get<std::string>().find("read-only"), std::string::npos);
  // Health needs no key (probes); metrics do.
  EXPECT_EQ(Get("/health").first, 200);
  EXPECT_EQ(Get("/metrics").first, 401);
  // reader has used 1 of its 6 (refused requests take no token); five more
  // pass, then 429 with Retry-After.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Get("/tables", {{"x-api-key", "reader"}}).first, 200);
  auto res = client_->Get("/tables", {{"x-api-key", "reader"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_FALSE(res->get_header_value("Retry-After").empty());
  // Another key has its own bucket.
  EXPECT_EQ(Get("/tables", {{"x-api-key", "writer"}}).first, 200);
}

TEST_F(HttpTest, BodyLimitsAnswer413) {
  ServerOptions o;
  o.max_body_bytes = 4096;
  o.max_rows_per_request = 50;
  Start(o);
  std::string big(10000, ' ');
  auto res = client_->Post("/tables", big, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  // A chunked upload (no Content-Length) is limited too.
  httplib::Client chunked("127.0.0.1", server_->port());
  res = chunked.Post(
      "/tables",
      [&](size_t offset, httplib::DataSink& sink) {
        if (offset >= 20000) {
          sink.done();
          return true;
        }
        std::string part(1000, ' ');
        return sink.write(part.data(), part.size());
      },
      "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  // Too many rows in one request.
  httplib::Client fresh("127.0.0.1", server_->port());
  Json rows = Json::array();
  for (int i = 0; i < 60; ++i) rows.push_back({{"id", i}});
  res = fresh.Post("/tables", Json{{"name", "t"}, {"rows", rows}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413) << res->body;
  EXPECT_EQ(fresh.Get("/tables/t")->status, 404);
}

// LanceDB's client sends some POSTs with neither Content-Length nor a
// chunked body: they have no body, and are answered at once.
TEST_F(HttpTest, PostWithoutContentLengthHasNoBody) {
  Start();
  CreateItems(5);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  const std::string request = "POST /v1/table/items/describe/ HTTP/1.1\r\nHost: test\r\n\r\n";
  ASSERT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  char buf[4096];
  const ssize_t n = recv(fd, buf, sizeof(buf), 0);
  close(fd);
  ASSERT_GT(n, 0) << "no answer within 5 s";
  EXPECT_TRUE(std::string(buf, static_cast<size_t>(n)).starts_with("HTTP/1.1 200"));
}

TEST_F(HttpTest, MetricsCountRequestsPerRoute) {
  Start();
  CreateItems(10);
  Post("/tables/items/search", {{"vector", RowVector(1)}, {"limit", 2}});
  Get("/nope");
  // A request is counted right after its answer is written, so the client
  // may see the answer first: read the metrics until the last one shows.
  std::string m;
  for (int attempt = 0; attempt < 200; ++attempt) {
    auto res = client_->Get("/metrics");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    m = res->body;
    if (m.find("status=\"404\"} 1") != std::string::npos &&
        m.find("/tables/{name}/search\",method=\"POST\",status=\"200\"} 1") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_NE(m.find("quiver_http_requests_total{route=\"/tables\",method=\"POST\",status=\"201\"} 1"),
            std::string::npos)
      << m;
  EXPECT_NE(
      m.find("quiver_http_requests_total{route=\"/tables/{name}/search\",method=\"POST\",status=\"200\"} 1"),
      std::string::npos);
  EXPECT_NE(m.find("quiver_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(m.find("quiver_http_request_duration_seconds_bucket{route=\"/tables/{name}/search\""),
            std::string::npos);
  EXPECT_NE(m.find("quiver_searches_total{kind=\"vector\"} 1"), std::string::npos);
  EXPECT_NE(m.find("quiver_search_store_requests_count 1\n"), std::string::npos) << m;
  EXPECT_NE(m.find("quiver_search_store_bytes_total"), std::string::npos);
  EXPECT_NE(m.find("quiver_rows_written_total 10"), std::string::npos);
  EXPECT_NE(m.find("quiver_tables 1"), std::string::npos);
  EXPECT_NE(m.find("quiver_store_bytes_read_total"), std::string::npos);
}

TEST_F(HttpTest, ConcurrentWritersAllLand) {
  Start();
  CreateItems(10);
  constexpr int kWriters = 4, kWrites = 5, kRowsEach = 7;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      httplib::Client c("127.0.0.1", server_->port());
      for (int i = 0; i < kWrites; ++i) {
        int64_t begin = 1000 + (w * kWrites + i) * kRowsEach;
        auto res = c.Post("/tables/items/rows", Json{{"rows", MakeRows(begin, begin + kRowsEach)}}.dump(),
                          "application/json");
        if (!res || res->status != 200) ++failures;
      }
    });
  }
  // Readers at the same time see a growing, consistent count.
  std::thread reader([&] {
    httplib::Client c("127.0.0.1", server_->port());
    int64_t last = 0;
    for (int i = 0; i < 20; ++i) {
      auto res = c.Post("/tables/items/count", "{}", "application/json");
      if (!res || res->status != 200) {
        ++failures;
        continue;
      }
      int64_t n = Json::parse(res->body)["count"];
      if (n < last || (n - 10) % kRowsEach != 0) ++failures;
      last = n;
    }
  });
  for (auto& t : threads) t.join();
  reader.join();
  EXPECT_EQ(failures, 0);
  TablePtr table = Embedded("items");
  EXPECT_EQ(*table->CountRows(), 10 + kWriters * kWrites * kRowsEach);
  auto versions = table->ListVersions();
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions->size(), 1u + kWriters * kWrites);
}

TEST_F(HttpTest, QueryTimeoutAnswers504) {
  Start();
  CreateItems(20);
  // Make a table big enough that a regular-expression scan takes well over 1 ms.
  Json rows = Json::array();
  for (int i = 0; i < 20000; ++i) rows.push_back({{"id", i}, {"s", std::string(200, 'a' + i % 26)}});
  ASSERT_EQ(Post("/tables", {{"name", "big"}, {"rows", rows}}).first, 201);
  httplib::Headers timeout = {{"x-request-timeout-ms", "1"}};
  auto [status, body] =
      Post("/tables/big/search",
           {{"where", "regexp_match(s, '(a|b)+z$') OR regexp_match(s, '^(c|d)+y')"}, {"limit", 10}}, timeout);
  EXPECT_EQ(status, 504) << body.dump();
  EXPECT_NE(body["error"]["message"].get<std::string>().find("timed out"), std::string::npos);
  // Without the header the same query answers.
  EXPECT_EQ(Post("/tables/big/search", {{"where", "regexp_match(s, '(a|b)+z$')"}, {"limit", 10}}).first, 200);
}

TEST_F(HttpTest, StopLetsInFlightWritesFinish) {
  Start();
  CreateItems(10);
  std::atomic<int> status{0};
  std::thread writer([&] {
    httplib::Client c("127.0.0.1", server_->port());
    auto res = c.Post("/tables/items/rows", Json{{"rows", MakeRows(10, 20010)}}.dump(), "application/json");
    status = res ? res->status : -1;
  });
  // Stop once the request is being served (the metrics would show it; a
  // short sleep is enough for the upload to start).
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  server_->Stop();
  writer.join();
  thread_.join();
  TablePtr table = Embedded("items");
  int64_t rows = *table->CountRows();
  if (status == 200) {
    EXPECT_EQ(rows, 20010);
  } else {
    // Refused before it was read: nothing half-written.
    EXPECT_EQ(rows, 10);
  }
}

TEST_F(HttpTest, LanceRoutesSpeakTheProtocol) {
  Start();
  CreateItems(50);
  auto batch = Embedded("items")->Scan().ToBatch();
  ASSERT_TRUE(batch.ok());
  convert::IpcWriteOptions lz4;
  lz4.compression = convert::IpcCompression::kLz4Frame;
  auto stream = convert::WriteIpcStream((*batch)->schema(), {*batch}, lz4);
  ASSERT_TRUE(stream.ok());
  auto res =
      client_->Post("/v1/table/lance/create/?mode=create", *stream, "application/vnd.apache.arrow.stream");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  // The protocol level LanceDB's clients read (0.3: structured FTS queries).
  EXPECT_EQ(res->get_header_value("phalanx-version"), "0.3.0");
  // Again: a 400 whose body says "already exists".
  res = client_->Post("/v1/table/lance/create/?mode=create", *stream, "application/vnd.apache.arrow.stream");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_NE(res->body.find("already exists"), std::string::npos);

  auto [s1, tables] = Get("/v1/table/");
  EXPECT_EQ(s1, 200);
  EXPECT_EQ(tables["tables"], Json::array({"items", "lance"}));
  auto [s2, describe] = Post("/v1/table/lance/describe/", {{"version", nullptr}});
  EXPECT_EQ(s2, 200);
  EXPECT_EQ(describe["version"], 1);
  EXPECT_EQ(describe["schema"]["fields"][3]["type"]["type"], "fixed_size_list");
  EXPECT_EQ(describe["schema"]["fields"][3]["type"]["length"], kDim);

  res = client_->Post("/v1/table/lance/count_rows/", R"({"predicate":"id < 10","version":null})",
                      "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "10");

  Json query{{"vector", RowVector(4)}, {"k", 3}, {"prefilter", true}, {"version", nullptr}, {"nprobes", 20}};
  res = client_->Post("/v1/table/lance/query/", query.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/vnd.apache.arrow.file");
  auto answer = convert::ReadIpc(res->body);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->batches[0]->num_rows(), 3);
  EXPECT_EQ(answer->batches[0]->GetColumn("id")->values<int64_t>()[0], 4);

  // A plain query sorted by a column the answer does not include.
  Json sorted{{"vector", Json::array()},
              {"k", 4},
              {"offset", 1},
              {"columns", {"id"}},
              {"filter", "id < 20"},
              {"order_by", {{{"column_name", "id"}, {"ascending", false}, {"nulls_first", false}}}}};
  res = client_->Post("/v1/table/lance/query/", sorted.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  answer = convert::ReadIpc(res->body);
  ASSERT_TRUE(answer.ok());
  ASSERT_EQ(answer->batches[0]->num_rows(), 4);
  EXPECT_EQ(answer->batches[0]->num_columns(), 1);
  EXPECT_EQ(answer->batches[0]->GetColumn("id")->values<int64_t>()[0], 18);
  EXPECT_EQ(answer->batches[0]->GetColumn("id")->values<int64_t>()[3], 15);
  sorted["order_by"][0]["column_name"] = "vector";
  res = client_->Post("/v1/table/lance/query/", sorted.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;

  auto [s3, idx] = Post("/v1/table/lance/create_index/",
                        {{"column", "text"}, {"index_type", "FTS"}, {"with_position", false}});
  EXPECT_EQ(s3, 200) << idx.dump();
  Json fts{{"full_text_query", {{"columns", Json::array()}, {"query", "flutter"}}},
           {"k", 5},
           {"vector", Json::array()},
           {"with_row_id", true}};
  res = client_->Post("/v1/table/lance/query/", fts.dump(), "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  answer = convert::ReadIpc(res->body);
  ASSERT_TRUE(answer.ok());
  EXPECT_TRUE(answer->batches[0]->GetColumn("_score"));
  EXPECT_TRUE(answer->batches[0]->GetColumn("_rowid"));

  auto [s4, deleted] = Post("/v1/table/lance/delete/", {{"predicate", "id >= 40"}});
  EXPECT_EQ(s4, 200);
  EXPECT_EQ(deleted["num_deleted_rows"], 10);
  auto [s5, updated] =
      Post("/v1/table/lance/update/",
           {{"updates", Json::array({Json::array({"text", "'updated'"})})}, {"predicate", "id = 1"}});
  EXPECT_EQ(s5, 200);
  EXPECT_EQ(updated["rows_updated"], 1);
  auto [s6, indexes] = Post("/v1/table/lance/index/list/", {{"version", nullptr}});
  EXPECT_EQ(indexes["indexes"][0]["index_name"], "text_idx");
  auto [s7, stats] = Post("/v1/table/lance/index/text_idx/stats/", Json::object());
  EXPECT_EQ(s7, 200);
  EXPECT_EQ(stats["index_type"], "FTS");
  auto [s8, versions] = Post("/v1/table/lance/version/list/", Json::object());
  EXPECT_EQ(versions["versions"].size(), 4u);
  EXPECT_TRUE(versions["versions"][0]["timestamp"].get<std::string>().ends_with("Z"));

  // Errors on LanceDB routes are plain text; a missing table is 404.
  res = client_->Post("/v1/table/nosuch/describe/", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_NE(res->body.find("nosuch"), std::string::npos);
}

TEST_F(HttpTest, ServesHttpsWithCertificate) {
  if (std::system("command -v openssl > /dev/null 2>&1") != 0) GTEST_SKIP() << "openssl command not found";
  std::string cert = dir_.Join("cert.pem"), key = dir_.Join("key.pem");
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " + key +
                    " -out " + cert + " > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ServerOptions o;
  o.tls_cert_file = cert;
  o.tls_key_file = key;
  Start(o);
  httplib::SSLClient tls("127.0.0.1", server_->port());
  tls.enable_server_certificate_verification(false);
  auto res = tls.Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  // Plain HTTP to the TLS port gets no answer.
  httplib::Client plain("127.0.0.1", server_->port());
  plain.set_read_timeout(2);
  auto refused = plain.Get("/health");
  EXPECT_TRUE(!refused || refused->status != 200);
}

}  // namespace
}  // namespace quiver::server
