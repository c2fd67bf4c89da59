#include "table/filter.h"

#include <algorithm>

#include "table/index_search.h"

namespace quiver {
namespace {

// A page statistic as a Scalar of the column's type, for CompareScalars.
expr::Scalar StatScalar(const StatValue& v, const TypePtr& type) {
  expr::Scalar s;
  s.type = type;
  if (type->id() == TypeId::kBool) {
    if (auto* i = std::get_if<int64_t>(&v)) s.value = *i != 0;
    return s;
  }
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (!std::is_same_v<T, std::monostate>) s.value = x;
      },
      v);
  return s;
}

bool IsNaN(const expr::Scalar& s) {
  auto* d = std::get_if<double>(&s.value);
  return d != nullptr && *d != *d;
}

// Whether rows with statistics `stats` (over `num_rows` rows) can satisfy
// `pred`. Unknown comparisons (no min/max, incomparable types) admit.
bool Admits(const PageStats& stats, int64_t num_rows, const expr::ColumnPredicate& pred,
            const TypePtr& type) {
  using Op = expr::ColumnPredicate::Op;
  const bool all_null = stats.null_count >= num_rows;
  switch (pred.op) {
    case Op::kIsNull:
      return stats.null_count > 0;
    case Op::kIsNotNull:
      return !all_null;
    case Op::kHasAny:
    case Op::kHasAll:
      return !all_null;
    default:
      break;
  }
  if (all_null) return false;  // comparisons with NULL are never TRUE
  if (std::holds_alternative<std::monostate>(stats.min) ||
      std::holds_alternative<std::monostate>(stats.max)) {
    return true;
  }
  // Statistics leave NaN out, and NaN sorts above every number, so upper
  // bounds say nothing about floating columns.
  const bool floating = type->is_floating();
  const expr::Scalar lo = StatScalar(stats.min, type);
  const expr::Scalar hi = StatScalar(stats.max, type);
  auto cmp = [](const expr::Scalar& a, const expr::Scalar& b) { return expr::CompareScalars(a, b); };
  auto admits_eq = [&](const expr::Scalar& v) {
    if (IsNaN(v)) return true;
    auto a = cmp(lo, v), b = cmp(v, hi);
    return !a || !b || (*a <= 0 && *b <= 0);
  };
  const expr::Scalar* v = pred.values.empty() ? nullptr : &pred.values[0];
  switch (pred.op) {
    case Op::kEq:
      return v == nullptr || admits_eq(*v);
    case Op::kIn:
      return std::any_of(pred.values.begin(), pred.values.end(), admits_eq);
    case Op::kLt: {
      auto c = v ? cmp(lo, *v) : std::nullopt;
      return !c || *c < 0;
    }
    case Op::kLe: {
      auto c = v ? cmp(lo, *v) : std::nullopt;
      return !c || *c <= 0;
    }
    case Op::kGt: {
      if (floating) return true;
      auto c = v ? cmp(hi, *v) : std::nullopt;
      return !c || *c > 0;
    }
    case Op::kGe: {
      if (floating) return true;
      auto c = v ? cmp(hi, *v) : std::nullopt;
      return !c || *c >= 0;
    }
    default:
      return true;
  }
}

RowRanges Intersect(const RowRanges& a, const RowRanges& b) {
  RowRanges out;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    const int64_t lo = std::max(a[i].first, b[j].first);
    const int64_t hi = std::min(a[i].second, b[j].second);
    if (lo < hi) out.emplace_back(lo, hi);
    (a[i].second < b[j].second) ? ++i : ++j;
  }
  return out;
}

int64_t CountRows(const RowRanges& ranges) {
  int64_t n = 0;
  for (auto& [b, e] : ranges) n += e - b;
  return n;
}

std::string WithCommas(int64_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > (s[0] == '-' ? 1 : 0); i -= 3) s.insert(i, ",");
  return s;
}

struct PrunableConjunct {
  expr::ColumnPredicate pred;
  int field = -1;  // schema field index
  std::string text;
  int64_t pages_total = 0;
  int64_t pages_admitted = 0;
};

}  // namespace

int64_t FragmentPlan::num_candidates() const {
  return use_rows ? static_cast<int64_t>(rows.size()) : CountRows(ranges);
}

std::vector<uint64_t> RowIdsAt(const Fragment& fragment, std::span<const int64_t> offsets) {
  std::vector<uint64_t> ids;
  ids.reserve(offsets.size());
  size_t r = 0;
  int64_t range_begin = 0;
  for (int64_t o : offsets) {
    while (r < fragment.row_ids.size() &&
           o >= range_begin + static_cast<int64_t>(fragment.row_ids[r].size())) {
      range_begin += static_cast<int64_t>(fragment.row_ids[r].size());
      ++r;
    }
    ids.push_back(r < fragment.row_ids.size()
                      ? fragment.row_ids[r].start + static_cast<uint64_t>(o - range_begin)
                      : UINT64_MAX);
  }
  return ids;
}

Result<FilterPlan> PlanFilter(const Snapshot& snap, const expr::BoundExprPtr& predicate) {
  FilterPlan plan;
  plan.predicate = predicate;
  const Manifest& m = *snap.manifest;
  if (predicate == nullptr) {
    for (const Fragment& f : m.fragments) {
      FragmentPlan fp;
      fp.fragment = &f;
      if (f.physical_rows > 0) fp.ranges.emplace_back(0, f.physical_rows);
      fp.exact = true;
      plan.fragments.push_back(std::move(fp));
    }
    return plan;
  }
  plan.steps.push_back("filter: " + predicate->ToString());

  // Conjuncts statistics can rule out, on top-level columns.
  std::vector<PrunableConjunct> prunable;
  const std::vector<expr::BoundExprPtr> conjuncts = expr::SplitConjuncts(predicate);
  for (const auto& c : conjuncts) {
    auto cp = expr::AsColumnPredicate(*c);
    if (!cp || cp->path.size() != 1) continue;
    const int field = m.schema->FieldIndex(cp->path[0]);
    if (field < 0) continue;
    prunable.push_back({std::move(*cp), field, c->ToString()});
  }

  // Scalar indexes answer the conjuncts they can, for the fragments they cover.
  QUIVER_ASSIGN_OR_RETURN(IndexAnswer index_answer, SearchIndexes(snap, conjuncts));
  for (auto& line : index_answer.steps) plan.steps.push_back(std::move(line));

  int64_t fragments_pruned = 0, candidates = 0, total_rows = 0;
  for (const Fragment& f : m.fragments) {
    total_rows += f.physical_rows;
    FragmentPlan fp;
    fp.fragment = &f;
    if (f.physical_rows == 0) continue;

    if (auto it = index_answer.fragments.find(f.id); it != index_answer.fragments.end()) {
      fp.use_rows = true;
      fp.rows = std::move(it->second.rows);
      fp.exact = it->second.exact;
      if (fp.rows.empty()) {
        ++fragments_pruned;
        continue;
      }
      candidates += static_cast<int64_t>(fp.rows.size());
      plan.fragments.push_back(std::move(fp));
      continue;
    }

    RowRanges ranges = {{0, f.physical_rows}};
    for (PrunableConjunct& pc : prunable) {
      const TypePtr& type = m.schema->field(pc.field).type;
      const int32_t field_id = m.field_ids[pc.field];
      const DataFileRef* file = nullptr;
      int column = -1;
      for (const DataFileRef& df : f.files) {
        auto pos = std::find(df.field_ids.begin(), df.field_ids.end(), field_id);
        if (pos != df.field_ids.end()) {
          file = &df;
          column = static_cast<int>(pos - df.field_ids.begin());
          break;
        }
      }
      if (file == nullptr) {
        // Added after this fragment was written: all NULL here.
        PageStats nulls;
        nulls.null_count = f.physical_rows;
        if (!Admits(nulls, f.physical_rows, pc.pred, type)) ranges.clear();
        continue;
      }
      QUIVER_ASSIGN_OR_RETURN(auto reader, snap.files->OpenDataFile(*file));
      const ColumnInfo& info = reader->metadata().columns[column];
      pc.pages_total += static_cast<int64_t>(info.pages.size());
      if (!Admits(info.stats, reader->num_rows(), pc.pred, type)) {
        ranges.clear();
        continue;
      }
      RowRanges admitted;
      for (const PageInfo& page : info.pages) {
        if (!Admits(page.stats, page.num_rows, pc.pred, type)) continue;
        ++pc.pages_admitted;
        const int64_t b = page.first_row, e = page.first_row + page.num_rows;
        if (!admitted.empty() && admitted.back().second == b) {
          admitted.back().second = e;
        } else {
          admitted.emplace_back(b, e);
        }
      }
      ranges = Intersect(ranges, admitted);
      if (ranges.empty()) break;
    }
    if (ranges.empty()) {
      ++fragments_pruned;
      continue;
    }
    fp.ranges = std::move(ranges);
    candidates += fp.num_candidates();
    plan.fragments.push_back(std::move(fp));
  }

  for (const PrunableConjunct& pc : prunable) {
    if (pc.pages_total == 0) continue;
    plan.steps.push_back("statistics: " + pc.text + " admits " + WithCommas(pc.pages_admitted) + " of " +
                         WithCommas(pc.pages_total) + " pages");
  }
  plan.steps.push_back("pruned " + WithCommas(fragments_pruned) + " of " + WithCommas(m.fragments.size()) +
                       " fragments; " + WithCommas(candidates) + " of " + WithCommas(total_rows) +
                       " rows are candidates");
  const bool all_exact = std::all_of(plan.fragments.begin(), plan.fragments.end(),
                                     [](const FragmentPlan& fp) { return fp.exact; });
  plan.steps.push_back(all_exact ? "evaluate: nothing (the index answers the whole filter)"
                                 : "evaluate: the filter on every candidate row");
  return plan;
}

}  // namespace quiver
