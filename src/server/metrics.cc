#include "server/metrics.h"

#include <algorithm>
#include <charconv>

namespace quiver::server {

namespace {

// The shortest text that reads back to `value` ("0.00025", not 0.00025000000000000001).
std::string Number(double value) {
  char buf[400];  // fixed notation of any double fits
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  return std::string(buf, end);
}

void Header(std::string* out, std::string_view name, std::string_view help, std::string_view type) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

std::string EscapeLabel(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

const std::vector<double>& Metrics::Buckets() {
  static const std::vector<double> buckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return buckets;
}

void Metrics::RecordRequest(std::string_view route, std::string_view method, int status, double seconds) {
  const auto& buckets = Buckets();
  size_t bucket = std::lower_bound(buckets.begin(), buckets.end(), seconds) - buckets.begin();
  std::lock_guard lock(mu_);
  ++requests_[{std::string(route), std::string(method), status}];
  Histogram& h = latency_[{std::string(route), std::string(method)}];
  if (h.counts.empty()) h.counts.assign(buckets.size() + 1, 0);
  ++h.counts[bucket];
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddRowsWritten(int64_t rows) {
  std::lock_guard lock(mu_);
  rows_written_ += rows;
}

namespace {
// Upper bounds of the store-requests-per-search histogram.
const std::vector<double>& RequestBuckets() {
  static const std::vector<double> buckets{0, 1, 2, 4, 8, 16, 32, 64, 128, 256};
  return buckets;
}
}  // namespace

void Metrics::AddSearchIo(uint64_t store_requests, uint64_t store_bytes, uint64_t cache_hits) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto& buckets = RequestBuckets();
  if (search_requests_.counts.empty()) search_requests_.counts.assign(buckets.size() + 1, 0);
  size_t b = 0;
  while (b < buckets.size() && static_cast<double>(store_requests) > buckets[b]) ++b;
  ++search_requests_.counts[b];
  ++search_requests_.count;
  search_requests_.sum += static_cast<double>(store_requests);
  search_store_bytes_ += store_bytes;
  search_cache_hits_ += cache_hits;
}

void Metrics::AddSearch(std::string_view kind) {
  std::lock_guard lock(mu_);
  ++searches_[std::string(kind)];
}

std::string Metrics::Render(const std::vector<Sample>& extra) const {
  std::string out;
  std::lock_guard lock(mu_);
  Header(&out, "quiver_http_requests_total", "HTTP requests answered, by route, method and status.",
         "counter");
  for (const auto& [key, count] : requests_) {
    const auto& [route, method, status] = key;
    out += "quiver_http_requests_total{route=\"" + EscapeLabel(route) + "\",method=\"" + method +
           "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(count) + "\n";
  }
  Header(&out, "quiver_http_request_duration_seconds", "Time from reading a request to answering it.",
         "histogram");
  const auto& buckets = Buckets();
  for (const auto& [key, h] : latency_) {
    std::string labels = "route=\"" + EscapeLabel(key.first) + "\",method=\"" + key.second + "\"";
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= buckets.size(); ++b) {
      cumulative += h.counts[b];
      std::string le = b < buckets.size() ? Number(buckets[b]) : "+Inf";
      out += "quiver_http_request_duration_seconds_bucket{" + labels + ",le=\"" + le + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "quiver_http_request_duration_seconds_sum{" + labels + "} " + Number(h.sum) + "\n";
    out += "quiver_http_request_duration_seconds_count{" + labels + "} " + std::to_string(h.count) + "\n";
  }
  Header(&out, "quiver_searches_total", "Searches run, by kind (vector, text, hybrid, scan).", "counter");
  for (const auto& [kind, count] : searches_) {
    out += "quiver_searches_total{kind=\"" + kind + "\"} " + std::to_string(count) + "\n";
  }
  Header(&out, "quiver_search_store_requests", "Object-store requests per search (below the read cache).",
         "histogram");
  {
    const auto& buckets = RequestBuckets();
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= buckets.size(); ++b) {
      cumulative += search_requests_.counts.empty() ? 0 : search_requests_.counts[b];
      std::string le = b < buckets.size() ? Number(buckets[b]) : "+Inf";
      out += "quiver_search_store_requests_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "quiver_search_store_requests_sum " + Number(search_requests_.sum) + "\n";
    out += "quiver_search_store_requests_count " + std::to_string(search_requests_.count) + "\n";
  }
  Header(&out, "quiver_search_store_bytes_total", "Bytes searches read from the object store.", "counter");
  out += "quiver_search_store_bytes_total " + std::to_string(search_store_bytes_) + "\n";
  Header(&out, "quiver_search_cache_hits_total", "Reads of searches answered by the read cache.", "counter");
  out += "quiver_search_cache_hits_total " + std::to_string(search_cache_hits_) + "\n";
  Header(&out, "quiver_rows_written_total", "Rows received by create, add and merge-insert requests.",
         "counter");
  out += "quiver_rows_written_total " + std::to_string(rows_written_) + "\n";
  for (const Sample& s : extra) {
    Header(&out, s.name, s.help, s.type);
    out += s.name + " " + Number(s.value) + "\n";
  }
  return out;
}

}  // namespace quiver::server
