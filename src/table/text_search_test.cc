// Full-text search on tables: FTS index lifecycle, rows added after the
// build, deletions, filters before and after, list-of-text columns, errors,
// and ranking quality on Cranfield.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "cranfield.h"
#include "quiver/builder.h"
#include "quiver/connection.h"
#include "table/test_db.h"
#include "testing.h"

namespace quiver {
namespace {

const char* kWords[] = {"wing",       "flutter", "boundary", "layer",    "shock",  "wave",
                        "supersonic", "heat",    "transfer", "pressure", "nozzle", "turbulent",
                        "flow",       "plate",   "cylinder", "jet"};

// Rows id, text (4-12 words from kWords, chosen by id), category "c0".."c3", tags.
BatchPtr MakeBatch(int64_t first, int64_t n) {
  auto id = ArrayBuilder::Make(int64());
  auto text = ArrayBuilder::Make(utf8());
  auto category = ArrayBuilder::Make(utf8());
  auto tags = ArrayBuilder::Make(list(utf8()));
  for (int64_t i = first; i < first + n; ++i) {
    EXPECT_TRUE(id->AppendInt(i).ok());
    std::string t;
    uint64_t x = static_cast<uint64_t>(i) * 2654435761u + 12345;
    const int words = 4 + static_cast<int>(x % 9);
    for (int w = 0; w < words; ++w) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      t += (w ? " " : "") + std::string(kWords[(x >> 33) % 16]);
    }
    EXPECT_TRUE(text->AppendString(t).ok());
    EXPECT_TRUE(category->AppendString("c" + std::to_string(i % 4)).ok());
    EXPECT_TRUE(tags->child(0)->AppendString(i % 2 ? "Odd Tag" : "even tag").ok());
    EXPECT_TRUE(tags->child(0)->AppendString("t" + std::to_string(i % 7)).ok());
    EXPECT_TRUE(tags->AppendList().ok());
  }
  auto schema =
      std::make_shared<Schema>(std::vector<Field>{Field("id", int64(), false), Field("text", utf8()),
                                                  Field("category", utf8()), Field("tags", list(utf8()))});
  return std::make_shared<RecordBatch>(
      schema, n, std::vector<ArrayPtr>{id->Finish(), text->Finish(), category->Finish(), tags->Finish()});
}

std::vector<int64_t> Ids(const BatchPtr& batch) {
  std::vector<int64_t> out;
  ArrayPtr ids = batch->GetColumn("id");
  for (int64_t i = 0; i < batch->num_rows(); ++i) out.push_back(ids->values<int64_t>()[i]);
  return out;
}

std::vector<float> Scores(const BatchPtr& batch) {
  std::vector<float> out;
  ArrayPtr s = batch->GetColumn("_score");
  for (int64_t i = 0; i < batch->num_rows(); ++i) out.push_back(s->values<float>()[i]);
  return out;
}

class TextSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    QUIVER_SKIP_IF_TEST_DB_UNAVAILABLE();
    auto db = test_db_.Connect();
    ASSERT_TRUE(db.ok());
    db_ = *db;
    auto table = db_->CreateTable("docs", {MakeBatch(0, 2000)});
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = *table;
  }
  void Index(bool positions = true, const std::string& column = "text") {
    IndexOptions options;
    options.fts.with_position = positions;
    auto v = table_->CreateIndex(column, IndexType::kFts, options);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
  }
  std::string Text(int64_t id) {
    auto rows = table_->Scan().Where("id = " + std::to_string(id)).ToBatch();
    EXPECT_TRUE(rows.ok());
    return std::string((*rows)->GetColumn("text")->GetView(0));
  }
  // A map id -> score of a search's rows.
  std::map<int64_t, float> Run(TextQuery q) {
    auto rows = q.ToBatch();
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::map<int64_t, float> out;
    if (!rows.ok()) return out;
    auto ids = Ids(*rows);
    auto scores = Scores(*rows);
    for (size_t i = 0; i < ids.size(); ++i) out[ids[i]] = scores[i];
    return out;
  }

  testing::TempDir dir_;
  testing::TestDb test_db_{dir_.path()};
  ConnectionPtr db_;
  TablePtr table_;
};

TEST_F(TextSearchTest, SearchReturnsMatchingRowsBestFirst) {
  Index();
  auto rows = table_->TextSearch("flutter").Limit(20).Columns({"id", "text"}).WithRowId().ToBatch();
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ((*rows)->num_rows(), 20);
  EXPECT_EQ((*rows)->schema()->field(2).name, "_score");
  EXPECT_EQ((*rows)->schema()->field(3).name, "_rowid");
  auto scores = Scores(*rows);
  EXPECT_TRUE(std::is_sorted(scores.begin(), scores.end(), std::greater<float>()));
  for (int64_t i = 0; i < (*rows)->num_rows(); ++i) {
    EXPECT_NE(std::string((*rows)->GetColumn("text")->GetView(i)).find("flutter"), std::string::npos);
  }
  // Stemming: "flutters" and "Fluttering" find the same rows.
  EXPECT_EQ(Run(table_->TextSearch("Fluttering").Limit(20)), Run(table_->TextSearch("flutter").Limit(20)));
  // Query strings: required, excluded, phrase.
  for (const auto& [id, score] : Run(table_->TextSearch("+wing -shock \"boundary layer\"").Limit(50))) {
    const std::string t = Text(id);
    EXPECT_NE(t.find("wing"), std::string::npos) << t;
    EXPECT_EQ(t.find("shock"), std::string::npos) << t;
  }
  auto phrase = Run(table_->TextSearch(FtsQuery::Phrase("boundary layer")).Limit(1000));
  EXPECT_FALSE(phrase.empty());
  for (const auto& [id, score] : phrase) EXPECT_NE(Text(id).find("boundary layer"), std::string::npos);
  // Malformed query strings report the position.
  auto bad = table_->TextSearch("wing \"open").ToBatch();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("position"), std::string::npos) << bad.status().ToString();
  auto indices = table_->ListIndices();
  ASSERT_TRUE(indices.ok());
  ASSERT_EQ(indices->size(), 1u);
  EXPECT_EQ((*indices)[0].type, "FTS");
  EXPECT_EQ((*indices)[0].num_indexed_rows, 2000);
  EXPECT_GT((*indices)[0].size_bytes, 0u);
  EXPECT_NE((*indices)[0].details.find("\"with_position\":true"), std::string::npos);
}

TEST_F(TextSearchTest, NewRowsAreSearchableAtOnceWithTheScoresOptimizeGives) {
  Index();
  ASSERT_TRUE(table_->Add({MakeBatch(2000, 500)}).ok());
  auto explain = table_->TextSearch("heat transfer").Explain();
  ASSERT_TRUE(explain.ok());
  EXPECT_NE(explain->find("500 rows added since"), std::string::npos) << *explain;
  auto before = Run(table_->TextSearch("heat transfer nozzle").Limit(100000));
  bool saw_new = false;
  for (const auto& [id, score] : before) saw_new = saw_new || id >= 2000;
  EXPECT_TRUE(saw_new);
  // Rows deleted from the new fragment after it was searched never appear.
  ASSERT_TRUE(table_->Delete("id >= 2400").ok());
  for (const auto& [id, score] : Run(table_->TextSearch("heat transfer nozzle").Limit(100000))) {
    EXPECT_LT(id, 2400) << id;
  }
  ASSERT_TRUE(table_->Add({MakeBatch(2400, 100)}).ok());
  before = Run(table_->TextSearch("heat transfer nozzle").Limit(100000));
  ASSERT_TRUE(table_->OptimizeIndices().ok());
  auto info = table_->ListIndices();
  EXPECT_EQ((*info)[0].num_unindexed_rows, 0);
  auto after = Run(table_->TextSearch("heat transfer nozzle").Limit(100000));
  ASSERT_EQ(before.size(), after.size());
  for (const auto& [id, score] : before) EXPECT_NEAR(after[id], score, 1e-4) << id;
}

TEST_F(TextSearchTest, DeletedAndUpdatedRowsNeverAppear) {
  Index();
  ASSERT_TRUE(table_->Delete("id % 3 = 0").ok());
  ASSERT_TRUE(table_->Update({{"text", "'replaced words only'"}}, "id % 3 = 1").ok());
  for (const char* q : {"wing", "flutter shock", "\"boundary layer\""}) {
    for (const auto& [id, score] : Run(table_->TextSearch(q).Limit(100000))) {
      EXPECT_EQ(id % 3, 2) << q << " " << id;
    }
  }
  auto replaced = Run(table_->TextSearch("replaced").Limit(100000));
  EXPECT_EQ(replaced.size(), 667u);  // ids 1, 4, ..., 1999
  ASSERT_TRUE(table_->OptimizeIndices().ok());
  for (const auto& [id, score] : Run(table_->TextSearch("wing").Limit(100000))) EXPECT_EQ(id % 3, 2);
  EXPECT_EQ(Run(table_->TextSearch("replaced").Limit(100000)).size(), 667u);
}

TEST_F(TextSearchTest, PrefilterReturnsLimitRowsPostfilterFiltersTheBest) {
  Index();
  auto pre = Run(table_->TextSearch("wing").Where("category = 'c1'").Limit(30).Columns({"id"}));
  EXPECT_EQ(pre.size(), 30u);
  for (const auto& [id, score] : pre) EXPECT_EQ(id % 4, 1);
  // The prefiltered rows are the best of the c1 rows.
  auto all = Run(table_->TextSearch("wing").Limit(100000));
  std::vector<float> c1;
  for (const auto& [id, score] : all) {
    if (id % 4 == 1) c1.push_back(score);
  }
  std::sort(c1.rbegin(), c1.rend());
  std::vector<float> got;
  for (const auto& [id, score] : pre) got.push_back(score);
  std::sort(got.rbegin(), got.rend());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], c1[i], 1e-5);
  auto post = Run(table_->TextSearch("wing").Where("category = 'c1'").Postfilter().Limit(30));
  EXPECT_LE(post.size(), 30u);
  for (const auto& [id, score] : post) EXPECT_EQ(id % 4, 1);
  // Offset skips the best rows.
  auto first = Ids(*table_->TextSearch("wing").Limit(10).ToBatch());
  auto next = Ids(*table_->TextSearch("wing").Offset(5).Limit(5).ToBatch());
  EXPECT_EQ(std::vector<int64_t>(first.begin() + 5, first.end()), next);
}

TEST_F(TextSearchTest, ListColumnsAndSeveralIndexedColumns) {
  Index(true, "text");
  Index(true, "tags");
  auto odd = Run(table_->TextSearch(FtsQuery::Match("odd", "tags")).Limit(100000));
  EXPECT_EQ(odd.size(), 1000u);
  for (const auto& [id, score] : odd) EXPECT_EQ(id % 2, 1);
  // A phrase does not span two values of a list: "tag t3" never matches.
  EXPECT_TRUE(Run(table_->TextSearch(FtsQuery::Phrase("tag t3", "tags")).Limit(10)).empty());
  EXPECT_FALSE(Run(table_->TextSearch(FtsQuery::Phrase("odd tag", "tags")).Limit(10)).empty());
  // Both columns at once: tags:t3 AND text:wing.
  for (const auto& [id, score] : Run(table_->TextSearch("+tags:t3 +text:wing").Limit(100000))) {
    EXPECT_EQ(id % 7, 3);
    EXPECT_NE(Text(id).find("wing"), std::string::npos);
  }
}

TEST_F(TextSearchTest, ClearErrors) {
  auto none = table_->TextSearch("wing").ToBatch();
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("no full-text index"), std::string::npos);
  auto wrong = table_->CreateIndex("id", IndexType::kFts);
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("\"id\" is int64"), std::string::npos) << wrong.status().ToString();
  IndexOptions bad;
  bad.fts.language = "Klingon";
  auto lang = table_->CreateIndex("text", IndexType::kFts, bad);
  ASSERT_FALSE(lang.ok());
  EXPECT_NE(lang.status().message().find("Klingon"), std::string::npos) << lang.status().ToString();
  Index(/*positions=*/false);
  auto phrase = table_->TextSearch("\"boundary layer\"").ToBatch();
  ASSERT_FALSE(phrase.ok());
  EXPECT_NE(phrase.status().message().find("with_position"), std::string::npos);
  auto column = table_->TextSearch("title:wing").ToBatch();
  ASSERT_FALSE(column.ok());
  EXPECT_NE(column.status().message().find("\"title\""), std::string::npos);
  EXPECT_FALSE(table_->TextSearch("wing").Limit(-1).ToBatch().ok());
  EXPECT_FALSE(table_->TextSearch("wing").Where("nope = 1").ToBatch().ok());
  // The index is listed and can be dropped; searches then say so.
  ASSERT_TRUE(table_->DropIndex("text_idx").ok());
  EXPECT_FALSE(table_->TextSearch("wing").ToBatch().ok());
  // A scalar filter on an FTS-indexed column still works.
  Index();
  auto count = table_->CountRows("text LIKE '%wing%'");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_GT(*count, 0);
}

// nDCG@10 on Cranfield (../shared/data/cranfield): title and text as one
// field, graded gain 5 - code. LanceDB 0.39 reaches 0.37460 with English
// stemming, stop words and ASCII folding (the "0.375" is this figure
// rounded), and 0.34365 without stemming and stop words; the floors are
// LanceDB's figures.
TEST(CranfieldTest, NdcgReachesLanceDb) {
  const std::string dir = testing::SharedDataPath("cranfield");
  QUIVER_SKIP_IF_NO_DATA(dir);
  std::string error;
  auto cranfield = testing::LoadCranfield(dir, &error);
  ASSERT_TRUE(cranfield) << error;
  auto id = ArrayBuilder::Make(int64());
  auto text = ArrayBuilder::Make(utf8());
  for (const auto& doc : cranfield->docs) {
    ASSERT_TRUE(id->AppendInt(doc.id).ok());
    ASSERT_TRUE(text->AppendString(doc.title + " " + doc.text).ok());
  }
  auto schema =
      std::make_shared<Schema>(std::vector<Field>{Field("id", int64(), false), Field("text", utf8())});
  auto batch = std::make_shared<RecordBatch>(schema, static_cast<int64_t>(cranfield->docs.size()),
                                             std::vector<ArrayPtr>{id->Finish(), text->Finish()});
  testing::TempDir tmp;
  auto db = Connect(tmp.path());
  ASSERT_TRUE(db.ok());
  auto table = (*db)->CreateTable("cranfield", {batch});
  ASSERT_TRUE(table.ok());
  auto ndcg = [&](bool stem_and_stop) {
    IndexOptions options;
    options.fts.stem = stem_and_stop;
    options.fts.remove_stop_words = stem_and_stop;
    EXPECT_TRUE((*table)->CreateIndex("text", IndexType::kFts, options).ok());
    std::vector<std::vector<int>> ranked;
    for (const auto& q : cranfield->queries) {
      auto rows = (*table)->TextSearch(FtsQuery::Match(q.text)).Limit(10).Columns({"id"}).ToBatch();
      EXPECT_TRUE(rows.ok()) << rows.status().ToString();
      std::vector<int> ids;
      for (int64_t v : Ids(*rows)) ids.push_back(static_cast<int>(v));
      ranked.push_back(ids);
    }
    return testing::CranfieldNdcg(*cranfield, ranked, 10);
  };
  const double plain = ndcg(false);
  const double full = ndcg(true);
  std::printf(
      "Cranfield nDCG@10: %.4f (stemming, stop words; LanceDB 0.3746), %.4f (neither; LanceDB 0.3437)\n",
      full, plain);
  EXPECT_GE(full, 0.3746);
  EXPECT_GE(plain, 0.3436);
}

}  // namespace
}  // namespace quiver
