// End-to-end tests of the `quiver` command line tool: runs the built binary
// (QUIVER_BIN, set by tests/CMakeLists.txt) on files written to a temporary
// directory and checks exit codes, stdout and stderr.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_files.h"
#include "testing.h"

namespace {

using quiver::testing::ReadFile;
using quiver::testing::ShellQuote;

using ::testing::HasSubstr;
using ::testing::Not;

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// QUIVER_BIN, else the build tree's quiver (the test binary lives in
// <build>/tests/, the tool in <build>/).
std::string QuiverBinary() {
  const char* bin = std::getenv("QUIVER_BIN");
  if (bin != nullptr && *bin != '\0') return bin;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  auto candidate = self.parent_path().parent_path() / "quiver";
  return std::filesystem::exists(candidate, ec) ? candidate.string() : "";
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bin_ = QuiverBinary();
    if (bin_.empty()) GTEST_SKIP() << "no quiver binary: QUIVER_BIN is not set and ../quiver does not exist";
    db_ = dir_.Join("db");
  }

  // Runs `quiver args...` with stdout and stderr captured to files (stdin
  // from /dev/null, so stderr is never a terminal and no progress is drawn).
  RunResult Run(const std::vector<std::string>& args) {
    std::string cmd = ShellQuote(bin_);
    for (const std::string& arg : args) cmd += " " + ShellQuote(arg);
    std::string out = dir_.Join("stdout"), err = dir_.Join("stderr");
    cmd += " </dev/null >" + ShellQuote(out) + " 2>" + ShellQuote(err);
    int status = std::system(cmd.c_str());
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFile(out);
    r.err = ReadFile(err);
    return r;
  }

  // Runs and expects success, returning stdout.
  std::string RunOk(const std::vector<std::string>& args) {
    RunResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << "quiver " << ::testing::PrintToString(args) << "\nstderr: " << r.err;
    return r.out;
  }

  std::string Write(const std::string& name, const std::string& content) {
    std::string path = dir_.Join(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  // Rows with id, text and a 4-d vector, ids [first, first + n), as JSONL.
  static std::string JsonlRows(int first, int n) {
    std::string out;
    for (int i = first; i < first + n; ++i) {
      out += R"({"id": )" + std::to_string(i) + R"(, "text": "row )" + std::to_string(i) +
             R"(", "vector": [)" + std::to_string(i) + ".5, 0.25, -1.0, 2.0]}\n";
    }
    return out;
  }

  // Creates table "items" with 3 rows (version 1).
  void CreateItems() { RunOk({"create", db_, "items", Write("items.jsonl", JsonlRows(0, 3))}); }

  quiver::testing::TempDir dir_;
  std::string bin_;
  std::string db_;
};

TEST_F(CliTest, CreateFromJsonlAndCountPrintsTheBareNumber) {
  RunResult create = Run({"create", db_, "items", Write("items.jsonl", JsonlRows(0, 3))});
  EXPECT_EQ(create.exit_code, 0) << create.err;
  EXPECT_THAT(create.out, HasSubstr("3 rows"));
  EXPECT_EQ(create.err, "");  // no progress bar when stderr is not a terminal
  RunResult count = Run({"count", db_, "items"});
  EXPECT_EQ(count.exit_code, 0);
  EXPECT_EQ(count.out, "3\n");
  EXPECT_EQ(count.err, "");
  EXPECT_EQ(RunOk({"tables", db_}), "items\n");
}

TEST_F(CliTest, CreateFromStandardInputNeedsAFormat) {
  std::string file = Write("items.jsonl", JsonlRows(0, 4));
  std::string cmd = ShellQuote(bin_) + " create " + ShellQuote(db_) + " items - --format jsonl <" +
                    ShellQuote(file) + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(RunOk({"count", db_, "items"}), "4\n");
  RunResult no_format = Run({"create", db_, "other", "-"});
  EXPECT_EQ(no_format.exit_code, 1);
  EXPECT_THAT(no_format.err, HasSubstr("format"));
}

TEST_F(CliTest, CreateFromCsv) {
  std::string csv = Write("items.csv",
                          "id,name,price,vector\n"
                          "1,apple,0.5,\"[1, 2, 3]\"\n"
                          "2,\"pear, green\",1.25,\"[4, 5, 6]\"\n");
  RunOk({"create", db_, "fruit", csv});
  EXPECT_EQ(RunOk({"count", db_, "fruit"}), "2\n");
  std::string schema = RunOk({"schema", db_, "fruit"});
  EXPECT_THAT(schema, HasSubstr("id: int64"));
  EXPECT_THAT(schema, HasSubstr("name: string"));
  EXPECT_THAT(schema, HasSubstr("price: double"));
  EXPECT_THAT(schema, HasSubstr("vector: fixed_size_list"));
  EXPECT_THAT(RunOk({"scan", db_, "fruit", "--format", "json"}), HasSubstr("pear, green"));
}

TEST_F(CliTest, CreateTwiceFailsUnlessOverwriteOrExistOk) {
  CreateItems();
  std::string more = Write("more.jsonl", JsonlRows(10, 5));
  RunResult again = Run({"create", db_, "items", more});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("AlreadyExists"));
  RunOk({"create", db_, "items", more, "--mode", "exist_ok"});
  EXPECT_EQ(RunOk({"count", db_, "items"}), "3\n");
  RunOk({"create", db_, "items", more, "--mode", "overwrite", "--compression", "lz4"});
  EXPECT_EQ(RunOk({"count", db_, "items"}), "5\n");
}

TEST_F(CliTest, ScanFormats) {
  CreateItems();
  // JSON lines: one object per row, values typed.
  std::vector<std::string> json = Lines(RunOk({"scan", db_, "items", "--format", "json"}));
  ASSERT_EQ(json.size(), 3u);
  nlohmann::json row = nlohmann::json::parse(json[1]);
  EXPECT_EQ(row["id"], 1);
  EXPECT_EQ(row["text"], "row 1");
  ASSERT_EQ(row["vector"].size(), 4u);
  EXPECT_DOUBLE_EQ(row["vector"][0].get<double>(), 1.5);

  // CSV: a header, then one line per row.
  std::vector<std::string> csv =
      Lines(RunOk({"scan", db_, "items", "--columns", "id,text", "--format", "csv"}));
  ASSERT_EQ(csv.size(), 4u);
  EXPECT_EQ(csv[0], "id,text");
  EXPECT_EQ(csv[1], "0,row 0");

  // Table: column names and values, aligned.
  std::string table = RunOk({"scan", db_, "items", "--columns", "text,id"});
  EXPECT_THAT(table, HasSubstr("text"));
  EXPECT_THAT(table, HasSubstr("row 2"));
  EXPECT_THAT(table, Not(HasSubstr("vector")));

  // Limit and offset.
  std::vector<std::string> page =
      Lines(RunOk({"scan", db_, "items", "--offset", "1", "--limit", "1", "--format", "json"}));
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(page[0])["id"], 1);

  RunResult bad_column = Run({"scan", db_, "items", "--columns", "idd"});
  EXPECT_EQ(bad_column.exit_code, 1);
  EXPECT_THAT(bad_column.err, HasSubstr("idd"));
}

TEST_F(CliTest, TakeByRowIds) {
  CreateItems();
  std::vector<std::string> rows = Lines(RunOk({"scan", db_, "items", "--with-rowid", "--format", "json"}));
  ASSERT_EQ(rows.size(), 3u);
  uint64_t first = nlohmann::json::parse(rows[0])["_rowid"];
  uint64_t last = nlohmann::json::parse(rows[2])["_rowid"];
  std::vector<std::string> taken =
      Lines(RunOk({"take", db_, "items", "--rowids", std::to_string(last) + "," + std::to_string(first),
                   "--columns", "id", "--format", "json"}));
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(taken[0])["id"], 2);
  EXPECT_EQ(nlohmann::json::parse(taken[1])["id"], 0);

  RunResult missing = Run({"take", db_, "items", "--rowids", "999999"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("999999"));
}

TEST_F(CliTest, AddAppendsAndWrongDimensionFailsWithoutWriting) {
  CreateItems();
  EXPECT_THAT(RunOk({"add", db_, "items", Write("more.jsonl", JsonlRows(3, 2))}), HasSubstr("version 2"));
  EXPECT_EQ(RunOk({"count", db_, "items"}), "5\n");

  std::string bad = Write("bad.jsonl", R"({"id": 7, "text": "x", "vector": [1.0, 2.0, 3.0]})"
                                       "\n");
  RunResult r = Run({"add", db_, "items", bad});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("vector"));
  EXPECT_THAT(r.err, HasSubstr("3"));
  EXPECT_THAT(r.err, HasSubstr("4"));
  EXPECT_EQ(RunOk({"count", db_, "items"}), "5\n");

  std::string wrong_type = Write("wrong_type.jsonl", R"({"id": "seven", "text": "x", "vector": [1, 2, 3, 4]})"
                                                     "\n");
  RunResult t = Run({"add", db_, "items", wrong_type});
  EXPECT_EQ(t.exit_code, 1);
  EXPECT_THAT(t.err, HasSubstr("id"));
  EXPECT_EQ(RunOk({"count", db_, "items"}), "5\n");
}

TEST_F(CliTest, MalformedJsonlNamesTheLine) {
  std::string file = Write("broken.jsonl", JsonlRows(0, 2) + "{\"id\": 2, \"text\": \n" + JsonlRows(3, 1));
  RunResult r = Run({"create", db_, "items", file});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("line 3"));
  RunResult count = Run({"count", db_, "items"});
  EXPECT_EQ(count.exit_code, 1);
  EXPECT_THAT(count.err, HasSubstr("NotFound"));
}

TEST_F(CliTest, VersionsTimeTravelRestoreAndTags) {
  CreateItems();                                                       // v1: 3 rows
  RunOk({"add", db_, "items", Write("more.jsonl", JsonlRows(3, 4))});  // v2: 7 rows

  nlohmann::json versions = nlohmann::json::parse(RunOk({"versions", db_, "items", "--json"}));
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0]["version"], 1);
  EXPECT_EQ(versions[0]["num_rows"], 3);
  EXPECT_EQ(versions[1]["num_rows"], 7);
  EXPECT_THAT(RunOk({"versions", db_, "items"}), HasSubstr("append"));

  EXPECT_EQ(RunOk({"count", db_, "items", "--version", "1"}), "3\n");
  EXPECT_EQ(Lines(RunOk({"scan", db_, "items", "--version", "1", "--format", "json"})).size(), 3u);
  RunResult no_such = Run({"count", db_, "items", "--version", "9"});
  EXPECT_EQ(no_such.exit_code, 1);
  EXPECT_THAT(no_such.err, HasSubstr("9"));

  RunOk({"tags", db_, "items", "create", "first", "1"});
  EXPECT_THAT(RunOk({"tags", db_, "items", "list"}), HasSubstr("first"));
  EXPECT_EQ(Lines(RunOk({"scan", db_, "items", "--tag", "first", "--format", "csv"})).size(), 4u);

  EXPECT_THAT(RunOk({"restore", db_, "items", "1"}), HasSubstr("version 3"));
  EXPECT_EQ(RunOk({"count", db_, "items"}), "3\n");
  versions = nlohmann::json::parse(RunOk({"versions", db_, "items", "--json"}));
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[2]["operation"], "restore");

  RunOk({"tags", db_, "items", "delete", "first"});
  EXPECT_THAT(RunOk({"tags", db_, "items", "list"}), Not(HasSubstr("first")));
}

TEST_F(CliTest, MaintenanceAndDatabaseVerbs) {
  CreateItems();
  for (int i = 0; i < 3; ++i) {
    RunOk({"add", db_, "items", Write("more" + std::to_string(i) + ".jsonl", JsonlRows(10 * (i + 1), 2))});
  }
  nlohmann::json stats = nlohmann::json::parse(RunOk({"stats", db_, "items", "--json"}));
  EXPECT_EQ(stats["num_rows"], 9);
  EXPECT_EQ(stats["num_versions"], 4);
  EXPECT_THAT(RunOk({"compact", db_, "items"}), HasSubstr("compacted"));
  EXPECT_EQ(RunOk({"count", db_, "items"}), "9\n");
  RunOk({"tags", db_, "items", "create", "start", "1"});
  EXPECT_THAT(RunOk({"cleanup", db_, "items", "--older-than", "0s", "--keep", "1"}),
              HasSubstr("removed 3 versions"));
  EXPECT_EQ(RunOk({"count", db_, "items"}), "9\n");
  nlohmann::json versions = nlohmann::json::parse(RunOk({"versions", db_, "items", "--json"}));
  ASSERT_EQ(versions.size(), 2u);  // the tagged first version and the latest
  EXPECT_EQ(versions[0]["version"], 1);
  EXPECT_EQ(RunOk({"count", db_, "items", "--tag", "start"}), "3\n");
  RunResult bad_duration = Run({"cleanup", db_, "items", "--older-than", "7 days"});
  EXPECT_EQ(bad_duration.exit_code, 1);
  EXPECT_THAT(bad_duration.err, HasSubstr("7 days"));

  RunOk({"rename", db_, "items", "products"});
  EXPECT_EQ(RunOk({"tables", db_}), "products\n");
  RunOk({"drop", db_, "products"});
  EXPECT_EQ(RunOk({"tables", db_}), "");
}

TEST_F(CliTest, FiltersChangesSchemaAndIndexes) {
  RunOk({"create", db_, "items", Write("items.jsonl", JsonlRows(0, 20))});
  EXPECT_EQ(RunOk({"count", db_, "items", "--where", "id >= 15"}), "5\n");
  std::string rows = RunOk(
      {"scan", db_, "items", "--where", "id < 2", "--select", "id, id * 10 AS tens", "--format", "csv"});
  EXPECT_EQ(rows, "id,tens\n0,0\n1,10\n");
  RunResult bad = Run({"count", db_, "items", "--where", "id > 10 AND )"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("unexpected token ')' at position 12"));

  EXPECT_THAT(RunOk({"delete", db_, "items", "--where", "id % 2 = 1"}), HasSubstr("deleted 10 rows"));
  EXPECT_EQ(RunOk({"count", db_, "items"}), "10\n");
  EXPECT_THAT(RunOk({"update", db_, "items", "--set", "text = upper(text)", "--where", "id = 4"}),
              HasSubstr("updated 1 rows"));
  EXPECT_EQ(RunOk({"scan", db_, "items", "--where", "id = 4", "--columns", "text", "--format", "csv"}),
            "text\nROW 4\n");

  std::string changes = Write("changes.jsonl", JsonlRows(18, 4));  // 18 exists, 19 was deleted, 20-21 new
  EXPECT_THAT(RunOk({"merge", db_, "items", changes, "--on", "id", "--update-all", "--insert-all"}),
              HasSubstr("inserted 3, updated 1, deleted 0 rows"));
  EXPECT_EQ(RunOk({"count", db_, "items"}), "13\n");

  EXPECT_THAT(RunOk({"add-column", db_, "items", "double_id", "--expr", "id * 2"}),
              HasSubstr("added column"));
  EXPECT_EQ(RunOk({"count", db_, "items", "--where", "double_id = 40"}), "1\n");
  RunOk({"alter-column", db_, "items", "double_id", "--rename", "twice"});
  RunOk({"drop-column", db_, "items", "twice"});
  EXPECT_THAT(RunOk({"schema", db_, "items"}), Not(HasSubstr("twice")));

  EXPECT_THAT(RunOk({"index", db_, "items", "id", "--type", "btree"}), HasSubstr("BTREE index"));
  EXPECT_THAT(RunOk({"indices", db_, "items"}), HasSubstr("id_idx"));
  EXPECT_THAT(RunOk({"count", db_, "items", "--where", "id = 20", "--explain"}), HasSubstr("index: id_idx"));
  EXPECT_EQ(RunOk({"count", db_, "items", "--where", "id = 20"}), "1\n");
  RunOk({"optimize-indices", db_, "items"});
  RunOk({"drop-index", db_, "items", "id_idx"});
  RunResult unknown_type = Run({"index", db_, "items", "id", "--type", "HASH"});
  EXPECT_EQ(unknown_type.exit_code, 1);
  EXPECT_THAT(unknown_type.err, HasSubstr("LABEL_LIST"));
}

TEST_F(CliTest, SearchExactIndexedAndQueryFiles) {
  RunOk({"create", db_, "items", Write("items.jsonl", JsonlRows(0, 300))});
  // Row i's vector is [i.5, 0.25, -1, 2]: the nearest to [7.25, ...] are 7, 6, 8
  // (distances 0.25^2, 0.75^2, 1.25^2: exact in float32).
  std::string rows = RunOk({"search", db_, "items", "--vector", "[7.25, 0.25, -1.0, 2.0]", "--k", "3",
                            "--columns", "id", "--format", "csv"});
  EXPECT_EQ(rows, "id,_distance\n7,0.0625\n6,0.5625\n8,1.5625\n");
  EXPECT_EQ(RunOk({"search", db_, "items", "--vector", "7.25, 0.25, -1.0, 2.0", "--k", "2", "--where",
                   "id > 7", "--columns", "id", "--format", "csv"}),
            "id,_distance\n8,1.5625\n9,5.0625\n");

  RunResult wrong_dim = Run({"search", db_, "items", "--vector", "[1, 2, 3]"});
  EXPECT_EQ(wrong_dim.exit_code, 1);
  EXPECT_THAT(wrong_dim.err, HasSubstr("query vector has dimension 3, column \"vector\" has 4"));
  RunResult neither = Run({"search", db_, "items"});
  EXPECT_EQ(neither.exit_code, 1);
  EXPECT_THAT(neither.err, HasSubstr("--vector, --text, --queries or --text-queries"));

  EXPECT_THAT(RunOk({"index", db_, "items", "vector", "--type", "IVF_FLAT", "--partitions", "4"}),
              HasSubstr("built IVF_FLAT index on \"vector\""));
  EXPECT_THAT(RunOk({"indices", db_, "items"}), HasSubstr("IVF_FLAT"));
  EXPECT_THAT(
      RunOk({"search", db_, "items", "--vector", "[7.25, 0.25, -1.0, 2.0]", "--nprobes", "4", "--explain"}),
      HasSubstr("IVF_FLAT"));
  EXPECT_EQ(RunOk({"search", db_, "items", "--vector", "[7.25, 0.25, -1.0, 2.0]", "--k", "3", "--nprobes",
                   "4", "--columns", "id", "--format", "csv"}),
            rows);
  EXPECT_EQ(RunOk({"search", db_, "items", "--vector", "[7.25, 0.25, -1.0, 2.0]", "--k", "3", "--nprobes",
                   "1", "--max-nprobes", "0", "--columns", "id", "--format", "csv"}),
            rows);
  EXPECT_THAT(RunOk({"search", db_, "items", "--vector", "[7.25, 0.25, -1.0, 2.0]", "--nprobes", "1",
                     "--max-nprobes", "0", "--explain"}),
              HasSubstr("nprobes 1 to all"));

  // A query file: one JSON line per query, then the timing line.
  std::string queries = Write(
      "queries.jsonl", "{\"vector\": [7.25, 0.25, -1.0, 2.0]}\n{\"vector\": [100.75, 0.25, -1.0, 2.0]}\n");
  std::vector<std::string> lines = Lines(RunOk({"search", db_, "items", "--queries", queries, "--k", "2"}));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], HasSubstr("\"ids\":[7,6]"));
  EXPECT_THAT(lines[1], HasSubstr("\"ids\":[100,101]"));
  EXPECT_THAT(lines[2], HasSubstr("\"queries\":2"));
  EXPECT_THAT(lines[2], HasSubstr("\"search_seconds\""));
}

TEST_F(CliTest, FullTextAndHybridSearch) {
  std::string docs =
      Write("docs.jsonl",
            "{\"id\": 1, \"text\": \"red running shoes\", \"vector\": [0.1, 0.9]}\n"
            "{\"id\": 2, \"text\": \"blue rain jacket\", \"vector\": [0.8, 0.1]}\n"
            "{\"id\": 3, \"text\": \"a tent for the rain, and shoes\", \"vector\": [0.3, 0.3]}\n");
  RunOk({"create", db_, "docs", docs});
  RunResult none = Run({"search", db_, "docs", "--text", "rain"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_THAT(none.err, HasSubstr("no full-text index"));
  EXPECT_THAT(RunOk({"index", db_, "docs", "text", "--type", "FTS", "--with-position"}),
              HasSubstr("built FTS index on \"text\""));
  // Stemming: "running" is "run"; both rain rows come back, best first.
  EXPECT_EQ(
      RunOk({"search", db_, "docs", "--text", "run", "--columns", "id", "--format", "csv"}).substr(0, 12),
      "id,_score\n1,");
  std::string rain =
      RunOk({"search", db_, "docs", "--text", "rain -tent", "--columns", "id", "--format", "csv"});
  EXPECT_THAT(rain, HasSubstr("\n2,"));
  EXPECT_THAT(rain, Not(HasSubstr("\n3,")));
  EXPECT_THAT(RunOk({"search", db_, "docs", "--text", "\"rain jacket\"", "--columns", "id"}),
              HasSubstr("(1 row)"));
  EXPECT_THAT(RunOk({"search", db_, "docs", "--text", "rain", "--where", "id > 2", "--columns", "id"}),
              HasSubstr("(1 row)"));
  RunResult bad = Run({"search", db_, "docs", "--text", "\"rain"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err, HasSubstr("unterminated phrase starting at position 0"));
  // Hybrid: both scores and the fused one.
  std::string hybrid = RunOk({"search", db_, "docs", "--text", "shoes", "--vector", "[0.1, 0.9]", "--columns",
                              "id", "--format", "csv"});
  EXPECT_THAT(hybrid, HasSubstr("id,_distance,_score,_relevance_score\n1,"));
  // A file of text queries, one hybrid.
  std::string queries =
      Write("text.jsonl", "{\"text\": \"rain\"}\n{\"text\": \"shoes\", \"vector\": [0.8, 0.1]}\n");
  std::vector<std::string> lines =
      Lines(RunOk({"search", db_, "docs", "--text-queries", queries, "--k", "2"}));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[0], HasSubstr("\"ids\":[2,3]"));
  EXPECT_THAT(lines[0], HasSubstr("\"scores\":["));
  EXPECT_THAT(lines[1], HasSubstr("\"ids\":[3,"));  // the row both searches found comes first
  EXPECT_THAT(lines[2], HasSubstr("\"queries\":2"));
  EXPECT_THAT(RunOk({"indices", db_, "docs"}), HasSubstr("FTS"));
}

TEST_F(CliTest, HelpOnEveryVerb) {
  RunResult top = Run({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_THAT(top.out, HasSubstr("demo"));
  for (const char* verb : {"create", "add", "count", "scan", "take", "schema", "versions", "restore", "tags",
                           "compact", "cleanup", "stats", "tables", "drop", "rename", "demo"}) {
    RunResult r = Run({verb, "--help"});
    EXPECT_EQ(r.exit_code, 0) << verb;
    EXPECT_THAT(r.out, HasSubstr("Usage")) << verb;
    EXPECT_THAT(r.out, HasSubstr("Example:\n  quiver " + std::string(verb))) << verb;
  }
}

TEST_F(CliTest, UsageErrorsExitWithTwo) {
  RunResult unknown = Run({"frobnicate", db_});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err, "");
  EXPECT_EQ(Run({}).exit_code, 2);
  EXPECT_EQ(Run({"count", db_}).exit_code, 2);  // missing table
  EXPECT_EQ(Run({"scan", db_, "items", "--format", "xml"}).exit_code, 2);
  EXPECT_EQ(Run({"count", db_, "items", "--version", "one"}).exit_code, 2);
  RunResult keep_zero = Run({"cleanup", db_, "items", "--keep", "0"});
  EXPECT_EQ(keep_zero.exit_code, 2);
  EXPECT_THAT(keep_zero.err, HasSubstr("at least 1"));
}

TEST_F(CliTest, DemoRunsEveryStep) {
  std::string out = RunOk({"demo", dir_.Join("demo"), "--rows", "3000"});
  EXPECT_THAT(out, HasSubstr("3,000 rows"));
  EXPECT_THAT(out, HasSubstr("time travel"));
  EXPECT_THAT(out, HasSubstr("compact"));
  EXPECT_THAT(out, HasSubstr("BTREE index"));
  EXPECT_THAT(out, HasSubstr("update 1%"));
  EXPECT_THAT(out, HasSubstr("answers equal the library's"));
  // The last step deleted category c9.
  EXPECT_EQ(RunOk({"count", dir_.Join("demo"), "items", "--where", "category = 'c9'"}), "0\n");
  const std::string total = RunOk({"count", dir_.Join("demo"), "items"});
  EXPECT_EQ(RunOk({"count", dir_.Join("demo"), "items", "--where", "category <> 'c9'"}), total);
  EXPECT_LT(std::stoi(total), 3000);
}

}  // namespace
