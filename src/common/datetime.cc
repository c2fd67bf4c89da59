#include "common/datetime.h"

#include <cstdio>

namespace quiver {

namespace {

constexpr int64_t kSecondsPerDay = 86400;

// Index of `unit` in the tables below (kSecond..kNano = 0..3, see the header).
unsigned UnitIndex(TimeUnit unit) {
  unsigned i = static_cast<unsigned>(unit);
  return i < 4 ? i : 3;
}

constexpr int64_t kUnitsPerSecond[] = {1, 1000, 1000000, 1000000000};
constexpr int kFractionDigits[] = {0, 3, 6, 9};
constexpr const char* kUnitNames[] = {"s", "ms", "us", "ns"};

// Floor division and the matching non-negative remainder (b > 0).
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}
int64_t FloorMod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}

// `count` decimal digits at text[*pos]; advances past them.
bool ParseDigits(std::string_view text, size_t* pos, int count, int* out) {
  if (*pos + count > text.size()) return false;
  int v = 0;
  for (int k = 0; k < count; ++k) {
    char c = text[*pos + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += count;
  *out = v;
  return true;
}

// "YYYY-MM-DD" at text[*pos]; advances past it.
bool ParseDateAt(std::string_view text, size_t* pos, int64_t* days) {
  int y, m, d;
  if (!ParseDigits(text, pos, 4, &y) || *pos >= text.size() || text[(*pos)++] != '-' ||
      !ParseDigits(text, pos, 2, &m) || *pos >= text.size() || text[(*pos)++] != '-' ||
      !ParseDigits(text, pos, 2, &d) || !IsValidDate(y, m, d)) {
    return false;
  }
  *days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

}  // namespace

// Howard Hinnant's days_from_civil: years are shifted to start in March so
// that the leap day is the last day of the (shifted) year.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool IsValidDate(int64_t y, int64_t m, int64_t d) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

int64_t UnitsPerSecond(TimeUnit unit) { return kUnitsPerSecond[UnitIndex(unit)]; }
int FractionDigits(TimeUnit unit) { return kFractionDigits[UnitIndex(unit)]; }
const char* TimeUnitName(TimeUnit unit) { return kUnitNames[UnitIndex(unit)]; }

bool ConvertTimeUnit(int64_t value, TimeUnit from, TimeUnit to, int64_t* out) {
  const int64_t f = UnitsPerSecond(from), t = UnitsPerSecond(to);
  if (t >= f) {
    int64_t scaled;
    if (__builtin_mul_overflow(value, t / f, &scaled)) return false;
    *out = scaled;
    return true;
  }
  *out = FloorDiv(value, f / t);
  return true;
}

bool DaysToTimestamp(int64_t days, TimeUnit unit, int64_t* out) {
  int64_t secs, scaled;
  if (__builtin_mul_overflow(days, kSecondsPerDay, &secs) ||
      __builtin_mul_overflow(secs, UnitsPerSecond(unit), &scaled)) {
    return false;
  }
  *out = scaled;
  return true;
}

int64_t TimestampToDays(int64_t value, TimeUnit unit) {
  return FloorDiv(FloorDiv(value, UnitsPerSecond(unit)), kSecondsPerDay);
}

Result<int64_t> ParseDate(std::string_view text) {
  size_t pos = 0;
  int64_t days;
  if (!ParseDateAt(text, &pos, &days) || pos != text.size()) {
    return Status::InvalidArgument("cannot parse \"" + std::string(text) +
                                   "\" as a date (expected YYYY-MM-DD)");
  }
  return days;
}

Result<int64_t> ParseTimestamp(std::string_view text, TimeUnit unit) {
  auto bad = [&](const char* why) {
    return Status::InvalidArgument("cannot parse \"" + std::string(text) + "\" as a timestamp: " + why);
  };
  size_t pos = 0;
  int64_t days;
  if (!ParseDateAt(text, &pos, &days)) return bad("expected YYYY-MM-DD");
  int hh = 0, mm = 0, ss = 0;
  int64_t frac_ns = 0;
  int64_t offset_s = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    ++pos;
    if (!ParseDigits(text, &pos, 2, &hh) || pos >= text.size() || text[pos++] != ':' ||
        !ParseDigits(text, &pos, 2, &mm)) {
      return bad("expected HH:MM after the date");
    }
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!ParseDigits(text, &pos, 2, &ss)) return bad("expected seconds");
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
          if (digits >= 9) return bad("more than 9 fractional digits");
          frac_ns = frac_ns * 10 + (text[pos] - '0');
          ++digits;
          ++pos;
        }
        if (digits == 0) return bad("expected digits after '.'");
        for (int k = digits; k < 9; ++k) frac_ns *= 10;
      }
    }
    if (hh > 23 || mm > 59 || ss > 59) return bad("time of day out of range");
    if (pos < text.size() && text[pos] == 'Z') {
      ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      int sign = text[pos++] == '-' ? -1 : 1;
      int oh, om = 0;
      if (!ParseDigits(text, &pos, 2, &oh)) return bad("expected a UTC offset +HH:MM");
      if (pos < text.size() && text[pos] == ':') ++pos;
      if (!ParseDigits(text, &pos, 2, &om)) return bad("expected a UTC offset +HH:MM");
      offset_s = sign * (oh * 3600 + om * 60);
    }
  }
  if (pos != text.size()) return bad("unexpected trailing text");
  const int64_t secs = days * kSecondsPerDay + hh * 3600 + mm * 60 + ss - offset_s;
  const int64_t per_sec = UnitsPerSecond(unit);
  const int64_t ns_per_unit = 1000000000 / per_sec;
  if (frac_ns % ns_per_unit != 0) return bad("more precision than the column's time unit");
  int64_t out;
  if (__builtin_mul_overflow(secs, per_sec, &out) ||
      __builtin_add_overflow(out, frac_ns / ns_per_unit, &out)) {
    return bad("out of range for the time unit");
  }
  return out;
}

std::string FormatDate(int64_t days) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

std::string FormatTimestamp(int64_t value, TimeUnit unit, FractionStyle style) {
  const int64_t per_sec = UnitsPerSecond(unit);
  int digits = FractionDigits(unit);
  // Floor division so that instants before the epoch print correctly.
  const int64_t secs = FloorDiv(value, per_sec);
  int64_t frac = FloorMod(value, per_sec);
  const int64_t sod = FloorMod(secs, kSecondsPerDay);
  std::string out = FormatDate(FloorDiv(secs, kSecondsPerDay));
  char buf[48];
  std::snprintf(buf, sizeof(buf), " %02d:%02d:%02d", static_cast<int>(sod / 3600),
                static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60));
  out += buf;
  if (style == FractionStyle::kTrimmed) {
    if (frac == 0) return out;
    while (frac % 10 == 0) {
      frac /= 10;
      --digits;
    }
  }
  if (digits > 0) {
    std::snprintf(buf, sizeof(buf), ".%0*lld", digits, static_cast<long long>(frac));
    out += buf;
  }
  return out;
}

}  // namespace quiver
