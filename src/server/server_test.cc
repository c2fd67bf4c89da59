// Unit tests of the server's parts that need no socket: API keys, rate
// limits, metrics text, Lance's schema JSON and search-body parsing.
#include <gtest/gtest.h>

#include "server/auth.h"
#include "server/lance_schema.h"
#include "server/metrics.h"
#include "server/search_request.h"
#include "server/server.h"

namespace quiver::server {
namespace {

TEST(ApiKeyTest, ParsesScopes) {
  auto rw = ParseApiKey("abc");
  ASSERT_TRUE(rw.ok());
  EXPECT_EQ(rw->key, "abc");
  EXPECT_EQ(rw->scope, Scope::kWrite);
  auto ro = ParseApiKey("abc:ro");
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ(ro->key, "abc");
  EXPECT_EQ(ro->scope, Scope::kRead);
  EXPECT_FALSE(ParseApiKey("").ok());
  EXPECT_FALSE(ParseApiKey(":ro").ok());
  EXPECT_FALSE(ParseApiKey("a b").ok());
}

TEST(AuthenticatorTest, ChecksKeysAndScopes) {
  Authenticator none({});
  EXPECT_EQ(none.Check("", "", Scope::kWrite).status, 200);

  Authenticator auth({{"writer", Scope::kWrite}, {"reader", Scope::kRead}});
  EXPECT_EQ(auth.Check("", "", Scope::kRead).status, 401);
  EXPECT_EQ(auth.Check("wrong", "", Scope::kRead).status, 401);
  EXPECT_EQ(auth.Check("reader", "", Scope::kRead).status, 200);
  EXPECT_EQ(auth.Check("reader", "", Scope::kWrite).status, 403);
  EXPECT_EQ(auth.Check("writer", "", Scope::kWrite).status, 200);
  EXPECT_EQ(auth.Check("", "Bearer writer", Scope::kWrite).status, 200);
  EXPECT_EQ(auth.Check("", "bearer reader", Scope::kWrite).status, 403);
  EXPECT_EQ(auth.Check("", "Basic writer", Scope::kWrite).status, 401);
}

TEST(RateLimiterTest, AllowsBurstThenAsksToWait) {
  RateLimiter limiter(0.5, 2);  // one token every 2 s
  EXPECT_FALSE(limiter.Acquire("a").has_value());
  EXPECT_FALSE(limiter.Acquire("a").has_value());
  auto wait = limiter.Acquire("a");
  ASSERT_TRUE(wait.has_value());
  EXPECT_GE(*wait, 1);
  EXPECT_LE(*wait, 2);
  // Buckets are per key.
  EXPECT_FALSE(limiter.Acquire("b").has_value());
  RateLimiter off(0, 0);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(off.Acquire("a").has_value());
}

TEST(RateLimiterTest, ForgetsRefilledBucketsButNotLimitedOnes) {
  // Refills at once: every bucket but the newest is full again.
  RateLimiter fast(1e9, 2);
  for (int i = 0; i < 3 * static_cast<int>(RateLimiter::kMaxIdleBuckets); ++i) {
    EXPECT_FALSE(fast.Acquire("client-" + std::to_string(i)).has_value());
  }
  EXPECT_LE(fast.buckets(), RateLimiter::kMaxIdleBuckets + 1);
  // Never refills: nothing may be forgotten, and "x" stays limited.
  RateLimiter slow(1e-9, 1);
  EXPECT_FALSE(slow.Acquire("x").has_value());
  for (int i = 0; i < 2 * static_cast<int>(RateLimiter::kMaxIdleBuckets); ++i)
    (void)slow.Acquire(std::to_string(i));
  EXPECT_EQ(slow.buckets(), 2 * RateLimiter::kMaxIdleBuckets + 1);
  EXPECT_TRUE(slow.Acquire("x").has_value());
}

TEST(MetricsTest, RendersCountersAndCumulativeHistograms) {
  Metrics m;
  m.RecordRequest("/tables", "GET", 200, 0.0003);
  m.RecordRequest("/tables", "GET", 200, 0.02);
  m.RecordRequest("/tables", "GET", 404, 0.001);
  m.AddSearch("vector");
  m.AddRowsWritten(5);
  std::string text = m.Render({{"quiver_tables", "Tables.", "gauge", 3}});
  EXPECT_NE(text.find("quiver_http_requests_total{route=\"/tables\",method=\"GET\",status=\"200\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("quiver_http_requests_total{route=\"/tables\",method=\"GET\",status=\"404\"} 1\n"),
            std::string::npos);
  // 0.0003 s falls in le=0.0005, so that bucket and all above hold it.
  EXPECT_NE(text.find("le=\"0.00025\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("le=\"0.0005\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("le=\"0.025\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("quiver_http_request_duration_seconds_count{route=\"/tables\",method=\"GET\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("quiver_searches_total{kind=\"vector\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("quiver_rows_written_total 5\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE quiver_tables gauge\nquiver_tables 3\n"), std::string::npos);
  EXPECT_EQ(EscapeLabel("a\"b\\c\n"), "a\\\"b\\\\c\\n");
}

TEST(LanceSchemaTest, UsesLanceTypeNamesAndRoundTrips) {
  Schema schema({Field("id", int64(), false), Field("price", float64()), Field("score", float32()),
                 Field("half", float16()), Field("text", utf8()), Field("big", large_utf8()),
                 Field("vector", vector_type(4)), Field("tags", list(utf8())),
                 Field("meta", struct_({Field("source", utf8())})),
                 Field("at", timestamp(TimeUnit::kMicro, "UTC")), Field("local", timestamp(TimeUnit::kMilli)),
                 Field("day", date32())});
  nlohmann::ordered_json j = LanceSchemaJson(schema);
  const auto& f = j["fields"];
  EXPECT_EQ(f[0]["type"]["type"], "int64");
  EXPECT_EQ(f[0]["nullable"], false);
  EXPECT_EQ(f[1]["type"]["type"], "double");
  EXPECT_EQ(f[2]["type"]["type"], "float");
  EXPECT_EQ(f[3]["type"]["type"], "halffloat");
  EXPECT_EQ(f[4]["type"]["type"], "string");
  EXPECT_EQ(f[5]["type"]["type"], "large_string");
  EXPECT_EQ(f[6]["type"]["type"], "fixed_size_list");
  EXPECT_EQ(f[6]["type"]["length"], 4);
  EXPECT_EQ(f[6]["type"]["fields"][0]["type"]["type"], "float");
  EXPECT_EQ(f[7]["type"]["type"], "list");
  EXPECT_EQ(f[8]["type"]["type"], "struct");
  EXPECT_EQ(f[9]["type"]["type"], "timestamp:us:UTC");
  EXPECT_EQ(f[10]["type"]["type"], "timestamp:ms:-");
  EXPECT_EQ(f[11]["type"]["type"], "date32:day");
  for (size_t i = 0; i < f.size(); ++i) {
    auto back = ParseLanceType(f[i]["type"]);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_TRUE((*back)->Equals(*schema.field(static_cast<int>(i)).type)) << f[i].dump();
  }
  EXPECT_FALSE(ParseLanceType(nlohmann::ordered_json{{"type", "float64"}}).ok());
  EXPECT_FALSE(ParseLanceType(nlohmann::ordered_json{{"type", "fixed_size_list"}}).ok());
  auto quiver_name = ParseLanceType(nlohmann::ordered_json("float32"));
  ASSERT_TRUE(quiver_name.ok());
  EXPECT_EQ((*quiver_name)->id(), TypeId::kFloat32);
}

TEST(SearchRequestTest, ReadsLanceQueryBodies) {
  auto body = nlohmann::ordered_json::parse(R"({"vector":[1,2,3],"k":5,"nprobes":20,"minimum_nprobes":20,
      "maximum_nprobes":20,"refine_factor":null,"ef":null,"lower_bound":null,"upper_bound":0.5,
      "prefilter":true,"version":null,"filter":"id > 1","columns":["id","text"]})");
  auto r = ParseSearchRequest(body, true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->vectors.size(), 1u);
  EXPECT_EQ(r->vectors[0], (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(r->limit, 5);
  EXPECT_EQ(r->nprobes, 20);
  EXPECT_EQ(r->max_nprobes, 20);
  EXPECT_EQ(r->filter, "id > 1");
  EXPECT_EQ(r->columns, (std::vector<std::string>{"id", "text"}));
  EXPECT_FALSE(r->lower_bound.has_value());
  EXPECT_EQ(r->upper_bound, 0.5f);
  EXPECT_FALSE(r->version.has_value());
  EXPECT_EQ(SearchKind(*r), "vector");
  // An unbounded maximum is 0; without one the maximum is nprobes.
  auto unbounded = ParseSearchRequest(
      nlohmann::ordered_json::parse(R"({"vector":[1],"minimum_nprobes":5,"maximum_nprobes":0})"), true);
  ASSERT_TRUE(unbounded.ok());
  EXPECT_EQ(unbounded->nprobes, 5);
  EXPECT_EQ(unbounded->max_nprobes, 0);
  auto plain = ParseSearchRequest(nlohmann::ordered_json::parse(R"({"vector":[1],"nprobes":5})"), true);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->max_nprobes.has_value());

  // A plain query with no limit: k = isize::MAX, vector [].
  auto scan = ParseSearchRequest(
      nlohmann::ordered_json::parse(R"({"filter":"id < 3","k":9223372036854775807,"vector":[],"version":3})"),
      true);
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  EXPECT_EQ(scan->limit, -1);
  EXPECT_EQ(scan->version, 3u);
  EXPECT_EQ(SearchKind(*scan), "scan");
  EXPECT_TRUE(LimitResultRows(&*scan, 100).ok());
  EXPECT_EQ(scan->limit, 101);

  auto fts = ParseSearchRequest(
      nlohmann::ordered_json::parse(
          R"({"full_text_query":{"columns":[],"query":"wing flutter"},"k":2,"vector":[]})"),
      true);
  ASSERT_TRUE(fts.ok());
  ASSERT_TRUE(fts->text);
  EXPECT_EQ(fts->text->kind, FtsQuery::Kind::kMatch);
  EXPECT_EQ(fts->text->text, "wing flutter");
  EXPECT_EQ(SearchKind(*fts), "text");
}

TEST(SearchRequestTest, ReadsStructuredFullTextQueries) {
  auto q = ParseLanceFtsQuery(nlohmann::ordered_json::parse(R"({"boolean":{
      "must":[{"match":{"column":"text","terms":"wing","operator":"And","fuzziness":1}}],
      "should":[{"phrase":{"column":"text","terms":"boundary layer","slop":2}}],
      "must_not":[{"match":{"terms":"supersonic"}}]}})"));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ((*q)->kind, FtsQuery::Kind::kBoolean);
  ASSERT_EQ((*q)->must.size(), 1u);
  EXPECT_TRUE((*q)->must[0]->conjunction);
  EXPECT_EQ((*q)->must[0]->fuzziness, 1);
  EXPECT_EQ((*q)->should[0]->kind, FtsQuery::Kind::kPhrase);
  EXPECT_EQ((*q)->should[0]->slop, 2);
  EXPECT_EQ((*q)->must_not[0]->text, "supersonic");
  EXPECT_FALSE(ParseLanceFtsQuery(nlohmann::ordered_json::parse(R"({"regex":{"terms":"a"}})")).ok());
  EXPECT_FALSE(ParseLanceFtsQuery(nlohmann::ordered_json::parse(R"({"match":{"column":"text"}})")).ok());
}

TEST(SearchRequestTest, ReadsOrderByAndRefusesItOnSearches) {
  auto r = ParseSearchRequest(nlohmann::ordered_json::parse(R"({"vector":[],"k":10,"order_by":[
      {"column_name":"price","ascending":false,"nulls_first":false},{"column":"id"}]})"),
                              true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->order_by.size(), 2u);
  EXPECT_EQ(r->order_by[0].column, "price");
  EXPECT_FALSE(r->order_by[0].ascending);
  EXPECT_EQ(r->order_by[1].column, "id");
  EXPECT_TRUE(r->order_by[1].ascending);
  for (const char* bad : {R"({"order_by":"price"})", R"({"order_by":[{"ascending":true}]})",
                          R"({"order_by":[{"column_name":"id","ascending":"yes"}]})"}) {
    EXPECT_FALSE(ParseSearchRequest(nlohmann::ordered_json::parse(bad), true).ok()) << bad;
  }
}

TEST(SearchRequestTest, RejectsBadFields) {
  for (const char* bad :
       {R"({"vector":"abc"})", R"({"vector":[1,"x"]})", R"({"k":-1})", R"({"k":"ten"})", R"({"filter":5})",
        R"({"columns":5})", R"({"nprobes":-3})", R"({"maximum_nprobes":-1})", R"({"version":0})",
        R"({"prefilter":"yes"})", R"({"reranker":"magic"})", R"([1,2])"}) {
    auto r = ParseSearchRequest(nlohmann::ordered_json::parse(bad), false);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  auto limit = ParseSearchRequest(nlohmann::ordered_json::parse(R"({"limit":50})"), false);
  ASSERT_TRUE(limit.ok());
  EXPECT_FALSE(LimitResultRows(&*limit, 10).ok());
}

TEST(ServerOptionsTest, RefusesPublicAddressWithoutKey) {
  ServerOptions o;
  o.db_uri = "memory://server-options-test";
  o.host = "0.0.0.0";
  auto refused = Server::Create(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("API key"), std::string::npos);
  o.api_keys.push_back({"k", Scope::kWrite});
  EXPECT_TRUE(Server::Create(o).ok());
  o.api_keys.clear();
  o.allow_unauthenticated = true;
  EXPECT_TRUE(Server::Create(o).ok());
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  o.tls_cert_file = "/nonexistent/cert.pem";
  EXPECT_FALSE(Server::Create(o).ok());
}

}  // namespace
}  // namespace quiver::server
