// Hybrid search: fusion formulas checked against the two searches run
// alone, filters on both sides, custom rerankers and errors.
#include "quiver/hybrid.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>

#include "quiver/builder.h"
#include "quiver/connection.h"
#include "table/test_db.h"
#include "testing.h"

namespace quiver {
namespace {

constexpr int kDim = 8;
const char* kWords[] = {"wing", "flutter", "shock", "wave", "heat", "flow", "plate", "jet"};

BatchPtr MakeBatch(int64_t n) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  auto id = ArrayBuilder::Make(int64());
  auto text = ArrayBuilder::Make(utf8());
  auto category = ArrayBuilder::Make(utf8());
  auto vector = ArrayBuilder::Make(vector_type(kDim));
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_TRUE(id->AppendInt(i).ok());
    std::string t;
    for (int w = 0; w < 6; ++w) t += (w ? " " : "") + std::string(kWords[rng() % 8]);
    EXPECT_TRUE(text->AppendString(t).ok());
    EXPECT_TRUE(category->AppendString(i % 2 ? "odd" : "even").ok());
    float v[kDim];
    for (float& x : v) x = normal(rng);
    EXPECT_TRUE(vector->AppendVector(v, kDim).ok());
  }
  auto schema = std::make_shared<Schema>(std::vector<Field>{Field("id", int64(), false),
                                                            Field("text", utf8()), Field("category", utf8()),
                                                            Field("vector", vector_type(kDim))});
  return std::make_shared<RecordBatch>(
      schema, n, std::vector<ArrayPtr>{id->Finish(), text->Finish(), category->Finish(), vector->Finish()});
}

// Row id -> rank (0-based) of a search's rows.
std::map<uint64_t, int> Ranks(const BatchPtr& batch) {
  std::map<uint64_t, int> out;
  ArrayPtr ids = batch->GetColumn("_rowid");
  for (int64_t i = 0; i < batch->num_rows(); ++i) out[ids->values<uint64_t>()[i]] = static_cast<int>(i);
  return out;
}

class HybridTest : public ::testing::Test {
 protected:
  void SetUp() override {
    QUIVER_SKIP_IF_TEST_DB_UNAVAILABLE();
    auto db = test_db_.Connect();
    ASSERT_TRUE(db.ok());
    auto table = (*db)->CreateTable("docs", {MakeBatch(1000)});
    ASSERT_TRUE(table.ok());
    table_ = *table;
    ASSERT_TRUE(table_->CreateIndex("text", IndexType::kFts).ok());
    query_ = std::vector<float>(kDim, 0.3f);
  }
  testing::TempDir dir_;
  testing::TestDb test_db_{dir_.path()};
  TablePtr table_;
  std::vector<float> query_;
};

TEST_F(HybridTest, RrfFusesBothListsAsLanceDbDoes) {
  HybridQuery q(*table_, query_, "flutter heat");
  q.Limit(10).Columns({"id"}).WithRowId();
  auto rows = q.ToBatch();
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ((*rows)->num_rows(), 10);
  const Schema& schema = *(*rows)->schema();
  ASSERT_EQ(schema.num_fields(), 5);
  EXPECT_EQ(schema.field(1).name, "_distance");
  EXPECT_EQ(schema.field(2).name, "_score");
  EXPECT_EQ(schema.field(3).name, "_relevance_score");
  auto vranks = Ranks(*table_->Search(query_).Limit(10).WithRowId().ToBatch());
  auto tranks = Ranks(*table_->TextSearch("flutter heat").Limit(10).WithRowId().ToBatch());
  const ArrayPtr rel = (*rows)->GetColumn("_relevance_score");
  const ArrayPtr ids = (*rows)->GetColumn("_rowid");
  float last = INFINITY;
  for (int64_t i = 0; i < (*rows)->num_rows(); ++i) {
    const uint64_t id = ids->values<uint64_t>()[i];
    float want = 0;
    if (vranks.count(id)) want += 1.0f / (60.0f + vranks[id]);
    if (tranks.count(id)) want += 1.0f / (60.0f + tranks[id]);
    EXPECT_NEAR(rel->values<float>()[i], want, 1e-6);
    EXPECT_LE(rel->values<float>()[i], last);
    last = rel->values<float>()[i];
    // _distance is null exactly for rows the vector search did not return.
    EXPECT_EQ((*rows)->GetColumn("_distance")->IsNull(i), vranks.count(id) == 0);
    EXPECT_EQ((*rows)->GetColumn("_score")->IsNull(i), tranks.count(id) == 0);
  }
}

TEST_F(HybridTest, LinearCustomRerankersAndFilters) {
  HybridQuery linear(*table_, query_, "wing");
  linear.Limit(5).Rerank(LinearCombinationReranker(1.0f)).WithRowId();
  auto rows = linear.ToBatch();
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  // Weight 1: vector relevance only, so the order is the vector search's
  // (its farthest row scores 0, as do rows only the text search found, so
  // the fifth place is a tie).
  auto vector_only = table_->Search(query_).Limit(5).WithRowId().ToBatch();
  for (int64_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*rows)->GetColumn("_rowid")->values<uint64_t>()[i],
              (*vector_only)->GetColumn("_rowid")->values<uint64_t>()[i]);
  }
  // A custom reranker: prefer the largest id.
  class ById : public Reranker {
   public:
    std::string name() const override { return "by-id"; }
    Result<std::vector<float>> Score(const RerankInput& in) const override {
      std::vector<float> out;
      ArrayPtr ids = in.rows->GetColumn("id");
      for (int64_t i = 0; i < in.rows->num_rows(); ++i)
        out.push_back(static_cast<float>(ids->values<int64_t>()[i]));
      return out;
    }
  };
  HybridQuery custom(*table_, query_, "wing");
  custom.Limit(20).Rerank(std::make_shared<ById>()).Where("category = 'odd'");
  auto custom_rows = custom.ToBatch();
  ASSERT_TRUE(custom_rows.ok()) << custom_rows.status().ToString();
  ASSERT_GT((*custom_rows)->num_rows(), 0);
  const ArrayPtr ids = (*custom_rows)->GetColumn("id");
  for (int64_t i = 0; i < (*custom_rows)->num_rows(); ++i) {
    EXPECT_EQ(ids->values<int64_t>()[i] % 2, 1);  // the filter applied to both sides
    if (i > 0) {
      EXPECT_LT(ids->values<int64_t>()[i], ids->values<int64_t>()[i - 1]);
    }
  }
  // Errors from either side, and from a reranker, name where they came from.
  class Broken : public Reranker {
   public:
    std::string name() const override { return "broken"; }
    Result<std::vector<float>> Score(const RerankInput&) const override { return std::vector<float>{1.0f}; }
  };
  HybridQuery broken(*table_, query_, "wing");
  broken.Rerank(std::make_shared<Broken>());
  auto bad = broken.ToBatch();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("broken"), std::string::npos);
  auto dim = HybridQuery(*table_, {1.0f, 2.0f}, "wing").ToBatch();
  ASSERT_FALSE(dim.ok());
  EXPECT_NE(dim.status().ToString().find("vector side"), std::string::npos) << dim.status().ToString();
  auto text = HybridQuery(*table_, query_, "\"open").ToBatch();
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().ToString().find("text side"), std::string::npos) << text.status().ToString();
}

}  // namespace
}  // namespace quiver
