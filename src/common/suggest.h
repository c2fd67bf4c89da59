// Suggestions for mistyped names ("did you mean ..."), shared by every error
// that names an unknown column, table or option.
//
// Thread-safety: plain functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace quiver {

// Levenshtein distance between `a` and `b`, ASCII case-insensitive.
size_t EditDistance(std::string_view a, std::string_view b);

// "; did you mean \"x\" or \"y\"?" naming the candidates closest to `name`
// (at most three, all at the smallest distance, ties in the given order), or
// "" when there are no candidates.
std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace quiver
