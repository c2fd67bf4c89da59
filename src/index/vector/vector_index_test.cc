#include "index/vector/vector_index.h"

#include <gtest/gtest.h>

namespace quiver::index {
namespace {

TEST(VectorIndexTest, TypeNamesRoundTrip) {
  for (int t = 0; t <= 6; ++t) {
    const auto type = static_cast<VectorIndexType>(t);
    auto parsed = ParseVectorIndexType(VectorIndexTypeName(type));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, type);
  }
  EXPECT_EQ(*ParseVectorIndexType("ivf_pq"), VectorIndexType::kIvfPq);
  auto bad = ParseVectorIndexType("IVF_BOGUS");
  ASSERT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_NE(bad.status().message().find("IVF_BOGUS"), std::string::npos);
  EXPECT_NE(bad.status().message().find("IVF_PQ"), std::string::npos);
}

TEST(VectorIndexTest, MetaJson) {
  VectorIndexMeta meta;
  meta.type = VectorIndexType::kIvfSq;
  meta.metric = Metric::kDot;
  meta.dim = 64;
  meta.num_rows = 12345;
  meta.size_bytes = 999;
  meta.params = {{"num_partitions", 10}};
  auto back = VectorIndexMeta::FromJson(nlohmann::json::parse(meta.ToJson().dump()));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->type, meta.type);
  EXPECT_EQ(back->metric, meta.metric);
  EXPECT_EQ(back->dim, 64);
  EXPECT_EQ(back->num_rows, 12345);
  EXPECT_EQ(back->size_bytes, 999u);
  EXPECT_EQ(back->params["num_partitions"], 10);
  for (const char* member : {"type", "metric", "dim", "num_rows", "size_bytes", "params"}) {
    nlohmann::json j = meta.ToJson();
    j.erase(member);
    auto res = VectorIndexMeta::FromJson(j);
    ASSERT_TRUE(res.status().IsCorruption()) << member;
    EXPECT_NE(res.status().message().find(member), std::string::npos) << res.status().ToString();
  }
  nlohmann::json j = meta.ToJson();
  j["type"] = "NOPE";
  EXPECT_TRUE(VectorIndexMeta::FromJson(j).status().IsCorruption());
  EXPECT_TRUE(VectorIndexMeta::FromJson(nlohmann::json::array()).status().IsCorruption());
}

}  // namespace
}  // namespace quiver::index
