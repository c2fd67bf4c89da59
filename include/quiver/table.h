// Table: a versioned collection of rows with one schema.
//
// Every write (add, overwrite, restore, compaction, ...) commits a new
// immutable version. A Table handle reads one version at a time: the latest
// it knows of (refreshed on demand with Refresh(), or automatically when the
// connection has a read consistency interval), or a version checked out with
// Checkout(), which makes the handle read-only until CheckoutLatest().
//
// Thread-safety: a Table is safe to share between threads. Each read works on
// the version that was current when it started (a consistent snapshot) and
// never waits for a writer; writers in one process serialise their commits,
// and writers in different processes are ordered by the commit protocol
// (docs/format.md, "Commits").
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/array.h"
#include "quiver/batch_reader.h"
#include "quiver/fts_query.h"

namespace quiver {

class ObjectStore;
class TableImpl;
struct Snapshot;
struct ScanSpec;

enum class WriteMode {
  kAppend,     // add rows to the current version
  kOverwrite,  // replace all rows (and the schema) in a new version
};

// Reports how many rows a long write has taken in so far.
using ProgressFn = std::function<void(int64_t rows_done)>;

struct WriteOptions {
  WriteMode mode = WriteMode::kAppend;
  // Rows per data file; a large import is split over several files.
  int64_t max_rows_per_file = 1024 * 1024;
  // "zstd" (default), "lz4" or "none".
  std::string compression = "zstd";
  ProgressFn progress;
};

struct VersionInfo {
  uint64_t version = 0;
  std::chrono::system_clock::time_point timestamp;
  std::string operation;  // "create", "append", "overwrite", "restore", ...
  int64_t num_rows = 0;
  std::map<std::string, std::string> metadata;
};

struct TagInfo {
  std::string name;
  uint64_t version = 0;
};

struct TableStats {
  uint64_t version = 0;
  int64_t num_rows = 0;
  int64_t num_deleted_rows = 0;
  int64_t num_fragments = 0;
  int64_t num_small_fragments = 0;  // below the compaction target
  int64_t num_data_files = 0;
  uint64_t data_bytes = 0;   // data files of this version
  uint64_t total_bytes = 0;  // everything stored under the table, all versions
  int64_t num_versions = 0;
};

struct CompactOptions {
  // Fragments with fewer live rows than this are merged.
  int64_t target_rows_per_fragment = 1024 * 1024;
  // Fragments where more than this fraction of rows is deleted are rewritten.
  double materialize_deletions_threshold = 0.1;
};

struct CompactStats {
  int64_t fragments_removed = 0;
  int64_t fragments_added = 0;
  int64_t files_removed = 0;
  int64_t files_added = 0;
  uint64_t new_version = 0;  // 0 when nothing needed compacting
};

struct CleanupOptions {
  // Remove versions whose timestamp is older than this (when set).
  std::optional<std::chrono::system_clock::time_point> older_than;
  // Keep at least this many most recent versions (when set).
  std::optional<int64_t> keep_versions;
};

struct CleanupStats {
  int64_t versions_removed = 0;
  int64_t files_removed = 0;
  uint64_t bytes_removed = 0;
};

// Builds a scan: filter, projection, limit, offset, row ids. Run it with
// ToReader() (streaming) or ToBatch() (all rows in one batch).
class ScanBuilder {
 public:
  // Keeps the rows where the SQL predicate (DataFusion's dialect, see
  // docs/sql.md) is TRUE: "price > 50 AND category IN ('a', 'b')". Errors
  // (syntax with position, unknown column with suggestions, types) are
  // reported by ToReader()/ToBatch()/Explain().
  ScanBuilder& Where(std::string predicate);
  // Output columns by name (all columns when empty).
  ScanBuilder& Columns(std::vector<std::string> columns);
  // Output columns as SQL expressions with optional aliases, replacing
  // Columns(): "id, price * 1.2 AS gross, lower(name) AS name".
  ScanBuilder& Select(std::string select_list);
  ScanBuilder& Limit(int64_t limit);
  ScanBuilder& Offset(int64_t offset);
  // Adds a uint64 `_rowid` column holding each row's stable row id.
  ScanBuilder& WithRowId(bool with_row_id = true);
  // Rows per output batch (default 8192).
  ScanBuilder& BatchSize(int64_t rows);

  Result<std::unique_ptr<BatchReader>> ToReader() const;
  Result<BatchPtr> ToBatch() const;
  // How the scan would find its rows, one step per line: which indexes
  // answer which conjuncts, how many fragments and pages statistics prune,
  // what is left to evaluate.
  Result<std::string> Explain() const;

 private:
  friend class Table;
  explicit ScanBuilder(std::shared_ptr<const Snapshot> snapshot) : snapshot_(std::move(snapshot)) {}
  Result<ScanSpec> MakeSpec() const;
  std::shared_ptr<const Snapshot> snapshot_;
  std::string where_;
  std::string select_;
  std::vector<std::string> columns_;
  int64_t limit_ = -1;
  int64_t offset_ = 0;
  bool with_row_id_ = false;
  int64_t batch_size_ = 8192;
};

struct DeleteResult {
  int64_t num_deleted_rows = 0;
  uint64_t version = 0;  // the new version (the current one when nothing matched)
};

struct UpdateResult {
  int64_t rows_updated = 0;
  uint64_t version = 0;
};

struct MergeInsertResult {
  int64_t num_inserted_rows = 0;
  int64_t num_updated_rows = 0;
  int64_t num_deleted_rows = 0;
  uint64_t version = 0;
};

class Table;

// An upsert keyed on one or more columns ("merge insert"). Rows of the source
// are matched with table rows whose key columns are all equal (NULL keys
// never match). Choose what happens with WhenMatchedUpdateAll,
// WhenNotMatchedInsertAll and WhenNotMatchedBySourceDelete, then Execute.
// A key that occurs twice in the source is an error naming the key (it
// would make the result depend on row order). The whole merge is one new
// version; on any error nothing changes.
class MergeInsertBuilder {
 public:
  // Matched table rows are replaced by their source row; with a condition
  // (SQL over the table's columns as "target.col" and the source's as
  // "source.col", unqualified names meaning the target) only where it is
  // TRUE.
  MergeInsertBuilder& WhenMatchedUpdateAll(std::optional<std::string> condition = std::nullopt);
  // Source rows without a match are inserted.
  MergeInsertBuilder& WhenNotMatchedInsertAll();
  // Table rows no source row matches are deleted (only those where the
  // condition, over the table's columns, is TRUE, when one is given).
  MergeInsertBuilder& WhenNotMatchedBySourceDelete(std::optional<std::string> condition = std::nullopt);

  Result<MergeInsertResult> Execute(BatchReader& source);
  Result<MergeInsertResult> Execute(const std::vector<BatchPtr>& source);

 private:
  friend class Table;
  MergeInsertBuilder(Table* table, std::vector<std::string> on) : table_(table), on_(std::move(on)) {}
  Table* table_;
  std::vector<std::string> on_;
  bool update_matched_ = false;
  std::optional<std::string> update_condition_;
  bool insert_unmatched_ = false;
  bool delete_unmatched_by_source_ = false;
  std::optional<std::string> delete_condition_;
};

// One change to an existing column (AlterColumns). Unset members stay as
// they are.
struct ColumnAlteration {
  std::string path;                   // the column to change
  std::optional<std::string> rename;  // a new name
  std::optional<bool> nullable;       // making a column non-nullable fails if it holds nulls
  TypePtr data_type;                  // a new type; only casts that cannot lose values
};

enum class IndexType {
  // Scalar indexes, used by filters.
  kBTree,      // sorted values: equality, ranges and IN on numbers, strings, dates
  kBitmap,     // one bitmap per distinct value: low-cardinality equality, IN, IS NULL
  kLabelList,  // list columns: array_has_any, array_has_all, array_has
  // Vector indexes over a fixed-size list column (float32, float16, uint8,
  // int8 elements), used by Search(). See docs/guide.md, "Vector search".
  kIvfFlat,    // k-means partitions of full vectors
  kIvfPq,      // partitions of product-quantised codes
  kIvfSq,      // partitions of 8-bit scalar-quantised codes
  kIvfRq,      // partitions of RaBitQ 1-bit codes
  kIvfHnswSq,  // an HNSW graph over SQ codes in each partition
  kIvfHnswPq,  // an HNSW graph over PQ codes in each partition
  kHnsw,       // one HNSW graph over the full vectors
  // A full-text (BM25) index over a text column (utf8, large_utf8, or a
  // list of them), used by TextSearch(). See docs/guide.md, "Full-text search".
  kFts,
};
// "BTREE", "BITMAP", "LABEL_LIST", "IVF_FLAT", "IVF_PQ", "IVF_SQ", "IVF_RQ",
// "IVF_HNSW_SQ", "IVF_HNSW_PQ", "HNSW", "FTS" (also read as "INVERTED").
const char* IndexTypeName(IndexType type);
// Case-insensitive; InvalidArgument listing the known names otherwise.
Result<IndexType> ParseIndexType(std::string_view name);
bool IsVectorIndexType(IndexType type);
bool IsFtsIndexType(IndexType type);

// A step of a long index build: `stage` ("reading", "training centroids",
// "encoding", "graph", "writing", ...), `done` of `total` units.
using IndexProgressFn = std::function<void(std::string_view stage, uint64_t done, uint64_t total)>;

struct IndexOptions {
  std::string name;                // default "<column>_idx"
  bool replace = true;             // replace an index of the same name (else AlreadyExists)
  ProgressFn progress;             // scalar indexes: rows indexed so far
  IndexProgressFn build_progress;  // every index kind: stages of the build

  // Vector indexes only. Zero means "chosen from the data's size and
  // dimension" (docs/guide.md lists the rules).
  std::string metric = "l2";  // "l2", "cosine", "dot" (searches must use the same)
  int num_partitions = 0;     // IVF partitions
  int sample_rate = 256;      // k-means training rows per partition
  int max_iterations = 50;    // k-means iterations
  int num_sub_vectors = 0;    // PQ sub-vectors (must divide the dimension)
  int num_bits = 0;           // PQ bits per code: 4 or 8
  int m = 20;                 // HNSW neighbours per node
  int ef_construction = 300;  // HNSW build beam width

  // Full-text indexes only: how text becomes terms (LanceDB's options and
  // defaults; docs/guide.md, "Full-text search").
  struct Fts {
    std::string base_tokenizer = "simple";  // "simple", "whitespace", "raw", "ngram"
    std::string language = "English";       // Snowball language for stemming and stop words
    bool with_position = false;             // store positions (phrase queries need them)
    bool lower_case = true;
    bool stem = true;
    bool remove_stop_words = true;
    bool ascii_folding = true;
    int max_token_length = 40;  // longer tokens are dropped (0: no limit)
    int ngram_min_length = 3;   // "ngram" tokenizer
    int ngram_max_length = 3;
    bool prefix_only = false;  // "ngram": only prefixes of each word
  } fts;
};

struct IndexInfo {
  std::string name;
  std::string type;  // IndexTypeName
  std::vector<std::string> columns;
  uint64_t built_on_version = 0;
  int64_t num_indexed_rows = 0;    // live rows in fragments the index covers
  int64_t num_unindexed_rows = 0;  // live rows appended (or rewritten) since; scanned by queries
  // Vector indexes only.
  std::string metric;       // "l2", "cosine", "dot"
  int num_partitions = 0;   // IVF kinds
  uint64_t size_bytes = 0;  // the index's files
  std::string details;      // the index's build parameters as JSON
};

// A nearest-neighbour search over a vector column. Results are a batch of
// the projected columns plus `_distance` (float32, nearest first; squared
// L2, 1 - cosine similarity or 1 - dot product), `_rowid` on request, and,
// when several query vectors are given, `query_index` (int32) saying which
// query each row answers (queries in order, each nearest first).
//
//   auto hits = table->Search({0.1f, ...}).Where("category = 'c3'").Nprobes(20)
//                   .RefineFactor(10).Limit(10).Columns({"id"}).ToBatch();
//
// An index on the column is used when one exists with the query's metric
// (unless BypassVectorIndex); rows added since it was built are searched
// exactly and merged in. Deleted rows never appear.
class VectorQuery {
 public:
  // The vector column; default: the table's only fixed-size-list column
  // (InvalidArgument naming them when there are several).
  VectorQuery& Column(std::string column);
  // Another query vector answered in the same call.
  VectorQuery& AddQuery(std::vector<float> vector);
  // "l2", "cosine", "dot" or "hamming" (packed uint8 vectors, exact search
  // only). Default: the index's metric, else l2.
  VectorQuery& Metric(std::string metric);
  // SQL predicate (docs/sql.md). Applied before the search by default, so
  // `limit` rows come back whenever that many match; Postfilter() applies
  // it to the nearest rows instead (faster, may return fewer).
  VectorQuery& Where(std::string predicate);
  VectorQuery& Prefilter(bool prefilter = true);
  VectorQuery& Postfilter() { return Prefilter(false); }
  // IVF indexes: partitions probed (default 20); sets the minimum and the
  // maximum below.
  VectorQuery& Nprobes(int nprobes);
  // IVF indexes: probe at least this many partitions, nearest centroids
  // first, then more while fewer than limit rows (limit x refine_factor
  // candidates) were found, as a selective prefilter may leave, up to the
  // maximum (0: every partition). LanceDB's minimum_nprobes and
  // maximum_nprobes.
  VectorQuery& MinimumNprobes(int nprobes);
  VectorQuery& MaximumNprobes(int nprobes);
  // Re-rank refine_factor * limit candidates with exact distances (0: off).
  VectorQuery& RefineFactor(int refine_factor);
  // HNSW: search beam width (default max(limit, 40)).
  VectorQuery& Ef(int ef);
  // Exact search even when an index exists.
  VectorQuery& BypassVectorIndex(bool bypass = true);
  // Keeps results with lower <= _distance < upper.
  VectorQuery& DistanceRange(std::optional<float> lower, std::optional<float> upper);
  VectorQuery& Limit(int64_t limit);  // default 10
  VectorQuery& Offset(int64_t offset);
  // Output columns (default: all).
  VectorQuery& Columns(std::vector<std::string> columns);
  VectorQuery& WithRowId(bool with_row_id = true);

  Result<BatchPtr> ToBatch() const;
  // How the search would run: index or flat, probes, prefilter rows,
  // unindexed rows, refine.
  Result<std::string> Explain() const;
  // Explain() plus what running it took: rows, time, object-store requests
  // and bytes, read cache hits.
  Result<std::string> ExplainAnalyze() const;

 private:
  friend class Table;
  friend struct VectorSearch;
  explicit VectorQuery(std::shared_ptr<const Snapshot> snapshot) : snapshot_(std::move(snapshot)) {}
  std::shared_ptr<const Snapshot> snapshot_;
  Status error_;  // from the call that made this query (reported by ToBatch)
  std::string column_;
  std::vector<std::vector<float>> queries_;
  std::string metric_;
  std::string where_;
  bool prefilter_ = true;
  int nprobes_ = 20;
  int max_nprobes_ = 20;  // 0: every partition
  int refine_factor_ = 0;
  int ef_ = 0;
  bool bypass_index_ = false;
  std::optional<float> lower_bound_;
  std::optional<float> upper_bound_;
  int64_t limit_ = 10;
  int64_t offset_ = 0;
  std::vector<std::string> columns_;
  bool with_row_id_ = false;
};

// A full-text search: BM25 over the table's FTS indexes. Results are a
// batch of the projected columns plus `_score` (float32, best first) and
// `_rowid` on request.
//
//   auto hits = table->TextSearch("\"boundary layer\" +wing -supersonic")
//                   .Where("year > 1960").Limit(10).Columns({"id", "title"}).ToBatch();
//
// Rows added since an index was built are searched too, scored with the same
// statistics; deleted rows never appear.
class TextQuery {
 public:
  // SQL predicate (docs/sql.md), applied before the search by default (so
  // `limit` rows come back whenever that many match); Postfilter() applies
  // it to the best rows instead.
  TextQuery& Where(std::string predicate);
  TextQuery& Prefilter(bool prefilter = true);
  TextQuery& Postfilter() { return Prefilter(false); }
  TextQuery& Limit(int64_t limit);  // default 10
  TextQuery& Offset(int64_t offset);
  // Output columns (default: all).
  TextQuery& Columns(std::vector<std::string> columns);
  TextQuery& WithRowId(bool with_row_id = true);
  // BM25 parameters (defaults 1.2 and 0.75).
  TextQuery& Bm25(float k1, float b);

  Result<BatchPtr> ToBatch() const;
  // How the search would run: indexes, columns, unindexed rows, filter.
  Result<std::string> Explain() const;
  // Explain() plus what running it took (rows, time, store IO, cache hits).
  Result<std::string> ExplainAnalyze() const;
  // The query being run.
  const FtsQueryPtr& query() const { return query_; }

 private:
  friend class Table;
  friend struct TextSearcher;
  TextQuery(std::shared_ptr<const Snapshot> snapshot, FtsQueryPtr query)
      : snapshot_(std::move(snapshot)), query_(std::move(query)) {}
  std::shared_ptr<const Snapshot> snapshot_;
  Status error_;
  FtsQueryPtr query_;
  std::string where_;
  bool prefilter_ = true;
  int64_t limit_ = 10;
  int64_t offset_ = 0;
  std::vector<std::string> columns_;
  bool with_row_id_ = false;
  float k1_ = 1.2f;
  float b_ = 0.75f;
};

class Table {
 public:
  ~Table();
  const std::string& name() const;
  // The schema of the version this handle reads.
  SchemaPtr schema() const;
  // The version this handle reads.
  uint64_t version() const;
  // True after Checkout(): writes fail until CheckoutLatest().
  bool is_checked_out() const;

  // Adds rows (or replaces all rows with WriteMode::kOverwrite) in one new
  // version. The data's schema must match the table's (see
  // Schema::CheckCompatible) unless overwriting; on any error nothing is
  // committed. Returns the new version.
  Result<uint64_t> Add(BatchReader& data, const WriteOptions& options = {});
  Result<uint64_t> Add(const std::vector<BatchPtr>& batches, const WriteOptions& options = {});

  // A nearest-neighbour search for `vector`; see VectorQuery.
  VectorQuery Search(std::vector<float> vector) const;
  // A full-text search; see TextQuery. The string form is parsed with
  // ParseFtsQuery (quiver/fts_query.h); errors surface from ToBatch().
  TextQuery TextSearch(std::string query_string) const;
  TextQuery TextSearch(FtsQueryPtr query) const;

  Result<int64_t> CountRows() const;
  // Rows where the SQL predicate is TRUE.
  Result<int64_t> CountRows(const std::string& predicate) const;
  ScanBuilder Scan() const;

  // Deletes the rows where the SQL predicate is TRUE, in one new version
  // (none when no row matches).
  Result<DeleteResult> Delete(const std::string& predicate);
  // Sets columns to SQL expressions over the row's current values
  // ({"price", "price * 1.1"}), in the rows where `predicate` is TRUE (all
  // rows when empty), in one new version. Updated rows get new row ids.
  Result<UpdateResult> Update(const std::vector<std::pair<std::string, std::string>>& values,
                              const std::string& predicate = "");
  // An upsert keyed on the `on` columns; see MergeInsertBuilder.
  MergeInsertBuilder MergeInsert(std::vector<std::string> on);

  // Schema evolution, each one new version. AddColumns computes each new
  // column from a SQL expression over the existing ones ({"gross",
  // "price * 1.2"}; a constant that is not NULL gives a non-nullable
  // column, anything else a nullable one); the overload adds all-null
  // columns of the given types.
  Result<uint64_t> AddColumns(const std::vector<std::pair<std::string, std::string>>& columns);
  Result<uint64_t> AddColumns(const std::vector<Field>& null_columns);
  Result<uint64_t> AlterColumns(const std::vector<ColumnAlteration>& alterations);
  // Dropped columns disappear from the schema at once; their data is
  // removed from disk by the next compaction and cleanup.
  Result<uint64_t> DropColumns(const std::vector<std::string>& columns);

  // Builds an index on `column` and commits it as a new version: a scalar
  // index (filters use it automatically when a predicate allows) or a
  // vector index (searches use it). InvalidArgument when the type does not
  // fit the column or the options do not fit the data.
  Result<uint64_t> CreateIndex(const std::string& column, IndexType type, const IndexOptions& options = {});
  Result<std::vector<IndexInfo>> ListIndices() const;
  Status DropIndex(const std::string& name);
  // Brings rows added since each index was built into it (merging, not
  // rebuilding) and drops deleted rows from it; one new version. Returns
  // the new version (the current one when every index was up to date).
  Result<uint64_t> OptimizeIndices();
  // Rows by stable row id, in the order given; NotFound naming the first id
  // that does not exist (or was deleted) in this version.
  Result<BatchPtr> TakeRowIds(std::span<const uint64_t> row_ids,
                              const std::vector<std::string>& columns = {}) const;

  Result<TableStats> Stats() const;

  // Versions, oldest first.
  Result<std::vector<VersionInfo>> ListVersions() const;
  // Reads `version` from now on (read-only). NotFound if it does not exist.
  Status Checkout(uint64_t version);
  Status CheckoutTag(const std::string& tag);
  // Back to reading (and writing) the latest version.
  Status CheckoutLatest();
  // Picks up versions committed by other handles or processes.
  Status Refresh();
  // Commits the checked-out version (or `version`, when given) as a new
  // latest version; returns it. The handle then reads the latest version.
  Result<uint64_t> Restore(std::optional<uint64_t> version = std::nullopt);

  Status CreateTag(const std::string& tag, uint64_t version);
  Status DeleteTag(const std::string& tag);
  Result<std::vector<TagInfo>> ListTags() const;

  Result<CompactStats> Compact(const CompactOptions& options = {});
  Result<CleanupStats> Cleanup(const CleanupOptions& options);

  // Internal: tables are made by Connection.
  explicit Table(std::unique_ptr<TableImpl> impl);
  TableImpl* impl() const { return impl_.get(); }

 private:
  std::unique_ptr<TableImpl> impl_;
};

using TablePtr = std::shared_ptr<Table>;

}  // namespace quiver
