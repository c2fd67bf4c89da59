#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "io/object_store.h"
#include "quiver/builder.h"
#include "quiver/connection.h"
#include "table/commit.h"
#include "table/test_db.h"
#include "testing.h"

namespace quiver {
namespace {

SchemaPtr TestSchema(int dim = 4) {
  return std::make_shared<Schema>(std::vector<Field>{
      Field("id", int64(), /*nullable=*/false), Field("text", utf8()), Field("vector", vector_type(dim))});
}

// Rows [first, first + n): id = i, text = "row i", vector = (i, i+1, ...).
BatchPtr MakeRows(int64_t first, int64_t n, int dim = 4) {
  SchemaPtr schema = TestSchema(dim);
  auto ids = ArrayBuilder::Make(int64());
  auto texts = ArrayBuilder::Make(utf8());
  auto vectors = ArrayBuilder::Make(vector_type(dim));
  for (int64_t i = first; i < first + n; ++i) {
    EXPECT_TRUE(ids->AppendInt(i).ok());
    EXPECT_TRUE(texts->AppendString("row " + std::to_string(i)).ok());
    std::vector<float> v(dim);
    for (int d = 0; d < dim; ++d) v[d] = static_cast<float>(i + d);
    EXPECT_TRUE(vectors->AppendVector(v.data(), dim).ok());
  }
  return std::make_shared<RecordBatch>(
      schema, n, std::vector<ArrayPtr>{ids->Finish(), texts->Finish(), vectors->Finish()});
}

std::vector<int64_t> Ids(const RecordBatch& batch) {
  ArrayPtr col = batch.GetColumn("id");
  std::vector<int64_t> out;
  for (int64_t i = 0; i < col->length(); ++i) out.push_back(col->values<int64_t>()[i]);
  return out;
}

std::vector<int64_t> Range(int64_t first, int64_t n) {
  std::vector<int64_t> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = first + i;
  return v;
}

class TableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    QUIVER_SKIP_IF_TEST_DB_UNAVAILABLE();
    auto db = test_db_.Connect();
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = *db;
  }
  TablePtr Create(const std::string& name, int64_t rows) {
    auto table = db_->CreateTable(name, {MakeRows(0, rows)});
    EXPECT_TRUE(table.ok()) << table.status().ToString();
    return table.ok() ? *table : nullptr;
  }
  testing::TempDir dir_;
  testing::TestDb test_db_{dir_.path()};
  ConnectionPtr db_;
};

TEST_F(TableTest, CreateCountScan) {
  TablePtr t = Create("items", 1000);
  EXPECT_EQ(t->version(), 1u);
  EXPECT_EQ(*t->CountRows(), 1000);
  auto all = t->Scan().ToBatch();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(Ids(**all), Range(0, 1000));
  EXPECT_EQ((*all)->GetColumn("text")->GetView(7), "row 7");

  auto page = t->Scan().Columns({"id"}).Offset(10).Limit(5).ToBatch();
  ASSERT_TRUE(page.ok());
  EXPECT_EQ((*page)->num_columns(), 1);
  EXPECT_EQ(Ids(**page), Range(10, 5));

  auto bad = t->Scan().Columns({"idd"}).ToBatch();
  ASSERT_TRUE(bad.status().IsNotFound());
  EXPECT_NE(bad.status().message().find("id"), std::string::npos) << bad.status().ToString();
}

TEST_F(TableTest, AppendVersionsAndTimeTravel) {
  TablePtr t = Create("items", 100);
  auto v2 = t->Add({MakeRows(100, 50)});
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(*v2, 2u);
  EXPECT_EQ(*t->CountRows(), 150);

  auto versions = t->ListVersions();
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].operation, "create");
  EXPECT_EQ((*versions)[0].num_rows, 100);
  EXPECT_EQ((*versions)[1].operation, "append");
  EXPECT_LE((*versions)[0].timestamp, (*versions)[1].timestamp);

  ASSERT_TRUE(t->Checkout(1).ok());
  EXPECT_TRUE(t->is_checked_out());
  EXPECT_EQ(*t->CountRows(), 100);
  EXPECT_EQ(Ids(**t->Scan().ToBatch()), Range(0, 100));
  auto refused = t->Add({MakeRows(0, 1)});
  EXPECT_TRUE(refused.status().IsInvalidArgument()) << refused.status().ToString();

  ASSERT_TRUE(t->CheckoutLatest().ok());
  EXPECT_EQ(*t->CountRows(), 150);
  EXPECT_TRUE(t->Checkout(99).IsNotFound());
}

TEST_F(TableTest, RestoreMakesOldVersionLatest) {
  TablePtr t = Create("items", 10);
  ASSERT_TRUE(t->Add({MakeRows(10, 10)}).ok());
  ASSERT_TRUE(t->Checkout(1).ok());
  auto v3 = t->Restore();
  ASSERT_TRUE(v3.ok()) << v3.status().ToString();
  EXPECT_EQ(*v3, 3u);
  EXPECT_FALSE(t->is_checked_out());
  EXPECT_EQ(*t->CountRows(), 10);
  // Writes continue on top of the restored state, with fresh row ids.
  ASSERT_TRUE(t->Add({MakeRows(100, 5)}).ok());
  EXPECT_EQ(*t->CountRows(), 15);
  auto ids = t->Scan().WithRowId().ToBatch();
  ASSERT_TRUE(ids.ok());
  ArrayPtr row_ids = (*ids)->GetColumn("_rowid");
  EXPECT_EQ(row_ids->values<uint64_t>()[10], 20u);  // v2's ids 10..19 are never reused
}

TEST_F(TableTest, Tags) {
  TablePtr t = Create("items", 10);
  ASSERT_TRUE(t->Add({MakeRows(10, 10)}).ok());
  ASSERT_TRUE(t->CreateTag("first", 1).ok());
  EXPECT_TRUE(t->CreateTag("first", 2).IsAlreadyExists());
  EXPECT_TRUE(t->CreateTag("nowhere", 42).IsNotFound());
  EXPECT_TRUE(t->CreateTag("bad/name", 1).IsInvalidArgument());
  auto tags = t->ListTags();
  ASSERT_TRUE(tags.ok());
  ASSERT_EQ(tags->size(), 1u);
  EXPECT_EQ((*tags)[0].version, 1u);
  ASSERT_TRUE(t->CheckoutTag("first").ok());
  EXPECT_EQ(*t->CountRows(), 10);
  EXPECT_TRUE(t->CheckoutTag("second").IsNotFound());
  ASSERT_TRUE(t->DeleteTag("first").ok());
  EXPECT_TRUE(t->DeleteTag("first").IsNotFound());
}

TEST_F(TableTest, SchemaMismatchWritesNothing) {
  TablePtr t = Create("items", 10);
  auto objects_before = db_->store()->List("");
  ASSERT_TRUE(objects_before.ok());

  auto wrong_dim = t->Add({MakeRows(10, 5, /*dim=*/3)});
  ASSERT_TRUE(wrong_dim.status().IsInvalidArgument());
  const std::string msg = wrong_dim.status().message();
  EXPECT_NE(msg.find("vector"), std::string::npos) << msg;
  EXPECT_NE(msg.find("3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("4"), std::string::npos) << msg;

  auto missing =
      std::make_shared<RecordBatch>(std::make_shared<Schema>(std::vector<Field>{Field("id", int64(), false)}),
                                    1, std::vector<ArrayPtr>{MakeRows(0, 1)->column(0)});
  auto missing_st = t->Add({missing});
  ASSERT_FALSE(missing_st.ok());
  EXPECT_NE(missing_st.status().message().find("text"), std::string::npos) << missing_st.status().ToString();

  // A null in the non-nullable id column.
  auto ids = ArrayBuilder::Make(int64());
  ASSERT_TRUE(ids->AppendNull().ok());
  BatchPtr good = MakeRows(0, 1);
  auto null_schema = std::make_shared<Schema>(
      std::vector<Field>{Field("id", int64(), true), Field("text", utf8()), Field("vector", vector_type(4))});
  auto with_null = std::make_shared<RecordBatch>(
      null_schema, 1, std::vector<ArrayPtr>{ids->Finish(), good->column(1), good->column(2)});
  auto null_st = t->Add({with_null});
  ASSERT_TRUE(null_st.status().IsInvalidArgument());
  EXPECT_NE(null_st.status().message().find("\"id\""), std::string::npos) << null_st.status().ToString();

  EXPECT_EQ(t->version(), 1u);
  EXPECT_EQ(*t->CountRows(), 10);
  auto objects_after = db_->store()->List("");
  ASSERT_TRUE(objects_after.ok());
  EXPECT_EQ(objects_before->size(), objects_after->size());
}

TEST_F(TableTest, TakeByRowIdSurvivesCompaction) {
  TablePtr t = Create("items", 10);
  for (int i = 1; i < 6; ++i) ASSERT_TRUE(t->Add({MakeRows(i * 10, 10)}).ok());
  std::vector<uint64_t> wanted = {55, 3, 17, 42, 0};
  auto before = t->TakeRowIds(wanted);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(Ids(**before), (std::vector<int64_t>{55, 3, 17, 42, 0}));

  auto stats = t->Compact();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->fragments_removed, 6);
  EXPECT_EQ(stats->fragments_added, 1);
  auto table_stats = t->Stats();
  ASSERT_TRUE(table_stats.ok());
  EXPECT_EQ(table_stats->num_fragments, 1);
  EXPECT_EQ(*t->CountRows(), 60);

  auto after = t->TakeRowIds(wanted);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE((*before)->Equals(**after));
  EXPECT_TRUE(t->TakeRowIds(std::vector<uint64_t>{60}).status().IsNotFound());
  // Old versions still read their own fragments.
  ASSERT_TRUE(t->Checkout(3).ok());
  EXPECT_EQ(*t->CountRows(), 30);
}

TEST_F(TableTest, CleanupKeepsWhatKeptVersionsNeed) {
  TablePtr t = Create("items", 10);
  for (int i = 1; i < 4; ++i) ASSERT_TRUE(t->Add({MakeRows(i * 10, 10)}).ok());
  ASSERT_TRUE(t->CreateTag("v2", 2).ok());
  ASSERT_TRUE(t->Compact().ok());  // v5: one fragment, v1..v4's files unused by it
  EXPECT_TRUE(t->Cleanup({}).status().IsInvalidArgument());
  CleanupOptions keep_one;
  keep_one.keep_versions = 1;
  auto stats = t->Cleanup(keep_one);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->versions_removed, 3);  // v1, v3, v4; v2 is tagged
  EXPECT_GT(stats->files_removed, 0);
  auto versions = t->ListVersions();
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ(*t->CountRows(), 40);
  EXPECT_EQ(Ids(**t->Scan().ToBatch()), Range(0, 40));
  ASSERT_TRUE(t->CheckoutTag("v2").ok());
  EXPECT_EQ(Ids(**t->Scan().ToBatch()), Range(0, 20));
}

TEST_F(TableTest, OverwriteReplacesRowsAndSchema) {
  TablePtr t = Create("items", 10);
  WriteOptions overwrite;
  overwrite.mode = WriteMode::kOverwrite;
  auto v2 = t->Add({MakeRows(500, 3, /*dim=*/8)}, overwrite);
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ(*t->CountRows(), 3);
  EXPECT_EQ(t->schema()->field(2).type->list_size(), 8);
  ASSERT_TRUE(t->Checkout(1).ok());
  EXPECT_EQ(t->schema()->field(2).type->list_size(), 4);
}

TEST_F(TableTest, ConnectionManagesTables) {
  Create("alpha", 1);
  Create("beta", 1);
  EXPECT_TRUE(db_->CreateTable("alpha", {MakeRows(0, 1)}).status().IsAlreadyExists());
  CreateTableOptions exist_ok;
  exist_ok.mode = CreateMode::kExistOk;
  EXPECT_EQ((*db_->CreateTable("alpha", {MakeRows(0, 5)}, exist_ok))->version(), 1u);
  CreateTableOptions overwrite;
  overwrite.mode = CreateMode::kOverwrite;
  EXPECT_EQ(*(*db_->CreateTable("alpha", {MakeRows(0, 5)}, overwrite))->CountRows(), 5);

  EXPECT_EQ(*db_->TableNames(), (std::vector<std::string>{"alpha", "beta"}));
  // Only "<name>.quiver" folders holding a version are tables: not a create
  // that died before its first commit, nor anything else in the folder.
  auto store = test_db_.OpenStore();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("ghost.quiver/data/0.qvd", "x").ok());
  ASSERT_TRUE((*store)->Put("notes/readme.txt", "x").ok());
  ASSERT_TRUE((*store)->Put("loose.quiver", "x").ok());
  Create("alpha-2", 1);  // sorts after "alpha" although "alpha-2.quiver" < "alpha.quiver"
  EXPECT_EQ(*db_->TableNames(), (std::vector<std::string>{"alpha", "alpha-2", "beta"}));
  ASSERT_TRUE(db_->DropTable("alpha-2").ok());
  auto missing = db_->OpenTable("alpah");
  ASSERT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().message().find("did you mean \"alpha\""), std::string::npos)
      << missing.status().ToString();
  EXPECT_TRUE(db_->OpenTable("no/slash").status().IsInvalidArgument());

  ASSERT_TRUE(db_->RenameTable("beta", "gamma").ok());
  EXPECT_TRUE(db_->OpenTable("beta").status().IsNotFound());
  EXPECT_EQ(*(*db_->OpenTable("gamma"))->CountRows(), 1);
  ASSERT_TRUE(db_->DropTable("gamma").ok());
  EXPECT_EQ(*db_->TableNames(), (std::vector<std::string>{"alpha"}));
  EXPECT_TRUE(db_->DropTable("gamma").IsNotFound());

  auto empty = db_->CreateEmptyTable("empty", TestSchema());
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*(*empty)->CountRows(), 0);
  EXPECT_EQ((*(*empty)->Scan().ToBatch())->num_rows(), 0);
}

TEST_F(TableTest, NonDurableWritesStillCommitAtomically) {
  ConnectOptions options;
  options.durable_writes = false;
  auto db = test_db_.Connect(options);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto t = (*db)->CreateTable("fast", {MakeRows(0, 100)});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_TRUE((*t)->Add({MakeRows(100, 10)}).ok());
  // A durable connection reads what the other one committed.
  EXPECT_EQ(Ids(**(*db_->OpenTable("fast"))->Scan().ToBatch()), Range(0, 110));
}

TEST(TableMemoryTest, MemoryStoreWorks) {
  auto db = Connect("memory://table-test");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto t = (*db)->CreateTable("m", {MakeRows(0, 20)});
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  // A second connection to the same name sees the same tables.
  auto db2 = Connect("memory://table-test");
  EXPECT_EQ(*(*(*db2)->OpenTable("m"))->CountRows(), 20);
}

TEST_F(TableTest, HandlesSeeOtherWritersOnRefreshOrInterval) {
  TablePtr writer = Create("items", 10);
  TablePtr lazy = *db_->OpenTable("items");
  ConnectOptions eager_options;
  eager_options.read_consistency_interval = std::chrono::milliseconds(0);
  TablePtr eager = *(*test_db_.Connect(eager_options))->OpenTable("items");

  ASSERT_TRUE(writer->Add({MakeRows(10, 5)}).ok());
  EXPECT_EQ(*lazy->CountRows(), 10);  // no interval: stays on its version
  EXPECT_EQ(*eager->CountRows(), 15);
  ASSERT_TRUE(lazy->Refresh().ok());
  EXPECT_EQ(*lazy->CountRows(), 15);
}

TEST_F(TableTest, ConcurrentAppendsFromThreadsAllLand) {
  Create("items", 0 + 1);
  constexpr int kThreads = 4, kAppends = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      // Each thread has its own handle, as separate clients would.
      auto t = *db_->OpenTable("items");
      for (int i = 0; i < kAppends; ++i) {
        if (!t->Add({MakeRows(1000 + w * 100 + i, 1)}).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, 0);
  auto t = *db_->OpenTable("items");
  EXPECT_EQ(*t->CountRows(), 1 + kThreads * kAppends);
  EXPECT_EQ(t->version(), 1u + kThreads * kAppends);
}

TEST_F(TableTest, ConcurrentAppendsFromProcessesAllLand) {
  Create("items", 1);
  constexpr int kProcs = 3, kAppends = 8;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto db = test_db_.Connect();
      if (!db.ok()) _exit(2);
      auto t = (*db)->OpenTable("items");
      if (!t.ok()) _exit(3);
      for (int i = 0; i < kAppends; ++i) {
        if (!(*t)->Add({MakeRows(p * 100 + i, 2)}).ok()) _exit(4);
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child exit " << status;
  }
  auto t = *db_->OpenTable("items");
  EXPECT_EQ(*t->CountRows(), 1 + kProcs * kAppends * 2);
}

TEST_F(TableTest, KilledImportLeavesLastCommittedVersion) {
  TablePtr t = Create("items", 100);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto table = *(*test_db_.Connect())->OpenTable("items");
    // A long stream of batches: killed long before it finishes.
    class Endless : public BatchReader {
     public:
      const SchemaPtr& schema() const override { return schema_; }
      Result<BatchPtr> Next() override { return MakeRows(next_ += 1000, 1000); }
      SchemaPtr schema_ = TestSchema();
      int64_t next_ = 1000;
    } endless;
    WriteOptions options;
    options.max_rows_per_file = 5000;  // several files complete before the kill
    (void)table->Add(endless, options);
    _exit(0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));

  auto reopened = *(*test_db_.Connect())->OpenTable("items");
  EXPECT_EQ(reopened->version(), 1u);
  EXPECT_EQ(Ids(**reopened->Scan().ToBatch()), Range(0, 100));
  // The table still takes writes.
  ASSERT_TRUE(reopened->Add({MakeRows(100, 1)}).ok());
  EXPECT_EQ(*reopened->CountRows(), 101);
}

TEST_F(TableTest, CorruptDataFileIsReportedWithItsName) {
  QUIVER_SKIP_ON_S3("corrupts a data file in place");
  TablePtr t = Create("items", 5000);
  std::string data_file;
  for (auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (entry.path().extension() == ".qvd") data_file = entry.path().string();
  }
  ASSERT_FALSE(data_file.empty());
  {
    std::fstream f(data_file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    char c;
    f.read(&c, 1);
    f.seekp(100);
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  auto fresh = *(*test_db_.Connect())->OpenTable("items");
  auto scan = fresh->Scan().ToBatch();
  ASSERT_TRUE(scan.status().IsCorruption()) << scan.status().ToString();
  const std::string name = std::filesystem::path(data_file).filename().string();
  EXPECT_NE(scan.status().message().find(name), std::string::npos) << scan.status().ToString();
}

TEST(CommitTest, AppendsRebaseButOverlappingRewritesConflict) {
  Manifest base;
  base.version = 1;
  base.schema = TestSchema();
  base.field_ids = {0, 1, 2};
  base.next_field_id = 3;
  Fragment f;
  f.id = 0;
  f.physical_rows = 10;
  f.row_ids = {{0, 10}};
  base.fragments = {f};
  base.next_fragment_id = 1;
  base.next_row_id = 10;

  // Someone compacted fragment 0 into fragment 1 at version 2.
  Transaction compact;
  compact.operation = "compact";
  compact.read_version = 1;
  compact.read_schema = base.schema;
  compact.removed_fragments = {f};
  Fragment merged = f;
  merged.files = {{"data/x.qvd", {0, 1, 2}, 100}};
  compact.new_fragments = {merged};
  auto v2 = ApplyTransaction(&base, compact);
  ASSERT_TRUE(v2.ok()) << v2.status().ToString();
  EXPECT_EQ((*v2)->fragments.size(), 1u);
  EXPECT_EQ((*v2)->fragments[0].id, 1u);
  EXPECT_EQ((*v2)->fragments[0].row_ids, f.row_ids);  // carried over

  // An append that read version 1 rebases cleanly.
  Transaction append;
  append.operation = "append";
  append.read_version = 1;
  append.read_schema = base.schema;
  Fragment fresh;
  fresh.physical_rows = 5;
  append.new_fragments = {fresh};
  auto v3 = ApplyTransaction(v2->get(), append);
  ASSERT_TRUE(v3.ok()) << v3.status().ToString();
  EXPECT_EQ((*v3)->num_rows(), 15);
  EXPECT_EQ((*v3)->fragments.back().row_ids, (std::vector<RowIdRange>{{10, 15}}));

  // A second compaction of fragment 0 read at version 1 must conflict.
  auto again = ApplyTransaction(v2->get(), compact);
  ASSERT_TRUE(again.status().IsConflict()) << again.status().ToString();
}

TEST(CommitTest, VersionKeysRoundTrip) {
  EXPECT_EQ(VersionKey(42), "_versions/00000000000000000042.manifest");
  EXPECT_EQ(ParseVersionKey(VersionKey(42)), 42u);
  EXPECT_EQ(ParseVersionKey("_versions/abc.manifest"), 0u);
  EXPECT_EQ(ParseVersionKey("_versions/.tmp-1"), 0u);
}

}  // namespace
}  // namespace quiver
