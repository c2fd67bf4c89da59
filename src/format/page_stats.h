// Page statistics: null count, min and max of the rows in a data file page,
// merged per column, so that a filter can skip pages without reading them.
// Which value types are tracked and how strings are truncated is specified in
// docs/format.md ("Footer").
//
// Thread-safety: StatsCollector and ColumnStatsMerger are not thread-safe;
// the value types are.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "quiver/array.h"

namespace quiver {

// A statistic value: integers (and dates, timestamps, bools) as int64 or
// uint64, floats as double, strings/binary as (possibly truncated) bytes.
using StatValue = std::variant<std::monostate, int64_t, uint64_t, double, std::string>;

struct PageStats {
  int64_t null_count = 0;
  // Absent (monostate) for nested types and all-null pages. For strings, a
  // truncated max is rounded up so that min <= every value <= max holds.
  StatValue min;
  StatValue max;

  bool operator==(const PageStats&) const = default;
};

// String and binary statistics keep at most this many bytes.
inline constexpr size_t kMaxStatBytes = 64;

// Accumulates the statistics of row ranges of arrays of one type.
class StatsCollector {
 public:
  explicit StatsCollector(const DataType& type);

  // Adds rows [offset, offset + length) of `array` (of the collector's type).
  void Update(const Array& array, int64_t offset, int64_t length);
  // The statistics of everything added since the last Finish, then resets.
  PageStats Finish();

 private:
  enum class Kind : uint8_t { kNone, kSigned, kUnsigned, kFloat, kBytes };
  const DataType& type_;
  Kind kind_;
  int64_t null_count_ = 0;
  bool has_value_ = false;  // a non-null, non-NaN value was seen
  int64_t min_i_ = 0, max_i_ = 0;
  uint64_t min_u_ = 0, max_u_ = 0;
  double min_d_ = 0, max_d_ = 0;
  std::string min_s_, max_s_;
  bool max_unbounded_ = false;  // a string max could not be rounded up
};

// Merges page statistics into column statistics.
class ColumnStatsMerger {
 public:
  explicit ColumnStatsMerger(const DataType& type);
  void Add(const PageStats& stats);
  PageStats Finish() const;

 private:
  bool is_bytes_;
  PageStats merged_;
  bool has_value_ = false;
  bool max_unbounded_ = false;
};

// Returns the smallest string of at most kMaxStatBytes bytes that is >= every
// string starting with `value`'s first kMaxStatBytes bytes, or false when
// there is none (all of them are 0xFF). Short values are returned unchanged.
bool RoundUpStatBytes(std::string_view value, std::string* out);

}  // namespace quiver
