// Server metrics in Prometheus' text exposition format (version 0.0.4):
// request counts per route, method and status, latency histograms per route
// and method, and counters the handlers bump (rows written, searches by
// kind). Gauges that are cheap to read at scrape time (tables, bytes read
// from the store) are passed to Render by the server.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace quiver::server {

class Metrics {
 public:
  // `route` is the route's pattern name ("/tables/{name}/search"), never the
  // raw path, so the label set stays bounded.
  void RecordRequest(std::string_view route, std::string_view method, int status, double seconds);
  void AddRowsWritten(int64_t rows);
  // kind: "vector", "text", "hybrid", "scan".
  void AddSearch(std::string_view kind);
  // What one search read: requests and bytes that reached the store, reads
  // the read cache answered.
  void AddSearchIo(uint64_t store_requests, uint64_t store_bytes, uint64_t cache_hits);

  // A sample that Render prints as-is: name, help text, type ("gauge" or
  // "counter") and value.
  struct Sample {
    std::string name;
    std::string help;
    std::string type;
    double value = 0;
  };
  std::string Render(const std::vector<Sample>& extra) const;

  // The latency buckets, in seconds (upper bounds; +Inf is implied).
  static const std::vector<double>& Buckets();

 private:
  struct Histogram {
    std::vector<uint64_t> counts;  // per bucket, not cumulative
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  Histogram search_requests_;  // store requests per search
  uint64_t search_store_bytes_ = 0;
  uint64_t search_cache_hits_ = 0;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> latency_;
  std::map<std::string, uint64_t> searches_;
  int64_t rows_written_ = 0;
};

// Escapes a label value for the text format (backslash, quote, newline).
std::string EscapeLabel(std::string_view value);

}  // namespace quiver::server
