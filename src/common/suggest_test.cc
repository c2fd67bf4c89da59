#include "common/suggest.h"

#include <gtest/gtest.h>

namespace quiver {
namespace {

TEST(SuggestTest, EditDistanceIgnoresAsciiCase) {
  EXPECT_EQ(EditDistance("vector", "vector"), 0u);
  EXPECT_EQ(EditDistance("Vector", "vectr"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
}

TEST(SuggestTest, DidYouMeanNamesTheClosestOnly) {
  EXPECT_EQ(DidYouMean("itemz", {"alpha", "items", "item"}), "; did you mean \"items\" or \"item\"?");
  EXPECT_EQ(DidYouMean("x", {}), "");
  EXPECT_EQ(DidYouMean("a", {"b", "c", "d", "e"}), "; did you mean \"b\" or \"c\" or \"d\"?");
}

}  // namespace
}  // namespace quiver
