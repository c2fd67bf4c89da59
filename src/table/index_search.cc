#include "table/index_search.h"

namespace quiver {

Result<IndexAnswer> SearchIndexes(const Snapshot& snap, const std::vector<expr::BoundExprPtr>& conjuncts) {
  IndexAnswer answer;
  return answer;
}

}  // namespace quiver
