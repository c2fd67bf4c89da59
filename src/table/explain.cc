#include "table/explain.h"

#include <chrono>
#include <cstdio>

#include "common/io_account.h"

namespace quiver {

Result<std::string> ExplainAnalyze(std::string plan, const std::function<Result<BatchPtr>()>& run) {
  IoAccount account;
  auto start = std::chrono::steady_clock::now();
  Result<BatchPtr> rows = [&] {
    ScopedIoAccount scope(&account);
    return run();
  }();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  QUIVER_RETURN_NOT_OK(rows.status());
  if (!plan.empty() && plan.back() != '\n') plan += '\n';
  char line[256];
  std::snprintf(line, sizeof(line), "executed: %lld rows in %.2f ms\n",
                static_cast<long long>((*rows)->num_rows()), ms);
  plan += line;
  std::snprintf(line, sizeof(line),
                "io: %llu store requests, %llu bytes read; read cache: %llu hits, %llu bytes\n",
                static_cast<unsigned long long>(account.requests.load()),
                static_cast<unsigned long long>(account.bytes_read.load()),
                static_cast<unsigned long long>(account.cache_hits.load()),
                static_cast<unsigned long long>(account.cache_bytes.load()));
  plan += line;
  return plan;
}

}  // namespace quiver
