#include "common/datetime.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace quiver {
namespace {

// src/common sees TimeUnit only as a declaration (see datetime.h); these are
// its enumerators by number.
constexpr TimeUnit kSec = static_cast<TimeUnit>(0);
constexpr TimeUnit kMilli = static_cast<TimeUnit>(1);
constexpr TimeUnit kMicro = static_cast<TimeUnit>(2);
constexpr TimeUnit kNano = static_cast<TimeUnit>(3);

TEST(DatetimeTest, CivilDays) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2024, 2, 29), 19782);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1, 1, 1), -719162);
  int64_t y;
  unsigned m, d;
  CivilFromDays(19782, &y, &m, &d);
  EXPECT_EQ(y, 2024);
  EXPECT_EQ(m, 2u);
  EXPECT_EQ(d, 29u);
  CivilFromDays(-1, &y, &m, &d);
  EXPECT_EQ(y, 1969);
  EXPECT_EQ(m, 12u);
  EXPECT_EQ(d, 31u);
}

TEST(DatetimeTest, CivilRoundTripsOverFourCenturies) {
  int64_t prev = DaysFromCivil(1799, 12, 31);
  for (int64_t year = 1800; year < 2200; ++year) {
    for (unsigned month = 1; month <= 12; ++month) {
      for (unsigned day = 1; day <= 31; ++day) {
        if (!IsValidDate(year, month, day)) continue;
        int64_t days = DaysFromCivil(year, month, day);
        ASSERT_EQ(days, prev + 1) << year << "-" << month << "-" << day;
        prev = days;
        int64_t y;
        unsigned m, d;
        CivilFromDays(days, &y, &m, &d);
        ASSERT_EQ(y, year);
        ASSERT_EQ(m, month);
        ASSERT_EQ(d, day);
      }
    }
  }
}

TEST(DatetimeTest, IsValidDate) {
  EXPECT_TRUE(IsValidDate(2024, 2, 29));
  EXPECT_FALSE(IsValidDate(2023, 2, 29));
  EXPECT_FALSE(IsValidDate(1900, 2, 29));
  EXPECT_TRUE(IsValidDate(2000, 2, 29));
  EXPECT_FALSE(IsValidDate(2024, 4, 31));
  EXPECT_FALSE(IsValidDate(2024, 0, 1));
  EXPECT_FALSE(IsValidDate(2024, 13, 1));
  EXPECT_FALSE(IsValidDate(2024, 1, 0));
}

TEST(DatetimeTest, ParseDate) {
  EXPECT_EQ(*ParseDate("1970-01-01"), 0);
  EXPECT_EQ(*ParseDate("2024-02-29"), 19782);
  EXPECT_EQ(*ParseDate("1969-12-31"), -1);
  for (const char* bad : {"2023-02-29", "2024-1-1", "2024-01-01x", "", "2024-01-01 10:00", "24-01-01",
                          "2024/01/01", "2024-13-01", " 2024-01-01"}) {
    Result<int64_t> r = ParseDate(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsInvalidArgument());
  }
  EXPECT_EQ(ParseDate("2024-1-1").status().message(),
            "cannot parse \"2024-1-1\" as a date (expected YYYY-MM-DD)");
}

TEST(DatetimeTest, ParseTimestampForms) {
  EXPECT_EQ(*ParseTimestamp("2024-01-02T03:04:05.123456Z", kMicro), 1704164645123456);
  EXPECT_EQ(*ParseTimestamp("2024-01-02 03:04:05", kMicro), 1704164645000000);
  EXPECT_EQ(*ParseTimestamp("2024-01-02T05:04:05+02:00", kMicro), 1704164645000000);
  EXPECT_EQ(*ParseTimestamp("2024-01-02T01:04:05-0200", kMicro), 1704164645000000);
  EXPECT_EQ(*ParseTimestamp("2024-01-02 03:04", kSec), 1704164640);
  EXPECT_EQ(*ParseTimestamp("2024-01-02", kMilli), 1704153600000);
  EXPECT_EQ(*ParseTimestamp("1969-12-31T23:59:59.5Z", kMicro), -500000);
  EXPECT_EQ(*ParseTimestamp("2000-01-01 00:00:00.000000001", kNano), 946684800000000001);
  EXPECT_EQ(*ParseTimestamp("2262-04-11T23:47:16.854775807", kNano), std::numeric_limits<int64_t>::max());
}

TEST(DatetimeTest, ParseTimestampErrors) {
  auto message = [](const char* text, TimeUnit unit) {
    return ParseTimestamp(text, unit).status().message();
  };
  EXPECT_EQ(message("yesterday", kMicro), "cannot parse \"yesterday\" as a timestamp: expected YYYY-MM-DD");
  EXPECT_EQ(message("2024-01-02T25:00", kMicro),
            "cannot parse \"2024-01-02T25:00\" as a timestamp: time of day out of range");
  EXPECT_EQ(message("2024-01-02 10", kMicro),
            "cannot parse \"2024-01-02 10\" as a timestamp: expected HH:MM after the date");
  EXPECT_EQ(message("2024-01-02 10:00:00.", kMicro),
            "cannot parse \"2024-01-02 10:00:00.\" as a timestamp: expected digits after '.'");
  EXPECT_EQ(message("2024-01-02 10:00:00.1234567", kMicro),
            "cannot parse \"2024-01-02 10:00:00.1234567\" as a timestamp: more precision than the "
            "column's time unit");
  EXPECT_EQ(message("2024-01-02 10:00:00.1234567891", kNano),
            "cannot parse \"2024-01-02 10:00:00.1234567891\" as a timestamp: more than 9 fractional digits");
  EXPECT_EQ(message("2262-04-11T23:47:16.854775808", kNano),
            "cannot parse \"2262-04-11T23:47:16.854775808\" as a timestamp: out of range for the time unit");
  EXPECT_EQ(message("2024-01-02 10:00+1", kMicro),
            "cannot parse \"2024-01-02 10:00+1\" as a timestamp: expected a UTC offset +HH:MM");
  EXPECT_EQ(message("2024-01-02 10:00:00 UTC", kMicro),
            "cannot parse \"2024-01-02 10:00:00 UTC\" as a timestamp: unexpected trailing text");
}

TEST(DatetimeTest, Units) {
  EXPECT_EQ(UnitsPerSecond(kSec), 1);
  EXPECT_EQ(UnitsPerSecond(kMilli), 1000);
  EXPECT_EQ(UnitsPerSecond(kMicro), 1000000);
  EXPECT_EQ(UnitsPerSecond(kNano), 1000000000);
  EXPECT_EQ(FractionDigits(kMilli), 3);
  EXPECT_STREQ(TimeUnitName(kMicro), "us");
  int64_t out = 0;
  ASSERT_TRUE(ConvertTimeUnit(1500, kMilli, kMicro, &out));
  EXPECT_EQ(out, 1500000);
  ASSERT_TRUE(ConvertTimeUnit(1500, kMilli, kSec, &out));
  EXPECT_EQ(out, 1);
  ASSERT_TRUE(ConvertTimeUnit(-1500, kMilli, kSec, &out));
  EXPECT_EQ(out, -2);  // floor: the second holding the instant
  out = 7;
  EXPECT_FALSE(ConvertTimeUnit(std::numeric_limits<int64_t>::max() / 10, kSec, kNano, &out));
  EXPECT_EQ(out, 7);
  ASSERT_TRUE(DaysToTimestamp(1, kMilli, &out));
  EXPECT_EQ(out, 86400000);
  EXPECT_FALSE(DaysToTimestamp(int64_t{1} << 40, kNano, &out));
  EXPECT_EQ(TimestampToDays(-1, kNano), -1);
  EXPECT_EQ(TimestampToDays(86400, kSec), 1);
}

TEST(DatetimeTest, Format) {
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_EQ(FormatDate(19782), "2024-02-29");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
  EXPECT_EQ(FormatTimestamp(1706702400, kSec), "2024-01-31 12:00:00");
  EXPECT_EQ(FormatTimestamp(1706702400500000, kMicro), "2024-01-31 12:00:00.5");
  EXPECT_EQ(FormatTimestamp(1706702400000123, kMicro), "2024-01-31 12:00:00.000123");
  EXPECT_EQ(FormatTimestamp(-500000, kMicro), "1969-12-31 23:59:59.5");
  EXPECT_EQ(FormatTimestamp(-500000, kMicro, FractionStyle::kFull), "1969-12-31 23:59:59.500000");
  EXPECT_EQ(FormatTimestamp(0, kMilli, FractionStyle::kFull), "1970-01-01 00:00:00.000");
  EXPECT_EQ(FormatTimestamp(0, kSec, FractionStyle::kFull), "1970-01-01 00:00:00");
  EXPECT_EQ(FormatTimestamp(std::numeric_limits<int64_t>::max(), kNano), "2262-04-11 23:47:16.854775807");
  EXPECT_EQ(FormatTimestamp(std::numeric_limits<int64_t>::min(), kNano), "1677-09-21 00:12:43.145224192");
}

TEST(DatetimeTest, FormatParsesBack) {
  std::mt19937_64 rng(42);
  // Instants within years 0001..9999 (so that the text has 4-digit years).
  const int64_t lo = DaysFromCivil(1, 1, 1) * 86400, hi = DaysFromCivil(9999, 12, 31) * 86400;
  for (TimeUnit unit : {kSec, kMilli, kMicro, kNano}) {
    for (int k = 0; k < 2000; ++k) {
      int64_t v;
      if (unit == kNano) {
        v = static_cast<int64_t>(rng());
      } else {
        v = lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo));
        v = v * UnitsPerSecond(unit) + static_cast<int64_t>(rng() % UnitsPerSecond(unit));
      }
      if (k % 3 == 0) v -= v % UnitsPerSecond(unit);  // whole seconds too
      for (FractionStyle style : {FractionStyle::kTrimmed, FractionStyle::kFull}) {
        std::string text = FormatTimestamp(v, unit, style);
        Result<int64_t> back = ParseTimestamp(text, unit);
        ASSERT_TRUE(back.ok()) << text << ": " << back.status().ToString();
        ASSERT_EQ(*back, v) << text;
      }
    }
  }
}

}  // namespace
}  // namespace quiver
