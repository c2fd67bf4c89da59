// EXPLAIN ANALYZE for searches: runs the query under an IoAccount and adds
// what it did to the plan: rows, wall time, and the object-store requests
// and bytes it caused (and the read cache hits that saved some).
#pragma once

#include <functional>
#include <string>

#include "quiver/array.h"
#include "quiver/status.h"

namespace quiver {

// `plan` followed by lines such as
//   executed: 10 rows in 3.21 ms
//   io: 4 store requests, 131072 bytes read; read cache: 12 hits, 2097152 bytes
Result<std::string> ExplainAnalyze(std::string plan, const std::function<Result<BatchPtr>()>& run);

}  // namespace quiver
