// Calendar dates and timestamps: conversion between days since the epoch
// and civil (proleptic Gregorian) dates, ISO 8601 / SQL text parsing and
// formatting, and time-unit arithmetic. Dates are days since 1970-01-01;
// timestamps are counts of a TimeUnit since 1970-01-01 00:00:00 UTC, as in
// Arrow's date32 and timestamp types.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "quiver/status.h"

namespace quiver {

// Declared (with its enumerators kSecond, kMilli, kMicro, kNano, numbered
// 0..3) in quiver/schema.h, which belongs to the data layer; src/common sees
// only this declaration and relies on that numbering.
enum class TimeUnit : uint8_t;

// --- Civil dates

// Days since 1970-01-01 of year y, month m (1..12), day d (1..31); any
// proleptic Gregorian date, negative before the epoch. Precondition: a valid
// date (see IsValidDate) within +-10^9 years.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
// The inverse: the civil date of `days` since 1970-01-01 (|days| < 2^62).
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d);
// Whether month m and day d exist in year y (29 February only in leap years).
bool IsValidDate(int64_t y, int64_t m, int64_t d);

// --- Time units

// 1, 1000, 1000000 or 1000000000.
int64_t UnitsPerSecond(TimeUnit unit);
// 0, 3, 6 or 9: the digits of a second's fraction the unit can hold.
int FractionDigits(TimeUnit unit);
// "s", "ms", "us" or "ns", as in "timestamp[us]".
const char* TimeUnitName(TimeUnit unit);

// `value` in `from` units as a count of `to` units. To a finer unit the value
// is multiplied (false on int64 overflow, *out untouched); to a coarser unit
// it is divided rounding towards negative infinity, so the result is the
// unit that contains the instant (also before the epoch). Always true then.
bool ConvertTimeUnit(int64_t value, TimeUnit from, TimeUnit to, int64_t* out);
// Midnight UTC of `days` since the epoch in `unit` (false on overflow, *out
// untouched).
bool DaysToTimestamp(int64_t days, TimeUnit unit, int64_t* out);
// The day (since the epoch, UTC) holding the instant; floors before 1970.
int64_t TimestampToDays(int64_t value, TimeUnit unit);

// --- Parsing

// "YYYY-MM-DD" (exactly 4, 2 and 2 digits) to days since the epoch.
// InvalidArgument naming the text otherwise, or for a date that does not
// exist (2023-02-29): `cannot parse "2024-1-1" as a date (expected
// YYYY-MM-DD)`.
Result<int64_t> ParseDate(std::string_view text);

// ISO 8601 and SQL timestamps: "YYYY-MM-DD", optionally followed by 'T' or
// ' ' and "HH:MM[:SS[.fraction]]" (up to 9 fractional digits), and then an
// optional "Z" or UTC offset "+HH:MM" / "-HH:MM" / "+HHMM", which is
// subtracted so that the result is UTC. Returns the instant in `unit`.
// InvalidArgument naming the text and the reason: a malformed part, a time
// of day out of range, a fraction finer than the unit, or an instant out of
// the unit's int64 range.
Result<int64_t> ParseTimestamp(std::string_view text, TimeUnit unit);

// --- Formatting

// "2024-01-31" (|days| < 2^62); years before 0 or after 9999 are written with as many digits
// as they need (and a '-' sign).
std::string FormatDate(int64_t days);

// How FormatTimestamp writes the fraction of a second.
enum class FractionStyle : uint8_t {
  kTrimmed,  // only when non-zero, without trailing zeros: "12:00:00", "12:00:00.5"
  kFull,     // every digit of the unit, even zeros: "12:00:00.500000" (us)
};

// "2024-01-31 12:00:00" in UTC (no zone suffix), with the fraction as
// `style` says. ParseTimestamp(FormatTimestamp(v, u), u) == v.
std::string FormatTimestamp(int64_t value, TimeUnit unit, FractionStyle style = FractionStyle::kTrimmed);

}  // namespace quiver
