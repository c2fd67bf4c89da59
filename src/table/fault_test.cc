// Crash tests: every table write is interrupted at each of its IO steps in
// turn, and the table must then read exactly as before or exactly as after
// the write, with every committed row intact.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "io/memory_store.h"
#include "io/store_wrapper.h"
#include "quiver/builder.h"
#include "quiver/connection.h"

namespace quiver {
namespace {

SchemaPtr Schema2() {
  return std::make_shared<Schema>(
      std::vector<Field>{Field("id", int64(), /*nullable=*/false), Field("vector", vector_type(8))});
}

BatchPtr Rows(int64_t first, int64_t n) {
  auto ids = ArrayBuilder::Make(int64());
  auto vectors = ArrayBuilder::Make(vector_type(8));
  for (int64_t i = first; i < first + n; ++i) {
    EXPECT_TRUE(ids->AppendInt(i).ok());
    std::vector<float> v(8, static_cast<float>(i));
    EXPECT_TRUE(vectors->AppendVector(v.data(), 8).ok());
  }
  return std::make_shared<RecordBatch>(Schema2(), n, std::vector<ArrayPtr>{ids->Finish(), vectors->Finish()});
}

// The sorted ids of the latest version, read through a fault-free store.
Result<std::vector<int64_t>> ReadIds(const ObjectStorePtr& store) {
  ConnectOptions options;
  options.store = store;
  QUIVER_ASSIGN_OR_RETURN(auto db, Connect("memory://unused", options));
  QUIVER_ASSIGN_OR_RETURN(auto table, db->OpenTable("t"));
  QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, table->Scan().Columns({"id"}).ToBatch());
  std::vector<int64_t> ids(batch->column(0)->values<int64_t>(),
                           batch->column(0)->values<int64_t>() + batch->num_rows());
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<int64_t> Range(int64_t first, int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = first + i;
  return v;
}

// Builds the starting table: three appends of 40 rows (ids 0..119).
void Populate(const ObjectStorePtr& store) {
  ConnectOptions options;
  options.store = store;
  auto db = *Connect("memory://unused", options);
  WriteOptions small_files;
  small_files.max_rows_per_file = 25;  // several files per write
  CreateTableOptions create;
  create.write = small_files;
  auto table = *db->CreateTable("t", {Rows(0, 40)}, create);
  ASSERT_TRUE(table->Add({Rows(40, 40)}, small_files).ok());
  ASSERT_TRUE(table->Add({Rows(80, 40)}, small_files).ok());
}

// Builds a starting table of one fragment of 5,000 rows (ids 0..4999).
void PopulateOneLargeFragment(const ObjectStorePtr& store) {
  ConnectOptions options;
  options.store = store;
  auto db = *Connect("memory://unused", options);
  ASSERT_TRUE(db->CreateTable("t", {Rows(0, 5000)}).ok());
}

using Operation = std::function<Status(Table&)>;

// Runs `op` once per IO step with a crash at that step, and checks the
// survivor holds either `before` or `after` ids.
void CrashAtEveryStep(const Operation& op, const std::vector<int64_t>& before,
                      const std::vector<int64_t>& after, void (*populate)(const ObjectStorePtr&) = Populate) {
  // A fault-free run counts the steps.
  auto probe_base = std::make_shared<MemoryObjectStore>();
  populate(probe_base);
  auto probe = std::make_shared<FaultInjectionStore>(probe_base);
  ConnectOptions probe_options;
  probe_options.store = probe;
  auto probe_table = *(*Connect("memory://unused", probe_options))->OpenTable("t");
  const uint64_t start = probe->op_count(StoreOps::All());
  ASSERT_TRUE(op(*probe_table).ok());
  const uint64_t steps = probe->op_count(StoreOps::All()) - start;
  ASSERT_GT(steps, 0u);
  ASSERT_EQ(*ReadIds(probe_base), after);

  int saw_before = 0, saw_after = 0;
  for (uint64_t k = 1; k <= steps; ++k) {
    SCOPED_TRACE("crash at step " + std::to_string(k) + " of " + std::to_string(steps));
    auto base = std::make_shared<MemoryObjectStore>();
    populate(base);
    auto faulty = std::make_shared<FaultInjectionStore>(base);
    ConnectOptions options;
    options.store = faulty;
    auto table = *(*Connect("memory://unused", options))->OpenTable("t");
    faulty->CrashAt(StoreOps::All(), k);
    Status st = op(*table);
    EXPECT_TRUE(faulty->crashed());
    // The survivor reads cleanly and holds exactly one of the two states.
    auto ids = ReadIds(base);
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    if (*ids == before) {
      ++saw_before;
      EXPECT_FALSE(st.ok()) << "the write reported success but did not commit";
    } else {
      EXPECT_EQ(*ids, after);
      ++saw_after;
    }
  }
  // The crash must have hit both sides of the commit point at least once.
  EXPECT_GT(saw_before, 0);
}

TEST(CrashTest, Append) {
  WriteOptions small_files;
  small_files.max_rows_per_file = 25;
  CrashAtEveryStep([&](Table& t) { return t.Add({Rows(120, 60)}, small_files).status(); }, Range(0, 120),
                   Range(0, 180));
}

TEST(CrashTest, Overwrite) {
  WriteOptions overwrite;
  overwrite.mode = WriteMode::kOverwrite;
  overwrite.max_rows_per_file = 25;
  CrashAtEveryStep([&](Table& t) { return t.Add({Rows(500, 30)}, overwrite).status(); }, Range(0, 120),
                   Range(500, 30));
}

TEST(CrashTest, Compact) {
  CrashAtEveryStep([](Table& t) { return t.Compact().status(); }, Range(0, 120), Range(0, 120));
}

TEST(CrashTest, Restore) {
  CrashAtEveryStep([](Table& t) { return t.Restore(1).status(); }, Range(0, 120), Range(0, 40));
}

TEST(CrashTest, Cleanup) {
  CleanupOptions options;
  options.keep_versions = 1;
  CrashAtEveryStep([&](Table& t) { return t.Cleanup(options).status(); }, Range(0, 120), Range(0, 120));
}

TEST(CrashTest, Delete) {
  std::vector<int64_t> after;
  for (int64_t i = 0; i < 120; ++i) {
    if (i % 3 != 0) after.push_back(i);
  }
  CrashAtEveryStep([](Table& t) { return t.Delete("id % 3 = 0").status(); }, Range(0, 120), after);
}

TEST(CrashTest, Update) {
  std::vector<int64_t> after = Range(10, 110);
  for (int64_t i = 0; i < 10; ++i) after.push_back(1000 + i);
  std::sort(after.begin(), after.end());
  CrashAtEveryStep(
      [](Table& t) {
        return t.Update({{"id", "id + 1000"}}, "id < 10").status();
      },
      Range(0, 120), after);
}

TEST(CrashTest, UpdateOfFewRowsOfALargeFragment) {
  // Two rows of 5,000: taken and rewritten as rows (the test above, with
  // small fragments, rewrites columns).
  std::vector<int64_t> after = Range(0, 5000);
  after[7] = 10007;
  after[4000] = 14000;
  std::sort(after.begin(), after.end());
  CrashAtEveryStep(
      [](Table& t) {
        return t.Update({{"id", "id + 10000"}}, "id = 7 OR id = 4000").status();
      },
      Range(0, 5000), after, PopulateOneLargeFragment);
}

TEST(CrashTest, MergeInsert) {
  // Ids 100..139: 20 updated, 20 inserted; ids 0..9 deleted as not in the source.
  CrashAtEveryStep(
      [](Table& t) {
        return t.MergeInsert({"id"})
            .WhenMatchedUpdateAll()
            .WhenNotMatchedInsertAll()
            .WhenNotMatchedBySourceDelete("id < 10")
            .Execute(std::vector<BatchPtr>{Rows(100, 40)})
            .status();
      },
      Range(0, 120), Range(10, 130));
}

TEST(CrashTest, AddColumnsAndCreateIndex) {
  CrashAtEveryStep(
      [](Table& t) {
        return t.AddColumns({{"twice", "id * 2"}}).status();
      },
      Range(0, 120), Range(0, 120));
  CrashAtEveryStep([](Table& t) { return t.CreateIndex("id", IndexType::kBTree).status(); }, Range(0, 120),
                   Range(0, 120));
}

TEST(CrashTest, CommitThatLandedButReportedAnErrorKeepsItsFiles) {
  auto base = std::make_shared<MemoryObjectStore>();
  Populate(base);
  auto faulty = std::make_shared<FaultInjectionStore>(base);
  ConnectOptions options;
  options.store = faulty;
  auto table = *(*Connect("memory://unused", options))->OpenTable("t");
  // The manifest write succeeds, but the caller hears an error (a timeout).
  FaultRule rule;
  rule.ops = StoreOp::kPutIfAbsent;
  rule.nth = 1;
  rule.after_success = true;
  faulty->AddRule(rule);
  EXPECT_FALSE(table->Add({Rows(120, 10)}).ok());
  auto ids = ReadIds(base);
  ASSERT_TRUE(ids.ok()) << ids.status().ToString();
  EXPECT_EQ(*ids, Range(0, 130));
}

TEST(CrashTest, FailedReadsSurfaceAsErrors) {
  auto base = std::make_shared<MemoryObjectStore>();
  Populate(base);
  auto faulty = std::make_shared<FaultInjectionStore>(base);
  ConnectOptions options;
  options.store = faulty;
  auto table = *(*Connect("memory://unused", options))->OpenTable("t");
  faulty->FailAlways(StoreOp::kReadRange | StoreOp::kRead, ".qvd");
  auto scan = table->Scan().ToBatch();
  ASSERT_TRUE(scan.status().IsIOError()) << scan.status().ToString();
  EXPECT_NE(scan.status().message().find("injected"), std::string::npos);
  faulty->ClearRules();
  EXPECT_EQ((*table->Scan().ToBatch())->num_rows(), 120);
}

}  // namespace
}  // namespace quiver
