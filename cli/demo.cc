// `quiver demo`: Quiver's main job on the embedded local default, timed step
// by step on a realistic, deterministic table.
//
// The table ("items"): id int64, text (8-20 words drawn with a Zipf
// distribution from a fixed vocabulary of pseudo-words), category c0..c9,
// price float64 in [0, 1000) rounded to cents, and a 128-d float32 vector
// from a Gaussian mixture (100 centres, N(0, 0.35^2) noise per component; the
// category follows the centre, as similar products share a category).
//
// The demo is a list of steps, each timed; add a step by appending to
// MakeSteps(). Every step checks its result (row counts after each write,
// time travel, restore and compaction) so the demo doubles as a smoke test.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "progress.h"
#include "server/server.h"

namespace quiver::cli {

namespace {

constexpr int kDim = 128;
constexpr int kCentres = 100;
constexpr float kNoiseStddev = 0.35f;
constexpr int kVocabularySize = 5000;
constexpr double kZipfExponent = 1.07;
constexpr int64_t kBatchRows = 8192;
constexpr int kTakeCount = 100;
// The demo writes files of this many rows, as a stream of small imports
// would leave them, so that the compaction step has fragments to merge.
constexpr int64_t kRowsPerFile = 25000;

// xoshiro256** seeded by splitmix64. Our own generator and distributions,
// because std::*_distribution differ between standard libraries and the demo
// table must be the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : s_) {
      seed += 0x9e3779b97f4a7c15ull;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      s = z ^ (z >> 31);
    }
  }

  uint64_t Next() {
    uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n).
  uint64_t Below(uint64_t n) { return static_cast<uint64_t>(Uniform() * static_cast<double>(n)); }
  // Standard normal (Marsaglia's polar method, which needs no sin/cos; the
  // second value is kept for the next call).
  double Gaussian() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2.0 * Uniform() - 1.0;
      v = 2.0 * Uniform() - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double m = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * m;
    has_spare_ = true;
    return u * m;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
  double spare_ = 0;
  bool has_spare_ = false;
};

// Draws ranks 0..n-1 with probability proportional to 1 / (rank + 1)^s.
class Zipf {
 public:
  Zipf(int n, double s) : cdf_(n) {
    double sum = 0;
    for (int i = 0; i < n; ++i) cdf_[i] = (sum += 1.0 / std::pow(i + 1, s));
    for (double& c : cdf_) c /= sum;
  }
  int Sample(Rng& rng) const {
    auto it = std::upper_bound(cdf_.begin(), cdf_.end(), rng.Uniform());
    return static_cast<int>(std::min<ptrdiff_t>(it - cdf_.begin(), cdf_.size() - 1));
  }

 private:
  std::vector<double> cdf_;
};

// Pseudo-words from consonant-vowel syllables ("tavo", "kelimu", ...), the
// same list for every seed so that texts stay comparable.
std::vector<std::string> MakeVocabulary() {
  static const char* kOnsets[] = {"b", "d", "f", "g", "k", "l", "m",  "n",
                                  "p", "r", "s", "t", "v", "z", "sh", "tr"};
  static const char* kVowels[] = {"a", "e", "i", "o", "u", "ai", "ou"};
  Rng rng(20240501);
  std::set<std::string> seen;
  std::vector<std::string> words;
  while (static_cast<int>(words.size()) < kVocabularySize) {
    std::string word;
    int syllables = 1 + static_cast<int>(rng.Below(4));
    for (int i = 0; i < syllables; ++i) {
      word += kOnsets[rng.Below(std::size(kOnsets))];
      word += kVowels[rng.Below(std::size(kVowels))];
    }
    if (seen.insert(word).second) words.push_back(std::move(word));
  }
  return words;
}

SchemaPtr DemoSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      Field("id", int64(), /*nullable=*/false),
      Field("text", utf8()),
      Field("category", utf8()),
      Field("price", float64()),
      Field("vector", vector_type(kDim)),
  });
}

// Produces the rows of the demo table, batch by batch, from one seed.
class Generator {
 public:
  explicit Generator(uint64_t seed)
      : rng_(seed),
        vocabulary_(MakeVocabulary()),
        zipf_(kVocabularySize, kZipfExponent),
        centres_(kCentres * kDim) {
    for (float& c : centres_) c = static_cast<float>(rng_.Gaussian());
  }

  // Rows with ids [first_id, first_id + n), in batches of kBatchRows.
  Result<std::vector<BatchPtr>> Generate(int64_t first_id, int64_t n) {
    std::vector<BatchPtr> batches;
    for (int64_t done = 0; done < n; done += kBatchRows) {
      QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, MakeBatch(first_id + done, std::min(kBatchRows, n - done)));
      batches.push_back(std::move(batch));
    }
    return batches;
  }

 private:
  Result<BatchPtr> MakeBatch(int64_t first_id, int64_t n) {
    SchemaPtr schema = DemoSchema();
    std::vector<std::unique_ptr<ArrayBuilder>> b;
    for (const Field& field : schema->fields()) b.push_back(ArrayBuilder::Make(field.type));
    std::string text;
    float vector[kDim];
    for (int64_t i = 0; i < n; ++i) {
      int words = 8 + static_cast<int>(rng_.Below(13));
      text.clear();
      for (int w = 0; w < words; ++w) {
        if (w > 0) text += ' ';
        text += vocabulary_[zipf_.Sample(rng_)];
      }
      int centre = static_cast<int>(rng_.Below(kCentres));
      double price = std::floor(rng_.Uniform() * 100000.0) / 100.0;
      const float* c = &centres_[centre * kDim];
      for (int d = 0; d < kDim; ++d) vector[d] = c[d] + kNoiseStddev * static_cast<float>(rng_.Gaussian());

      QUIVER_RETURN_NOT_OK(b[0]->AppendInt(first_id + i));
      QUIVER_RETURN_NOT_OK(b[1]->AppendString(text));
      QUIVER_RETURN_NOT_OK(b[2]->AppendString("c" + std::to_string(centre % 10)));
      QUIVER_RETURN_NOT_OK(b[3]->AppendDouble(price));
      QUIVER_RETURN_NOT_OK(b[4]->AppendVector(vector, kDim));
    }
    std::vector<ArrayPtr> columns;
    for (auto& builder : b) columns.push_back(builder->Finish());
    return RecordBatch::Make(schema, std::move(columns));
  }

  Rng rng_;
  std::vector<std::string> vocabulary_;
  Zipf zipf_;
  std::vector<float> centres_;  // kCentres x kDim, row-major
};

uint64_t ArrayBytes(const Array& array) {
  uint64_t bytes = 0;
  for (const BufferPtr& buffer : array.buffers()) bytes += buffer ? buffer->size() : 0;
  for (const ArrayPtr& child : array.children()) bytes += ArrayBytes(*child);
  return bytes;
}

uint64_t BatchesBytes(const std::vector<BatchPtr>& batches) {
  uint64_t bytes = 0;
  for (const BatchPtr& batch : batches) {
    for (const ArrayPtr& column : batch->columns()) bytes += ArrayBytes(*column);
  }
  return bytes;
}

// What the steps share.
struct DemoState {
  std::string dir;
  int64_t rows = 0;         // first batch
  int64_t append_rows = 0;  // second batch
  uint64_t seed = 0;
  std::vector<BatchPtr> first, second;  // the created rows, the appended rows
  ConnectionPtr db;
  TablePtr table;
  uint64_t created_version = 0;
  std::vector<uint64_t> row_ids;  // from the scan, for the take
  struct Query {
    int64_t id;
    std::vector<float> vector;
  };
  std::vector<Query> queries;               // stored vectors used as queries
  std::vector<std::vector<int64_t>> exact;  // their exact top 10
  std::vector<std::vector<int64_t>> ivf;    // their IVF_PQ top 10
  std::vector<std::string> text_queries;    // two words of each query row's text
};

// 100 rows of the first batch (spread over it) as queries.
std::vector<DemoState::Query> DemoQueries(const DemoState& s) {
  std::vector<DemoState::Query> out;
  int64_t base = 0;
  for (const BatchPtr& batch : s.first) {
    const Array& ids = *batch->GetColumn("id");
    const Array& vectors = *batch->GetColumn("vector");
    const float* values = vectors.child(0)->values<float>() + vectors.offset() * kDim;
    for (int64_t r = 0; r < batch->num_rows(); ++r) {
      if ((base + r) % std::max<int64_t>(1, s.rows / 100) != 0 || out.size() >= 100) continue;
      out.push_back(
          {ids.values<int64_t>()[r], std::vector<float>(values + r * kDim, values + (r + 1) * kDim)});
    }
    base += batch->num_rows();
  }
  return out;
}

std::vector<int64_t> IdsOf(const RecordBatch& batch) {
  const int64_t* ids = batch.GetColumn("id")->values<int64_t>();
  return std::vector<int64_t>(ids, ids + batch.num_rows());
}

// What a step reports: rows it handled (for rows/s; 0 for none), a short
// result, and lines printed below it.
struct StepResult {
  int64_t rows = 0;
  std::string result;
  std::vector<std::string> notes;
};

struct Step {
  // A function, as titles may name a version an earlier step made.
  std::function<std::string(const DemoState&)> title;
  std::function<Result<StepResult>(DemoState&)> run;
};

// A title that does not depend on the state.
std::function<std::string(const DemoState&)> Title(std::string title) {
  return [title = std::move(title)](const DemoState&) { return title; };
}

constexpr char kDemoFilter[] = "price < 100 AND category IN ('c1', 'c2')";

// kDemoFilter evaluated by hand over the generated rows.
int64_t CountFilterByHand(const std::vector<BatchPtr>& batches) {
  int64_t n = 0;
  for (const BatchPtr& b : batches) {
    ArrayPtr price = b->GetColumn("price"), category = b->GetColumn("category");
    for (int64_t i = 0; i < b->num_rows(); ++i) {
      if (price->IsNull(i) || category->IsNull(i)) continue;
      const std::string_view c = category->GetView(i);
      if (price->values<double>()[i] < 100 && (c == "c1" || c == "c2")) ++n;
    }
  }
  return n;
}

Status Expect(int64_t actual, int64_t expected, const std::string& what) {
  if (actual == expected) return Status::OK();
  return Status::Internal(what + ": expected " + std::to_string(expected) + " rows, got " +
                          std::to_string(actual));
}

// `quiver serve` on a free loopback port in front of the demo's directory:
// the IVF_PQ searches again, as JSON over HTTP, must give the library's answers.
Result<StepResult> ServeStep(DemoState& s) {
  server::ServerOptions options;
  options.db_uri = s.dir;
  options.port = 0;
  QUIVER_ASSIGN_OR_RETURN(auto srv, server::Server::Create(options));
  QUIVER_RETURN_NOT_OK(srv->Bind());
  std::thread serving([&srv] { srv->Run(); });
  // Closed before Stop(), which waits for open connections.
  auto client = std::make_unique<httplib::Client>("127.0.0.1", srv->port());
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);
  Status status;
  int same = 0;
  for (size_t i = 0; i < s.queries.size() && status.ok(); ++i) {
    const nlohmann::json body{{"vector", s.queries[i].vector},
                              {"k", 10},
                              {"nprobes", 20},
                              {"refine_factor", 10},
                              {"columns", {"id"}}};
    httplib::Result res = client->Post("/tables/items/search", body.dump(), "application/json");
    if (!res || res->status != 200) {
      status = Status::IOError(
          "POST /tables/items/search: " +
          (res ? "HTTP " + std::to_string(res->status) + " " + res->body : httplib::to_string(res.error())));
      break;
    }
    const nlohmann::json answer = nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
    std::vector<int64_t> ids;
    if (answer.is_object() && answer["rows"].is_array()) {
      for (const auto& row : answer["rows"]) ids.push_back(row.value("id", int64_t{-1}));
    }
    same += ids == s.ivf[i];
  }
  const int port = srv->port();
  client.reset();
  srv->Stop();
  serving.join();
  QUIVER_RETURN_NOT_OK(status);
  QUIVER_RETURN_NOT_OK(
      Expect(same, static_cast<int64_t>(s.queries.size()), "HTTP answers equal to the library's"));
  return StepResult{0, "answers equal the library's (port " + std::to_string(port) + ")", {}};
}

std::vector<Step> MakeSteps() {
  std::vector<Step> steps;
  steps.push_back(
      {[](const DemoState& s) { return "generate " + FormatCount(s.rows + s.append_rows) + " rows"; },
       [](DemoState& s) -> Result<StepResult> {
         Generator generator(s.seed);
         QUIVER_ASSIGN_OR_RETURN(s.first, generator.Generate(0, s.rows));
         QUIVER_ASSIGN_OR_RETURN(s.second, generator.Generate(s.rows, s.append_rows));
         uint64_t bytes = BatchesBytes(s.first) + BatchesBytes(s.second);
         return StepResult{s.rows + s.append_rows, FormatBytes(bytes) + " in memory", {}};
       }});
  steps.push_back({Title("create table \"items\""), [](DemoState& s) -> Result<StepResult> {
                     QUIVER_ASSIGN_OR_RETURN(s.db, Connect(s.dir));
                     Progress progress("  writing");
                     CreateTableOptions options;
                     options.mode = CreateMode::kOverwrite;  // a rerun in the same directory starts afresh
                     options.write.max_rows_per_file = kRowsPerFile;
                     options.write.progress = [&progress](int64_t rows) { progress.Update(rows); };
                     QUIVER_ASSIGN_OR_RETURN(s.table, s.db->CreateTable("items", s.first, options));
                     progress.Finish();
                     s.created_version = s.table->version();
                     return StepResult{s.rows, "version " + std::to_string(s.created_version), {}};
                   }});
  steps.push_back({[](const DemoState& s) { return "append " + FormatCount(s.append_rows) + " rows"; },
                   [](DemoState& s) -> Result<StepResult> {
                     WriteOptions options;
                     options.max_rows_per_file = kRowsPerFile;
                     QUIVER_ASSIGN_OR_RETURN(uint64_t version, s.table->Add(s.second, options));
                     return StepResult{s.append_rows, "version " + std::to_string(version), {}};
                   }});
  steps.push_back({Title("count rows"), [](DemoState& s) -> Result<StepResult> {
                     QUIVER_ASSIGN_OR_RETURN(int64_t count, s.table->CountRows());
                     QUIVER_RETURN_NOT_OK(Expect(count, s.rows + s.append_rows, "count"));
                     return StepResult{0, FormatCount(count) + " rows", {}};
                   }});
  steps.push_back({Title("scan column \"vector\" + row ids"), [](DemoState& s) -> Result<StepResult> {
                     QUIVER_ASSIGN_OR_RETURN(auto reader,
                                             s.table->Scan().Columns({"vector"}).WithRowId().ToReader());
                     int64_t rows = 0;
                     uint64_t bytes = 0;
                     s.row_ids.clear();
                     while (true) {
                       QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, reader->Next());
                       if (!batch) break;
                       rows += batch->num_rows();
                       bytes += ArrayBytes(*batch->GetColumn("vector"));
                       ArrayPtr ids = batch->GetColumn("_rowid");
                       if (!ids) return Status::Internal("scan with row ids returned no _rowid column");
                       const uint64_t* v = ids->values<uint64_t>();
                       s.row_ids.insert(s.row_ids.end(), v, v + ids->length());
                     }
                     QUIVER_RETURN_NOT_OK(Expect(rows, s.rows + s.append_rows, "scan"));
                     return StepResult{rows, FormatBytes(bytes) + " of vectors", {}};
                   }});
  steps.push_back({Title("take " + std::to_string(kTakeCount) + " random rows by row id"),
                   [](DemoState& s) -> Result<StepResult> {
                     Rng rng(s.seed + 1);
                     std::vector<uint64_t> ids(kTakeCount);
                     for (uint64_t& id : ids) id = s.row_ids[rng.Below(s.row_ids.size())];
                     QUIVER_ASSIGN_OR_RETURN(BatchPtr rows, s.table->TakeRowIds(ids));
                     QUIVER_RETURN_NOT_OK(Expect(rows->num_rows(), kTakeCount, "take"));
                     return StepResult{kTakeCount, std::to_string(rows->num_columns()) + " columns each", {}};
                   }});
  steps.push_back({Title("list versions"), [](DemoState& s) -> Result<StepResult> {
                     QUIVER_ASSIGN_OR_RETURN(std::vector<VersionInfo> versions, s.table->ListVersions());
                     StepResult r{0, std::to_string(versions.size()) + " versions", {}};
                     for (const VersionInfo& v : versions) {
                       char line[128];
                       std::snprintf(line, sizeof(line), "v%-3llu %s UTC  %-9s %s rows",
                                     static_cast<unsigned long long>(v.version),
                                     FormatTime(v.timestamp).c_str(), v.operation.c_str(),
                                     FormatCount(v.num_rows).c_str());
                       r.notes.push_back(line);
                     }
                     return r;
                   }});
  steps.push_back(
      {[](const DemoState& s) { return "time travel: count v" + std::to_string(s.created_version); },
       [](DemoState& s) -> Result<StepResult> {
         QUIVER_RETURN_NOT_OK(s.table->Checkout(s.created_version));
         QUIVER_ASSIGN_OR_RETURN(int64_t count, s.table->CountRows());
         QUIVER_RETURN_NOT_OK(Expect(count, s.rows, "count at the first version"));
         return StepResult{0, FormatCount(count) + " rows, as before the append", {}};
       }});
  steps.push_back(
      {[](const DemoState& s) { return "restore v" + std::to_string(s.created_version); },
       [](DemoState& s) -> Result<StepResult> {
         QUIVER_ASSIGN_OR_RETURN(uint64_t version, s.table->Restore());
         QUIVER_ASSIGN_OR_RETURN(int64_t count, s.table->CountRows());
         QUIVER_RETURN_NOT_OK(Expect(count, s.rows, "count after restore"));
         return StepResult{0, "version " + std::to_string(version) + ", " + FormatCount(count) + " rows", {}};
       }});
  steps.push_back({Title("compact"), [](DemoState& s) -> Result<StepResult> {
                     QUIVER_ASSIGN_OR_RETURN(CompactStats stats, s.table->Compact());
                     QUIVER_ASSIGN_OR_RETURN(int64_t count, s.table->CountRows());
                     QUIVER_RETURN_NOT_OK(Expect(count, s.rows, "count after compaction"));
                     if (stats.new_version == 0) return StepResult{0, "nothing to compact", {}};
                     return StepResult{count,
                                       std::to_string(stats.fragments_removed) + " fragments -> " +
                                           std::to_string(stats.fragments_added) + ", version " +
                                           std::to_string(stats.new_version),
                                       {}};
                   }});
  steps.push_back({Title("filter: " + std::string(kDemoFilter)), [](DemoState& s) -> Result<StepResult> {
                     QUIVER_ASSIGN_OR_RETURN(int64_t count, s.table->CountRows(kDemoFilter));
                     QUIVER_RETURN_NOT_OK(Expect(count, CountFilterByHand(s.first), "filtered count"));
                     return StepResult{s.rows, FormatCount(count) + " rows match", {}};
                   }});
  steps.push_back({Title("create BTREE index on id"), [](DemoState& s) -> Result<StepResult> {
                     QUIVER_ASSIGN_OR_RETURN(uint64_t version, s.table->CreateIndex("id", IndexType::kBTree));
                     return StepResult{s.rows, "version " + std::to_string(version), {}};
                   }});
  steps.push_back({Title("100 point lookups: id = K (indexed)"), [](DemoState& s) -> Result<StepResult> {
                     Rng rng(s.seed + 2);
                     for (int i = 0; i < 100; ++i) {
                       const int64_t id = rng.Below(static_cast<uint32_t>(s.rows));
                       QUIVER_ASSIGN_OR_RETURN(BatchPtr row,
                                               s.table->Scan().Where("id = " + std::to_string(id)).ToBatch());
                       QUIVER_RETURN_NOT_OK(Expect(row->num_rows(), 1, "point lookup"));
                     }
                     return StepResult{0, "1 row each", {}};
                   }});
  steps.push_back(
      {Title("update 1%: price = price * 1.1 where id % 100 = 7"), [](DemoState& s) -> Result<StepResult> {
         QUIVER_ASSIGN_OR_RETURN(UpdateResult r, s.table->Update({{"price", "price * 1.1"}}, "id % 100 = 7"));
         QUIVER_RETURN_NOT_OK(Expect(r.rows_updated, (s.rows + 92) / 100, "updated rows"));
         return StepResult{r.rows_updated, "version " + std::to_string(r.version), {}};
       }});
  steps.push_back({Title("100 exact searches, top 10"), [](DemoState& s) -> Result<StepResult> {
                     // Queries are stored vectors: each must come back first, at distance 0.
                     s.queries = DemoQueries(s);
                     s.exact.clear();
                     for (const auto& q : s.queries) {
                       QUIVER_ASSIGN_OR_RETURN(BatchPtr hits,
                                               s.table->Search(q.vector).Limit(10).Columns({"id"}).ToBatch());
                       QUIVER_RETURN_NOT_OK(Expect(hits->num_rows(), 10, "exact search results"));
                       QUIVER_RETURN_NOT_OK(
                           Expect(hits->column(0)->values<int64_t>()[0], q.id, "nearest id"));
                       s.exact.push_back(IdsOf(*hits));
                     }
                     return StepResult{0, "each query's own row first", {}};
                   }});
  steps.push_back({Title("create IVF_PQ index on vector"), [](DemoState& s) -> Result<StepResult> {
                     IndexOptions options;
                     QUIVER_ASSIGN_OR_RETURN(uint64_t version,
                                             s.table->CreateIndex("vector", IndexType::kIvfPq, options));
                     QUIVER_ASSIGN_OR_RETURN(auto indices, s.table->ListIndices());
                     std::string size;
                     for (const IndexInfo& info : indices) {
                       if (info.type == "IVF_PQ") {
                         size = std::to_string(info.num_partitions) + " partitions, " +
                                FormatBytes(info.size_bytes);
                       }
                     }
                     return StepResult{s.rows, size + ", version " + std::to_string(version), {}};
                   }});
  steps.push_back(
      {Title("100 IVF_PQ searches (nprobes 20, refine 10)"), [](DemoState& s) -> Result<StepResult> {
         double hits = 0;
         s.ivf.clear();
         for (size_t i = 0; i < s.queries.size(); ++i) {
           QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, s.table->Search(s.queries[i].vector)
                                                       .Nprobes(20)
                                                       .RefineFactor(10)
                                                       .Limit(10)
                                                       .Columns({"id"})
                                                       .ToBatch());
           s.ivf.push_back(IdsOf(*batch));
           for (int64_t id : s.ivf.back()) {
             hits += std::count(s.exact[i].begin(), s.exact[i].end(), id);
           }
         }
         char recall[64];
         std::snprintf(recall, sizeof(recall), "recall@10 %.3f vs exact", hits / (10.0 * s.queries.size()));
         return StepResult{0, recall, {}};
       }});
  steps.push_back(
      {Title("create FTS index on text"), [](DemoState& s) -> Result<StepResult> {
         IndexOptions options;
         options.fts.with_position = true;
         QUIVER_ASSIGN_OR_RETURN(uint64_t version, s.table->CreateIndex("text", IndexType::kFts, options));
         // The queries: the first two words of each query row.
         std::string ids;
         for (const auto& q : s.queries) ids += (ids.empty() ? "" : ", ") + std::to_string(q.id);
         QUIVER_ASSIGN_OR_RETURN(
             BatchPtr rows, s.table->Scan().Where("id IN (" + ids + ")").Columns({"id", "text"}).ToBatch());
         QUIVER_RETURN_NOT_OK(Expect(rows->num_rows(), static_cast<int64_t>(s.queries.size()), "query rows"));
         std::map<int64_t, std::string> words;
         for (int64_t i = 0; i < rows->num_rows(); ++i) {
           const std::string text(rows->column(1)->GetView(i));
           words[rows->column(0)->values<int64_t>()[i]] = text.substr(0, text.find(' ', text.find(' ') + 1));
         }
         s.text_queries.clear();
         for (const auto& q : s.queries) s.text_queries.push_back(words[q.id]);
         return StepResult{s.rows, "version " + std::to_string(version), {}};
       }});
  steps.push_back({Title("100 text searches (2 words, AND), top 10"), [](DemoState& s) -> Result<StepResult> {
                     int64_t found = 0;
                     for (const std::string& text : s.text_queries) {
                       QUIVER_ASSIGN_OR_RETURN(
                           BatchPtr hits, s.table->TextSearch(FtsQuery::Match(text, "", /*conjunction=*/true))
                                              .Limit(10)
                                              .Columns({"id"})
                                              .ToBatch());
                       // The query row holds both words, so there is at least one match.
                       if (hits->num_rows() == 0) {
                         return Status::Internal("text search for \"" + text + "\" found no row");
                       }
                       found += hits->num_rows();
                     }
                     char note[64];
                     std::snprintf(note, sizeof(note), "%.1f rows each",
                                   static_cast<double>(found) / s.text_queries.size());
                     return StepResult{0, note, {}};
                   }});
  steps.push_back({Title("100 hybrid searches (RRF), top 10"), [](DemoState& s) -> Result<StepResult> {
                     int64_t first = 0;
                     for (size_t i = 0; i < s.queries.size(); ++i) {
                       HybridQuery q(*s.table, s.queries[i].vector, FtsQuery::Match(s.text_queries[i]));
                       q.Limit(10).Columns({"id"});
                       q.vector().Nprobes(20).RefineFactor(10);
                       QUIVER_ASSIGN_OR_RETURN(BatchPtr hits, q.ToBatch());
                       QUIVER_RETURN_NOT_OK(Expect(hits->num_rows(), 10, "hybrid results"));
                       first += IdsOf(*hits)[0] == s.queries[i].id;
                     }
                     return StepResult{0, std::to_string(first) + "/100 with the query's own row first", {}};
                   }});
  steps.push_back({Title("serve: 100 IVF_PQ searches over HTTP"), ServeStep});
  steps.push_back({Title("delete where category = 'c9'"), [](DemoState& s) -> Result<StepResult> {
                     QUIVER_ASSIGN_OR_RETURN(DeleteResult r, s.table->Delete("category = 'c9'"));
                     QUIVER_ASSIGN_OR_RETURN(int64_t left, s.table->CountRows("category = 'c9'"));
                     QUIVER_RETURN_NOT_OK(Expect(left, 0, "rows left after the delete"));
                     return StepResult{
                         r.num_deleted_rows,
                         FormatCount(r.num_deleted_rows) + " rows, version " + std::to_string(r.version),
                         {}};
                   }});
  return steps;
}

std::string FormatMillis(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f ms", seconds * 1000);
  return buf;
}

Status RunDemo(DemoState& state) {
  std::cout << "Quiver demo: " << FormatCount(state.rows) << " rows, then " << FormatCount(state.append_rows)
            << " more, in " << state.dir << "\n"
            << "table \"items\": id int64, text (8-20 Zipf-distributed words), category c0..c9,\n"
            << "               price float64, vector float32[" << kDim << "] (" << kCentres
            << "-centre Gaussian mixture), seed " << state.seed << "\n\n";
  std::vector<Step> steps = MakeSteps();
  auto demo_start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < steps.size(); ++i) {
    auto start = std::chrono::steady_clock::now();
    Result<StepResult> result = steps[i].run(state);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string title = steps[i].title(state);
    if (!result.ok()) return result.status().WithContext("demo step \"" + title + "\"");
    std::string rate = result->rows > 0 ? FormatRate(result->rows, seconds) : "";
    std::printf("%2zu. %-38s %11s  %15s   %s\n", i + 1, title.c_str(), FormatMillis(seconds).c_str(),
                rate.c_str(), result->result.c_str());
    for (const std::string& note : result->notes) std::printf("      %s\n", note.c_str());
    std::fflush(stdout);
  }
  double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - demo_start).count();
  std::printf("\ndone in %.2f s. The table stays in %s; look at it with\n  quiver scan %s items --limit 5\n",
              total, state.dir.c_str(), state.dir.c_str());
  return Status::OK();
}

Result<std::string> MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "quiver-demo-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    return Status::IOError("cannot create a temporary directory " + pattern + ": " + std::strerror(errno));
  }
  return pattern;
}

}  // namespace

void RegisterDemo(VerbList& verbs) {
  struct Args {
    std::string dir;
    int64_t rows = 100000;
    uint64_t seed = 42;
  };
  auto args = std::make_shared<Args>();
  Verb& verb =
      verbs.Add("demo", "A timed tour: write, read, time-travel and compact a generated table.",
                "quiver demo --rows 1000000",
                "Generates a deterministic table (id, 8-20 words of text, category, price, 128-d vector), "
                "writes it, appends, counts, scans, takes rows by id, lists versions, reads the first "
                "version, restores it and compacts, filters, builds a BTREE index and looks rows up, "
                "searches vectors exactly, builds an IVF_PQ index and measures its recall, full-text and "
                "hybrid searches, serves the directory over HTTP and searches through it, updates and "
                "deletes, printing each step's time and rows/s. The directory is "
                "kept, so the other verbs can look at it afterwards.");
  verb.app->add_option("dir", args->dir, "Database directory (default: a fresh temporary directory)");
  verb.app->add_option("--rows", args->rows, "Rows in the first batch; the append adds a tenth as many")
      ->capture_default_str()
      ->check(AtLeast(1));
  verb.app->add_option("--seed", args->seed, "Seed of the generator (same seed, same table)")
      ->capture_default_str();
  verb.run = [args]() -> Status {
    DemoState state;
    state.rows = args->rows;
    state.append_rows = std::max<int64_t>(1, args->rows / 10);
    state.seed = args->seed;
    state.dir = args->dir;
    if (state.dir.empty()) {
      QUIVER_ASSIGN_OR_RETURN(state.dir, MakeTempDir());
    }
    return RunDemo(state);
  };
}

}  // namespace quiver::cli
