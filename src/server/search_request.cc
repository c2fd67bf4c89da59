#include "server/search_request.h"

#include <algorithm>
#include <limits>

#include "quiver/hybrid.h"

namespace quiver::server {

using Json = nlohmann::ordered_json;

namespace {

Status FieldError(std::string_view field, std::string_view expected, const Json& got) {
  std::string shown = got.dump();
  if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
  return Status::InvalidArgument("field \"" + std::string(field) + "\": expected " + std::string(expected) +
                                 ", got " + shown);
}

// The value of `field`, or null when absent.
const Json& Get(const Json& body, std::string_view field) {
  static const Json null;
  auto it = body.find(field);
  return it == body.end() ? null : *it;
}

Result<std::vector<float>> ParseVector(const Json& value, std::string_view field) {
  std::vector<float> v;
  v.reserve(value.size());
  for (const Json& x : value) {
    if (!x.is_number()) return FieldError(field, "an array of numbers", value);
    v.push_back(x.get<float>());
  }
  return v;
}

Status ReadInt(const Json& body, std::string_view field, int* out) {
  const Json& v = Get(body, field);
  if (v.is_null()) return Status::OK();
  if (!v.is_number_integer()) return FieldError(field, "an integer", v);
  int64_t x = v.get<int64_t>();
  if (x < 0 || x > std::numeric_limits<int>::max()) return FieldError(field, "a non-negative integer", v);
  *out = static_cast<int>(x);
  return Status::OK();
}

Status ReadBool(const Json& body, std::string_view field, bool* out) {
  const Json& v = Get(body, field);
  if (v.is_null()) return Status::OK();
  if (!v.is_boolean()) return FieldError(field, "true or false", v);
  *out = v.get<bool>();
  return Status::OK();
}

Status ReadString(const Json& body, std::string_view field, std::string* out) {
  const Json& v = Get(body, field);
  if (v.is_null()) return Status::OK();
  if (!v.is_string()) return FieldError(field, "a string", v);
  *out = v.get<std::string>();
  return Status::OK();
}

Status ReadBound(const Json& body, std::string_view field, std::optional<float>* out) {
  const Json& v = Get(body, field);
  if (v.is_null()) return Status::OK();
  if (!v.is_number()) return FieldError(field, "a number", v);
  *out = v.get<float>();
  return Status::OK();
}

Status ReadColumns(const Json& value, SearchRequest* r) {
  if (value.is_null()) return Status::OK();
  if (value.is_array()) {
    for (const Json& c : value) {
      if (!c.is_string()) return FieldError("columns", "column names", value);
      r->columns.push_back(c.get<std::string>());
    }
    return Status::OK();
  }
  if (value.is_object()) {
    for (const auto& [alias, expr] : value.items()) {
      if (!expr.is_string()) return FieldError("columns", "{alias: SQL expression}", value);
      r->aliases.emplace_back(alias, expr.get<std::string>());
    }
    return Status::OK();
  }
  return FieldError("columns", "a list of names or an object {alias: expression}", value);
}

// Lance's MatchQuery fields: column, terms, boost, fuzziness, max_expansions,
// operator ("And"/"Or"), prefix_length.
Result<FtsQueryPtr> ParseLanceMatch(const Json& m) {
  if (!m.is_object() || !m.contains("terms") || !m["terms"].is_string()) {
    return FieldError("match", "an object with \"terms\"", m);
  }
  FtsQuery q;
  q.kind = FtsQuery::Kind::kMatch;
  q.text = m["terms"].get<std::string>();
  QUIVER_RETURN_NOT_OK(ReadString(m, "column", &q.column));
  if (m.contains("boost") && m["boost"].is_number()) q.boost = m["boost"].get<float>();
  QUIVER_RETURN_NOT_OK(ReadInt(m, "fuzziness", &q.fuzziness));
  if (q.fuzziness > 2) return FieldError("fuzziness", "0, 1 or 2", m["fuzziness"]);
  QUIVER_RETURN_NOT_OK(ReadInt(m, "max_expansions", &q.max_expansions));
  QUIVER_RETURN_NOT_OK(ReadInt(m, "prefix_length", &q.prefix_length));
  std::string op = "Or";
  QUIVER_RETURN_NOT_OK(ReadString(m, "operator", &op));
  if (op != "Or" && op != "And" && op != "or" && op != "and" && op != "OR" && op != "AND") {
    return FieldError("operator", "\"And\" or \"Or\"", m["operator"]);
  }
  q.conjunction = op == "And" || op == "and" || op == "AND";
  return std::make_shared<const FtsQuery>(std::move(q));
}

Result<std::vector<FtsQueryPtr>> ParseLanceList(const Json& body, std::string_view field) {
  std::vector<FtsQueryPtr> out;
  const Json& v = Get(body, field);
  if (v.is_null()) return out;
  if (!v.is_array()) return FieldError(field, "an array of queries", v);
  for (const Json& q : v) {
    QUIVER_ASSIGN_OR_RETURN(FtsQueryPtr parsed, ParseLanceFtsQuery(q));
    out.push_back(std::move(parsed));
  }
  return out;
}

}  // namespace

Result<FtsQueryPtr> ParseLanceFtsQuery(const Json& query) {
  if (query.is_string()) return FtsQuery::Match(query.get<std::string>());
  if (!query.is_object() || query.size() != 1) {
    return FieldError("query", "one of {match|phrase|boolean|boost|multi_match: {...}}", query);
  }
  const std::string kind = query.begin().key();
  const Json& body = query.begin().value();
  if (kind == "match") return ParseLanceMatch(body);
  if (kind == "phrase") {
    if (!body.is_object() || !body.contains("terms") || !body["terms"].is_string()) {
      return FieldError("phrase", "an object with \"terms\"", body);
    }
    std::string column;
    int slop = 0;
    QUIVER_RETURN_NOT_OK(ReadString(body, "column", &column));
    QUIVER_RETURN_NOT_OK(ReadInt(body, "slop", &slop));
    return FtsQuery::Phrase(body["terms"].get<std::string>(), column, slop);
  }
  if (kind == "boolean") {
    QUIVER_ASSIGN_OR_RETURN(auto must, ParseLanceList(body, "must"));
    QUIVER_ASSIGN_OR_RETURN(auto should, ParseLanceList(body, "should"));
    QUIVER_ASSIGN_OR_RETURN(auto must_not, ParseLanceList(body, "must_not"));
    return FtsQuery::Boolean(std::move(must), std::move(should), std::move(must_not));
  }
  if (kind == "boost") {
    if (!body.is_object() || !body.contains("positive") || !body.contains("negative")) {
      return FieldError("boost", "an object with \"positive\" and \"negative\"", body);
    }
    QUIVER_ASSIGN_OR_RETURN(FtsQueryPtr positive, ParseLanceFtsQuery(body["positive"]));
    QUIVER_ASSIGN_OR_RETURN(FtsQueryPtr negative, ParseLanceFtsQuery(body["negative"]));
    float negative_boost = 0.5f;
    if (body.contains("negative_boost") && body["negative_boost"].is_number()) {
      negative_boost = body["negative_boost"].get<float>();
    }
    return FtsQuery::Boost(std::move(positive), std::move(negative), negative_boost);
  }
  if (kind == "multi_match") {
    const Json& list = Get(body, "match_queries");
    if (!list.is_array() || list.empty()) return FieldError("multi_match", "\"match_queries\": [...]", body);
    std::vector<std::pair<std::string, float>> columns;
    std::string text;
    for (const Json& m : list) {
      QUIVER_ASSIGN_OR_RETURN(FtsQueryPtr match, ParseLanceMatch(m));
      text = match->text;
      columns.emplace_back(match->column, match->boost);
    }
    return FtsQuery::MultiMatch(std::move(text), std::move(columns));
  }
  return Status::InvalidArgument("unknown full-text query kind \"" + kind +
                                 "\"; expected match, phrase, boolean, boost or multi_match");
}

Result<SearchRequest> ParseSearchRequest(const Json& body, bool lance) {
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  SearchRequest r;
  const Json& vector = Get(body, "vector");
  if (!vector.is_null()) {
    if (!vector.is_array()) return FieldError("vector", "an array of numbers (or of arrays)", vector);
    if (!vector.empty() && vector[0].is_array()) {
      for (const Json& v : vector) {
        if (!v.is_array()) return FieldError("vector", "an array of arrays of numbers", vector);
        QUIVER_ASSIGN_OR_RETURN(auto parsed, ParseVector(v, "vector"));
        r.vectors.push_back(std::move(parsed));
      }
    } else if (!vector.empty()) {
      QUIVER_ASSIGN_OR_RETURN(auto parsed, ParseVector(vector, "vector"));
      r.vectors.push_back(std::move(parsed));
    }
  }
  QUIVER_RETURN_NOT_OK(ReadString(body, "vector_column", &r.vector_column));
  QUIVER_RETURN_NOT_OK(ReadString(body, "distance_type", &r.metric));
  QUIVER_RETURN_NOT_OK(ReadString(body, "metric", &r.metric));
  QUIVER_RETURN_NOT_OK(ReadString(body, "filter", &r.filter));
  QUIVER_RETURN_NOT_OK(ReadString(body, "where", &r.filter));
  QUIVER_RETURN_NOT_OK(ReadBool(body, "prefilter", &r.prefilter));
  QUIVER_RETURN_NOT_OK(ReadBool(body, "with_row_id", &r.with_row_id));
  QUIVER_RETURN_NOT_OK(ReadBool(body, "bypass_vector_index", &r.bypass_vector_index));
  QUIVER_RETURN_NOT_OK(ReadInt(body, "minimum_nprobes", &r.nprobes));
  QUIVER_RETURN_NOT_OK(ReadInt(body, "nprobes", &r.nprobes));
  int max_nprobes = -1;  // absent (ReadInt refuses negative values)
  QUIVER_RETURN_NOT_OK(ReadInt(body, "maximum_nprobes", &max_nprobes));
  if (max_nprobes >= 0) r.max_nprobes = max_nprobes;
  QUIVER_RETURN_NOT_OK(ReadInt(body, "refine_factor", &r.refine_factor));
  QUIVER_RETURN_NOT_OK(ReadInt(body, "ef", &r.ef));
  QUIVER_RETURN_NOT_OK(ReadBound(body, "lower_bound", &r.lower_bound));
  QUIVER_RETURN_NOT_OK(ReadBound(body, "upper_bound", &r.upper_bound));
  QUIVER_RETURN_NOT_OK(ReadColumns(Get(body, "columns"), &r));

  for (const char* field : {"k", "limit"}) {
    const Json& v = Get(body, field);
    if (v.is_null()) continue;
    if (!v.is_number_integer() && !v.is_number_unsigned()) return FieldError(field, "an integer", v);
    // LanceDB's client sends isize::MAX when the caller set no limit.
    if (v.is_number_unsigned() && v.get<uint64_t>() >= uint64_t{1} << 62) {
      r.limit = -1;
      continue;
    }
    int64_t k = v.get<int64_t>();
    if (k < 0) return FieldError(field, "a non-negative integer", v);
    r.limit = k >= (int64_t{1} << 62) ? -1 : k;
  }
  const Json& offset = Get(body, "offset");
  if (!offset.is_null()) {
    if (!offset.is_number_integer() || offset.get<int64_t>() < 0) {
      return FieldError("offset", "a non-negative integer", offset);
    }
    r.offset = offset.get<int64_t>();
  }
  const Json& version = Get(body, "version");
  if (!version.is_null()) {
    if (!version.is_number_integer() || version.get<int64_t>() < 1) {
      return FieldError("version", "a positive integer or null", version);
    }
    r.version = version.get<uint64_t>();
  }

  // Full-text: LanceDB's {"columns": [...], "query": "words" | {structured}},
  // or Quiver's "text" in the query-string syntax.
  const Json& fts = Get(body, "full_text_query");
  if (!fts.is_null()) {
    if (!fts.is_object() || !fts.contains("query")) {
      return FieldError("full_text_query", "{\"query\": ..., \"columns\": [...]}", fts);
    }
    std::vector<std::string> columns;
    const Json& cols = Get(fts, "columns");
    if (cols.is_array()) {
      for (const Json& c : cols) {
        if (!c.is_string()) return FieldError("full_text_query.columns", "column names", cols);
        columns.push_back(c.get<std::string>());
      }
    }
    const Json& q = fts["query"];
    if (q.is_string()) {
      std::string text = q.get<std::string>();
      if (columns.size() > 1) {
        std::vector<std::pair<std::string, float>> boosts;
        for (auto& c : columns) boosts.emplace_back(c, 1.0f);
        r.text = FtsQuery::MultiMatch(text, std::move(boosts));
      } else {
        r.text = FtsQuery::Match(text, columns.empty() ? "" : columns[0]);
      }
    } else {
      QUIVER_ASSIGN_OR_RETURN(r.text, ParseLanceFtsQuery(q));
    }
  }
  const Json& text = Get(body, "text");
  if (!text.is_null()) {
    if (!text.is_string()) return FieldError("text", "a query string", text);
    QUIVER_ASSIGN_OR_RETURN(r.text, ParseFtsQuery(text.get<std::string>()));
  }
  // order_by: [{"column_name" (or "column"), "ascending", "nulls_first"}].
  const Json& order = Get(body, "order_by");
  if (!order.is_null()) {
    if (!order.is_array())
      return FieldError("order_by", "[{\"column_name\", \"ascending\", \"nulls_first\"}]", order);
    for (const Json& o : order) {
      if (!o.is_object()) return FieldError("order_by", "a list of objects", order);
      SortKey key;
      QUIVER_RETURN_NOT_OK(ReadString(o, "column_name", &key.column));
      QUIVER_RETURN_NOT_OK(ReadString(o, "column", &key.column));
      if (key.column.empty()) return FieldError("order_by", "a \"column_name\" in each entry", order);
      QUIVER_RETURN_NOT_OK(ReadBool(o, "ascending", &key.ascending));
      QUIVER_RETURN_NOT_OK(ReadBool(o, "nulls_first", &key.nulls_first));
      r.order_by.push_back(std::move(key));
    }
  }
  QUIVER_RETURN_NOT_OK(ReadString(body, "reranker", &r.reranker));
  if (r.reranker != "rrf" && r.reranker != "linear")
    return FieldError("reranker", "\"rrf\" or \"linear\"", body["reranker"]);
  if (body.contains("rrf_k") && body["rrf_k"].is_number()) r.rrf_k = body["rrf_k"].get<float>();
  if (body.contains("weight") && body["weight"].is_number()) r.linear_weight = body["weight"].get<float>();
  if (!lance && r.limit < 0 && (!r.vectors.empty() || r.text)) {
    return Status::InvalidArgument("field \"limit\": searches need a limit");
  }
  return r;
}

namespace {

std::string QuoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Result<BatchPtr> RunVector(const Table& table, const SearchRequest& r) {
  VectorQuery q = table.Search(r.vectors[0]);
  for (size_t i = 1; i < r.vectors.size(); ++i) q.AddQuery(r.vectors[i]);
  if (!r.vector_column.empty()) q.Column(r.vector_column);
  if (!r.metric.empty()) q.Metric(r.metric);
  if (!r.filter.empty()) q.Where(r.filter);
  q.Prefilter(r.prefilter);
  if (r.nprobes > 0) q.Nprobes(r.nprobes);
  if (r.max_nprobes) q.MaximumNprobes(*r.max_nprobes);
  if (r.refine_factor > 0) q.RefineFactor(r.refine_factor);
  if (r.ef > 0) q.Ef(r.ef);
  q.BypassVectorIndex(r.bypass_vector_index);
  if (r.lower_bound || r.upper_bound) q.DistanceRange(r.lower_bound, r.upper_bound);
  q.Limit(r.limit < 0 ? 10 : r.limit).Offset(r.offset);
  if (!r.columns.empty()) q.Columns(r.columns);
  q.WithRowId(r.with_row_id);
  return q.ToBatch();
}

Result<BatchPtr> RunText(const Table& table, const SearchRequest& r) {
  TextQuery q = table.TextSearch(r.text);
  if (!r.filter.empty()) q.Where(r.filter);
  q.Prefilter(r.prefilter);
  q.Limit(r.limit < 0 ? 10 : r.limit).Offset(r.offset);
  if (!r.columns.empty()) q.Columns(r.columns);
  q.WithRowId(r.with_row_id);
  return q.ToBatch();
}

Result<BatchPtr> RunHybrid(const Table& table, const SearchRequest& r) {
  HybridQuery q(table, r.vectors[0], r.text);
  if (!r.filter.empty()) q.Where(r.filter);
  q.Prefilter(r.prefilter);
  q.Limit(r.limit < 0 ? 10 : r.limit);
  if (!r.columns.empty()) q.Columns(r.columns);
  q.WithRowId(r.with_row_id);
  q.Rerank(r.reranker == "linear" ? LinearCombinationReranker(r.linear_weight) : RrfReranker(r.rrf_k));
  VectorQuery& v = q.vector();
  if (!r.vector_column.empty()) v.Column(r.vector_column);
  if (!r.metric.empty()) v.Metric(r.metric);
  if (r.nprobes > 0) v.Nprobes(r.nprobes);
  if (r.max_nprobes) v.MaximumNprobes(*r.max_nprobes);
  if (r.refine_factor > 0) v.RefineFactor(r.refine_factor);
  if (r.ef > 0) v.Ef(r.ef);
  v.BypassVectorIndex(r.bypass_vector_index);
  return q.ToBatch();
}

// A scan with order_by: every matching row (at most kMaxSortedRows) with the
// requested columns and the sort keys, sorted, then offset and limit.
constexpr int64_t kMaxSortedRows = 10'000'000;

Result<BatchPtr> RunSortedScan(const Table& table, const SearchRequest& r) {
  if (!r.aliases.empty()) return Status::NotSupported("order_by with computed columns ({alias: expression})");
  ScanBuilder scan = table.Scan();
  if (!r.filter.empty()) scan.Where(r.filter);
  std::vector<std::string> columns = r.columns;
  if (!columns.empty()) {
    for (const SortKey& k : r.order_by) {
      if (std::find(columns.begin(), columns.end(), k.column) == columns.end()) columns.push_back(k.column);
    }
    scan.Columns(columns);
  }
  scan.Limit(kMaxSortedRows + 1).WithRowId(r.with_row_id);
  QUIVER_ASSIGN_OR_RETURN(BatchPtr all, scan.ToBatch());
  if (all->num_rows() > kMaxSortedRows) {
    return Status::InvalidArgument("order_by over more than " + std::to_string(kMaxSortedRows) +
                                   " rows; narrow the rows with a filter");
  }
  QUIVER_ASSIGN_OR_RETURN(BatchPtr sorted, SortBatch(*all, r.order_by, r.offset, r.limit));
  if (columns.size() == r.columns.size()) return sorted;
  // Drop the sort keys that were not asked for.
  std::vector<Field> fields;
  std::vector<ArrayPtr> arrays;
  for (int c = 0; c < sorted->num_columns(); ++c) {
    const Field& f = sorted->schema()->field(c);
    const bool extra =
        std::find(r.columns.begin(), r.columns.end(), f.name) == r.columns.end() && f.name != "_rowid";
    if (extra) continue;
    fields.push_back(f);
    arrays.push_back(sorted->column(c));
  }
  return std::make_shared<RecordBatch>(std::make_shared<Schema>(std::move(fields)), sorted->num_rows(),
                                       std::move(arrays));
}

Result<BatchPtr> RunScan(const Table& table, const SearchRequest& r) {
  if (!r.order_by.empty()) return RunSortedScan(table, r);
  ScanBuilder scan = table.Scan();
  if (!r.filter.empty()) scan.Where(r.filter);
  if (!r.aliases.empty()) {
    std::string select;
    for (const auto& [alias, expr] : r.aliases) {
      if (!select.empty()) select += ", ";
      select += expr + " AS " + QuoteIdentifier(alias);
    }
    scan.Select(select);
  } else if (!r.columns.empty()) {
    scan.Columns(r.columns);
  }
  if (r.limit >= 0) scan.Limit(r.limit);
  scan.Offset(r.offset).WithRowId(r.with_row_id);
  return scan.ToBatch();
}

}  // namespace

std::string SearchKind(const SearchRequest& r) {
  if (!r.vectors.empty()) return r.text ? "hybrid" : "vector";
  return r.text ? "text" : "scan";
}

Result<BatchPtr> RunSearch(const Table& table, const SearchRequest& r) {
  if (!r.aliases.empty() && (!r.vectors.empty() || r.text)) {
    return Status::NotSupported("computed columns ({alias: expression}) are supported in plain scans only");
  }
  std::string kind = SearchKind(r);
  if (!r.order_by.empty() && kind != "scan") {
    return Status::NotSupported("order_by applies to plain scans; " + kind + " search results are ranked");
  }
  if (kind == "hybrid") {
    if (r.vectors.size() > 1) return Status::InvalidArgument("hybrid search takes one query vector");
    return RunHybrid(table, r);
  }
  if (kind == "vector") return RunVector(table, r);
  if (kind == "text") return RunText(table, r);
  return RunScan(table, r);
}

Status LimitResultRows(SearchRequest* r, int64_t max_rows) {
  if (r->limit > max_rows) {
    return Status::InvalidArgument("limit " + std::to_string(r->limit) + " exceeds the server's maximum of " +
                                   std::to_string(max_rows) + " rows per answer; page with offset");
  }
  if (r->limit < 0) r->limit = max_rows + 1;
  return Status::OK();
}

Status CheckResultRows(const RecordBatch& batch, int64_t max_rows) {
  if (batch.num_rows() > max_rows) {
    return Status::InvalidArgument("the answer has more than " + std::to_string(max_rows) +
                                   " rows, the server's maximum; add a limit and page with offset");
  }
  return Status::OK();
}

}  // namespace quiver::server
