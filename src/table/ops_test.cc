// Filters, projections, delete, update, merge insert and schema evolution
// on tables, checked against the same operations done by hand on the rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>

#include "io/memory_store.h"
#include "io/store_wrapper.h"
#include "quiver/builder.h"
#include "quiver/connection.h"
#include "table/test_db.h"
#include "testing.h"

namespace quiver {
namespace {

// The rows the tests write, kept in plain C++ for brute-force expectations.
struct Row {
  int64_t id;
  std::optional<double> price;
  std::optional<std::string> category;
  std::optional<int32_t> qty;
};

SchemaPtr OpsSchema() {
  return std::make_shared<Schema>(std::vector<Field>{Field("id", int64(), /*nullable=*/false),
                                                     Field("price", float64()), Field("category", utf8()),
                                                     Field("qty", int32())});
}

std::vector<Row> MakeRowData(int64_t first, int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Row> rows;
  const char* categories[] = {"a", "b", "c", "d", "e"};
  for (int64_t i = first; i < first + n; ++i) {
    Row r{i, std::nullopt, std::nullopt, std::nullopt};
    if (rng() % 10 != 0) r.price = static_cast<double>(rng() % 10000) / 100.0;
    if (rng() % 20 != 0) r.category = categories[rng() % 5];
    if (rng() % 7 != 0) r.qty = static_cast<int32_t>(rng() % 100);
    rows.push_back(r);
  }
  return rows;
}

BatchPtr ToBatch(const std::vector<Row>& rows) {
  auto id = ArrayBuilder::Make(int64());
  auto price = ArrayBuilder::Make(float64());
  auto category = ArrayBuilder::Make(utf8());
  auto qty = ArrayBuilder::Make(int32());
  for (const Row& r : rows) {
    EXPECT_TRUE(id->AppendInt(r.id).ok());
    EXPECT_TRUE((r.price ? price->AppendDouble(*r.price) : price->AppendNull()).ok());
    EXPECT_TRUE((r.category ? category->AppendString(*r.category) : category->AppendNull()).ok());
    EXPECT_TRUE((r.qty ? qty->AppendInt(*r.qty) : qty->AppendNull()).ok());
  }
  return std::make_shared<RecordBatch>(
      OpsSchema(), static_cast<int64_t>(rows.size()),
      std::vector<ArrayPtr>{id->Finish(), price->Finish(), category->Finish(), qty->Finish()});
}

std::vector<int64_t> Ids(const RecordBatch& batch) {
  ArrayPtr col = batch.GetColumn("id");
  std::vector<int64_t> out;
  for (int64_t i = 0; i < col->length(); ++i) out.push_back(col->values<int64_t>()[i]);
  return out;
}

template <typename Pred>
std::vector<int64_t> Expected(const std::vector<Row>& rows, Pred pred) {
  std::vector<int64_t> out;
  for (const Row& r : rows) {
    if (pred(r)) out.push_back(r.id);
  }
  return out;
}

class OpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    QUIVER_SKIP_IF_TEST_DB_UNAVAILABLE();
    auto db = test_db_.Connect();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = *db;
    rows_ = MakeRowData(0, 5000, 7);
    auto table = db_->CreateTable("items", {ToBatch(rows_)});
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    table_ = *table;
  }

  std::vector<int64_t> Where(const std::string& predicate) {
    auto batch = table_->Scan().Where(predicate).ToBatch();
    EXPECT_TRUE(batch.ok()) << predicate << ": " << batch.status().ToString();
    return batch.ok() ? Ids(**batch) : std::vector<int64_t>{};
  }

  testing::TempDir dir_;
  testing::TestDb test_db_{dir_.path()};
  ConnectionPtr db_;
  std::vector<Row> rows_;
  TablePtr table_;
};

TEST_F(OpsTest, WhereMatchesBruteForce) {
  EXPECT_EQ(Where("price > 50 AND category IN ('a', 'b')"), Expected(rows_, [](const Row& r) {
              return r.price && *r.price > 50 && r.category && (*r.category == "a" || *r.category == "b");
            }));
  EXPECT_EQ(Where("price IS NULL OR qty < 10"),
            Expected(rows_, [](const Row& r) { return !r.price || (r.qty && *r.qty < 10); }));
  EXPECT_EQ(Where("NOT (category = 'c')"),
            Expected(rows_, [](const Row& r) { return r.category && *r.category != "c"; }));
  EXPECT_EQ(Where("id BETWEEN 100 AND 199"),
            Expected(rows_, [](const Row& r) { return r.id >= 100 && r.id <= 199; }));
  EXPECT_EQ(Where("id = 4321"), std::vector<int64_t>{4321});
  EXPECT_EQ(Where("id = -1"), std::vector<int64_t>{});
  EXPECT_EQ(*table_->CountRows("category = 'e'"),
            static_cast<int64_t>(Expected(rows_, [](const Row& r) { return r.category == "e"; }).size()));
}

TEST_F(OpsTest, WhereWithOffsetLimitRowIdAndColumns) {
  auto all = Expected(rows_, [](const Row& r) { return r.qty && *r.qty >= 50; });
  auto page = table_->Scan().Where("qty >= 50").Columns({"id"}).Offset(10).Limit(25).WithRowId().ToBatch();
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ((*page)->num_columns(), 2);
  EXPECT_EQ(Ids(**page), std::vector<int64_t>(all.begin() + 10, all.begin() + 35));
  // Row ids equal ids here (one append, no deletes).
  ArrayPtr row_ids = (*page)->GetColumn("_rowid");
  for (int64_t i = 0; i < row_ids->length(); ++i) {
    EXPECT_EQ(row_ids->values<uint64_t>()[i], static_cast<uint64_t>(all[10 + i]));
  }
}

TEST_F(OpsTest, SelectExpressions) {
  auto batch =
      table_->Scan().Select("id, price * 2 AS doubled, upper(category) AS cat").Where("id < 3").ToBatch();
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ((*batch)->num_rows(), 3);
  EXPECT_EQ((*batch)->schema()->field(1).name, "doubled");
  EXPECT_EQ((*batch)->schema()->field(2).name, "cat");
  for (int64_t i = 0; i < 3; ++i) {
    ArrayPtr doubled = (*batch)->column(1);
    if (rows_[i].price) {
      EXPECT_DOUBLE_EQ(doubled->values<double>()[i], *rows_[i].price * 2);
    } else {
      EXPECT_TRUE(doubled->IsNull(i));
    }
  }
}

TEST_F(OpsTest, FilterErrorsNamePositionAndColumn) {
  auto bad = table_->Scan().Where("price > 10 AND )").ToBatch();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("position 15"), std::string::npos) << bad.status().ToString();
  auto unknown = table_->CountRows("pirce > 1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("price"), std::string::npos) << unknown.status().ToString();
  auto not_bool = table_->CountRows("price");
  EXPECT_FALSE(not_bool.ok());
}

TEST_F(OpsTest, StatisticsPruneUnindexedPointLookup) {
  // 200k sorted ids: `id = v` must read a page or two, not the column.
  auto store = std::make_shared<MetricsObjectStore>(std::make_shared<MemoryObjectStore>());
  ConnectOptions options;
  options.store = store;
  auto db = Connect("memory://prune", options);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto rows = MakeRowData(0, 200000, 3);
  auto table = (*db)->CreateTable("big", {ToBatch(rows)});
  ASSERT_TRUE(table.ok()) << table.status().ToString();

  ASSERT_EQ(*(*table)->CountRows("id > -1"), 200000);  // opens the file (footer cached)
  store->Reset();
  auto scan_all = (*table)->Scan().Where("id + 0 = 123456").ToBatch();  // not prunable
  ASSERT_TRUE(scan_all.ok());
  const uint64_t full_bytes = store->Snapshot().bytes_read;
  store->Reset();
  auto hit = (*table)->Scan().Where("id = 123456").ToBatch();
  ASSERT_TRUE(hit.ok()) << hit.status().ToString();
  EXPECT_EQ(Ids(**hit), std::vector<int64_t>{123456});
  const uint64_t point_bytes = store->Snapshot().bytes_read;
  EXPECT_LT(point_bytes * 5, full_bytes) << "point " << point_bytes << " full " << full_bytes;

  auto plan = (*table)->Scan().Where("id = 123456").Explain();
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_NE(plan->find("statistics: "), std::string::npos) << *plan;
  EXPECT_NE(plan->find("admits 1 of"), std::string::npos) << *plan;
}

TEST_F(OpsTest, DeleteIsOneVersionAndTimeTravelKeepsRows) {
  const uint64_t before = table_->version();
  auto deleted = table_->Delete("category = 'a' OR price < 5");
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  auto expected_gone =
      Expected(rows_, [](const Row& r) { return r.category == "a" || (r.price && *r.price < 5); });
  EXPECT_EQ(deleted->num_deleted_rows, static_cast<int64_t>(expected_gone.size()));
  EXPECT_EQ(deleted->version, before + 1);
  EXPECT_EQ(*table_->CountRows(), 5000 - static_cast<int64_t>(expected_gone.size()));
  EXPECT_EQ(*table_->CountRows("category = 'a'"), 0);
  EXPECT_EQ(Where("qty < 3"), Expected(rows_, [](const Row& r) {
              return r.qty && *r.qty < 3 && !(r.category == "a" || (r.price && *r.price < 5));
            }));

  // Nothing matches: no new version.
  auto none = table_->Delete("id < 0");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->num_deleted_rows, 0);
  EXPECT_EQ(table_->version(), before + 1);

  ASSERT_TRUE(table_->Checkout(before).ok());
  EXPECT_EQ(*table_->CountRows(), 5000);
  ASSERT_TRUE(table_->CheckoutLatest().ok());

  // Deleting everything removes the fragments.
  auto all = table_->Delete("true");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*table_->CountRows(), 0);
  EXPECT_EQ(table_->Stats()->num_fragments, 0);
}

TEST_F(OpsTest, UpdateSetsValuesAndFailsAtomically) {
  auto updated = table_->Update({{"price", "price * 2"}, {"category", "'z'"}}, "id < 100");
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->rows_updated, 100);
  EXPECT_EQ(*table_->CountRows(), 5000);
  EXPECT_EQ(*table_->CountRows("category = 'z'"), 100);
  auto batch = table_->Scan().Where("id < 100").ToBatch();
  ASSERT_TRUE(batch.ok());
  std::map<int64_t, double> prices;
  ArrayPtr ids = (*batch)->GetColumn("id"), price = (*batch)->GetColumn("price");
  for (int64_t i = 0; i < ids->length(); ++i) {
    if (!price->IsNull(i)) prices[ids->values<int64_t>()[i]] = price->values<double>()[i];
  }
  for (int64_t id = 0; id < 100; ++id) {
    if (rows_[id].price) {
      EXPECT_DOUBLE_EQ(prices[id], *rows_[id].price * 2);
    } else {
      EXPECT_EQ(prices.count(id), 0u);
    }
  }

  // A NULL into the non-nullable id column fails and changes nothing.
  const uint64_t version = table_->version();
  auto bad = table_->Update({{"id", "NULL"}}, "id = 5");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(table_->version(), version);
  auto wrong_type = table_->Update({{"qty", "'many'"}});
  EXPECT_FALSE(wrong_type.ok());
  auto unknown = table_->Update({{"prize", "1"}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("price"), std::string::npos);
  EXPECT_EQ(table_->version(), version);
}

// The _rowid column of a scan, in scan order.
std::vector<uint64_t> RowIds(Table& table) {
  auto batch = table.Scan().WithRowId().Columns({"id"}).ToBatch();
  EXPECT_TRUE(batch.ok()) << batch.status().ToString();
  std::vector<uint64_t> out;
  if (!batch.ok()) return out;
  ArrayPtr col = (*batch)->GetColumn("_rowid");
  for (int64_t i = 0; i < col->length(); ++i) out.push_back(col->values<uint64_t>()[i]);
  return out;
}

TEST_F(OpsTest, UpdateOfManyRowsRewritesColumnsInPlaceAndKeepsIndexesRight) {
  ASSERT_TRUE(table_->CreateIndex("id", IndexType::kBTree).ok());
  ASSERT_TRUE(table_->CreateIndex("price", IndexType::kBTree).ok());
  // Another fragment that the update does not touch.
  std::vector<Row> more = MakeRowData(5000, 1000, 9);
  ASSERT_TRUE(table_->Add({ToBatch(more)}).ok());
  rows_.insert(rows_.end(), more.begin(), more.end());
  const std::vector<uint64_t> row_ids = RowIds(*table_);
  const int64_t fragments = table_->Stats()->num_fragments;
  const uint64_t before = table_->version();

  // Half the rows of the first fragment: cheaper to rewrite its price column
  // than to take and rewrite 2,500 whole rows.
  auto updated = table_->Update({{"price", "price + 1000"}}, "id % 2 = 0 AND id < 5000");
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_EQ(updated->rows_updated, 2500);
  for (Row& r : rows_) {
    if (r.id % 2 == 0 && r.id < 5000 && r.price) *r.price += 1000;
  }
  // Same rows, same order, same row ids, same fragment count.
  EXPECT_EQ(Where("true"), Expected(rows_, [](const Row&) { return true; }));
  EXPECT_EQ(RowIds(*table_), row_ids);
  EXPECT_EQ(table_->Stats()->num_fragments, fragments);
  auto check_prices = [&] {
    EXPECT_EQ(Where("price > 1000"),
              Expected(rows_, [](const Row& r) { return r.price && *r.price > 1000; }));
    EXPECT_EQ(Where("price < 100"), Expected(rows_, [](const Row& r) { return r.price && *r.price < 100; }));
    EXPECT_EQ(Where("category = 'a'"),
              Expected(rows_, [](const Row& r) { return r.category && *r.category == "a"; }));
    EXPECT_EQ(*table_->CountRows("price IS NULL"),
              static_cast<int64_t>(Expected(rows_, [](const Row& r) { return !r.price; }).size()));
    // An old price of an updated row finds only rows that hold it now.
    for (int64_t id : {0, 2, 4, 4998}) {
      if (!rows_[id].price) continue;
      char literal[32];
      std::snprintf(literal, sizeof(literal), "%.2f", *rows_[id].price - 1000);
      const double old_price = std::stod(literal);
      const std::string sql = std::string("price = ") + literal;
      EXPECT_EQ(Where(sql), Expected(rows_, [&](const Row& r) { return r.price && *r.price == old_price; }))
          << sql;
    }
  };
  check_prices();
  // The index on id still covers the rewritten fragment; the one on price
  // does not (its entries hold the old prices) until it is optimized.
  auto plan = table_->Scan().Where("id = 4000").Explain();
  ASSERT_TRUE(plan.ok());
  EXPECT_NE(plan->find("evaluate: nothing"), std::string::npos) << *plan;
  auto indices = table_->ListIndices();
  ASSERT_TRUE(indices.ok());
  for (const IndexInfo& index : *indices) {
    EXPECT_EQ(index.num_unindexed_rows, index.name == "price_idx" ? 6000 : 1000) << index.name;
  }
  ASSERT_TRUE(table_->OptimizeIndices().ok());
  check_prices();
  // Time travel sees the old prices.
  ASSERT_TRUE(table_->Checkout(before).ok());
  EXPECT_EQ(*table_->CountRows("price > 1000"), 0);
  ASSERT_TRUE(table_->CheckoutLatest().ok());

  // Again over the same column (its older copies pile up as superseded),
  // then a NULL into a nullable column, then compaction.
  ASSERT_TRUE(table_->Update({{"price", "price - 1000"}, {"qty", "NULL"}}, "price > 1000").ok());
  for (Row& r : rows_) {
    if (r.price && *r.price > 1000) {
      *r.price -= 1000;
      r.qty.reset();
    }
  }
  check_prices();
  EXPECT_EQ(*table_->CountRows("qty IS NULL"),
            static_cast<int64_t>(Expected(rows_, [](const Row& r) { return !r.qty; }).size()));
  EXPECT_EQ(RowIds(*table_), row_ids);
  ASSERT_TRUE(table_->Compact().ok());
  check_prices();

  // One row of thousands is taken and appended as a new fragment instead.
  const int64_t compacted = table_->Stats()->num_fragments;
  ASSERT_TRUE(table_->Update({{"qty", "4242"}}, "id = 11").ok());
  EXPECT_EQ(table_->Stats()->num_fragments, compacted + 1);
  EXPECT_EQ(Where("qty = 4242"), std::vector<int64_t>{11});
  EXPECT_EQ(*table_->CountRows(), 6000);
  // Columns of several fragments at once (rewritten in parallel).
  ASSERT_TRUE(table_->Update({{"category", "'odd'"}}, "id % 2 = 1").ok());
  std::vector<int64_t> odd = Where("category = 'odd'");
  std::sort(odd.begin(), odd.end());  // row 11 moved to the last fragment above
  EXPECT_EQ(odd, Expected(rows_, [](const Row& r) { return r.id % 2 == 1; }));
  EXPECT_EQ(table_->Stats()->num_fragments, compacted + 1);

  // A NULL into the non-nullable id column of many rows fails and writes nothing.
  const uint64_t version = table_->version();
  EXPECT_FALSE(table_->Update({{"id", "CASE WHEN id = 77 THEN NULL ELSE id END"}}).ok());
  EXPECT_EQ(table_->version(), version);
  EXPECT_EQ(Where("id = 77"), std::vector<int64_t>{77});
}

TEST_F(OpsTest, UpdateByColumnsAndAConcurrentDeleteNeverLoseAChange) {
  auto other_db = test_db_.Connect();
  ASSERT_TRUE(other_db.ok());
  auto other = (*other_db)->OpenTable("items");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(table_->Update({{"qty", "-1"}}, "id % 3 = 0").ok());
  // The other handle read the version before the update.
  Result<DeleteResult> deleted = (*other)->Delete("id = 1 OR id = 3");
  if (deleted.ok()) {
    EXPECT_EQ(Where("id = 1 OR id = 3"), std::vector<int64_t>{});
  } else {
    EXPECT_TRUE(deleted.status().IsConflict()) << deleted.status().ToString();
  }
  ASSERT_TRUE(table_->CheckoutLatest().ok());
  EXPECT_EQ(Where("qty = -1"),
            Expected(rows_, [&](const Row& r) { return r.id % 3 == 0 && !(deleted.ok() && r.id == 3); }));
}

TEST_F(OpsTest, MergeInsertUpsertsAndRejectsDuplicateKeys) {
  // Source: ids 4990..5009 (10 existing, 10 new).
  std::vector<Row> source = MakeRowData(4990, 20, 99);
  for (Row& r : source) r.category = "merged";
  auto result = table_->MergeInsert({"id"}).WhenMatchedUpdateAll().WhenNotMatchedInsertAll().Execute(
      std::vector<BatchPtr>{ToBatch(source)});
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->num_updated_rows, 10);
  EXPECT_EQ(result->num_inserted_rows, 10);
  EXPECT_EQ(result->num_deleted_rows, 0);
  EXPECT_EQ(*table_->CountRows(), 5010);
  EXPECT_EQ(*table_->CountRows("category = 'merged'"), 20);

  // A repeated key is an error; nothing changes.
  const uint64_t version = table_->version();
  std::vector<Row> dup = MakeRowData(1, 2, 5);
  dup[1].id = 1;
  auto bad = table_->MergeInsert({"id"}).WhenMatchedUpdateAll().Execute(std::vector<BatchPtr>{ToBatch(dup)});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("id = 1"), std::string::npos) << bad.status().ToString();
  EXPECT_EQ(table_->version(), version);

  // Conditional update and delete-by-source.
  std::vector<Row> keep = MakeRowData(0, 10, 11);
  for (Row& r : keep) r.price = 1000.0;
  auto merged = table_->MergeInsert({"id"})
                    .WhenMatchedUpdateAll("source.price > target.price")
                    .WhenNotMatchedBySourceDelete("id >= 2000")
                    .Execute(std::vector<BatchPtr>{ToBatch(keep)});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(
      merged->num_updated_rows,
      static_cast<int64_t>(Expected(std::vector<Row>(rows_.begin(), rows_.begin() + 10), [](const Row& r) {
                             return r.price.has_value();  // NULL > x is not TRUE
                           }).size()));
  EXPECT_EQ(merged->num_deleted_rows, 3010);
  EXPECT_EQ(*table_->CountRows(), 2000);
}

TEST_F(OpsTest, MergeConditionRefusesAColumnNamedLikeASide) {
  auto schema = std::make_shared<Schema>(std::vector<Field>{Field("id", int64()), Field("source", utf8())});
  auto id = ArrayBuilder::Make(int64());
  auto source = ArrayBuilder::Make(utf8());
  ASSERT_TRUE(id->AppendInt(1).ok());
  ASSERT_TRUE(source->AppendString("web").ok());
  auto batch =
      std::make_shared<RecordBatch>(schema, 1, std::vector<ArrayPtr>{id->Finish(), source->Finish()});
  auto table = db_->CreateTable("sides", {batch});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  auto merged = (*table)->MergeInsert({"id"}).WhenMatchedUpdateAll("source.id > 0").Execute({batch});
  ASSERT_FALSE(merged.ok());
  EXPECT_TRUE(merged.status().IsNotSupported()) << merged.status().ToString();
  EXPECT_NE(merged.status().message().find("column named \"source\""), std::string::npos);
  // Without a condition the merge works.
  auto plain = (*table)->MergeInsert({"id"}).WhenMatchedUpdateAll().Execute({batch});
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->num_updated_rows, 1);
}

TEST_F(OpsTest, SchemaEvolution) {
  auto added = table_->AddColumns({{"gross", "price * 1.5"}, {"label", "concat(category, '!')"}});
  if (!added.ok()) {
    // concat may not be a function; fall back to ||.
    added = table_->AddColumns({{"gross", "price * 1.5"}, {"label", "category || '!'"}});
  }
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  auto gross = table_->Scan().Where("id = 3").Columns({"price", "gross", "label"}).ToBatch();
  ASSERT_TRUE(gross.ok()) << gross.status().ToString();
  ASSERT_EQ((*gross)->num_rows(), 1);
  if (rows_[3].price) {
    EXPECT_DOUBLE_EQ((*gross)->column(1)->values<double>()[0], *rows_[3].price * 1.5);
  }

  // A non-NULL constant makes a non-nullable column; computed ones stay nullable.
  ASSERT_TRUE(table_->AddColumns({{"source", "'import'"}}).ok());
  EXPECT_FALSE((*table_->schema()->GetField("source"))->nullable);
  EXPECT_TRUE((*table_->schema()->GetField("gross"))->nullable);
  EXPECT_EQ(*table_->CountRows("source = 'import'"), 5000);
  ASSERT_TRUE(table_->DropColumns({"source"}).ok());

  ASSERT_TRUE(table_->AddColumns(std::vector<Field>{Field("note", utf8())}).ok());
  EXPECT_EQ(*table_->CountRows("note IS NULL"), 5000);
  EXPECT_FALSE(table_->AddColumns(std::vector<Field>{Field("note", utf8())}).ok());  // exists

  // New rows carry the new columns.
  auto more = MakeRowData(5000, 3, 1);
  auto more_batch = ToBatch(more);
  EXPECT_FALSE(table_->Add({more_batch}).ok());  // missing gross, label, note

  ASSERT_TRUE(table_->DropColumns({"gross", "label", "note"}).ok());
  EXPECT_EQ(table_->schema()->num_fields(), 4);
  ASSERT_TRUE(table_->Add({more_batch}).ok());
  EXPECT_EQ(*table_->CountRows(), 5003);

  ColumnAlteration rename;
  rename.path = "qty";
  rename.rename = "quantity";
  rename.data_type = int64();
  ASSERT_TRUE(table_->AlterColumns({rename}).ok());
  EXPECT_EQ(table_->schema()->field(3).ToString(), "quantity: int64");
  EXPECT_EQ(
      *table_->CountRows("quantity < 10"),
      static_cast<int64_t>(Expected(rows_, [](const Row& r) { return r.qty && *r.qty < 10; }).size()) +
          static_cast<int64_t>(Expected(more, [](const Row& r) { return r.qty && *r.qty < 10; }).size()));

  ColumnAlteration narrow;
  narrow.path = "price";
  narrow.data_type = float32();
  EXPECT_FALSE(table_->AlterColumns({narrow}).ok());  // would lose precision
  ColumnAlteration not_null;
  not_null.path = "price";
  not_null.nullable = false;
  auto refused = table_->AlterColumns({not_null});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("NULL"), std::string::npos) << refused.status().ToString();
}

TEST_F(OpsTest, ScalarIndexesAnswerFiltersAndStayCorrect) {
  ASSERT_TRUE(table_->CreateIndex("id", IndexType::kBTree).ok());
  ASSERT_TRUE(table_->CreateIndex("category", IndexType::kBitmap).ok());
  auto indices = table_->ListIndices();
  ASSERT_TRUE(indices.ok());
  ASSERT_EQ(indices->size(), 2u);
  EXPECT_EQ((*indices)[0].name, "id_idx");
  EXPECT_EQ((*indices)[0].num_indexed_rows, 5000);
  EXPECT_EQ((*indices)[0].num_unindexed_rows, 0);

  auto plan = table_->Scan().Where("id = 4321").Explain();
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_NE(plan->find("index: id_idx"), std::string::npos) << *plan;
  EXPECT_NE(plan->find("evaluate: nothing"), std::string::npos) << *plan;
  EXPECT_EQ(Where("id = 4321"), std::vector<int64_t>{4321});
  EXPECT_EQ(Where("id IN (5, 17, 999999)"), (std::vector<int64_t>{5, 17}));
  EXPECT_EQ(Where("id >= 10 AND id < 20 AND qty > 50"),
            Expected(rows_, [](const Row& r) { return r.id >= 10 && r.id < 20 && r.qty && *r.qty > 50; }));
  EXPECT_EQ(Where("category IN ('a', 'b') AND price > 50"), Expected(rows_, [](const Row& r) {
              return r.category && (*r.category == "a" || *r.category == "b") && r.price && *r.price > 50;
            }));
  EXPECT_EQ(*table_->CountRows("category IS NULL"),
            static_cast<int64_t>(Expected(rows_, [](const Row& r) { return !r.category; }).size()));

  // Appended rows are found before the index knows them; deleted rows never come back.
  std::vector<Row> more = MakeRowData(5000, 100, 8);
  ASSERT_TRUE(table_->Add({ToBatch(more)}).ok());
  EXPECT_EQ(Where("id = 5050"), std::vector<int64_t>{5050});
  ASSERT_TRUE(table_->Delete("id = 4321 OR id = 5051").ok());
  EXPECT_EQ(Where("id = 4321"), std::vector<int64_t>{});
  EXPECT_EQ(Where("id = 5051"), std::vector<int64_t>{});
  ASSERT_TRUE(table_->Update({{"category", "'zz'"}}, "id = 7").ok());
  EXPECT_EQ(Where("category = 'zz'"), std::vector<int64_t>{7});
  EXPECT_EQ(*table_->CountRows("id = 7"), 1);

  indices = table_->ListIndices();
  EXPECT_GT((*indices)[0].num_unindexed_rows, 0);
  auto optimized = table_->OptimizeIndices();
  ASSERT_TRUE(optimized.ok()) << optimized.status().ToString();
  indices = table_->ListIndices();
  EXPECT_EQ((*indices)[0].num_unindexed_rows, 0);
  EXPECT_EQ(Where("id = 5050"), std::vector<int64_t>{5050});
  EXPECT_EQ(Where("id = 4321"), std::vector<int64_t>{});
  EXPECT_EQ(Where("category = 'zz'"), std::vector<int64_t>{7});
  plan = table_->Scan().Where("id = 5050").Explain();
  EXPECT_NE(plan->find("evaluate: nothing"), std::string::npos) << *plan;

  // Compaction keeps the index's coverage; cleanup keeps its files.
  ASSERT_TRUE(table_->Compact().ok());
  EXPECT_EQ(Where("id = 5050"), std::vector<int64_t>{5050});
  ASSERT_TRUE(table_->Cleanup(CleanupOptions{std::nullopt, 1}).ok());
  EXPECT_EQ(Where("id = 5099"), std::vector<int64_t>{5099});
  EXPECT_EQ(Where("category = 'zz'"), std::vector<int64_t>{7});

  ASSERT_TRUE(table_->DropIndex("id_idx").ok());
  EXPECT_FALSE(table_->DropIndex("id_idx").ok());
  EXPECT_EQ(Where("id = 5050"), std::vector<int64_t>{5050});
  EXPECT_FALSE(table_->CreateIndex("nope", IndexType::kBTree).ok());
  EXPECT_FALSE(ParseIndexType("HASH").ok());
}

}  // namespace
}  // namespace quiver
