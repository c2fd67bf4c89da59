#include "common/suggest.h"

#include <algorithm>
#include <cctype>

namespace quiver {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates) {
  if (candidates.empty()) return "";
  std::vector<std::pair<size_t, size_t>> ranked;  // (distance, index)
  for (size_t k = 0; k < candidates.size(); ++k) ranked.emplace_back(EditDistance(name, candidates[k]), k);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = "; did you mean ";
  int shown = 0;
  for (const auto& [distance, k] : ranked) {
    if (shown == 3 || (shown > 0 && distance > ranked[0].first)) break;
    if (shown > 0) out += " or ";
    out += "\"" + candidates[k] + "\"";
    ++shown;
  }
  return out + "?";
}

}  // namespace quiver
