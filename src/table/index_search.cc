#include "table/index_search.h"

#include <algorithm>

#include "quiver/table.h"

namespace quiver {

Result<IndexAnswer> SearchIndexes(const Snapshot& snap, const std::vector<expr::BoundExprPtr>& conjuncts) {
  IndexAnswer answer;
  const Manifest& m = *snap.manifest;
  if (m.indexes.empty() || conjuncts.empty()) return answer;

  std::vector<std::optional<expr::ColumnPredicate>> preds;
  for (const auto& c : conjuncts) preds.push_back(expr::AsColumnPredicate(*c));

  // Per covered fragment: candidate physical rows so far (ascending) and
  // which conjuncts the indexes covering it answered.
  struct Partial {
    std::vector<int64_t> rows;
    std::vector<char> answered;
    bool any = false;
  };
  std::map<uint64_t, Partial> partial;

  for (const IndexMeta& meta : m.indexes) {
    if (meta.field_ids.size() != 1) continue;
    auto type = ParseIndexType(meta.type);
    if (type.ok() && (IsVectorIndexType(*type) || IsFtsIndexType(*type))) continue;  // not for filters
    const int field = m.FieldIndexById(meta.field_ids[0]);
    if (field < 0) continue;
    const std::string& column = m.schema->field(field).name;
    std::vector<size_t> which;
    for (size_t i = 0; i < preds.size(); ++i) {
      if (preds[i] && preds[i]->path.size() == 1 && preds[i]->path[0] == column) which.push_back(i);
    }
    if (which.empty()) continue;
    QUIVER_ASSIGN_OR_RETURN(auto index, snap.files->OpenScalarIndex(meta));
    std::erase_if(which, [&](size_t i) { return !index->CanAnswer(preds[i]->op); });
    if (which.empty()) continue;
    std::vector<expr::ColumnPredicate> mine;
    for (size_t i : which) mine.push_back(*preds[i]);
    QUIVER_ASSIGN_OR_RETURN(Roaring64Map hits, index->SearchAll(mine));
    std::vector<uint64_t> ids(hits.cardinality());
    hits.toUint64Array(ids.data());

    // The covered fragments' row id ranges, sorted, swept against the hits.
    struct Span {
      uint64_t start, end;
      uint64_t fragment;
      int64_t base;  // physical row of `start`
    };
    std::vector<Span> spans;
    std::map<uint64_t, std::vector<int64_t>> found;
    for (uint64_t id : meta.fragment_ids) {
      const Fragment* f = m.FindFragment(id);
      if (f == nullptr) continue;
      found[id];  // a covered fragment without hits has no candidates
      int64_t base = 0;
      for (const RowIdRange& r : f->row_ids) {
        spans.push_back({r.start, r.end, id, base});
        base += static_cast<int64_t>(r.size());
      }
    }
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
    size_t s = 0;
    for (uint64_t rid : ids) {
      while (s < spans.size() && rid >= spans[s].end) ++s;
      if (s == spans.size()) break;
      if (rid < spans[s].start) continue;
      found[spans[s].fragment].push_back(spans[s].base + static_cast<int64_t>(rid - spans[s].start));
    }

    for (auto& [id, rows] : found) {
      std::sort(rows.begin(), rows.end());
      Partial& p = partial[id];
      if (p.answered.empty()) p.answered.assign(conjuncts.size(), 0);
      for (size_t i : which) p.answered[i] = 1;
      if (!p.any) {
        p.rows = std::move(rows);
        p.any = true;
      } else {
        std::vector<int64_t> both;
        std::set_intersection(p.rows.begin(), p.rows.end(), rows.begin(), rows.end(),
                              std::back_inserter(both));
        p.rows = std::move(both);
      }
    }
    std::string answered;
    for (size_t i : which) answered += (answered.empty() ? "" : " AND ") + conjuncts[i]->ToString();
    answer.steps.push_back("index: " + meta.name + " (" + meta.type + " on " + column + ") answers " +
                           answered + ": " + std::to_string(ids.size()) + " rows, in " +
                           std::to_string(found.size()) + " covered fragments");
  }

  for (auto& [id, p] : partial) {
    const Fragment* f = m.FindFragment(id);
    QUIVER_ASSIGN_OR_RETURN(auto deleted, snap.files->LoadDeletions(*f));
    IndexAnswer::Rows out;
    out.exact = std::all_of(p.answered.begin(), p.answered.end(), [](char a) { return a != 0; });
    out.rows = std::move(p.rows);
    if (deleted) {
      std::erase_if(out.rows, [&](int64_t o) { return deleted->contains(static_cast<uint32_t>(o)); });
    }
    answer.fragments.emplace(id, std::move(out));
  }
  return answer;
}

}  // namespace quiver
