// The search verb: nearest-neighbour search for one vector, full-text search
// for a query string, or both fused (hybrid), printed as rows; or every
// query of a file (one JSON line per query, for benchmarks and quality
// checks).
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "command.h"
#include "convert/file_reader.h"
#include "convert/output.h"
#include "quiver/hybrid.h"

namespace quiver::cli {
namespace {

struct SearchArgs {
  TableRef ref;
  VersionRef at;
  std::string vector;
  std::string queries;
  std::string text;
  std::string text_queries;
  std::string text_column;
  std::string reranker = "rrf";
  float rrf_k = 60.0f;
  float weight = 0.7f;
  int64_t k = 10;
  int64_t offset = 0;
  std::string where;
  bool postfilter = false;
  std::optional<int> nprobes;
  std::optional<int> max_nprobes;
  std::optional<int> refine;
  std::optional<int> ef;
  std::string metric;
  std::string column;
  bool bypass_index = false;
  std::vector<std::string> columns;
  std::string format = "table";
  bool with_rowid = false;
  bool explain = false;
  bool analyze = false;
};

// "[0.1, 0.2]" or "0.1,0.2".
Result<std::vector<float>> ParseVector(const std::string& text) {
  nlohmann::json parsed =
      nlohmann::json::parse(text.front() == '[' ? text : "[" + text + "]", nullptr, false);
  if (parsed.is_discarded() || !parsed.is_array()) {
    return Status::InvalidArgument("--vector: expected numbers like '[0.1, 0.2, ...]', got \"" +
                                   (text.size() > 40 ? text.substr(0, 40) + "..." : text) + "\"");
  }
  std::vector<float> out;
  for (size_t i = 0; i < parsed.size(); ++i) {
    if (!parsed[i].is_number()) {
      return Status::InvalidArgument("--vector: element " + std::to_string(i) + " is not a number");
    }
    out.push_back(parsed[i].get<float>());
  }
  return out;
}

// The vectors of a .fvecs / .bvecs / .npy / .jsonl file (its `vector`
// column, or its only fixed-size-list column).
Result<std::vector<std::vector<float>>> ReadQueryFile(const std::string& path) {
  QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, convert::ReadFileToBatch(path));
  ArrayPtr column = batch->GetColumn("vector");
  if (!column) {
    for (const ArrayPtr& c : batch->columns()) {
      if (c->type()->id() == TypeId::kFixedSizeList) column = c;
    }
  }
  if (!column || column->type()->id() != TypeId::kFixedSizeList) {
    return Status::InvalidArgument("--queries: " + path + " has no vector column");
  }
  const int64_t dim = column->type()->list_size();
  const Array& values = *column->child(0);
  std::vector<std::vector<float>> out(static_cast<size_t>(column->length()), std::vector<float>(dim));
  for (int64_t r = 0; r < column->length(); ++r) {
    const int64_t base = (column->offset() + r) * dim;
    for (int64_t j = 0; j < dim; ++j) {
      float v;
      switch (values.type()->id()) {
        case TypeId::kFloat32:
          v = values.values<float>()[base + j];
          break;
        case TypeId::kFloat64:
          v = static_cast<float>(values.values<double>()[base + j]);
          break;
        case TypeId::kUInt8:
          v = values.values<uint8_t>()[base + j];
          break;
        case TypeId::kInt8:
          v = values.values<int8_t>()[base + j];
          break;
        default:
          return Status::InvalidArgument("--queries: vectors of " + values.type()->ToString() +
                                         " are not supported (float32, float64, int8, uint8 are)");
      }
      out[r][j] = v;
    }
  }
  return out;
}

// The vector side's settings from the flags (plain and hybrid searches).
void ApplyVectorFlags(const SearchArgs& a, VectorQuery& q) {
  if (!a.column.empty()) q.Column(a.column);
  if (!a.metric.empty()) q.Metric(a.metric);
  if (a.nprobes) q.Nprobes(*a.nprobes);
  if (a.max_nprobes) q.MaximumNprobes(*a.max_nprobes);
  if (a.refine) q.RefineFactor(*a.refine);
  if (a.ef) q.Ef(*a.ef);
}

VectorQuery MakeQuery(const Table& table, std::vector<float> vector, const SearchArgs& a) {
  VectorQuery q = table.Search(std::move(vector));
  q.Limit(a.k).Offset(a.offset).Columns(a.columns).WithRowId(a.with_rowid).BypassVectorIndex(a.bypass_index);
  if (!a.where.empty()) q.Where(a.where).Prefilter(!a.postfilter);
  ApplyVectorFlags(a, q);
  return q;
}

// Runs `n` queries, run(i, a) with `a` projecting only the id column (the
// _rowid when the table has no `id` column), then prints one JSON line per
// query, {"ids": [...], "<key>": [...]} with the values of the first of
// `value_columns` the results have, and the total search time.
Status RunAndPrint(const Table& table, SearchArgs a, size_t n,
                   const std::function<Result<BatchPtr>(size_t, const SearchArgs&)>& run, const char* key,
                   std::initializer_list<const char*> value_columns) {
  const bool has_id = table.schema()->GetField("id").ok();
  a.columns = {has_id ? std::string("id") : table.schema()->field(0).name};
  a.with_rowid = !has_id;
  std::vector<BatchPtr> results;
  results.reserve(n);
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < n; ++i) {
    QUIVER_ASSIGN_OR_RETURN(BatchPtr batch, run(i, a));
    results.push_back(std::move(batch));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const BatchPtr& batch : results) {
    ArrayPtr ids = batch->GetColumn(has_id ? "id" : "_rowid");
    ArrayPtr values;
    for (const char* name : value_columns) {
      if (!values) values = batch->GetColumn(name);
    }
    nlohmann::json line;
    line["ids"] = nlohmann::json::array();
    line[key] = nlohmann::json::array();
    for (int64_t i = 0; i < batch->num_rows(); ++i) {
      line["ids"].push_back(nlohmann::json::parse(ids->FormatValue(i), nullptr, false));
      line[key].push_back(values->values<float>()[i]);
    }
    std::cout << line.dump() << '\n';
  }
  std::cout << nlohmann::json{{"queries", n}, {"search_seconds", seconds}}.dump() << '\n';
  return Status::OK();
}

// One JSON line {"ids": [...], "distances": [...]} per query vector of the
// file, then the total search time.
Status RunQueryFile(const Table& table, const SearchArgs& a) {
  QUIVER_ASSIGN_OR_RETURN(auto queries, ReadQueryFile(a.queries));
  auto run = [&](size_t i, const SearchArgs& args) {
    return MakeQuery(table, std::move(queries[i]), args).ToBatch();
  };
  return RunAndPrint(table, a, queries.size(), run, "distances", {"_distance"});
}

// --text-column searches plain words in one column; otherwise the text is
// a query string.
Result<FtsQueryPtr> TextQueryOf(const std::string& text, const SearchArgs& a) {
  if (!a.text_column.empty()) return FtsQuery::Match(text, a.text_column);
  return ParseFtsQuery(text);
}

Result<TextQuery> MakeTextQuery(const Table& table, const std::string& text, const SearchArgs& a) {
  QUIVER_ASSIGN_OR_RETURN(FtsQueryPtr fts, TextQueryOf(text, a));
  TextQuery q = table.TextSearch(std::move(fts));
  q.Limit(a.k).Offset(a.offset).Columns(a.columns).WithRowId(a.with_rowid);
  if (!a.where.empty()) q.Where(a.where).Prefilter(!a.postfilter);
  return q;
}

Result<HybridQuery> MakeHybridQuery(const Table& table, std::vector<float> vector, const std::string& text,
                                    const SearchArgs& a) {
  QUIVER_ASSIGN_OR_RETURN(FtsQueryPtr fts, TextQueryOf(text, a));
  HybridQuery q(table, std::move(vector), std::move(fts));
  q.Limit(a.k).Columns(a.columns).WithRowId(a.with_rowid);
  if (!a.where.empty()) q.Where(a.where).Prefilter(!a.postfilter);
  ApplyVectorFlags(a, q.vector());
  q.Rerank(a.reranker == "linear" ? LinearCombinationReranker(a.weight) : RrfReranker(a.rrf_k));
  return q;
}

// One JSON line {"ids": [...], "scores": [...]} per line of a JSONL file of
// {"text": ...} objects (hybrid when a line also has "vector"), then the
// total search time.
Status RunTextQueryFile(const Table& table, const SearchArgs& a) {
  std::ifstream in(a.text_queries);
  if (!in) return Status::IOError("--text-queries: cannot open " + a.text_queries);
  struct Line {
    std::string text;
    std::optional<std::vector<float>> vector;
  };
  std::vector<Line> lines;
  std::string raw;
  for (int number = 1; std::getline(in, raw); ++number) {
    if (raw.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(raw, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("text") || !j["text"].is_string()) {
      return Status::InvalidArgument("--text-queries: line " + std::to_string(number) + " of " +
                                     a.text_queries + " is not a JSON object with a \"text\" string");
    }
    Line line{j["text"].get<std::string>(), std::nullopt};
    if (j.contains("vector")) {
      if (!j["vector"].is_array()) {
        return Status::InvalidArgument("--text-queries: line " + std::to_string(number) +
                                       ": \"vector\" is not an array");
      }
      std::vector<float> v;
      for (const auto& x : j["vector"]) {
        if (!x.is_number()) {
          return Status::InvalidArgument("--text-queries: line " + std::to_string(number) +
                                         ": \"vector\" holds a value that is not a number");
        }
        v.push_back(x.get<float>());
      }
      line.vector = std::move(v);
    }
    lines.push_back(std::move(line));
  }
  auto run = [&](size_t i, const SearchArgs& args) -> Result<BatchPtr> {
    Line& line = lines[i];
    if (line.vector) {
      QUIVER_ASSIGN_OR_RETURN(HybridQuery q,
                              MakeHybridQuery(table, std::move(*line.vector), line.text, args));
      return q.ToBatch();
    }
    QUIVER_ASSIGN_OR_RETURN(TextQuery q, MakeTextQuery(table, line.text, args));
    return q.ToBatch();
  };
  return RunAndPrint(table, a, lines.size(), run, "scores", {"_relevance_score", "_score"});
}

}  // namespace

void RegisterSearch(VerbList& verbs) {
  auto args = std::make_shared<SearchArgs>();
  Verb& verb = verbs.Add(
      "search", "Find the rows nearest to a vector, or best matching a text query, or both (hybrid).",
      "quiver search ./db items --vector '[0.1, 0.2, ...]' --k 5 --where \"category = 'c3'\" --columns "
      "id,text\n"
      "  quiver search ./db items --text '\"boundary layer\" +wing -supersonic' --k 10\n"
      "  quiver search ./db items --text 'wing flutter' --vector '[0.1, ...]' --reranker rrf",
      "Uses the column's vector index when there is one (see `quiver index --type IVF_PQ`), and an exact "
      "search otherwise. Results carry _distance: squared L2, 1 - cosine similarity, or 1 - dot product. "
      "With --queries, prints one JSON line {\"ids\": [...], \"distances\": [...]} per query (the id "
      "column's values, nearest first), then {\"queries\": n, \"search_seconds\": s} timing the searches "
      "alone. --text searches the table's FTS indexes (see `quiver index --type FTS`) with BM25; results "
      "carry _score. The query syntax: words (any may match), +required, -excluded, \"a phrase\"~slop, "
      "fuzzy~1, column:word, word^2 (boost), AND, OR, NOT and parentheses. --text with --vector runs both "
      "and fuses them (--reranker rrf or linear); results carry _distance, _score and _relevance_score. "
      "--text-queries FILE.jsonl runs one {\"text\": ...} per line (hybrid when the line also has "
      "\"vector\") and prints {\"ids\": [...], \"scores\": [...]} per query, best first, then the "
      "timing line.");
  AddTableArgs(verb.app, &args->ref);
  auto* vector = verb.app->add_option("--vector", args->vector, "The query vector: '[0.1, 0.2, ...]'");
  auto* file =
      verb.app->add_option("--queries", args->queries,
                           "A file of query vectors (.fvecs, .bvecs, .npy, .jsonl with a vector column)");
  vector->excludes(file);
  auto* text = verb.app->add_option("--text", args->text, "A full-text query (see the syntax below)");
  auto* text_file = verb.app->add_option("--text-queries", args->text_queries,
                                         "A JSONL file of {\"text\": ...} queries (hybrid with \"vector\")");
  text->excludes(text_file);
  text_file->excludes(vector)->excludes(file);
  verb.app->add_option("--text-column", args->text_column,
                       "Search this column's index for the plain words of --text (no query syntax)");
  verb.app->add_option("--reranker", args->reranker, "Hybrid: rrf (reciprocal rank fusion) or linear")
      ->capture_default_str()
      ->check(CLI::IsMember({"rrf", "linear"}));
  verb.app->add_option("--rrf-k", args->rrf_k, "Hybrid rrf: the k in 1 / (k + rank)")->capture_default_str();
  verb.app->add_option("--weight", args->weight, "Hybrid linear: weight of the vector side (0..1)")
      ->capture_default_str();
  verb.app->add_option("--k,--limit", args->k, "Results per query")->capture_default_str()->check(AtLeast(0));
  verb.app->add_option("--offset", args->offset, "Skip this many nearest rows first")->check(AtLeast(0));
  verb.app->add_option("--where", args->where,
                       "Only rows where this SQL predicate is true (applied before the search unless "
                       "--postfilter)");
  verb.app->add_flag("--postfilter", args->postfilter,
                     "Apply --where to the nearest rows instead (faster; may return fewer than k)");
  verb.app->add_option("--nprobes", args->nprobes, "IVF indexes: partitions to probe (default 20)")
      ->check(AtLeast(1));
  verb.app
      ->add_option("--max-nprobes", args->max_nprobes,
                   "IVF indexes: probe more partitions, up to N in all (0: every one), while fewer than k "
                   "rows were found (a selective --where)")
      ->check(AtLeast(0));
  verb.app
      ->add_option("--refine", args->refine,
                   "Re-rank k * N candidates with exact distances (quantised indexes)")
      ->check(AtLeast(0));
  verb.app->add_option("--ef", args->ef, "HNSW indexes: search beam width (default max(k, 40))")
      ->check(AtLeast(1));
  verb.app->add_option("--metric", args->metric,
                       "l2, cosine, dot or hamming (default: the index's, else l2)");
  verb.app->add_option("--column", args->column, "The vector column (default: the only one)");
  verb.app->add_flag("--bypass-index", args->bypass_index, "Exact search even when an index exists");
  verb.app->add_option("--columns", args->columns, "Columns to print, comma-separated (default: all)")
      ->delimiter(',');
  verb.app
      ->add_option("--format", args->format,
                   "table: aligned text; json: one JSON object per line; csv; arrow: Arrow IPC stream; "
                   "arrow-file: Arrow IPC file (Feather v2)")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "csv", "arrow", "arrow-file"}));
  verb.app->add_flag("--with-rowid", args->with_rowid, "Add the _rowid column");
  verb.app->add_flag("--explain", args->explain, "Print how the search would run instead of its results");
  verb.app->add_flag(
      "--analyze", args->analyze,
      "With --explain: also run the search and print its time, object-store requests and bytes, "
      "and read cache hits");
  AddVersionFlags(verb.app, &args->at, /*with_tag=*/true);
  verb.run = [args]() -> Status {
    if (args->vector.empty() && args->queries.empty() && args->text.empty() && args->text_queries.empty()) {
      return Status::InvalidArgument("search needs --vector, --text, --queries or --text-queries");
    }
    QUIVER_ASSIGN_OR_RETURN(TablePtr table, OpenTable(args->ref, args->at));
    if (!args->queries.empty()) return RunQueryFile(*table, *args);
    if (!args->text_queries.empty()) return RunTextQueryFile(*table, *args);
    BatchPtr rows;
    if (!args->text.empty() && args->vector.empty()) {
      QUIVER_ASSIGN_OR_RETURN(TextQuery query, MakeTextQuery(*table, args->text, *args));
      if (args->explain) {
        QUIVER_ASSIGN_OR_RETURN(std::string plan, args->analyze ? query.ExplainAnalyze() : query.Explain());
        std::cout << plan;
        return Status::OK();
      }
      QUIVER_ASSIGN_OR_RETURN(rows, query.ToBatch());
    } else if (!args->text.empty()) {
      QUIVER_ASSIGN_OR_RETURN(std::vector<float> vector, ParseVector(args->vector));
      if (args->explain)
        return Status::InvalidArgument("--explain: explain the --vector and --text searches apart");
      QUIVER_ASSIGN_OR_RETURN(HybridQuery query,
                              MakeHybridQuery(*table, std::move(vector), args->text, *args));
      QUIVER_ASSIGN_OR_RETURN(rows, query.ToBatch());
    } else {
      QUIVER_ASSIGN_OR_RETURN(std::vector<float> vector, ParseVector(args->vector));
      VectorQuery query = MakeQuery(*table, std::move(vector), *args);
      if (args->explain) {
        QUIVER_ASSIGN_OR_RETURN(std::string plan, args->analyze ? query.ExplainAnalyze() : query.Explain());
        std::cout << plan;
        return Status::OK();
      }
      QUIVER_ASSIGN_OR_RETURN(rows, query.ToBatch());
    }
    QUIVER_ASSIGN_OR_RETURN(convert::OutputFormat format, convert::ParseOutputFormat(args->format));
    auto reader = MakeBatchReader(rows->schema(), {rows});
    return convert::WriteBatches(*reader, format, std::cout);
  };
}

}  // namespace quiver::cli
