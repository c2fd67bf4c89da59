#include "cranfield.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string_view>

namespace quiver::testing {
namespace {

constexpr std::string_view kSpace = " \t\r\n\f\v";

std::string_view Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

// The whole integer `s` (after trimming), or nullopt.
std::optional<int> ParseInt(std::string_view s) {
  s = Trim(s);
  int value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

bool ReadFile(const std::string& path, std::string* out, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot open " + path;
    return false;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    *error = "cannot read " + path;
    return false;
  }
  *out = std::move(buf).str();
  return true;
}

// The lines of `text` without their line endings (LF or CRLF).
std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    begin = end + 1;
  }
  return lines;
}

// One SMART record: its .I value and the joined text of each field.
struct Record {
  int id = 0;
  std::map<char, std::string> fields;
};

// The records of a SMART file (`path` is for messages), or nullopt with
// *error set.
std::optional<std::vector<Record>> ParseSmart(std::string_view text, const std::string& path,
                                              std::string* error) {
  std::vector<Record> records;
  std::string* field = nullptr;  // the field the current line belongs to
  const std::vector<std::string_view> lines = Lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    const std::string where = path + " line " + std::to_string(i + 1);
    if (!line.empty() && line[0] == '.') {
      const char marker = line.size() > 1 ? line[1] : ' ';
      if (marker == 'I') {
        const std::optional<int> id =
            line.size() > 2 && line[2] == ' ' ? ParseInt(line.substr(3)) : std::nullopt;
        if (!id) {
          *error = where + ": expected \".I <number>\", found \"" + std::string(line) + "\"";
          return std::nullopt;
        }
        records.push_back(Record{*id, {}});
        field = nullptr;
        continue;
      }
      if (std::string_view("TABW").find(marker) == std::string_view::npos || !Trim(line.substr(2)).empty()) {
        *error = where + ": unknown field marker \"" + std::string(line) + "\"";
        return std::nullopt;
      }
      if (records.empty()) {
        *error = where + ": field before the first .I record";
        return std::nullopt;
      }
      field = &records.back().fields[marker];
      continue;
    }
    const std::string_view content = Trim(line);
    if (content.empty()) continue;
    if (field == nullptr) {
      *error = where + ": text outside a field: \"" + std::string(line.substr(0, 60)) + "\"";
      return std::nullopt;
    }
    if (!field->empty()) field->push_back(' ');
    field->append(content);
  }
  return records;
}

// Gain of a relevance code: 5 - code for 1..4, else 0.
int Gain(int code) { return code >= 1 && code <= 4 ? 5 - code : 0; }

// nDCG of one query's first k results (`top`, without repeats) given its
// judgements; nullopt when the ideal DCG is 0.
std::optional<double> NdcgOfQuery(const std::map<int, int>& judged, const std::vector<int>& top, int k) {
  std::vector<int> gains;
  for (const auto& [doc, code] : judged) gains.push_back(Gain(code));
  std::sort(gains.begin(), gains.end(), std::greater<int>());
  double ideal = 0;
  for (size_t r = 0; r < gains.size() && static_cast<int>(r) < k; ++r)
    ideal += gains[r] / std::log2(static_cast<double>(r) + 2.0);
  if (ideal <= 0) return std::nullopt;
  double dcg = 0;
  for (size_t r = 0; r < top.size(); ++r) {
    const auto it = judged.find(top[r]);
    if (it != judged.end()) dcg += Gain(it->second) / std::log2(static_cast<double>(r) + 2.0);
  }
  return dcg / ideal;
}

// Share of the query's relevant documents in `top`; nullopt when it has none.
std::optional<double> RecallOfQuery(const std::map<int, int>& judged, const std::vector<int>& top,
                                    int /*k*/) {
  int relevant = 0;
  for (const auto& [doc, code] : judged) relevant += Gain(code) > 0;
  if (relevant == 0) return std::nullopt;
  int found = 0;
  for (const int doc : top) {
    const auto it = judged.find(doc);
    found += it != judged.end() && Gain(it->second) > 0;
  }
  return static_cast<double>(found) / relevant;
}

using QueryMeasure = std::optional<double> (*)(const std::map<int, int>& judged, const std::vector<int>& top,
                                               int k);

// Mean of `measure` over the rankings given (ranking q is for query q + 1,
// cut to its first k distinct doc ids), leaving out queries for which it
// returns nullopt.
double MeanOverQueries(const Cranfield& c, const std::vector<std::vector<int>>& ranked_doc_ids, int k,
                       QueryMeasure measure) {
  if (k <= 0) return 0;
  static const std::map<int, int> kNoJudgements;
  double sum = 0;
  int counted = 0;
  for (size_t q = 0; q < ranked_doc_ids.size(); ++q) {
    const auto it = c.qrels.find(static_cast<int>(q) + 1);
    const std::map<int, int>& judged = it == c.qrels.end() ? kNoJudgements : it->second;
    std::vector<int> top;
    std::set<int> seen;
    for (const int doc : ranked_doc_ids[q]) {
      if (static_cast<int>(top.size()) == k) break;
      if (seen.insert(doc).second) top.push_back(doc);
    }
    if (const std::optional<double> value = measure(judged, top, k)) {
      sum += *value;
      ++counted;
    }
  }
  return counted == 0 ? 0 : sum / counted;
}

}  // namespace

std::optional<Cranfield> LoadCranfield(const std::string& dir, std::string* error) {
  std::string ignored;
  if (error == nullptr) error = &ignored;
  const std::string docs_path = dir + "/cran.all.1400";
  const std::string queries_path = dir + "/cran.qry";
  const std::string qrels_path = dir + "/cranqrel";
  std::string docs_text, queries_text, qrels_text;
  if (!ReadFile(docs_path, &docs_text, error) || !ReadFile(queries_path, &queries_text, error) ||
      !ReadFile(qrels_path, &qrels_text, error)) {
    return std::nullopt;
  }

  Cranfield c;
  const std::optional<std::vector<Record>> docs = ParseSmart(docs_text, docs_path, error);
  if (!docs) return std::nullopt;
  std::set<int> doc_ids;
  for (const Record& r : *docs) {
    if (!doc_ids.insert(r.id).second) {
      *error = docs_path + ": document " + std::to_string(r.id) + " occurs twice";
      return std::nullopt;
    }
    const auto field = [&r](char marker) {
      const auto it = r.fields.find(marker);
      return it == r.fields.end() ? std::string() : it->second;
    };
    c.docs.push_back(CranfieldDoc{r.id, field('T'), field('W')});
  }
  if (c.docs.empty()) {
    *error = docs_path + ": no documents";
    return std::nullopt;
  }

  const std::optional<std::vector<Record>> queries = ParseSmart(queries_text, queries_path, error);
  if (!queries) return std::nullopt;
  for (const Record& r : *queries) {
    const auto it = r.fields.find('W');
    c.queries.push_back(CranfieldQuery{static_cast<int>(c.queries.size()) + 1,
                                       it == r.fields.end() ? std::string() : it->second});
  }
  if (c.queries.empty()) {
    *error = queries_path + ": no queries";
    return std::nullopt;
  }

  const std::vector<std::string_view> lines = Lines(qrels_text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (Trim(lines[i]).empty()) continue;
    const std::string where = qrels_path + " line " + std::to_string(i + 1);
    std::istringstream fields{std::string(lines[i])};
    std::string q_text, doc_text, code_text, rest;
    fields >> q_text >> doc_text >> code_text >> rest;
    const std::optional<int> q = ParseInt(q_text), doc = ParseInt(doc_text), code = ParseInt(code_text);
    if (!q || !doc || !code || !rest.empty()) {
      *error = where + ": expected \"query doc code\", found \"" + std::string(lines[i]) + "\"";
      return std::nullopt;
    }
    if (*q < 1 || *q > static_cast<int>(c.queries.size())) {
      *error = where + ": query " + std::to_string(*q) + " is not in 1.." + std::to_string(c.queries.size());
      return std::nullopt;
    }
    if (doc_ids.count(*doc) == 0) {
      *error = where + ": document " + std::to_string(*doc) + " is not in the collection";
      return std::nullopt;
    }
    if (*code != -1 && (*code < 1 || *code > 4)) {
      *error = where + ": relevance code " + std::to_string(*code) + " is not one of -1, 1, 2, 3, 4";
      return std::nullopt;
    }
    if (!c.qrels[*q].emplace(*doc, *code).second) {
      *error =
          where + ": query " + std::to_string(*q) + " judges document " + std::to_string(*doc) + " twice";
      return std::nullopt;
    }
  }
  if (c.qrels.empty()) {
    *error = qrels_path + ": no judgements";
    return std::nullopt;
  }
  return c;
}

double CranfieldNdcg(const Cranfield& c, const std::vector<std::vector<int>>& ranked_doc_ids, int k) {
  return MeanOverQueries(c, ranked_doc_ids, k, NdcgOfQuery);
}

double CranfieldRecall(const Cranfield& c, const std::vector<std::vector<int>>& ranked_doc_ids, int k) {
  return MeanOverQueries(c, ranked_doc_ids, k, RecallOfQuery);
}

}  // namespace quiver::testing
